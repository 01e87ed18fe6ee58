"""Build-time materialisation: the closures every rule and competency query shares, computed once
by the CONSTRUCT queries of queries/materialise/ (in file-name order) and stored in the graph:
``cg:fallsUnder`` (drug-class closure), ``cg:inForce`` (statements current and prevailing),
``cg:TreatmentOption`` (the option set). One definition each, in one .rq file."""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
from rdflib import Graph

from kg.base.oxigraph_bridge import to_graph, to_store
from kg.base.paths import QUERIES_DIR
from kg.core.query.library import Query, parse_query_file, run_construct

MATERIALISE_DIR = QUERIES_DIR / "materialise"


@cache
def materialise_queries() -> tuple[Query, ...]:
    return tuple(parse_query_file(p) for p in sorted(MATERIALISE_DIR.glob("*.rq")))


def materialise(graph: Graph) -> Graph:
    """Add the materialised closures to ``graph`` (in place) and return it."""
    store = to_store(graph)
    for query in materialise_queries():
        triples = run_construct(query, store)
        for triple in triples:  # a later step may read an earlier one's result
            store.add(ox.Quad(triple.subject, triple.predicate, triple.object))
        graph += to_graph(triples)
    return graph
