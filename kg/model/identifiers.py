"""Identifier <-> IRI of the content: one table of where every id lives (ADR 0019).

Every row of a package's tables becomes the node ``<package namespace><id>``, which carries its id as
``dcterms:identifier``. Ids are unique across the installed packages, so an id alone names a node; code looks an id
up here (or reads ``dcterms:identifier``), never parses an IRI. The classes generated for a condition or a
population live below the namespace of the package that declares it: ``<ns>absent/<id>`` (stated absent, ADR 0005),
``<ns>possible/<id>`` (possible membership) and ``<ns>criterion/<id>`` (the structured criteria, ADR 0010).

>>> ids = IdSpace({"gabapentin": "https://example.org/a/"})
>>> str(ids.iri("gabapentin")), str(ids.possible("gabapentin")), ids.id_of(ids.iri("gabapentin"))
('https://example.org/a/gabapentin', 'https://example.org/a/possible/gabapentin', 'gabapentin')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rdflib import DCTERMS, Graph, Literal, URIRef

ABSENT, POSSIBLE, CRITERION = "absent/", "possible/", "criterion/"


class UnknownId(KeyError):
    """An id no installed package declares."""


class IdSpace(Mapping[str, URIRef]):
    """id -> IRI of every node the packages' tables declare (a read-only mapping)."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self._namespace = dict(namespaces)
        self._iris = {id_: URIRef(ns + id_) for id_, ns in self._namespace.items()}
        self._ids = {iri: id_ for id_, iri in self._iris.items()}

    @classmethod
    def from_graph(cls, graph: Graph) -> IdSpace:
        """The ids a built graph declares (``dcterms:identifier`` of its content nodes)."""
        namespaces = {}
        for node, identifier in graph.subject_objects(DCTERMS.identifier):
            if isinstance(node, URIRef) and isinstance(identifier, Literal) and str(node).endswith(str(identifier)):
                namespaces[str(identifier)] = str(node)[: len(str(node)) - len(str(identifier))]
        return cls(namespaces)

    def __getitem__(self, id_: str) -> URIRef:
        try:
            return self._iris[id_]
        except KeyError:
            raise UnknownId(id_) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._iris)

    def __len__(self) -> int:
        return len(self._iris)

    def iri(self, id_: str) -> URIRef:
        return self[id_]

    def namespace(self, id_: str) -> str:
        if id_ not in self._namespace:
            raise UnknownId(id_)
        return self._namespace[id_]

    def absent(self, condition_id: str) -> URIRef:
        """The class of "condition stated absent" records of a condition."""
        return URIRef(self.namespace(condition_id) + ABSENT + condition_id)

    def possible(self, population_id: str) -> URIRef:
        """The "possibly a member" class of a population."""
        return URIRef(self.namespace(population_id) + POSSIBLE + population_id)

    def criterion(self, population_id: str) -> URIRef:
        """The root of a population's structured criteria."""
        return URIRef(self.namespace(population_id) + CRITERION + population_id)

    def id_of(self, iri: object) -> str | None:
        """The id of a content node; None for any other term."""
        return self._ids.get(iri) if isinstance(iri, URIRef) else None
