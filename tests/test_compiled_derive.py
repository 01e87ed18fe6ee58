"""The compiled derivation (kg/core/decide/compiled/derive.py) gives exactly the triples of the derivation rules
(queries/decision/derive/*.rq, the reference) at the edges of each rule, and those triples say what the rules say.
Doses come from the build's derivation tables (queries/compile/derive-adequacy.rq), never from this file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rdflib import RDF, Graph, Literal
from rdflib.term import Node

from kg.core.build.knowledge import default_knowledge
from kg.core.decide.compiled.derive import derive
from kg.core.decide.decision import PatientGraph, prepare
from kg.model.namespaces import CG
from tests.differential.profiles import as_number
from tests.differential.test_engines import ADULT

Triple = tuple[Node, Node, Node]


@pytest.fixture(scope="module")
def knowledge():
    return default_knowledge(("rls-aasm-2024",))


def _both(knowledge, profile: dict[str, Any]) -> set[Triple]:
    """The compiled derivation's triples, required to equal the rules'."""
    loaded, triples = prepare(profile, knowledge)
    reference = PatientGraph(knowledge, loaded.patient, triples)
    with reference.in_store():
        reference.run_rules("derive")
    expected = set(reference.graph) - set(triples)
    graph = Graph()
    graph += triples
    compiled = set(derive(knowledge.derive_tables, graph, loaded.patient))
    assert compiled == expected, {"only compiled": compiled - expected, "only the rules": expected - compiled}
    return compiled


def _drug(knowledge, name: str):
    return next(d for d in knowledge.derive_tables.maximum if str(d).endswith(f"/{name}"))


def _trial_adequacy(derived: set[Triple]) -> set[object]:
    return {o.toPython() for _, p, o in derived if p == CG.adequateTrial}


def _undetermined(derived: set[Triple]) -> bool:
    return any(p == CG.adequacyUndetermined for _, p, _ in derived)


def _trial(knowledge, drug: str, dose: Decimal, **extra: Any) -> dict[str, Any]:
    return {**ADULT, "past_trials": [{"drug": drug, "max_daily_dose_mg": as_number(dose), "outcome":
                                      "inadequate-response", **extra}]}


def test_a_trial_at_the_adequate_dose_is_adequate_and_one_below_it_is_not(knowledge):
    adequate = knowledge.derive_tables.adequate[_drug(knowledge, "gabapentin")].toPython()
    assert _trial_adequacy(_both(knowledge, _trial(knowledge, "gabapentin", adequate))) == {True}
    below = _both(knowledge, _trial(knowledge, "gabapentin", adequate - 1))
    assert _trial_adequacy(below) == {False} and not _undetermined(below)


def test_on_dialysis_a_trial_at_the_kidney_cap_is_adequate_and_one_below_it_undetermined(knowledge):
    cap = min(v.toPython() for _, v in knowledge.derive_tables.caps[_drug(knowledge, "gabapentin")])
    dialysis = {"esrd": "yes", "dialysis": "yes"}
    at_cap = _both(knowledge, _trial(knowledge, "gabapentin", cap) | dialysis)
    assert _trial_adequacy(at_cap) == {True}
    below = _both(knowledge, _trial(knowledge, "gabapentin", cap - 1) | dialysis)
    assert not _trial_adequacy(below) and _undetermined(below)


def test_a_drug_without_an_adequate_dose_is_adequate_only_at_its_maximum(knowledge):
    maximum = knowledge.derive_tables.maximum[_drug(knowledge, "pramipexole")].toPython()
    assert _trial_adequacy(_both(knowledge, _trial(knowledge, "pramipexole", maximum))) == {True}
    below = _both(knowledge, _trial(knowledge, "pramipexole", maximum / 2))
    assert not _trial_adequacy(below) and _undetermined(below)


def test_a_clinicians_judgement_is_kept_whatever_the_dose(knowledge):
    derived = _both(knowledge, _trial(knowledge, "gabapentin", Decimal(100), adequate=True))
    assert not _trial_adequacy(derived) and not _undetermined(derived)


def test_a_trial_without_a_dose_is_undetermined(knowledge):
    profile = {**ADULT, "past_trials": [{"drug": "gabapentin", "outcome": "not-tolerated"}]}
    derived = _both(knowledge, profile)
    assert not _trial_adequacy(derived) and _undetermined(derived)


def test_the_same_drug_on_two_rows_is_added_up_for_an_adequate_current_dose(knowledge):
    adequate = knowledge.derive_tables.adequate[_drug(knowledge, "gabapentin")].toPython()
    half = as_number(adequate / 2)
    profile = {**ADULT, "current_medications": [{"drug": "gabapentin", "daily_dose_mg": half, "doses_per_day": 1},
                                                {"drug": "Neurontin", "daily_dose_mg": half, "doses_per_day": 2}]}
    derived = _both(knowledge, profile)
    assert {o for _, p, o in derived if p == CG.adequateDose} == {Literal(True)}
    assert len([s for s, p, _ in derived if p == CG.adequateDose]) == 2


def test_missing_values_and_an_omitted_medication_list_are_made_explicit(knowledge):
    profile = {k: v for k, v in ADULT.items() if k not in ("labs", "age_years", "current_medications")}
    derived = _both(knowledge, profile)
    unknown = {o for _, p, o in derived if p == RDF.type}
    assert {t for t, _ in knowledge.derive_tables.unknown} <= unknown
    possibly = {o for _, p, o in derived if p == CG.possiblyTakesAgent}
    assert possibly == set(knowledge.derive_tables.agents)


def test_an_unrecognised_drug_makes_every_agent_not_taken_possibly_taken(knowledge):
    profile = {**ADULT, "current_medications": [{"drug": "gabapentin", "daily_dose_mg": 300, "doses_per_day": 1},
                                                {"drug": "zzq-unlisted", "daily_dose_mg": 5, "doses_per_day": 1}]}
    derived = _both(knowledge, profile)
    possibly = {o for _, p, o in derived if p == CG.possiblyTakesAgent}
    assert _drug(knowledge, "gabapentin") not in possibly and len(possibly) == len(knowledge.derive_tables.agents) - 1


@pytest.mark.parametrize("changes", [
    {"age_years": 8}, {"pregnancy": {"status": "pregnant", "trimester": 1}}, {"lactating": True},
    {"age_years": 90}, {"conditions": ["restless-legs-syndrome", "chronic-insomnia"]},
], ids=["child", "pregnant", "breastfeeding", "older-adult", "two-conditions"])
def test_the_edges_derive_the_same_triples(changes: dict[str, Any]):
    guidelines = ("insomnia-aasm-2017", "rls-aasm-2024") if "conditions" in changes else ("rls-aasm-2024",)
    _both(default_knowledge(guidelines), {**ADULT, **changes})
