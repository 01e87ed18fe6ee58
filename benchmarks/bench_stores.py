"""Every competency question on three engines: embedded pyoxigraph (``kg query``), an Oxigraph server and
Virtuoso 7 (both on 127.0.0.1, loaded with ``kg push``, queried over the SPARQL protocol with the build graph
as default graph); and ``kg push`` itself on both stores. Median wall time over several runs, engines
interleaved per run. Parameterised questions run with their parameters unbound (the same text on every
engine) and bound (to the first row of the unbound embedded answer, as tests/test_stores_agree.py binds them:
substitution embedded, a VALUES block first in WHERE remotely, the local checks of kg/core/query/values_clause.py
included). The servers are the test suite's (tests/servers/), so Virtuoso must be installed.

Run: ``python benchmarks/bench_stores.py [--runs N]``; writes benchmarks/results/bench_stores.json
(git-ignored) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.servers, run as a script from a checkout

from kg.base.paths import BUILD_GRAPH_IRI, INFERRED_GRAPH_IRI  # noqa: E402
from kg.core.build.knowledge import default_knowledge  # noqa: E402
from kg.core.query.endpoint import run_remote  # noqa: E402
from kg.core.query.library import Query, all_queries, run_query  # noqa: E402
from kg.publish.push import push  # noqa: E402
from tests.servers.oxigraph_store import running_oxigraph  # noqa: E402
from tests.servers.virtuoso import running_virtuoso  # noqa: E402
from tests.test_stores_agree import bindings_for  # noqa: E402

RESULTS = Path(__file__).parent / "results"
TIMEOUT = 600.0


def median_ms(timings: list[float]) -> float:
    return round(statistics.median(timings) * 1000, 1)


def remote_rows(query: Query, endpoint: str, bindings: dict) -> int:
    return len(run_remote(query, endpoint, bindings, timeout=TIMEOUT).rows())  # type: ignore[union-attr]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    store = default_knowledge().store
    queries = [q for q in all_queries() if q.name.startswith("cq/")]
    cases = [(q.name, q, {}) for q in queries] + [(f"{q.name} (bound)", q, bindings_for(q, "bound"))
                                                  for q in queries if q.params]
    default_graph = urllib.parse.urlencode({"default-graph-uri": BUILD_GRAPH_IRI,
                                            "named-graph-uri": INFERRED_GRAPH_IRI})
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "o").mkdir()
        (Path(work) / "v").mkdir()
        with running_oxigraph(Path(work) / "o") as oxigraph, running_virtuoso(Path(work) / "v") as virtuoso:
            pushes: dict[str, list[float]] = {"oxigraph": [], "virtuoso": []}
            for _ in range(runs):
                pushes["oxigraph"].append(timed(lambda: push(oxigraph.store_url, timeout=TIMEOUT)))
                pushes["virtuoso"].append(timed(lambda: push(virtuoso.store_url, user=virtuoso.user,
                                                             password=virtuoso.password, timeout=TIMEOUT)))
            engines: dict[str, Callable] = {
                "embedded": lambda q, b: len(run_query(q, store, b)),
                "oxigraph": lambda q, b: remote_rows(q, f"{oxigraph.query_url}?{default_graph}", b),
                "virtuoso": lambda q, b: remote_rows(q, f"{virtuoso.query_url}?{default_graph}", b),
            }
            timings: dict[str, dict[str, list[float]]] = {case: {name: [] for name in engines} for case, _, _ in cases}
            rows, first = {}, {}
            for case, query, bindings in cases:
                for name, engine in engines.items():  # the first run, apart: Virtuoso's can take much longer
                    started = time.perf_counter()
                    rows[case] = engine(query, bindings)
                    first[f"{case} {name}"] = round((time.perf_counter() - started) * 1000, 1)
                for _ in range(runs):
                    for name, engine in engines.items():
                        timings[case][name].append(timed(lambda e=engine, q=query, b=bindings: e(q, b)))
    report = {"runs": runs, "push_ms": {k: median_ms(v) for k, v in pushes.items()},
              "query_ms": {q: {e: median_ms(t) for e, t in per.items()} for q, per in timings.items()},
              "rows": rows, "first_run_ms": first}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_stores.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"kg push (build + entailments, median of {runs}): " +
          ", ".join(f"{k} {v:.0f} ms" for k, v in report["push_ms"].items()))
    print(f"\n| query (median of {runs}, ms; first run in brackets) | rows (Virtuoso) | embedded | Oxigraph server "
          "| Virtuoso |\n|---|---|---|---|---|")
    for name, per in report["query_ms"].items():
        cells = " | ".join(f"{per[e]} ({first[f'{name} {e}']})" for e in engines)
        print(f"| {name} | {rows[name]} | {cells} |")


if __name__ == "__main__":
    main()
