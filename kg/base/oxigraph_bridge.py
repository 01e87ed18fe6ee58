"""Conversions between rdflib (authoring, serialising, SHACL) and pyoxigraph (SPARQL engine,
canonicalisation): the one place that knows both term models."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def to_store(graph: Graph) -> ox.Store:
    """Load an rdflib graph into a new in-memory pyoxigraph store."""
    store = ox.Store()
    add_to_store(store, graph)
    return store


def add_to_store(store: ox.Store, graph: Graph) -> None:
    """Add an rdflib graph's triples to a pyoxigraph store."""
    if len(graph):
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)


def parse_file(path: Path) -> Graph:
    """An RDF file (format from its suffix) as an rdflib graph, parsed by pyoxigraph, to be read: in rdflib's plain
    memory store (one graph, no contexts; filled in about half the time of the default store's)."""
    triples = ox.parse(path=str(path), format=ox.RdfFormat.from_extension(path.suffix.lstrip(".")))
    return to_graph(triples, Graph(store="SimpleMemory"))


def to_graph(triples: Iterable[ox.Triple | ox.Quad], graph: Graph | None = None) -> Graph:
    """pyoxigraph triples (or quads, graph name ignored) as an rdflib graph (a new one, or added to *graph*)."""
    graph = Graph() if graph is None else graph
    for triple in triples:
        graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))  # type: ignore[arg-type]
    return graph


def canonical_graph(graph: Graph) -> Graph:
    """The same graph with RDFC-1.0 canonical blank-node labels (stable across runs)."""
    dataset = ox.Dataset(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return to_graph(dataset)


@lru_cache(maxsize=65536)  # the allow-list asks it of every IRI of every profile: the same few hundred
def is_valid_iri(text: str) -> bool:
    """Whether ``text`` is an IRI that RDF syntaxes (and the SPARQL engine) accept, so it can be written back out."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def invalid_iris(graph: Graph) -> list[str]:
    """The IRIs of ``graph`` that cannot be written back out (rdflib's parsers accept some, e.g. with spaces)."""
    return sorted({str(t) for triple in graph for t in triple if isinstance(t, URIRef) and not is_valid_iri(str(t))})


def to_ox(term: Node) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")


FROM_OX_CACHE_SIZE = 200_000  # converted terms kept (rdflib terms are immutable): decisions read the same terms again
_converted: dict[object, Node] = {}


def from_ox(term: object) -> Node | None:
    """The rdflib term of a pyoxigraph term, remembered: making rdflib literals was about a third of a warm decision
    (issue 17's profile), and the output queries return the build's same labels, texts and IRIs for every patient."""
    if term is None:
        return None
    found = _converted.get(term)
    if found is None:
        if len(_converted) >= FROM_OX_CACHE_SIZE:
            _converted.clear()
        found = _converted[term] = _from_ox(term)
    return found


def _from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype == XSD_STRING:  # RDF 1.1 simple literal: keep rdflib's plain form
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")
