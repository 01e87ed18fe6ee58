"""kg/base/small_graph.py: a SmallGraph answers every read and write as rdflib's Graph on its SimpleMemory store does,
in the same order, after any sequence of adds and removes: compared operation for operation on random sequences,
with SPARQL, serialisation and the union of two graphs on top."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.paths import OneOrMore

from kg.base.small_graph import SmallGraph, small_graph

P = "https://example.org/p/"
SUBJECTS = [URIRef(f"{P}s{i}") for i in range(4)] + [BNode("b1")]
PREDICATES = [URIRef(f"{P}p{i}") for i in range(3)] + [RDF.type, RDFS.subClassOf]
OBJECTS = [*SUBJECTS, Literal(1), Literal(Decimal("1.0")), Literal("1"), Literal("x", lang="en"),
           Literal(True), URIRef(f"{P}C")]
triples = st.tuples(st.sampled_from(SUBJECTS), st.sampled_from(PREDICATES), st.sampled_from(OBJECTS))
patterns = st.tuples(st.sampled_from([None, *SUBJECTS]), st.sampled_from([None, *PREDICATES]),
                     st.sampled_from([None, *OBJECTS]))
operations = st.lists(st.one_of(st.tuples(st.just("add"), triples), st.tuples(st.just("remove"), patterns)),
                      max_size=40)


def _both(ops: list) -> tuple[Graph, Graph]:
    reference, small = Graph(store="SimpleMemory"), small_graph()
    for kind, arg in ops:
        getattr(reference, kind)(arg)
        getattr(small, kind)(arg)
    return reference, small


@settings(max_examples=300, deadline=None)
@given(operations, st.lists(patterns, min_size=1, max_size=8))
def test_every_read_equals_rdflibs_after_random_adds_and_removes(ops, reads):
    reference, small = _both(ops)
    assert isinstance(small, SmallGraph) and isinstance(small, Graph)
    assert len(small) == len(reference)
    assert list(small) == list(reference)
    for s, p, o in reads:
        assert list(small.triples((s, p, o))) == list(reference.triples((s, p, o)))
        assert ((s, p, o) in small) == ((s, p, o) in reference)
        assert list(small.objects(s, p)) == list(reference.objects(s, p))
        assert list(small.subjects(p, o)) == list(reference.subjects(p, o))
        assert list(small.predicates(s, o)) == list(reference.predicates(s, o))
        assert list(small.objects(s, p, unique=True)) == list(reference.objects(s, p, unique=True))
        if s is not None and p is not None:
            assert small.value(s, p) == reference.value(s, p)


@settings(max_examples=100, deadline=None)
@given(operations, operations)
def test_union_copy_sparql_and_serialisation_equal_rdflibs(first, second):
    reference, small = _both(first)
    other_reference, other_small = _both(second)
    reference += other_reference
    small += other_small
    assert list(small) == list(reference)
    assert set(small + other_small) == set(reference + other_reference)
    query = "SELECT ?s ?o WHERE { ?s ?p ?o . FILTER(isIRI(?o)) } ORDER BY ?s ?o"
    assert list(small.query(query)) == list(reference.query(query))
    assert sorted(small.serialize(format="nt").splitlines()) == sorted(reference.serialize(format="nt").splitlines())


def test_a_property_path_and_a_list_of_subjects_go_through_rdflib():
    graph = small_graph()
    a, b, c = (URIRef(f"{P}{n}") for n in "abc")
    graph.add((a, RDFS.subClassOf, b))
    graph.add((b, RDFS.subClassOf, c))
    assert set(graph.objects(a, (RDFS.subClassOf * OneOrMore))) == {b, c}  # type: ignore[arg-type]
    assert (a, (RDFS.subClassOf * OneOrMore), c) in graph
    assert set(graph.objects([a, b], RDFS.subClassOf)) == {b, c}


def test_a_term_that_is_not_an_rdflib_term_is_refused_as_rdflib_refuses_it():
    graph = small_graph()
    with pytest.raises(AssertionError, match="must be an rdflib term"):
        graph.add((URIRef(f"{P}s"), URIRef(f"{P}p"), "plain string"))  # type: ignore[arg-type]
    assert len(graph) == 0


def test_a_triple_added_twice_is_one_triple_and_a_removed_one_is_gone():
    graph = small_graph()
    triple = (URIRef(f"{P}s"), URIRef(f"{P}p"), Literal(1))
    graph.add(triple)
    graph.add(triple)
    assert len(graph) == 1 and triple in graph
    graph.remove((None, URIRef(f"{P}p"), None))
    assert len(graph) == 0 and triple not in graph and list(graph) == []


@settings(max_examples=200, deadline=None)
@given(operations, st.lists(patterns, min_size=1, max_size=8))
def test_a_triple_index_reads_a_small_graph_in_place_as_a_snapshot_of_its_triples(ops, reads):
    """``TripleIndex.live`` reads a SmallGraph through its own indexes (emptied entries after removals included): the
    same answers as a snapshot of its triples given one by one (a repeated triple counts once), which does not see
    later changes while the live one does."""
    from kg.base.triple_index import TripleIndex

    _, small = _both(ops)
    live, snapshot = TripleIndex.live(small), TripleIndex(list(small) + list(small))
    assert list(live) == list(snapshot) == list(small)
    assert list(live.subjects()) == list(snapshot.subjects())
    for s, p, o in reads:
        if s is not None and p is not None:
            assert live.objects(s, p) == snapshot.objects(s, p) == list(small.objects(s, p))
            assert live.value(s, p) == snapshot.value(s, p) == small.value(s, p)
            if o is not None:  # a concrete triple (an index is not a pattern matcher)
                assert ((s, p, o) in live) == ((s, p, o) in snapshot) == ((s, p, o) in small)
        if s is not None:
            assert live.predicates(s) == snapshot.predicates(s)
        if o is not None:
            assert sorted(live.predicates(obj=o)) == sorted(snapshot.predicates(obj=o))
    before = list(snapshot)
    added = (URIRef(f"{P}new"), URIRef(f"{P}p0"), Literal(1))
    small.add(added)
    assert list(snapshot) == before and added in live


def test_a_triple_index_of_another_graph_is_always_a_snapshot():
    from kg.base.triple_index import TripleIndex

    graph = Graph()
    triple = (URIRef(f"{P}s"), URIRef(f"{P}p"), Literal(1))
    index = TripleIndex.live(graph)
    graph.add(triple)
    assert triple not in index and list(TripleIndex.live(graph)) == [triple]
