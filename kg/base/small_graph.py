"""A graph of a few hundred triples filled and read many times, such as one patient's (a cohort makes and reads
hundreds of thousands of them): an rdflib Graph whose hot methods read and write three dictionary indexes directly.

rdflib's Graph goes through several layers per call: ``add`` asserts each term with ``isinstance`` against an
abstract class, ``objects`` wraps ``triples``, which wraps the store's generator, which compares every pattern term
with ``!= None`` (rdflib's Python-level ``__eq__``). Measured on a 2,000-patient synthetic cohort, the patient
graphs' adds and reads were about a quarter of a compact decision's time. ``SmallGraph`` keeps rdflib's semantics
and API (it is a Graph: SPARQL, serialisation, ``+`` and the rest work unchanged, through ``SmallStore``, a Store
with the same three indexes as rdflib's SimpleMemory, in the same insertion order), and answers ``add``, ``addN``,
``+=``, ``triples``, ``objects``, ``subjects``, ``predicates``, ``value``, ``in``, ``len`` and iteration from the
indexes in one step. tests/test_small_graph.py compares it with rdflib's own Graph on random operations.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.paths import Path
from rdflib.store import Store
from rdflib.term import Node

Index = dict[Node, dict[Node, dict[Node, None]]]
NODE_TYPES = frozenset({URIRef, Literal, BNode, Variable})  # the usual terms: a type lookup instead of isinstance


def small_graph() -> Graph:
    return SmallGraph()


class SmallStore(Store):
    """Triples in three nested-dict indexes (subject-predicate-object, predicate-object-subject,
    object-subject-predicate), as rdflib's SimpleMemory keeps them: no contexts, no events, no quoted graphs."""

    def __init__(self) -> None:
        super().__init__()
        self.spo: Index = {}
        self.pos: Index = {}
        self.osp: Index = {}
        self.size = 0
        self._namespace: dict[str, URIRef] = {}
        self._prefix: dict[URIRef, str] = {}

    def add(self, triple: tuple[Node, Node, Node], context: Any = None, quoted: bool = False) -> None:
        s, p, o = triple
        by_predicate = self.spo.get(s)
        if by_predicate is None:
            by_predicate = self.spo[s] = {}
        objects = by_predicate.get(p)
        if objects is None:
            objects = by_predicate[p] = {}
        elif o in objects:
            return
        objects[o] = None
        by_object = self.pos.get(p)
        if by_object is None:
            by_object = self.pos[p] = {}
        subjects = by_object.get(o)
        if subjects is None:
            subjects = by_object[o] = {}
        subjects[s] = None
        by_subject = self.osp.get(o)
        if by_subject is None:
            by_subject = self.osp[o] = {}
        predicates = by_subject.get(s)
        if predicates is None:
            predicates = by_subject[s] = {}
        predicates[p] = None
        self.size += 1

    def addN(self, quads: Iterable[tuple[Node, Node, Node, Any]]) -> None:  # noqa: N802 - rdflib's name
        for s, p, o, _ in quads:
            self.add((s, p, o))

    def remove(self, triple_pattern: tuple[Node | None, Node | None, Node | None], context: Any = None) -> None:
        for s, p, o in list(self.matching(triple_pattern)):
            del self.spo[s][p][o]
            del self.pos[p][o][s]
            del self.osp[o][s][p]
            self.size -= 1

    def matching(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        """The triples matching *pattern* (None: any), in SimpleMemory's order."""
        s, p, o = pattern
        if s is not None:
            by_predicate = self.spo.get(s)
            if not by_predicate:
                return
            if p is not None:
                objects = by_predicate.get(p)
                if objects:
                    if o is not None:
                        if o in objects:
                            yield s, p, o
                    else:
                        for found in list(objects):
                            yield s, p, found
                return
            for predicate, objects in list(by_predicate.items()):
                if o is not None:
                    if o in objects:
                        yield s, predicate, o
                else:
                    for found in list(objects):
                        yield s, predicate, found
        elif p is not None:
            by_object = self.pos.get(p)
            if not by_object:
                return
            if o is not None:
                for subject in list(by_object.get(o, ())):
                    yield subject, p, o
                return
            for found, subjects in list(by_object.items()):
                for subject in list(subjects):
                    yield subject, p, found
        elif o is not None:
            for subject, predicates in list(self.osp.get(o, {}).items()):
                for predicate in list(predicates):
                    yield subject, predicate, o
        else:
            for subject, by_predicate in list(self.spo.items()):
                for predicate, objects in list(by_predicate.items()):
                    for found in list(objects):
                        yield subject, predicate, found

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[tuple[tuple[Node, Node, Node], Any]]:
        for triple in self.matching(triple_pattern):
            yield triple, iter(())

    def __len__(self, context: Any = None) -> int:
        return self.size

    def bind(self, prefix: str, namespace: URIRef, override: bool = True) -> None:
        """SimpleMemory's namespace bindings."""
        bound_namespace = self._namespace.get(prefix)
        bound_prefix = self._prefix.get(namespace)
        if bound_prefix is None and bound_namespace is not None:
            bound_prefix = self._prefix.get(bound_namespace)
        if override:
            if bound_prefix is not None:
                del self._namespace[bound_prefix]
            if bound_namespace is not None:
                del self._prefix[bound_namespace]
            self._prefix[namespace] = prefix
            self._namespace[prefix] = namespace
        else:
            self._prefix[bound_namespace if bound_namespace is not None else namespace] = \
                bound_prefix if bound_prefix is not None else prefix
            self._namespace[bound_prefix if bound_prefix is not None else prefix] = \
                bound_namespace if bound_namespace is not None else namespace

    def namespace(self, prefix: str) -> URIRef | None:
        return self._namespace.get(prefix)

    def prefix(self, namespace: URIRef) -> str | None:
        return self._prefix.get(namespace)

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        yield from list(self._namespace.items())


def _node(term: Any, role: str) -> None:
    if type(term) not in NODE_TYPES and not isinstance(term, Node):
        raise AssertionError(f"{role} {term} must be an rdflib term")


class SmallGraph(Graph):
    """An rdflib Graph on a SmallStore, its hot methods answered from the store's indexes (the semantics of Graph on
    SimpleMemory, which it replaces; a property path still goes through rdflib)."""

    def __init__(self) -> None:
        self._small = SmallStore()
        super().__init__(store=self._small)

    @property
    def small_store(self) -> SmallStore:
        """Its store, whose indexes a TripleIndex copies (kg/base/triple_index.py)."""
        return self._small

    def add(self, triple: tuple[Node, Node, Node]) -> SmallGraph:  # type: ignore[override]
        s, p, o = triple
        if type(s) not in NODE_TYPES or type(p) not in NODE_TYPES or type(o) not in NODE_TYPES:
            _node(s, "Subject")
            _node(p, "Predicate")
            _node(o, "Object")
        self._small.add(triple)
        return self

    def addN(self, quads: Iterable[tuple[Node, Node, Node, Any]]) -> SmallGraph:  # type: ignore[override]  # noqa: N802
        for s, p, o, context in quads:
            if isinstance(context, Graph) and context.identifier is self.identifier:
                self.add((s, p, o))
        return self

    def __iadd__(self, other: Iterable[tuple[Node, Node, Node]]) -> SmallGraph:  # type: ignore[override]
        for triple in other:
            self.add(triple)
        return self

    def triples(self, triple: Any) -> Generator[Any, None, None]:  # type: ignore[override]
        if isinstance(triple[1], Path):
            yield from super().triples(triple)
        else:
            yield from self._small.matching(triple)

    def __iter__(self) -> Generator[tuple[Node, Node, Node], None, None]:  # type: ignore[override]
        yield from self._small.matching((None, None, None))

    def __contains__(self, triple: Any) -> bool:
        if isinstance(triple[1], Path):
            return super().__contains__(triple)
        return next(self._small.matching(triple), None) is not None

    def __len__(self) -> int:
        return self._small.size

    def objects(self, subject: Any = None, predicate: Any = None,  # type: ignore[override]
                unique: bool = False) -> Generator[Node, None, None]:
        if isinstance(subject, list) or isinstance(predicate, Path) or unique:
            yield from super().objects(subject, predicate, unique)
        else:
            for _, _, found in self._small.matching((subject, predicate, None)):
                yield found

    def subjects(self, predicate: Any = None, object: Any = None,  # type: ignore[override]  # noqa: A002
                 unique: bool = False) -> Generator[Node, None, None]:
        if isinstance(object, list) or isinstance(predicate, Path) or unique:
            yield from super().subjects(predicate, object, unique)
        else:
            for found, _, _ in self._small.matching((None, predicate, object)):
                yield found

    def predicates(self, subject: Any = None, object: Any = None,  # type: ignore[override]  # noqa: A002
                   unique: bool = False) -> Generator[Node, None, None]:
        if unique:
            yield from super().predicates(subject, object, unique)
        else:
            for _, found, _ in self._small.matching((subject, None, object)):
                yield found
