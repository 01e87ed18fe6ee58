"""Decide the same profiles on the compiled path and on the DL reasoner path, and list every difference:
statuses, reasons (statement, effect, applies), populations (yes/possibly), actions, dose checks,
interactions, algorithm steps, and the classification itself (the patient nodes' types)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rdflib import RDF

from kg.decision import Decision, decide, decide_many
from kg.errors import UserError
from kg.knowledge import Knowledge, default_knowledge

Signature = dict[str, frozenset[tuple[tuple[str, str], ...]]]


def _rows(rows: list[dict[str, Any]]) -> frozenset[tuple[tuple[str, str], ...]]:
    return frozenset(tuple(sorted((k, str(v)) for k, v in row.items() if v is not None)) for row in rows)


def signature(decision: Decision, knowledge: Knowledge) -> Signature:
    """Everything a clinician would see of a decision, as comparable sets."""
    vocabulary = knowledge.compiled.vocabulary
    types = [{"node": s, "type": o} for s, o in decision.graph.subject_objects(RDF.type) if o in vocabulary]
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


def compare(profiles: Sequence[dict[str, Any]], reasoner: str = "hermit",
            knowledge: Knowledge | None = None) -> list[tuple[dict[str, Any], dict]]:
    """(profile, differences) for every profile where the two paths differ. Each profile gets a distinct
    patient_id (one reasoner run classifies the whole batch); a profile both paths reject with the same
    message is no difference."""
    knowledge = knowledge or default_knowledge()
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
    mismatches = []
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
