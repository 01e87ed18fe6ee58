"""The batch classifier (kg/core/decide/classify/batch.py; issue 17, rules "vectorised over columns") gives every
patient exactly the types the per-patient compiled classifier gives (``classify_patient``), on the patients' graphs
as ``decide_many`` hands them to the classifier: prepared, then derived by the derivation tables.

The patients: 1,000 synthetic profiles of the default build, a few hundred of each other build, the differential
suite's boundary grid and Hypothesis profiles, the edge profiles of tests/differential/test_engines.py and
tests/test_cohort_decide.py, and the edge cases below, each alone and all in one batch. A difference names the
profile, the node and both type sets. Each term of each rule is also compared as a rule of its own, so that an ``and``
or an ``or`` cannot hide a term that differs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from rdflib import Graph, URIRef

from kg.base.triple_index import TripleIndex
from kg.cohort.synth import synthesize
from kg.core.build.knowledge import Knowledge, default_knowledge
from kg.core.decide.classify import fact_table as facts
from kg.core.decide.classify.batch import classify_batch, rule_plan
from kg.core.decide.classify.compiled import CompiledKnowledge, classify_patient, defined_types
from kg.core.decide.classify.fact_table import FactTable
from kg.core.decide.decision import PatientGraph, prepare
from kg.model.namespaces import CG, RDF_TYPE
from kg.model.population.evaluate import COMPARE
from kg.model.population.grammar import And, Or, walk
from tests.differential.profiles import boundary_grid, generated
from tests.differential.test_engines import BOTH
from tests.differential.test_engines import EDGES as ENGINE_EDGES
from tests.test_cohort_decide import EDGES as COHORT_EDGES

Patients = list[tuple[URIRef, Graph]]
ADULT = {"sex": "female", "age_years": 50, "pregnancy": {"status": "not-pregnant"}, "esrd": "no", "dialysis": "no",
         "conditions": ["restless-legs-syndrome"],
         "labs": {"ferritin": {"value": 40, "unit": "ng/mL"}, "tsat": {"value": 15, "unit": "%"}},
         "current_medications": [], "past_trials": []}
GABAPENTIN_FAILED = {"drug": "gabapentin", "max_daily_dose_mg": 1800, "outcome": "inadequate-response",
                     "adequate": True}
EDGE_CASES = {  # each reaches the notion it is named after (test_the_edge_cases_reach_every_kind_of_fact)
    "child": {**ADULT, "age_years": 8, "labs": {"ferritin": {"value": 45, "unit": "ng/mL"}}},
    "adolescent": {**ADULT, "age_years": 15, "copd": "unknown"},
    "pregnant": {**ADULT, "pregnancy": {"status": "pregnant", "trimester": 1}},
    "pregnancy-unknown": {**ADULT, "pregnancy": {"status": "unknown"}},
    "esrd-on-dialysis": {**ADULT, "esrd": "yes", "dialysis": "yes", "labs": {
        "ferritin": {"value": 150, "unit": "ng/mL"}, "tsat": {"value": 19.9, "unit": "%"}}},
    "esrd-not-on-dialysis": {**ADULT, "esrd": "yes", "dialysis": "no"},
    "esrd-unknown": {**ADULT, "esrd": "unknown", "dialysis": "unknown"},
    "missing-labs": {k: v for k, v in ADULT.items() if k != "labs"},
    "age-missing": {k: v for k, v in ADULT.items() if k != "age_years"},
    "labs-at-thresholds": {**ADULT, "labs": {"ferritin": {"value": 75, "unit": "ng/mL"},
                                             "tsat": {"value": 20, "unit": "%"}}},
    "medication-list-omitted": {k: v for k, v in ADULT.items() if k != "current_medications"},
    "unrecognised-medication": {**ADULT, "current_medications": [
        {"drug": "zzq-unlisted-sleep-aid", "daily_dose_mg": 25, "doses_per_day": 1}]},
    "same-drug-twice": {**ADULT, "current_medications": [
        {"drug": "pregabalin", "daily_dose_mg": 150, "doses_per_day": 1},
        {"drug": "Lyrica", "daily_dose_mg": 300, "doses_per_day": 2}]},
    "exacerbating-medications": {**ADULT, "alcohol": "yes", "caffeine": "unknown", "current_medications": [
        {"drug": "mirtazapine", "daily_dose_mg": 15, "doses_per_day": 1},
        {"drug": "tramadol", "daily_dose_mg": 100, "doses_per_day": 2}]},
    "failed-trial": {**ADULT, "past_trials": [GABAPENTIN_FAILED]},
    "not-tolerated-trial": {**ADULT, "past_trials": [{"drug": "pregabalin", "outcome": "not-tolerated"}]},
    "adequacy-undetermined-trial": {**ADULT, "past_trials": [{"drug": "gabapentin", "outcome": "inadequate-response"}]},
    "augmentation": {**ADULT, "augmentation_signs": "yes", "past_trials": [
        GABAPENTIN_FAILED, {"drug": "pramipexole", "max_daily_dose_mg": 0.5, "outcome": "augmentation"}],
        "current_medications": [{"drug": "pramipexole", "daily_dose_mg": 0.25, "doses_per_day": 1}]},
    "all-failed": {**ADULT, "past_trials": [GABAPENTIN_FAILED, {"drug": "tramadol", "outcome": "not-tolerated"}]},
    "trial-history-omitted": {k: v for k, v in ADULT.items() if k != "past_trials"},
    "states-nothing": {"sex": "unknown"},
    "both-conditions": {**ADULT, "conditions": ["restless-legs-syndrome", "chronic-insomnia"],
                        "insomnia_type": "maintenance"},
}


def derived(knowledge: Knowledge, profiles: list[dict]) -> Patients:
    """The patients' graphs as ``decide_many`` gives them to the classifier on the compiled engine."""
    patients = []
    for profile in profiles:
        loaded, triples = prepare(profile, knowledge)
        graph = PatientGraph(knowledge, loaded.patient, triples)
        graph.derive_compiled()
        patients.append((graph.patient, graph.graph))
    return patients


