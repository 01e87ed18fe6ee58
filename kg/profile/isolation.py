"""Patient data isolated by construction (ADR 0006): a patient profile may state facts about its
patient and the patient's own nodes only, with the properties and types the closed patient shapes
list (``ontology/shapes/patient-shapes.ttl``, the one allow-list, with the property shapes the installed packages
add for their own properties in ``guidelines/<id>/shapes/patient-*.ttl``, ADR 0025). Everything else is rejected,
listing the offending triples; the decision also keeps only allowed triples before anything reaches
the store or the reasoner (``patient_triples``), so that patient data can never change the guideline.

>>> names = sorted(r.name for r in node_rules())
>>> names[:3]
['AbsentConditionShape', 'MedicationUseShape', 'PatientConditionShape']
>>> names[3:]
['PatientShape', 'TreatmentTrialShape', 'UnrecognisedMedicationShape']
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.base.errors import Problem, ValidationError
from kg.base.graph_files import checked_graph_bytes
from kg.base.input_limits import MAX_PROFILE_TRIPLES
from kg.base.oxigraph_bridge import is_valid_iri, to_graph
from kg.base.per_object import PerObject
from kg.base.small_graph import small_graph
from kg.base.triple_index import TripleIndex
from kg.model.namespaces import CG, PREFIXES, RDF_TYPE
from kg.model.packages import installed
from kg.model.shacl import load_shapes

SH = Namespace("http://www.w3.org/ns/shacl#")
PATIENT_SHAPES_PATTERN = "patient-*.ttl"  # the core's (ontology/shapes/) and the packages' (guidelines/<id>/shapes/)
Triple = tuple[Node, Node, Node]
OWL_IMPORTS, OWL_ONTOLOGY = OWL.imports, OWL.Ontology  # read once: the checks run per triple
SCHEMA_PREDICATES = {  # TBox and ontology-level statements: named in the message (all are off the allow-list anyway)
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass, OWL.equivalentProperty,
    OWL.disjointWith, OWL.inverseOf, OWL.propertyChainAxiom, OWL.sameAs, OWL.differentFrom, OWL.imports,
    OWL.hasKey, OWL.unionOf, OWL.intersectionOf, OWL.onProperty,
}


@dataclass(frozen=True)
class NodeRule:
    """One closed node shape: which nodes it is about and what may be said about them."""

    name: str
    target_class: URIRef | None  # nodes typed with this class ...
    target_objects_of: frozenset[URIRef]  # ... or objects of these properties
    properties: frozenset[URIRef]  # the allowed predicates (rdf:type included)
    types: frozenset[URIRef]  # the allowed rdf:type values
    type_superclasses: frozenset[URIRef]  # ... and subclasses (in the graph) of these

    def allows_type(self, cls: Node, subclasses: frozenset[URIRef]) -> bool:
        return cls in self.types or (bool(self.type_superclasses) and cls in subclasses)


@cache
def patient_shapes() -> Graph:
    """The patient shapes: the core's, with the property shapes of the installed packages (a profile's fields are
    read from the installed packages too, ADR 0019); read once (do not change the graph)."""
    return load_shapes(PATIENT_SHAPES_PATTERN, installed())


@cache
def node_rules() -> tuple[NodeRule, ...]:
    """The closed node shapes of the patient shapes, read as an allow-list."""
    shapes = patient_shapes()
    rules = []
    for shape in sorted(shapes.subjects(SH.closed, Literal(True))):
        properties, types, superclasses = set(), set(), set()
        for prop in shapes.objects(shape, SH.property):
            path = shapes.value(prop, SH.path)
            properties.add(path)
            if path == RDF.type:
                alternatives = [prop, *(_list(shapes, shapes.value(prop, SH["or"])))]
                for alternative in alternatives:
                    types.update(_list(shapes, shapes.value(alternative, SH["in"])))
                    for node_shape in shapes.objects(alternative, SH.node):
                        for inner in shapes.objects(node_shape, SH.property):
                            superclasses.update(shapes.objects(inner, SH.hasValue))
        rules.append(NodeRule(
            name=str(shape).rsplit("#", 1)[-1],
            target_class=shapes.value(shape, SH.targetClass),  # type: ignore[arg-type]
            target_objects_of=frozenset(shapes.objects(shape, SH.targetObjectsOf)),  # type: ignore[arg-type]
            properties=frozenset(properties),  # type: ignore[arg-type]
            types=frozenset(types),  # type: ignore[arg-type]
            type_superclasses=frozenset(superclasses),  # type: ignore[arg-type]
        ))
    return tuple(rules)


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def read_turtle_profile(text: str, name: str) -> Graph:
    """Parse a Turtle profile (syntax errors propagate); more than MAX_PROFILE_TRIPLES is a ValidationError."""
    checked_graph_bytes(text.encode("utf-8", "surrogatepass"), ox.RdfFormat.TURTLE, name)  # nesting, as any graph file
    rdflib_terms = logging.getLogger("rdflib.term")  # it warns about IRIs it cannot write back: checked below
    level = rdflib_terms.level
    rdflib_terms.setLevel(logging.ERROR)
    try:
        graph = Graph().parse(data=text, format="turtle")
    finally:
        rdflib_terms.setLevel(level)
    if len(graph) > MAX_PROFILE_TRIPLES:
        raise ValidationError([Problem(name, 0, "", str(len(graph)),
                                       f"more than {MAX_PROFILE_TRIPLES} triples: not allowed in a profile")],
                              what="patient profile")
    return graph


@dataclass(frozen=True)
class KnowledgeNodes:
    """What the isolation checks need from the knowledge graph (always the build: a graph or a store that is
    never changed after loading, kg/knowledge.py)."""

    nodes: frozenset[str]  # every IRI used in it
    condition_classes: frozenset[URIRef]  # rdfs:subClassOf* of the allowed superclasses
    context: Callable[[], Graph]  # what the patient shapes read of it: rdf:type and rdfs:subClassOf (5x fewer triples)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def shape_context(self) -> Graph:
        """``context()``, made on first use (Turtle profiles only), once, under a lock."""
        with self._lock:
            if "_shape_context" not in self.__dict__:
                object.__setattr__(self, "_shape_context", self.context())
        return self.__dict__["_shape_context"]

    @classmethod
    def of(cls, knowledge_graph: Graph) -> KnowledgeNodes:
        nodes = {str(t) for triple in knowledge_graph for t in triple if isinstance(t, URIRef)}
        superclasses = {c for rule in node_rules() for c in rule.type_superclasses}
        classes = {sub for sup in superclasses for sub in knowledge_graph.transitive_subjects(RDFS.subClassOf, sup)}

        def context() -> Graph:
            graph = Graph()
            for predicate in (RDF.type, RDFS.subClassOf):
                for triple in knowledge_graph.triples((None, predicate, None)):
                    graph.add(triple)
            return graph

        return cls(frozenset(nodes), frozenset(classes), context)  # type: ignore[arg-type]

    @classmethod
    def of_store(cls, store: ox.Store, nodes: Set[str] | None = None) -> KnowledgeNodes:
        """The same, read from a pyoxigraph store's default graph (no rdflib copy of the whole graph); *nodes*: its
        IRIs, when known already (a build stores them, the rows of decision/knowledge-nodes: Knowledge.nodes)."""
        if nodes is None:
            nodes = {term.value for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                     for term in (quad.subject, quad.predicate, quad.object) if isinstance(term, ox.NamedNode)}
        superclasses = sorted({c for rule in node_rules() for c in rule.type_superclasses})
        classes = {URIRef(row["c"].value) for sup in superclasses for row in store.query(  # type: ignore[index]
            "SELECT DISTINCT ?c ?sup WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?sup }",
            substitutions={ox.Variable("sup"): ox.NamedNode(str(sup))}) if isinstance(row["c"], ox.NamedNode)}

        def context() -> Graph:
            return to_graph(q for predicate in (RDF.type, RDFS.subClassOf)
                            for q in store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None,
                                                             ox.DefaultGraph()))

        return cls(frozenset(nodes), frozenset(classes), context)


def _is_bad_literal(term: Node) -> bool:
    if not isinstance(term, Literal):
        return False
    value = term.toPython()
    return bool(getattr(term, "ill_typed", False)) or (isinstance(value, float) and not math.isfinite(value)) \
        or str(term).strip().lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")


def _rule_of(node: Node, graph: Graph | TripleIndex) -> list[NodeRule]:
    """The node rules whose targets the node is (typed with the target class, or an object of a target property),
    in ``node_rules()`` order."""
    by_class, by_property = _rule_targets()
    found = {i for cls in graph.objects(node, RDF_TYPE) for i in by_class.get(cls, ())}
    found.update(i for prop in graph.predicates(None, node) for i in by_property.get(prop, ()))
    rules = node_rules()
    return [rules[i] for i in sorted(found)]


@cache
def _rule_targets() -> tuple[dict[Node, tuple[int, ...]], dict[Node, tuple[int, ...]]]:
    """Which node rules (their places in ``node_rules()``) each target class and each target property selects."""
    by_class: dict[Node, list[int]] = {}
    by_property: dict[Node, list[int]] = {}
    for i, rule in enumerate(node_rules()):
        if rule.target_class is not None:
            by_class.setdefault(rule.target_class, []).append(i)
        for prop in rule.target_objects_of:
            by_property.setdefault(prop, []).append(i)
    return ({c: tuple(found) for c, found in by_class.items()}, {p: tuple(found) for p, found in by_property.items()})


def _triple_reason(triple: Triple, graph: Graph | TripleIndex, patient: URIRef, known: KnowledgeNodes,
                   rules_of: dict[Node, tuple[list[NodeRule], NodeRule | None]] | None = None,
                   verdicts: dict[tuple[str, Node, Node], str | None] | None = None) -> str | None:
    """Why a triple may not be in a profile of ``patient`` (None: it may). ``rules_of``: the node rules of the subjects
    seen so far in one pass over ``graph`` (a node's kind is read once per pass, not once per triple), each with its
    one rule when the subject passes every check of its own (then only the predicate and value are left to check)."""
    subject, predicate, value = triple
    rules_of = {} if rules_of is None else rules_of
    seen = rules_of.get(subject)
    if seen is None:
        rules = _rule_of(subject, graph)
        clean = rules[0] if len(rules) == 1 and _subject_reason(subject, patient, known) is None else None
        seen = rules_of[subject] = (rules, clean)
    if seen[1] is not None:
        return _reason_on_clean_subject(seen[1], predicate, value, known,
                                        _clean_verdicts(known) if verdicts is None else verdicts)
    rules = seen[0]
    reason = _form_reason(triple) or _term_reason(predicate, value) or _subject_reason(subject, patient, known)
    if reason is not None:
        return reason
    if len(rules) != 1:
        kinds = ", ".join(r.name for r in rules) or "none"
        return f"the node must be exactly one of: patient, treatment trial, medication use, condition (is: {kinds})"
    return _property_reason(rules[0], predicate, value, known)


BLANK = "blank nodes are not allowed in a profile (name every node with an IRI under the patient's)"
INVALID_IRI = "not a valid IRI (it could not be written back out)"
# per build's KnowledgeNodes (what a type may be depends on it): (rule, predicate, IRI value) -> the reason or None
_clean_verdicts: PerObject[KnowledgeNodes, dict[tuple[str, Node, Node], str | None]] = PerObject(lambda _: {})
MAX_CLEAN_VERDICTS = 65_536


def _subject_reason(subject: Node, patient: URIRef, known: KnowledgeNodes) -> str | None:
    """What is wrong with a triple's subject on its own (its kind aside)."""
    if isinstance(subject, BNode):
        return BLANK
    if isinstance(subject, URIRef) and not is_valid_iri(str(subject)):
        return INVALID_IRI
    if str(subject) in known.nodes:
        return "states a fact about a knowledge-graph node: a profile may only describe its patient"
    if subject != patient and not str(subject).startswith(f"{patient}/"):
        return f"is not about the patient or one of its nodes (IRIs starting with {patient}/)"
    return None


def _term_reason(predicate: Node, value: Node) -> str | None:
    if _is_bad_literal(value):
        return "not a valid finite value of its datatype (NaN, infinity or an ill-formed literal)"
    if predicate == OWL_IMPORTS or value == OWL_ONTOLOGY:
        return "a profile may not import or declare an ontology (the reasoner never loads other documents)"
    if predicate in SCHEMA_PREDICATES:
        return "a schema (TBox) axiom is not allowed in a profile"
    return None


def _property_reason(rule: NodeRule, predicate: Node, value: Node, known: KnowledgeNodes) -> str | None:
    if predicate not in rule.properties:
        return (f"property not allowed on a node of {rule.name} (the patient shapes: "
                "ontology/shapes/patient-shapes.ttl and the packages' shapes/patient-*.ttl)")
    if predicate == RDF_TYPE and not rule.allows_type(value, known.condition_classes):
        return f"type not allowed on a node of {rule.name} (the patient shapes: ontology/shapes/patient-shapes.ttl)"
    return None


def _reason_on_clean_subject(rule: NodeRule, predicate: Node, value: Node, known: KnowledgeNodes,
                             verdicts: dict[tuple[str, Node, Node], str | None]) -> str | None:
    """The reason of a triple whose subject passed its own checks: the same checks, in the same order, of the predicate
    and the value alone. The verdict on a value the build names is remembered (the allow-list and the build do not
    change within a process, and ``known`` is the build's); any other value (a literal, one of the patient's own nodes)
    is its own, checked each time."""
    if isinstance(value, Literal) or str(value) not in known.nodes:
        return _clean_reason(rule, predicate, value, known)
    key = (rule.name, predicate, value)
    if key in verdicts:
        return verdicts[key]
    if len(verdicts) >= MAX_CLEAN_VERDICTS:
        verdicts.clear()
    reason = verdicts[key] = _clean_reason(rule, predicate, value, known)
    return reason


def _clean_reason(rule: NodeRule, predicate: Node, value: Node, known: KnowledgeNodes) -> str | None:
    return (_form_reason((predicate, value)) or _term_reason(predicate, value)
            or _property_reason(rule, predicate, value, known))


def _form_reason(terms: tuple[Node, ...]) -> str | None:
    """A blank node among *terms*, else an IRI that could not be written back out."""
    if any(isinstance(t, BNode) for t in terms):
        return BLANK
    if not all(is_valid_iri(str(t)) for t in terms if isinstance(t, URIRef)):
        return INVALID_IRI
    return None


def offending_triples(graph: Graph, patient: URIRef, known: KnowledgeNodes) -> list[tuple[Triple, str]]:
    """Every triple of ``graph`` a profile of ``patient`` may not contain, with the reason."""
    found: list[tuple[Triple, str]] = []
    rules_of: dict[Node, tuple[list[NodeRule], NodeRule | None]] = {}
    indexed, verdicts = TripleIndex.live(graph), _clean_verdicts(known)  # each node's kind is read from it
    for triple in indexed:
        reason = _triple_reason(triple, indexed, patient, known, rules_of, verdicts)
        if reason is not None:
            found.append((triple, reason))
    return sorted(found, key=lambda pair: tuple(map(str, pair[0])))  # listed in one order, whatever the graph's


def patient_triples(graph: Graph, patient: URIRef, knowledge_graph: Graph | KnowledgeNodes) -> Graph:
    """Only the allowed triples of ``graph`` (the decision's isolation step: what the store and the
    reasoner may see of a patient, whatever the caller passed)."""
    known = knowledge_nodes(knowledge_graph)
    if not _patient_problem(patient, known):
        kept, rules_of, indexed = small_graph(), {}, TripleIndex.live(graph)  # type: ignore[var-annotated]
        verdicts = _clean_verdicts(known)
        for triple in indexed:
            if _triple_reason(triple, indexed, patient, known, rules_of, verdicts) is None:
                kept.add(triple)
        return kept
    return Graph()


_KNOWN: dict[int, tuple[Graph, KnowledgeNodes]] = {}


def knowledge_nodes(knowledge_graph: Graph | KnowledgeNodes) -> KnowledgeNodes:
    """KnowledgeNodes of a graph, computed once per graph object (the graph is never changed after a build)."""
    if isinstance(knowledge_graph, KnowledgeNodes):
        return knowledge_graph
    cached = _KNOWN.get(id(knowledge_graph))
    if cached is None or cached[0] is not knowledge_graph:
        cached = (knowledge_graph, KnowledgeNodes.of(knowledge_graph))
        _KNOWN.clear()
        _KNOWN[id(knowledge_graph)] = cached
    return cached[1]


def _patient_problem(patient: Node, known: KnowledgeNodes) -> str | None:
    if isinstance(patient, BNode):
        return "the patient must be named by an IRI, not a blank node"
    if not is_valid_iri(str(patient)):
        return "the patient IRI is not a valid IRI"
    if str(patient) in known.nodes:
        return "the patient IRI is a knowledge-graph node; use a fresh IRI (e.g. https://w3id.org/cgkg/patient/<id>)"
    prefix = f"{patient}/"
    if any(node.startswith(prefix) for node in known.nodes):
        return "the patient IRI is a prefix of knowledge-graph IRIs; use a fresh IRI"
    return None


def turtle_profile_problems(graph: Graph, name: str, knowledge_graph: Graph | KnowledgeNodes
                            ) -> tuple[URIRef | None, list[Problem]]:
    """The patient of a Turtle profile and every isolation problem (empty: the profile is isolated)."""
    patients = sorted(set(graph.subjects(RDF.type, CG.Patient)), key=str)
    if len(patients) != 1:
        return None, [Problem(name, 0, "cg:Patient", str(len(patients)), "exactly one cg:Patient is required")]
    patient = patients[0]
    known = knowledge_nodes(knowledge_graph)
    problem = _patient_problem(patient, known)
    if problem:
        return None, [Problem(name, 0, "cg:Patient", str(patient), problem)]
    assert isinstance(patient, URIRef)
    return patient, [Problem(name, 0, "triple", show_triple(triple), reason)
                     for triple, reason in offending_triples(graph, patient, known)]


def show_triple(triple: Iterable[Node]) -> str:
    return " ".join(_show(term) for term in triple)


def _show(term: Node) -> str:
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, iri in sorted(PREFIXES.items(), key=lambda pair: -len(pair[1])):
            if text.startswith(iri) and len(text) > len(iri):
                return f"{prefix}:{text[len(iri):]}"
        return f"<{text}>"
    return term.n3()
