"""The property-graph projection of the build: the one view GraphML and Neo4j (and any other node/edge format) share.

An RDF/OWL graph is not a property graph; a triple dump would turn every OWL restriction, list cell and axiom
annotation into a node. The projection keeps what a reader of a property graph expects (ADR 0008):

* **Nodes** are the curated content: every IRI the build made from a row of a curated table (the subjects of
  ``cg:sourceTable``): drugs, drug classes, statements of every kind, populations and conditions (OWL classes),
  source documents, source claims, disagreements, algorithm steps. Each node has its IRI, a CURIE ``id``, its
  ``rdfs:label`` (a node without one is an :class:`ExportError` naming it) and its ``types``: the most specific of
  its asserted classes (for a population or condition class: its nearest superclass that is not itself a node).
* **Edges** are links from a node to a node by any property (object, annotation or ``rdfs:subClassOf``), with the
  predicate's CURIE and label (its ``rdfs:label``, else its local name in words).
* **Attributes.** A literal value becomes a node attribute named after the property's local name (typed: int,
  float, bool or string). A link to a *value individual* (a named individual that is not a node, e.g. the
  ontology's ``cg:StrengthStrong``) becomes an attribute holding the value's ``skos:notation`` (else its label):
  so a statement node carries ``direction``, ``strength``, ``certainty``, ``evidenceBasis``. A link to any other
  IRI that is not a node (a terminology code, a licence) becomes an attribute holding its CURIE.
* ``cg:sourceTable`` (which curated table the node came from) stays as an attribute: provenance for curators.
* **Left out:** blank nodes (OWL restrictions and class expressions, ``rdf:first``/``rdf:rest`` list cells,
  ``owl:Axiom`` annotations), everything whose subject is not a node (the ontology's classes, properties and
  vocabulary), ``rdf:type owl:NamedIndividual``, and the materialised closures in :data:`DERIVED_LINKS`
  (``cg:fallsUnder`` repeats the member-of/broader-class paths and links every agent to itself).

A drug without terminology codes is not an error: its node simply has no ``exactMatch`` attribute (the graph says
why in ``unmappedReason``). Everything is sorted: the same graph gives the same projection.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef

from kg.export.errors import ExportError
from kg.export.shared import shared
from kg.export.source import ExportSource, Provenance
from kg.model.curies import longest_namespace
from kg.model.namespaces import CG, MAPPING_PREFIXES, PREFIXES

Value = str | int | float | bool

# Materialised closures: derived at build time from other links that the projection keeps.
DERIVED_LINKS: frozenset[URIRef] = frozenset({CG.fallsUnder})
# Node fields every format writes; an attribute whose local name collides with one is named prefix_local.
RESERVED = frozenset({"id", "iri", "label", "name", "types", "kind"})

# prefix -> namespace; terminologies get their standard (Bioregistry-style, upper-case) prefix.
_PREFIXES: dict[str, str] = {**{p: ns for p, ns in PREFIXES.items() if ns not in MAPPING_PREFIXES.values()},
                             **MAPPING_PREFIXES}


def curie(iri: str) -> str:
    """IRI -> CURIE with the longest matching known prefix; the IRI itself when none matches.

    >>> curie("http://purl.bioontology.org/ontology/RXNORM/25480")
    'RXNORM:25480'
    >>> curie("https://example.org/x")
    'https://example.org/x'
    """
    found = longest_namespace(iri, _PREFIXES)
    return f"{found[0]}:{iri[len(found[1]):]}" if found else iri


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def words(name: str) -> str:
    """camelCase -> words: 'wasDerivedFrom' -> 'was derived from'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


@dataclass(frozen=True)
class Node:
    iri: str
    id: str  # CURIE
    label: str
    types: tuple[str, ...]  # CURIEs of the most specific classes, sorted
    kind: str  # "individual" or "class"
    attributes: tuple[tuple[str, tuple[Value, ...]], ...]  # (name, sorted values), sorted by name

    def attribute(self, name: str) -> tuple[Value, ...]:
        return dict(self.attributes).get(name, ())


@dataclass(frozen=True, order=True)
class Edge:
    subject: str  # node id (CURIE)
    predicate: str  # CURIE
    label: str
    object: str  # node id (CURIE)


@dataclass(frozen=True)
class PropertyGraph:
    nodes: tuple[Node, ...]  # sorted by id
    edges: tuple[Edge, ...]  # sorted by (subject, predicate, object)
    provenance: Provenance

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def attribute_names(self) -> tuple[str, ...]:
        return tuple(sorted({name for n in self.nodes for name, _ in n.attributes}))


def _python_value(literal: Literal) -> Value:
    value = literal.toPython()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (Decimal, float)):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(literal)


def _typed(value: Value) -> tuple[str, Value]:
    return type(value).__name__, value


def _nodes_of(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(CG.sourceTable, None) if isinstance(s, URIRef)}


def _superclasses(graph: Graph, cls: URIRef) -> set[URIRef]:
    seen: set[URIRef] = set()
    todo = [cls]
    while todo:
        for sup in graph.objects(todo.pop(), RDFS.subClassOf):
            if isinstance(sup, URIRef) and sup not in seen:
                seen.add(sup)
                todo.append(sup)
    return seen


