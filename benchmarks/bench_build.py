"""Speed of the build pipeline and of queries: median wall time over several runs.

Ratios compare alternatives measured in the same process, interleaved (pyoxigraph vs rdflib's
SPARQL engine for the same query). Run: ``python benchmarks/bench_build.py [--runs N]``.
Writes benchmarks/results/bench_build.json (git-ignored) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Namespace

from kg.base.oxigraph_bridge import to_store
from kg.core.build.checks import run_checks
from kg.core.build.pipeline import build_graph, serialize
from kg.core.build.tables import load_tables
from kg.core.query.library import load_query, run_query
from kg.model.packages import discover
from kg.model.reasoning import check_consistency
from kg.model.shacl import validate_graph

RESULTS = Path(__file__).parent / "results"
RLS = Namespace(discover()["rls-aasm-2024"].namespace)  # the guideline's namespace, from its package manifest


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rdflib_query(graph: Graph, name: str, bindings: dict) -> int:
    query = load_query(name)
    return len(list(graph.query(query.text, initBindings=bindings)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    tables = load_tables()
    graph, _ = build_graph(tables)
    store = to_store(graph)
    options = load_query("cq/treatment-options")
    seed = {"issuer": RLS["seed"]}
    results = {
        "triples": len(graph),
        "runs": runs,
        "validate_tables_s": median_seconds(load_tables, runs),
        "transform_and_merge_s": median_seconds(lambda: build_graph(tables), runs),
        "shacl_s": median_seconds(lambda: validate_graph(graph), runs),
        "qc_checks_pyoxigraph_s": median_seconds(lambda: run_checks(store), runs),
        "qc_checks_incl_load_s": median_seconds(lambda: run_checks(graph), runs),
        "serialize_canonical_turtle_s": median_seconds(lambda: serialize(graph), runs),
        "hermit_consistency_s": median_seconds(lambda: check_consistency(graph), max(3, runs // 2)),
    }
    # same query, same process, interleaved: pyoxigraph vs rdflib's engine
    oxi, rdf = [], []
    for _ in range(runs):
        oxi.append(median_seconds(lambda: run_query(options, store, seed), 1))
        rdf.append(median_seconds(lambda: rdflib_query(graph, "cq/treatment-options", seed), 1))
    results["query_treatment_options_pyoxigraph_ms"] = statistics.median(oxi) * 1000
    results["query_treatment_options_rdflib_ms"] = statistics.median(rdf) * 1000
    results["rdflib_over_pyoxigraph_ratio"] = statistics.median(rdf) / statistics.median(oxi)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_build.json").write_text(json.dumps(results, indent=2) + "\n")
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value:.3f}" if isinstance(value, float) else f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