def named(profiles: dict[str, dict]) -> list[dict]:
    return [{**profile, "patient_id": name} for name, profile in profiles.items()]


def by_node(graph: Graph) -> dict:
    found: dict = {}
    for node, _, cls in graph.triples((None, RDF_TYPE, None)):
        found.setdefault(node, set()).add(cls)
    return found


def assert_same(kb: CompiledKnowledge, patients: Patients, where: str) -> None:
    """Fails naming every node whose batch types differ from its per-patient types: the profile, the node, both
    type sets."""
    batch = classify_batch(kb, patients)
    assert len(batch) == len(patients)
    wrong = []
    for (patient, graph), got in zip(patients, batch, strict=True):
        expected = classify_patient(kb, graph, patient)
        if set(got) == set(expected):
            continue
        mine, theirs = by_node(got), by_node(expected)
        for node in sorted(mine.keys() | theirs.keys()):
            batch_types, patient_types = mine.get(node, set()), theirs.get(node, set())
            if batch_types != patient_types:
                wrong.append(f"{where}: profile {patient}, node {node}: only in batch "
                             f"{_names(batch_types - patient_types)}, only per patient "
                             f"{_names(patient_types - batch_types)}\n  batch: {_names(batch_types)}\n  per patient: "
                             f"{_names(patient_types)}")
    assert not wrong, f"{len(wrong)} nodes differ:\n" + "\n".join(wrong[:10])


def _names(classes: set) -> str:
    return "{" + ", ".join(sorted(str(cls) for cls in classes)) + "}"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return default_knowledge()


@pytest.fixture(scope="module")
def edges(knowledge: Knowledge) -> Patients:
    return derived(knowledge, named(EDGE_CASES))


def test_a_thousand_synthetic_patients_of_the_default_build(knowledge):
    patients = derived(knowledge, list(synthesize(1000, 17, knowledge)))
    assert len(patients) == 1000
    assert_same(knowledge.compiled, patients, "synthetic default build")


@pytest.mark.parametrize("guidelines", [("rls-aasm-2024",), ("insomnia-aasm-2017",), BOTH], ids="+".join)
def test_synthetic_patients_of_each_build(guidelines):
    build = default_knowledge(guidelines)
    patients = derived(build, list(synthesize(300, 5, build)))
    assert_same(build.compiled, patients, "synthetic " + "+".join(guidelines))


def test_the_differential_boundary_grid_and_generated_profiles():
    """Every lab and age threshold, one step either side, and Hypothesis profiles (tests/differential/profiles.py)."""
    rls = default_knowledge(("rls-aasm-2024",))
    grid = [{**profile, "patient_id": f"grid-{i}"} for i, profile in enumerate(boundary_grid())]
    drawn = [{**profile, "patient_id": f"drawn-{i}"} for i, profile in enumerate(generated(150))]
    assert_same(rls.compiled, derived(rls, grid + drawn), "differential profiles")


def test_the_edge_profiles_of_the_engine_and_cohort_tests():
    both = default_knowledge(BOTH)
    rls = default_knowledge(("rls-aasm-2024",))
    two = {name: p for name, p in ENGINE_EDGES.items() if "conditions" in p}
    one = {name: p for name, p in ENGINE_EDGES.items() if "conditions" not in p}
    assert two and one
    assert_same(rls.compiled, derived(rls, named(one)), "engine edges")
    assert_same(both.compiled, derived(both, named(two) + COHORT_EDGES), "engine and cohort edges")


