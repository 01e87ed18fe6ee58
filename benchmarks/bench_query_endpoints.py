"""Speed of the query library: for every competency question (queries/cq/), the median wall time of the
embedded engine (pyoxigraph on the packaged build) and of each SPARQL endpoint given, the same query with
the same parameter values (the first value each parameter answers for unbound, resolved once beforehand).

Embedded: ``store.query`` with substitutions, results read into rows. Endpoint: the query with its VALUES
block sent over HTTP (kg/core/query/endpoint.py, with the local checks of kg/core/query/values_clause.py) and
the reply parsed.
Both include reading every row. A local Oxigraph server holding the packaged build is started unless
``--no-oxigraph``; add other stores with ``--endpoint NAME=URL`` (they must hold the same build).

Run: ``python benchmarks/bench_query_endpoints.py [--runs 5] [--endpoint fuseki=http://127.0.0.1:3030/kg/query]``;
writes benchmarks/results/bench_query_endpoints.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.servers and benchmarks, when run as a script

from benchmarks.bench_build import median_seconds  # noqa: E402
from kg.base.oxigraph_bridge import to_ox  # noqa: E402
from kg.core.build.knowledge import default_knowledge  # noqa: E402
from kg.core.query.endpoint import run_remote  # noqa: E402
from kg.core.query.execute import Target  # noqa: E402
from kg.core.query.library import Query, all_queries, run_query  # noqa: E402
from kg.core.query.results import from_engine  # noqa: E402
from tests.servers.oxigraph import start_oxigraph, stop  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def median_ms(run: Callable[[], object], runs: int) -> float:
    return round(1000 * median_seconds(run, runs), 2)


def bindings(query: Query) -> dict:
    """The first value (by text) each parameter answers for unbound (a term of the graph); a filter (#+ filters:,
    whose column the answer leaves out) stays unbound."""
    rows = run_query(query, default_knowledge().store)
    return {p: min((r[p] for r in rows if r[p] is not None), key=str) for p in query.params if p not in query.filters}


def measure(endpoints: dict[str, str], runs: int) -> list[dict]:
    store = default_knowledge().store
    table = []
    for query in (q for q in all_queries() if q.name.startswith("cq/")):
        bound = bindings(query) if query.params else {}
        Target(default_knowledge()).names(query)  # warm: names and labels read once
        substitutions = {ox.Variable(n): to_ox(t) for n, t in bound.items()}

        def embedded(query: Query = query, substitutions: dict = substitutions) -> object:
            result = from_engine(store.query(query.text, substitutions=substitutions))
            return result.rows() if hasattr(result, "rows") else result

        line = {"query": query.name, "params": {n: str(t) for n, t in bound.items()},
                "embedded_ms": median_ms(embedded, runs)}
        for name, url in endpoints.items():
            def remote(query: Query = query, url: str = url, bound: dict = bound) -> object:
                result = run_remote(query, url, bound)
                return result.rows() if hasattr(result, "rows") else result

            line[f"{name}_ms"] = median_ms(remote, runs)
        table.append(line)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--endpoint", action="append", default=[], metavar="NAME=URL",
                        help="another SPARQL endpoint holding the packaged build (repeatable)")
    parser.add_argument("--no-oxigraph", action="store_true", help="do not start a local Oxigraph server")
    args = parser.parse_args()
    endpoints = dict(pair.split("=", 1) for pair in args.endpoint)
    process = None
    with tempfile.TemporaryDirectory(prefix="kg-bench-oxigraph-") as folder:
        if not args.no_oxigraph:
            base, process = start_oxigraph(Path(folder))
            endpoints = {"oxigraph": f"{base}/query", **endpoints}
        try:
            table = measure(endpoints, args.runs)
        finally:
            if process is not None:
                stop(process)
    columns = ["embedded_ms", *(f"{name}_ms" for name in endpoints)]
    print(f"{'query':34}" + "".join(f"{c:>16}" for c in columns))
    for line in table:
        print(f"{line['query']:34}" + "".join(f"{line[c]:>16.1f}" for c in columns))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_query_endpoints.json").write_text(json.dumps(
        {"runs": args.runs, "endpoints": endpoints, "queries": table}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
