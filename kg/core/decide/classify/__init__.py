"""The classify stage of a decision: patient nodes -> the defined classes they belong to.

A classifier's contract: given the knowledge and one or more patients (each its IRI and its graph
after the derivation rules), return the ``rdf:type`` triples of the patients' nodes (the patient and
the nodes under its IRI) to the *classification vocabulary*: every population class, every
"possible" class, and the ontology's other defined classes (e.g. cg:FailedTrial); asserted types are
not repeated. Two implementations:

- ``compiled`` (default): the population rules' evaluator backend and compiled class definitions,
  in Python, in well under a millisecond per patient, no Java;
- ``hermit`` / ``pellet``: the DL reasoner on the classification module (the reference; a batch of
  patients is classified in one reasoner run).

They are identical on the differential suite (tests/test_differential.py).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Protocol

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from kg.base.errors import UserError
from kg.core.build.knowledge import Knowledge

CLASSIFIERS = ("compiled", "hermit", "pellet")
Patient = tuple[URIRef, Graph]  # the patient's IRI and its graph


class Classifier(Protocol):
    name: str
    # True: one run for a batch of patients costs less than a run each (the DL reasoner), so a batch is classified
    # at once, each patient in its own decision store meanwhile; False: on the SPARQL engine, patients are decided
    # one after the other, reusing one decision store (a classifier without the attribute is batched); the compiled
    # engine decides without a store, a batch together either way
    batched: bool

    def classify(self, knowledge: Knowledge, patients: Sequence[Patient]) -> list[Graph]:
        """One graph of inferred types per patient, in order."""
        ...


class CompiledClassifier:
    name = "compiled"
    batched = False

    def classify(self, knowledge: Knowledge, patients: Sequence[Patient]) -> list[Graph]:
        """One patient by its rules' evaluator; several (a cohort's batch) with the rules over numpy columns, once for
        the batch (batch.py, equal patient for patient: tests/test_batch_classify.py)."""
        if len(patients) > 1:
            from kg.core.decide.classify.batch import classify_batch

            return classify_batch(knowledge.compiled, list(patients))
        from kg.core.decide.classify.compiled import classify_patient

        return [classify_patient(knowledge.compiled, graph, patient) for patient, graph in patients]


class ReasonerClassifier:
    """HermiT or Pellet on the classification module plus the patients."""

    batched = True

    def __init__(self, name: str) -> None:
        self.name = name

    def classify(self, knowledge: Knowledge, patients: Sequence[Patient]) -> list[Graph]:
        from kg.model.reasoning import check_consistency

        combined = Graph()
        for _, graph in patients:
            combined += graph
        if len({patient for patient, _ in patients}) != len(patients):
            raise UserError("a batch of patients to classify needs distinct patient IRIs")
        result = check_consistency(knowledge.module + combined, reasoner=self.name)
        if result.error:
            hint = " (Pellet 2.3 has known internal errors with datatype restrictions; try --reasoner hermit)" \
                if self.name == "pellet" else ""
            raise UserError(f"the reasoner could not classify the patient: {result.error}{hint}")
        if not result.consistent:
            if len(patients) > 1:  # find which patient: one reasoner run each
                return [graph for one in patients for graph in self.classify(knowledge, [one])]
            raise UserError("the patient profile is inconsistent with the ontology (contradictory facts); "
                            f"{result.message}")
        return patient_types(result.inferred, [patient for patient, _ in patients], knowledge.compiled.vocabulary)


def patient_types(inferred: Graph, patients: Sequence[URIRef], vocabulary: Set[Node]) -> list[Graph]:
    """For each patient, the ``rdf:type`` triples of a reasoner's *inferred* graph about it or a node under its IRI,
    with a class of the classification *vocabulary*."""
    out = []
    for patient in patients:
        types = Graph()
        for subject, _, cls in inferred.triples((None, RDF.type, None)):
            if cls in vocabulary and (subject == patient or str(subject).startswith(f"{patient}/")):
                types.add((subject, RDF.type, cls))
        out.append(types)
    return out


def classifier_named(name: str) -> Classifier:
    if name == "compiled":
        return CompiledClassifier()
    if name in ("hermit", "pellet"):
        return ReasonerClassifier(name)
    raise UserError(f"reasoner '{name}' is not supported; choose one of: {', '.join(CLASSIFIERS)}")