def test_each_edge_case_alone_and_all_in_one_batch(knowledge, edges):
    for (patient, graph) in edges:
        assert_same(knowledge.compiled, [(patient, graph)], "alone")
    assert_same(knowledge.compiled, edges, "mixed batch")
    assert_same(knowledge.compiled, edges[::-1] + edges, "mixed batch, reversed and repeated")


def test_an_empty_batch_gives_nothing(knowledge):
    assert classify_batch(knowledge.compiled, []) == []


def test_each_term_of_each_rule_as_a_rule_of_its_own(knowledge, edges):
    """Terms compared one by one: a difference an ``and`` or an ``or`` would hide in the whole rule shows here."""
    kb = knowledge.compiled
    terms = sorted({term for rule in kb.rules.values() for term in walk(rule)
                    if not isinstance(term, (And, Or))}, key=repr)
    rules, possible = dict(kb.rules), dict(kb.possible)
    for index, term in enumerate(terms):
        rules[URIRef(f"urn:test:term/{index}")] = term
        possible[URIRef(f"urn:test:term/{index}")] = URIRef(f"urn:test:possible-term/{index}")
    each = dataclasses.replace(kb, rules=rules, possible=possible)
    patients = edges + derived(knowledge, list(synthesize(300, 23, knowledge)))
    assert_same(each, patients, "terms")


def test_the_edge_cases_reach_every_kind_of_fact(knowledge, edges):
    """Else the comparisons above test less than they say: each kind of fact a rule reads is true for some edge case,
    each quantity known for one and unknown for another, and some population possible only."""
    kb = knowledge.compiled
    plan = rule_plan(kb)
    table = FactTable(plan.atoms, plan.quantities, len(edges))
    for index, (patient, graph) in enumerate(edges):
        indexed = TripleIndex(graph)
        table.fill(index, indexed, patient, kb.ancestors, kb.drug_classes, defined_types(kb, indexed, patient))
    kinds = {kind for (kind, _), row in plan.atoms.items() if table.atom(row).any()}
    assert {facts.HAS, facts.POSSIBLY_HAS, facts.LACKS, facts.TAKES, facts.TAKES_CLASS, facts.POSSIBLY_TAKES,
            facts.FAILED, facts.POSSIBLY_FAILED} <= kinds
    assert table.atom(plan.atoms[facts.TYPED, CG.TrialHistoryUnknown]).any()
    for quantity in plan.quantities:
        assert table.atom(plan.atoms[facts.TYPED, kb.quantities.unknown_class(quantity)]).any(), f"{quantity} unknown"
        assert any(value is not None for value in table.values[quantity]), f"{quantity} known"
    batch = classify_batch(kb, edges)
    typed = [by_node(types).get(patient, set()) for (patient, _), types in zip(edges, batch, strict=True)]
    assert any(kb.possible[p] in types and p not in types for types in typed for p in kb.rules)


def test_thresholds_compare_exactly_as_decimals():
    """Ranks in the batch's sorted distinct values answer what comparing the Decimals answers, equal values written
    differently (75, 75.0) and values closer than a float can tell included."""
    values = [Decimal("75"), Decimal("75.0"), Decimal("75.00000000000000000001"), Decimal("74.99999999999999999999"),
              None, Decimal("0"), Decimal("1E+3"), Decimal("75.000")]
    table = FactTable({}, {"ferritin": URIRef("urn:test:ferritin")}, len(values))
    table.values["ferritin"] = values
    for threshold in (Decimal("75"), Decimal("75.00"), Decimal("74.99999999999999999999"), Decimal("0"),
                      Decimal("-1"), Decimal("1000"), Decimal("2000")):
        for op, compare in COMPARE.items():
            expected = [value is not None and compare(value, threshold) for value in values]
            assert table.compare("ferritin", op, threshold).tolist() == expected, (op, threshold)


def test_the_rules_are_compiled_once_per_compiled_knowledge(knowledge, edges):
    kb = knowledge.compiled
    plan = rule_plan(kb)
    classify_batch(kb, edges)
    classify_batch(kb, edges[:1])
    assert rule_plan(kb) is plan
    copy = dataclasses.replace(kb)  # equal, but another object: its own plan
    assert rule_plan(copy) is not plan and rule_plan(copy) is rule_plan(copy)
    other = default_knowledge(("insomnia-aasm-2017",)).compiled
    assert rule_plan(other) is not plan and set(rule_plan(other).populations) == set(other.rules)
