"""Decide the same profiles on the compiled path and on the DL reasoner path, and list every difference:
statuses, reasons (statement, effect, applies), populations (yes/possibly), actions, dose checks,
interactions, algorithm steps, and the classification itself (the patient nodes' types)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rdflib import RDF, Graph
from rdflib.term import Node

from kg.base.errors import UserError
from kg.core.build.knowledge import Knowledge, default_knowledge
from kg.core.decide.classify import CompiledClassifier, Patient, ReasonerClassifier, patient_types
from kg.core.decide.decision import Decision, decide, decide_many
from kg.model.reasoning import check_consistency, types_entailed

Signature = dict[str, frozenset[tuple[tuple[str, str], ...]]]


def _rows(rows: list[dict[str, Any]]) -> frozenset[tuple[tuple[str, str], ...]]:
    return frozenset(tuple(sorted((k, str(v)) for k, v in row.items() if v is not None)) for row in rows)


def signature(decision: Decision, knowledge: Knowledge) -> Signature:
    """Everything a clinician would see of a decision, as comparable sets."""
    vocabulary = knowledge.compiled.vocabulary
    types = [{"node": s, "type": o} for s, o in decision.patient_graph.subject_objects(RDF.type) if o in vocabulary]
    return {
        "statuses": _rows(decision.options),
        "reasons": _rows([row for rows in decision.reasons.values() for row in rows]),
        "populations": _rows(decision.populations),
        "actions": _rows(decision.actions),
        "dose checks": _rows(decision.dose_checks),
        "interactions": _rows(decision.interactions),
        "algorithm": _rows(decision.algorithm),
        "classification": _rows(types),
    }


def differences(compiled: Signature, reference: Signature) -> dict[str, dict[str, list]]:
    out = {}
    for key in compiled:
        only_compiled, only_reference = compiled[key] - reference[key], reference[key] - compiled[key]
        if only_compiled or only_reference:
            out[key] = {"only compiled": sorted(only_compiled)[:5], "only reasoner": sorted(only_reference)[:5]}
    return out


def compare(profiles: Sequence[dict[str, Any]], reasoner: ReasonerClassifier | None = None,
            knowledge: Knowledge | None = None) -> list[tuple[dict[str, Any], dict]]:
    """(profile, differences) for every profile where the two paths differ. Each profile gets a distinct
    patient_id (one reasoner run classifies the whole batch); a profile both paths reject with the same
    message is no difference."""
    knowledge = knowledge or default_knowledge()
    reasoner = reasoner or EntailmentCheckedHermit()
    batch = [{**profile, "patient_id": f"differential-{index}"} for index, profile in enumerate(profiles)]
    compiled: dict[int, Signature | str] = {}
    for index, profile in enumerate(batch):
        try:
            compiled[index] = signature(decide(profile, knowledge=knowledge), knowledge)
        except UserError as error:
            compiled[index] = f"error: {error}"
    valid = [index for index in compiled if not isinstance(compiled[index], str)]
    reference: dict[int, Signature | str] = {}
    try:
        for index, decision in zip(valid, decide_many([batch[i] for i in valid], reasoner=reasoner,
                                                      knowledge=knowledge), strict=True):
            reference[index] = signature(decision, knowledge)
    except UserError:  # a profile only the reasoner rejects (e.g. inconsistent): find it, one at a time
        for index in valid:
            try:
                reference[index] = signature(decide(batch[index], reasoner=reasoner, knowledge=knowledge), knowledge)
            except UserError as error:
                reference[index] = f"error: {error}"
    mismatches = [({"node": node}, {"refuted by HermiT's entailment": cls}) for node, cls in reasoner.refuted]
    for index, profile in enumerate(batch):
        mine, theirs = compiled[index], reference.get(index, compiled[index])
        if isinstance(mine, str) or isinstance(theirs, str):
            if mine != theirs:
                mismatches.append((profile, {"outcome": {"compiled": str(mine)[:300], "reasoner": str(theirs)[:300]}}))
        else:
            found = differences(mine, theirs)
            if found:
                mismatches.append((profile, found))
    return mismatches


def report(mismatches: list[tuple[dict[str, Any], dict]]) -> str:
    return "\n\n".join(f"profile: {json.dumps(p, sort_keys=True)}\n{json.dumps(d, indent=1, default=str)[:3000]}"
                       for p, d in mismatches)


class EntailmentCheckedHermit(ReasonerClassifier):
    """HermiT's realization, with every type on which it and the compiled classifier disagree decided by
    HermiT's entailment: the patient is an instance of C exactly when the build plus the patient plus
    "not C" for that node is inconsistent (a consistency check, the reasoner's core service; all of a batch's
    disagreements in one HermiT run).

    Needed because HermiT's realization (``-I``, as owlready2 runs it) is nondeterministically
    incomplete here: the same input file, run three times, omitted a "possible" population type in some
    runs and not in others (tests/differential/README.md). ``misses`` counts the types realization
    omitted and entailment confirmed; ``refuted`` the compiled types entailment rejected (must stay 0).

    The realization is only the first guess that entailment corrects, so it is HermiT's command line run as
    ``kg build`` runs it (``-c -I``, its printed taxonomy closed: ``check_consistency(..., hermit_taxonomy=True)``,
    ADR 0018), not owlready2's ``-c -O -D -I`` and fold: the module with 20 patients took 41 s instead of 71 s.
    The classification it returns is the same either way: where the compiled classifier and realization agree, that
    type; where they disagree, HermiT's entailment."""

    def __init__(self) -> None:
        super().__init__("hermit")
        self.misses: list[tuple[str, str]] = []
        self.refuted: list[tuple[str, str]] = []

    def classify(self, knowledge: Knowledge, patients: Sequence[Patient]) -> list[Graph]:
        realized = self.realized(knowledge, patients)
        compiled = CompiledClassifier().classify(knowledge, patients)
        disputed = [(index, triple) for index, (mine, theirs) in enumerate(zip(compiled, realized, strict=True))
                    for triple in sorted(set(mine) ^ set(theirs))]
        # every disputed type of the batch settled in one HermiT run, each on the build plus its own patient's graph
        entailed = self.entailed(knowledge, [(patients[index][1], node, cls) for index, (node, _, cls) in disputed])
        out = [Graph() + theirs for theirs in realized]
        for (index, triple), yes in zip(disputed, entailed, strict=True):
            node, _, cls = triple
            if yes:
                out[index].add(triple)
                if triple not in realized[index]:
                    self.misses.append((str(node), str(cls)))
            else:
                out[index].remove(triple)
                if triple in compiled[index]:
                    self.refuted.append((str(node), str(cls)))
        return out

    @staticmethod
    def realized(knowledge: Knowledge, patients: Sequence[Patient]) -> list[Graph]:
        """HermiT's realization of the batch in one run, each patient's types to the classification vocabulary (as
        ``ReasonerClassifier``: the patient's nodes are the patient and the nodes under its IRI). An inconsistent
        batch or a reasoner error is a ``UserError`` (``compare`` then decides the profiles one at a time)."""
        if len({patient for patient, _ in patients}) != len(patients):
            raise UserError("a batch of patients to classify needs distinct patient IRIs")
        combined = Graph()
        for _, graph in patients:
            combined += graph
        result = check_consistency(knowledge.module + combined, reasoner="hermit", hermit_taxonomy=True)
        if not result.consistent or result.error:
            raise UserError(f"HermiT could not classify the batch: {result.describe()}")
        return patient_types(result.inferred, [patient for patient, _ in patients], knowledge.compiled.vocabulary)

    @staticmethod
    def entailed(knowledge: Knowledge, questions: Sequence[tuple[Graph, Node, Node]]) -> list[bool]:
        """For each (patient graph, node, class): is the type entailed by the classification module plus that graph?
        The node is an instance of the class exactly when the module, the graph and "the node is not in the class"
        are inconsistent together (``kg.model.reasoning.types_entailed``: one HermiT run for all)."""
        return types_entailed(knowledge.module, questions)
