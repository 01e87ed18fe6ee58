"""A small graph read many times: its triples indexed once, for the reads rdflib's Graph offers (``objects``,
``value``, ``predicates``, ``subjects``, ``in``), each a dictionary lookup instead of a store query. The compiled
classifier reads one patient's graph a few thousand times per decision (kg/core/decide/classify/compiled.py).

``TripleIndex(triples)`` is a snapshot: later changes to the graph are not seen. ``TripleIndex.live(graph)`` reads
a SmallGraph (kg/base/small_graph.py) through its own indexes, copying nothing: for a caller that does not change
the graph while it reads (the allow-list check, the compiled classifier); other graphs get a snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph
from rdflib.term import Node

from kg.base.small_graph import SmallGraph

Triple = tuple[Node, Node, Node]
Index = dict[Node, dict[Node, dict[Node, None]]]  # as SmallStore's: the last level an ordered set (``in``: a hash)


class TripleIndex:
    """The triples of a graph, each once, by subject-predicate-object and object-subject-predicate."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self._spo: Index = {}
        self._osp: Index = {}
        for s, p, o in dict.fromkeys(triples):  # each triple once, in the graph's order
            self._spo.setdefault(s, {}).setdefault(p, {})[o] = None
            self._osp.setdefault(o, {}).setdefault(s, {})[p] = None

    @classmethod
    def live(cls, graph: Graph) -> TripleIndex:
        """The graph's triples read in place when it is a SmallGraph (not to be changed while read), else a snapshot."""
        if not isinstance(graph, SmallGraph):
            return cls(graph)
        index = cls.__new__(cls)
        index._spo, index._osp = graph.small_store.spo, graph.small_store.osp
        return index

    def __contains__(self, triple: Triple) -> bool:
        s, p, o = triple
        found = self._spo.get(s)
        return found is not None and o in found.get(p, ())

    def __iter__(self) -> Iterator[Triple]:
        for s, by_predicate in self._spo.items():
            for p, objects in by_predicate.items():
                for o in objects:
                    yield s, p, o

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        found = self._spo.get(subject)
        return [] if found is None else list(found.get(predicate, ()))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of (subject, predicate), or None (rdflib's ``Graph.value`` without its options)."""
        found = self._spo.get(subject)
        for value in () if found is None else found.get(predicate, ()):
            return value
        return None

    def subjects(self) -> Iterable[Node]:
        """Every subject of a triple (a SmallGraph keeps emptied entries after a removal: left out)."""
        return [s for s, by_predicate in self._spo.items() if any(by_predicate.values())]

    def predicates(self, subject: Node | None = None, obj: Node | None = None) -> list[Node]:
        """The predicates of (subject, ?, obj), one of the two given."""
        if subject is not None and obj is None:
            return [p for p, objects in self._spo.get(subject, {}).items() if objects]
        if subject is None and obj is not None:
            return [p for predicates in self._osp.get(obj, {}).values() for p in predicates]
        raise ValueError("give the subject or the object")
