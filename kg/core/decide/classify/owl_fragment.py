"""The ontology's own defined classes (e.g. cg:FailedTrial, cg:PossiblyFailedTrial), compiled once into
Python predicates over a patient's nodes, for the compiled classifier.

Only a small fragment of OWL is supported: named classes (asserted types and their superclasses),
intersectionOf, unionOf, hasValue and someValuesFrom with a class filler. That is all the hand-written
definitions use; a definition outside it is refused when the knowledge is loaded (``Unsupported``),
never silently mis-evaluated. The populations are evaluated by their own backend
(kg/model/population/evaluate.py), from their rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.base.triple_index import TripleIndex
from kg.model.namespaces import RDF_TYPE

Predicate = Callable[["Nodes", Node], bool]  # (the patient's nodes, node) -> is the node an instance


class Nodes:
    """A patient graph with each node's named types (asserted, domain/range, superclasses) computed once."""

    def __init__(self, graph: Graph | TripleIndex, types: Callable[[Graph | TripleIndex, Node], set[Node]]) -> None:
        self.graph, self._types, self._cache = graph, types, {}  # type: ignore[var-annotated]

    def types(self, node: Node) -> set[Node]:
        if node not in self._cache:
            self._cache[node] = self._types(self.graph, node)
        return self._cache[node]


class Unsupported(ValueError):
    """A class definition outside the fragment the compiled classifier evaluates."""


def compile_definitions(knowledge: Graph, classes: set[URIRef], ancestors: Mapping[Node, frozenset[Node]]
                        ) -> dict[URIRef, Predicate]:
    """A predicate for each named class of ``classes`` with an owl:equivalentClass definition."""
    compiled: dict[URIRef, Predicate] = {}

    def named(cls: Node) -> Predicate:
        definition = knowledge.value(cls, OWL.equivalentClass)
        asserted: Predicate = lambda nodes, node: cls in nodes.types(node)  # noqa: E731
        if definition is None or cls not in classes:
            return asserted
        if cls not in compiled:
            compiled[cls] = lambda nodes, node: False  # a cycle through itself adds nothing
            inner = expression(definition)
            compiled[cls] = lambda nodes, node: asserted(nodes, node) or inner(nodes, node)
        return lambda nodes, node: compiled[cls](nodes, node)

    def expression(node: Node) -> Predicate:
        if isinstance(node, URIRef):
            return named(node)
        for kind, combine in ((OWL.intersectionOf, all), (OWL.unionOf, any)):
            head = knowledge.value(node, kind)
            if head is not None:
                parts = [expression(member) for member in Collection(knowledge, head)]
                return lambda nodes, n, parts=parts, combine=combine: combine(p(nodes, n) for p in parts)
        prop = knowledge.value(node, OWL.onProperty)
        wanted = knowledge.value(node, OWL.hasValue)
        if prop is not None and wanted is not None:
            return lambda nodes, n: any(_same(value, wanted) for value in nodes.graph.objects(n, prop))
        filler = knowledge.value(node, OWL.someValuesFrom)
        if prop is not None and filler is not None and (isinstance(filler, URIRef) or _is_class(knowledge, filler)):
            test = expression(filler)
            return lambda nodes, n: any(test(nodes, value) for value in nodes.graph.objects(n, prop))
        raise Unsupported(f"class expression {node} ({', '.join(sorted(str(p) for p in knowledge.predicates(node)))})")

    for cls in sorted(classes):
        named(cls)
    return compiled


def node_types(knowledge: Graph, ancestors: Mapping[Node, frozenset[Node]]
               ) -> Callable[[Graph | TripleIndex, Node], set[Node]]:
    """The named types of a node: asserted, and from the domain and range of the properties it is used
    with (as the reasoner infers them), each with its superclasses."""
    domains = {prop: cls for prop, cls in knowledge.subject_objects(RDFS.domain) if isinstance(cls, URIRef)}
    ranges = {prop: cls for prop, cls in knowledge.subject_objects(RDFS.range) if isinstance(cls, URIRef)}

    def types(graph: Graph | TripleIndex, node: Node) -> set[Node]:
        direct = set(graph.objects(node, RDF_TYPE))
        direct |= {domains[p] for p in graph.predicates(node, None) if p in domains}
        direct |= {ranges[p] for p in graph.predicates(None, node) if p in ranges}
        return {sup for t in direct for sup in ancestors.get(t, frozenset((t,)))}

    return types


def _is_class(knowledge: Graph, node: Node) -> bool:
    return isinstance(node, BNode) and (node, RDF.type, OWL.Class) in knowledge


def _same(value: Node, wanted: Node) -> bool:
    """Value equality, as the reasoner compares data values (``"1"^^xsd:boolean`` is ``true``)."""
    if isinstance(value, Literal) and isinstance(wanted, Literal):
        return value.eq(wanted)
    return value == wanted