def _most_specific(graph: Graph, classes: Iterable[URIRef]) -> tuple[str, ...]:
    pool = {c for c in classes if c != OWL.NamedIndividual}
    keep = {c for c in pool if not any(c in _superclasses(graph, other) for other in pool if other != c)}
    return tuple(sorted(curie(str(c)) for c in keep))


def _types(graph: Graph, iri: URIRef, nodes: set[URIRef], is_class: bool) -> tuple[str, ...]:
    if not is_class:
        return _most_specific(graph, (t for t in graph.objects(iri, RDF.type) if isinstance(t, URIRef)))
    frontier, kinds, seen = [iri], set(), {iri}
    while frontier:  # climb through node classes to the nearest superclasses that are not nodes
        for sup in graph.objects(frontier.pop(), RDFS.subClassOf):
            if isinstance(sup, URIRef) and sup not in seen:
                seen.add(sup)
                if sup in nodes:
                    frontier.append(sup)
                else:
                    kinds.add(sup)
    return _most_specific(graph, kinds) or (curie(str(OWL.Class)),)


def _label(graph: Graph, iri: URIRef) -> str:
    labels = sorted(str(v) for v in graph.objects(iri, RDFS.label) if isinstance(v, Literal))
    if not labels or not labels[0].strip():
        raise ExportError(f"node {curie(str(iri))}: no rdfs:label (rule: every exported node has a label)")
    return labels[0]


def _value_of_individual(graph: Graph, iri: URIRef) -> str:
    for prop in (SKOS.notation, RDFS.label):
        values = sorted(str(v) for v in graph.objects(iri, prop) if isinstance(v, Literal))
        if values:
            return values[0]
    raise ExportError(f"value {curie(str(iri))}: no skos:notation or rdfs:label (rule: a value individual "
                      "becomes the attribute text of the nodes linking to it, so it needs one)")


def _predicate_label(graph: Graph, predicate: URIRef) -> str:
    labels = sorted(str(v) for v in graph.objects(predicate, RDFS.label) if isinstance(v, Literal))
    return labels[0] if labels else words(local_name(str(predicate)))


def _attribute_names(predicates: Iterable[URIRef]) -> dict[URIRef, str]:
    by_local: dict[str, set[URIRef]] = defaultdict(set)
    for p in predicates:
        by_local[local_name(str(p))].add(p)
    names = {}
    for local, group in by_local.items():
        for p in group:
            clash = len(group) > 1 or local in RESERVED
            names[p] = curie(str(p)).replace(":", "_") if clash else local
    return names


@shared
def project(source: ExportSource) -> PropertyGraph:
    """The property-graph view of *source*'s asserted graph (rules in the module docstring)."""
    graph = source.graph
    nodes = _nodes_of(graph)
    if not nodes:
        raise ExportError("graph: no curated node (rule: the nodes are the subjects of cg:sourceTable, which every "
                          "row of a cgkg build has; export the output of kg build)")
    individuals = {s for s in graph.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef)}
    # values kept as (type name, value): a set would merge True with 1 and 1.0
    raw: dict[URIRef, dict[URIRef, set[tuple[str, Value]]]] = {n: defaultdict(set) for n in nodes}
    edges: set[tuple[URIRef, URIRef, URIRef]] = set()
    for node in nodes:
        for predicate, obj in graph.predicate_objects(node):
            if predicate in (RDF.type, RDFS.label) or predicate in DERIVED_LINKS:
                continue
            if isinstance(obj, BNode):
                continue
            if isinstance(obj, Literal):
                raw[node][predicate].add(_typed(_python_value(obj)))
            elif obj in nodes:
                if obj != node or predicate != RDFS.subClassOf:
                    edges.add((node, predicate, obj))
            elif obj in individuals:
                raw[node][predicate].add(_typed(_value_of_individual(graph, obj)))
            elif predicate != RDFS.subClassOf:  # a superclass that is not a node is the node's type
                raw[node][predicate].add(_typed(curie(str(obj))))
    names = _attribute_names({p for attrs in raw.values() for p in attrs})
    built = []
    for node in nodes:
        is_class = (node, RDF.type, OWL.Class) in graph
        attributes = tuple(sorted(
            (names[p], tuple(v for _, v in sorted(values))) for p, values in raw[node].items()
        ))
        built.append(Node(str(node), curie(str(node)), _label(graph, node),
                          _types(graph, node, nodes, is_class), "class" if is_class else "individual", attributes))
    ids = [n.id for n in built]
    if len(set(ids)) != len(ids):
        raise ExportError("nodes: two IRIs give the same CURIE id (rule: node ids are unique)")
    edge_rows = sorted(
        Edge(curie(str(s)), curie(str(p)), _predicate_label(graph, p), curie(str(o))) for s, p, o in edges
    )
    return PropertyGraph(tuple(sorted(built, key=lambda n: n.id)), tuple(edge_rows), source.provenance)
