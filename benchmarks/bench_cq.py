"""Speed of the competency questions on the packaged build (kg/built/), embedded (pyoxigraph): median wall time
of each query over several runs, with the parameters its golden answer uses (tests/test_queries.py GOLDEN_PARAMS).

Run: ``python benchmarks/bench_cq.py [--runs N]``. Prints a table (query, rows, median ms) and writes
benchmarks/results/bench_cq.json (git-ignored). Other engines (an Oxigraph server, Fuseki) add a column each:
``time_query(engine, query, bindings)`` is the one place a run is timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from kg.core.build.knowledge import default_knowledge
from kg.core.query.library import Query, all_queries, run_query
from kg.report.formatting import parse_bindings

RESULTS = Path(__file__).parent / "results"


def golden_params() -> dict[str, list[str]]:
    from tests.test_queries import GOLDEN_PARAMS

    return GOLDEN_PARAMS


def time_query(run: Callable[[], list], runs: int) -> tuple[int, float]:
    """(rows, median seconds) of ``runs`` runs; the first run is timed too (no warm-up is discarded)."""
    times, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = len(run())
        times.append(time.perf_counter() - started)
    return rows, statistics.median(times)


def embedded(query: Query, bindings: dict) -> Callable[[], list]:
    store = default_knowledge().store
    return lambda: run_query(query, store, bindings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    default_knowledge()  # load the build once, outside the timings
    params = golden_params()
    results = []
    for query in (q for q in all_queries() if q.name.startswith("cq/")):
        bindings = parse_bindings(params.get(query.name, []))
        rows, seconds = time_query(embedded(query, bindings), args.runs)
        results.append({"query": query.name, "params": params.get(query.name, []), "rows": rows,
                        "embedded_ms": round(seconds * 1000, 1)})
    width = max(len(r["query"]) for r in results)
    print(f"{'query':{width}}  {'rows':>5}  {'embedded ms (median of ' + str(args.runs) + ')':>28}")
    for r in results:
        print(f"{r['query']:{width}}  {r['rows']:>5}  {r['embedded_ms']:>28.1f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_cq.json").write_text(json.dumps({"runs": args.runs, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
