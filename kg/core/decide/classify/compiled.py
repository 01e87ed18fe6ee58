"""The JVM-free classifier: population rules evaluated by the grammar's evaluator backend (three-valued,
kg/model/population/evaluate.py) and the ontology's other defined classes by compiled predicates
(owl_fragment.py), on the facts of the patient graph after the derivation rules. Identical to the DL
reasoner on the classification vocabulary (tests/test_differential.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox
from rdflib import OWL, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from kg.base.oxigraph_bridge import to_graph
from kg.base.small_graph import small_graph
from kg.base.triple_index import TripleIndex
from kg.core.decide.classify.owl_fragment import Nodes, Predicate, compile_definitions, node_types
from kg.core.query.library import load_query, run_construct
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG, RDF_TYPE
from kg.model.ontology import Quantities
from kg.model.population.evaluate import NO, YES, Facts, membership
from kg.model.population.grammar import Expr, parse


@dataclass(frozen=True)
class CompiledKnowledge:
    """What the compiled classifier reads of the build, computed once per knowledge."""

    rules: dict[URIRef, Expr]  # population class -> its rule (the IR)
    possible: dict[URIRef, URIRef]  # population class -> its "possible" class
    defined: dict[URIRef, Predicate]  # the ontology's other defined classes
    types: Callable[[Graph | TripleIndex, Node], set[Node]]  # a node's named types (owl_fragment.node_types)
    ancestors: dict[Node, frozenset[Node]]  # named class -> itself and its superclasses
    drug_classes: dict[Node, frozenset[Node]]  # agent -> the drug classes it falls under (cg:fallsUnder)
    quantities: Quantities  # the build's patient quantities (core and package fragments) and their "unknown" classes
    ids: IdSpace  # id -> IRI of the content nodes (dcterms:identifier)

    def resolve(self, population_id: str) -> Expr:
        """A population's rule by its id (a rule's ``population X`` reference)."""
        return self.rules[self.ids[population_id]]

    @property
    def vocabulary(self) -> frozenset[URIRef]:
        """The classes both classifiers report (a classifier's contract, kg/core/decide/classify/__init__.py)."""
        return frozenset(self.rules) | frozenset(self.possible.values()) | frozenset(self.defined)

    @classmethod
    def of(cls, knowledge: Graph | ox.Store) -> CompiledKnowledge:
        """Read and compile what classification needs from the build (queries/decision/classifier-knowledge.rq)."""
        graph = to_graph(run_construct(load_query("decision/classifier-knowledge"), knowledge))
        rules = {p: parse(str(rule)) for p, rule in graph.subject_objects(CG.populationRule)}
        possible = {p: cls for cls, p in graph.subject_objects(CG.possibleMembershipOf)}
        ancestors: dict[Node, set[Node]] = defaultdict(set)
        for sub, sup in graph.subject_objects(RDFS.subClassOf):
            if isinstance(sup, URIRef):
                ancestors[sub].add(sup)
        closed = {c: frozenset(_closure(c, ancestors)) for c in list(ancestors)}
        drug_classes: dict[Node, set[Node]] = defaultdict(set)
        for agent, group in graph.subject_objects(CG.fallsUnder):
            if agent != group:
                drug_classes[agent].add(group)
        defined_classes = {c for c in graph.subjects(OWL.equivalentClass)
                           if isinstance(c, URIRef) and c not in rules and c not in set(possible.values())}
        return cls(
            rules, possible, compile_definitions(graph, defined_classes, closed), node_types(graph, closed), closed,
            {a: frozenset(g) for a, g in drug_classes.items()}, Quantities.of(graph), IdSpace.from_graph(graph),
        )


def _closure(start: Node, parents: dict[Node, set[Node]]) -> set[Node]:
    seen, todo = {start}, [start]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


class PatientFacts(Facts):
    """A patient's facts as the population rules read them (``Facts``), from the patient graph."""

    def __init__(self, graph: Graph | TripleIndex, patient: URIRef, kb: CompiledKnowledge,
                 trial_types: dict[Node, set[URIRef]]):
        self.graph, self.patient, self.kb = graph, patient, kb
        self.types = set(graph.objects(patient, RDF_TYPE))
        self.trial_types = trial_types
        self._seen: dict[URIRef, frozenset[Node]] = {}

    def _classes(self, prop: URIRef) -> frozenset[Node]:
        """The condition classes (with superclasses) of the patient's nodes under ``prop``, read once."""
        if prop not in self._seen:
            self._seen[prop] = frozenset(sup for node in self.graph.objects(self.patient, prop)
                                         for t in self.graph.objects(node, RDF_TYPE)
                                         for sup in self.kb.ancestors.get(t, frozenset((t,))))
        return self._seen[prop]

    def value(self, quantity: str) -> Decimal | None:
        value = self.graph.value(self.patient, self.kb.quantities[quantity])
        return value.toPython() if isinstance(value, Literal) and isinstance(value.toPython(), Decimal) else None

    def value_unknown(self, quantity: str) -> bool:
        return self.kb.quantities.unknown_class(quantity) in self.types

    def has_condition(self, condition: str) -> bool:
        return self.kb.ids.get(condition) in self._classes(CG.hasCondition)

    def possibly_has_condition(self, condition: str) -> bool:
        return self.kb.ids.get(condition) in self._classes(CG.possiblyHasCondition)

    def lacks_condition(self, condition: str) -> bool:
        return self.kb.ids.absent(condition) in self._classes(CG.lacksCondition)

    def takes(self, agent: str) -> bool:
        return (self.patient, CG.takesAgent, self.kb.ids.get(agent)) in self.graph

    def takes_class(self, drug_class: str) -> bool:
        return any(self.kb.ids.get(drug_class) in self.kb.drug_classes.get(agent, ())
                   for agent in self.graph.objects(self.patient, CG.takesAgent))

    def possibly_takes(self, agent_or_class: str) -> bool:
        return (self.patient, CG.possiblyTakesAgent, self.kb.ids.get(agent_or_class)) in self.graph

    def failed_class(self, drug_class: str, possibly: bool) -> bool:
        wanted = CG.PossiblyFailedTrial if possibly else CG.FailedTrial
        return any(wanted in self.trial_types.get(trial, ()) and
                   any(self.kb.ids.get(drug_class) in self.kb.drug_classes.get(agent, ())
                       for agent in self.graph.objects(trial, CG.trialOf))
                   for trial in self.graph.objects(self.patient, CG.hadTrial))

    def trial_history_unknown(self) -> bool:
        return CG.TrialHistoryUnknown in self.types


def classify_patient(kb: CompiledKnowledge, graph: Graph, patient: URIRef) -> Graph:
    """The types of the patient's nodes among the classification vocabulary."""
    indexed = TripleIndex.live(graph)  # read a few thousand times below (the graph is not changed meanwhile)
    found = defined_types(kb, indexed, patient)
    facts = PatientFacts(indexed, patient, kb, found)
    for population, rule in kb.rules.items():
        answer = membership(rule, facts, kb.resolve)
        if answer == YES:
            found[patient].add(population)
        if answer != NO:
            found[patient].add(kb.possible[population])
    return new_type_triples(found, indexed)


def defined_types(kb: CompiledKnowledge, indexed: TripleIndex, patient: URIRef) -> dict[Node, set[URIRef]]:
    """The ontology's other defined classes (``kb.defined``) of the patient and of the nodes under its IRI."""
    nodes = {patient} | {s for s in indexed.subjects() if str(s).startswith(f"{patient}/")}
    found: dict[Node, set[URIRef]] = defaultdict(set)
    view = Nodes(indexed, kb.types)
    for node in nodes:
        for cls, test in kb.defined.items():
            if test(view, node):
                found[node].add(cls)
    return found


def new_type_triples(found: dict[Node, set[URIRef]], indexed: TripleIndex) -> Graph:
    """The ``rdf:type`` triples of *found* (node -> classes) that the patient's graph does not already state."""
    inferred = small_graph()
    for node, classes in found.items():
        for cls in classes:
            if (node, RDF_TYPE, cls) not in indexed:
                inferred.add((node, RDF_TYPE, cls))
    return inferred
