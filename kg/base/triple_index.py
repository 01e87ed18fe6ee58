"""A small graph read many times: its triples indexed once, for the reads rdflib's Graph offers (``objects``,
``value``, ``predicates``, ``subjects``, ``in``), each a dictionary lookup instead of a store query. The compiled
classifier reads one patient's graph a few thousand times per decision (kg/core/decide/classify/compiled.py).
A SmallGraph (kg/base/small_graph.py) is copied from its own indexes, without iterating its triples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib.term import Node

from kg.base.small_graph import SmallGraph

Triple = tuple[Node, Node, Node]


class TripleIndex:
    """The triples of a graph as they were when indexed (later changes to the graph are not seen), each once."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self._by_subject: dict[Node, dict[Node, dict[Node, None]]]  # objects as ordered sets: ``in`` is a hash lookup
        self._by_object: dict[Node, list[tuple[Node, Node]]]
        if isinstance(triples, SmallGraph):
            store = triples.small_store
            self._by_subject = {s: {p: dict(objects) for p, objects in by_predicate.items() if objects}
                                for s, by_predicate in store.spo.items()}
            self._by_object = {o: [(s, p) for s, predicates in by_subject.items() for p in predicates]
                               for o, by_subject in store.osp.items()}
            return
        self._by_subject, self._by_object = {}, {}
        for s, p, o in dict.fromkeys(triples):  # each triple once, in the graph's order
            self._by_subject.setdefault(s, {}).setdefault(p, {})[o] = None
            self._by_object.setdefault(o, []).append((s, p))

    def __contains__(self, triple: Triple) -> bool:
        s, p, o = triple
        found = self._by_subject.get(s)
        return found is not None and o in found.get(p, ())

    def __iter__(self) -> Iterator[Triple]:
        for s, by_predicate in self._by_subject.items():
            for p, objects in by_predicate.items():
                for o in objects:
                    yield s, p, o

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        found = self._by_subject.get(subject)
        return [] if found is None else list(found.get(predicate, ()))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of (subject, predicate), or None (rdflib's ``Graph.value`` without its options)."""
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def subjects(self) -> Iterable[Node]:
        return [s for s, by_predicate in self._by_subject.items() if by_predicate]

    def predicates(self, subject: Node | None = None, obj: Node | None = None) -> list[Node]:
        """The predicates of (subject, ?, obj), one of the two given."""
        if subject is not None and obj is None:
            return list(self._by_subject.get(subject, {}))
        if subject is None and obj is not None:
            return [p for _, p in self._by_object.get(obj, [])]
        raise ValueError("give the subject or the object")
