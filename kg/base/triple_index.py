"""A small graph read many times: its triples indexed once, for the reads rdflib's Graph offers (``objects``,
``value``, ``predicates``, ``subjects``, ``in``), each a dictionary lookup instead of a store query. The compiled
classifier reads one patient's graph a few thousand times per decision (kg/core/decide/classify/compiled.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib.term import Node

Triple = tuple[Node, Node, Node]


class TripleIndex:
    """The triples of a graph as they were when indexed (later changes to the graph are not seen)."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self._triples: set[Triple] = set(triples)
        self._by_subject: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self._by_object: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        for s, p, o in self._triples:
            self._by_subject[s][p].append(o)
            self._by_object[o].append((s, p))

    def __contains__(self, triple: Triple) -> bool:
        return triple in self._triples

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        found = self._by_subject.get(subject)
        return [] if found is None else found.get(predicate, [])

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of (subject, predicate), or None (rdflib's ``Graph.value`` without its options)."""
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def subjects(self) -> Iterable[Node]:
        return self._by_subject.keys()

    def predicates(self, subject: Node | None = None, obj: Node | None = None) -> list[Node]:
        """The predicates of (subject, ?, obj), one of the two given."""
        if subject is not None and obj is None:
            return list(self._by_subject.get(subject, {}))
        if subject is None and obj is not None:
            return [p for _, p in self._by_object.get(obj, [])]
        raise ValueError("give the subject or the object")
