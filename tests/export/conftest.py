"""Shared by the export tests: the packaged build as an export source, read once."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from rdflib import Graph

from kg.export import ExportSource, source_from_build


@pytest.fixture(scope="session")
def build_source() -> ExportSource:
    return source_from_build()


def canonical_lines(graph: Graph) -> set[bytes]:
    """The graph's triples with RDFC-1.0 blank-node labels: equal sets <=> isomorphic graphs.
    (rdflib.compare.isomorphic takes minutes on the build's blank nodes; this takes under a second.)"""
    from kg.base.oxigraph_bridge import canonical_graph

    return {line for line in canonical_graph(graph).serialize(format="nt", encoding="utf-8").splitlines()
            if line.strip()}


def assert_isomorphic(actual: Graph, expected: Graph | frozenset[bytes]) -> None:
    """``expected``: a graph, or its ``canonical_lines`` made once for several comparisons."""
    got = canonical_lines(actual)
    want = expected if isinstance(expected, frozenset) else canonical_lines(expected)
    missing, extra = sorted(want - got)[:5], sorted(got - want)[:5]
    assert got == want, f"{len(want - got)} triples missing (e.g. {missing}), {len(got - want)} extra (e.g. {extra})"


def edited(source: ExportSource, add: Iterable[tuple] = (), remove: Iterable[tuple] = ()) -> ExportSource:
    """A copy of the build with triples removed (patterns) and added; the provenance stays the build's, since the
    broken-graph tests check that an export fails (or omits) before it states any provenance."""
    graph = Graph()
    for triple in source.graph:
        graph.add(triple)
    for pattern in remove:
        graph.remove(pattern)
    for triple in add:
        graph.add(triple)
    return ExportSource(graph, source.provenance)
