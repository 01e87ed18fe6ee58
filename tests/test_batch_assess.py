"""The batch assessment (kg/core/decide/compiled/batch.py, issue 17: a cohort "vectorised over columns") gives every
patient exactly what the per-patient assessment (kg/core/decide/compiled/evaluate.py ``assess``) gives him alone:
each option's status set and line set, in the tables' option order.

Real builds (the default one of every guideline, and each single-guideline build: their tables differ) and real
patients' facts: those the compiled engine read of each profile (``Facts.of`` on the decision's patient graph, proven
to be the decision's own by re-assessing them to its compact decision). The profiles: the seeded synthetic cohort,
Hypothesis profiles aimed at the rules' thresholds (tests/differential/profiles.py), the edge profiles of
tests/differential/test_engines.py and tests/test_cohort_decide.py, and a batch of very different patients. A
difference fails naming the profile, the option and both results."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from typing import Any

import pytest

from kg.base.errors import UserError
from kg.cohort.synth import synthesize
from kg.core.build.knowledge import Knowledge, default_knowledge
from kg.core.decide.compiled.batch import assess_batch
from kg.core.decide.compiled.batch_columns import Columns
from kg.core.decide.compiled.batch_plan import TRIALS, plan_of
from kg.core.decide.compiled.batch_reasons import batch_reasons
from kg.core.decide.compiled.evaluate import FAILED_TRIAL, Facts, assess
from kg.core.decide.compiled.tables import DecisionTables
from kg.core.decide.decision import decide_many
from kg.model.namespaces import CG
from tests.differential.profiles import UNRECOGNISED, generated
from tests.differential.test_engines import ADULT
from tests.differential.test_engines import EDGES as ENGINE_EDGES
from tests.test_cohort_decide import EDGES as COHORT_EDGES

RLS, INSOMNIA = ("rls-aasm-2024",), ("insomnia-aasm-2017",)
Named = list[tuple[str, Facts]]  # (the profile's name, the facts the compiled engine read of it)

MIXED = {  # very different patients in one batch: each an edge of the rules
    "child": {**ADULT, "age_years": 7},
    "pregnant": {**ADULT, "pregnancy": {"status": "pregnant", "trimester": 3}},
    "esrd-on-dialysis": {**ADULT, "esrd": "yes", "dialysis": "yes",
                         "current_medications": [{"drug": "pregabalin", "daily_dose_mg": 300, "doses_per_day": 2}]},
    "missing-labs": {k: v for k, v in ADULT.items() if k != "labs"},
    "medication-list-omitted": {k: v for k, v in ADULT.items() if k != "current_medications"},
    "unrecognised-medication": {**ADULT, "current_medications": [{"drug": UNRECOGNISED, "daily_dose_mg": 5}]},
    "same-drug-twice": {**ADULT, "current_medications": [
        {"drug": "gabapentin", "daily_dose_mg": 600, "doses_per_day": 2},
        {"drug": "gabapentin", "daily_dose_mg": 300, "doses_per_day": 1}]},
    "past-trials": {**ADULT, "past_trials": [
        {"drug": "pramipexole", "max_daily_dose_mg": 0.5, "outcome": "augmentation"},
        {"drug": "pramipexole", "max_daily_dose_mg": 0.25, "outcome": "inadequate-response", "adequate": True},
        {"drug": "gabapentin", "max_daily_dose_mg": 1800, "outcome": "inadequate-response", "adequate": True},
        {"drug": "pregabalin", "max_daily_dose_mg": 300, "outcome": "not-tolerated"},
        {"drug": "ropinirole", "max_daily_dose_mg": 4, "outcome": "inadequate-response", "adequate": True}]},
    "failed-trial-of-a-drug-taken-now": {**ADULT, "current_medications": [
        {"drug": "pregabalin", "daily_dose_mg": 150, "doses_per_day": 1}], "past_trials": [
        {"drug": "pregabalin", "max_daily_dose_mg": 450, "outcome": "inadequate-response", "adequate": True}]},
    "trial-history-unknown": {k: v for k, v in ADULT.items() if k != "past_trials"},
    "older-adult-opioid": {**ADULT, "age_years": 88, "copd": "yes", "current_medications": [
        {"drug": "tramadol", "daily_dose_mg": 100, "doses_per_day": 2}]},
    "both-conditions": {**ADULT, "conditions": ["restless-legs-syndrome", "chronic-insomnia"],
                        "current_medications": [{"drug": "zolpidem", "daily_dose_mg": 10, "doses_per_day": 1}]},
}


def compact(tables: DecisionTables, facts: Facts) -> list[tuple[str, frozenset[str], frozenset[str]]]:
    """What the per-patient assessment gives: (option id, status, line) per option, in the tables' order."""
    return [(a.option_id, frozenset(a.status), frozenset(a.line)) for a in assess(tables, facts)]


def facts_of(profiles: dict[str, dict[str, Any]], knowledge: Knowledge) -> Named:
    """Decide the profiles (compact, as a cohort is) and read back the facts the compiled assessment read of each:
    the facts of its patient graph, which re-assessed give the decision's compact form (else they are not its own).
    A profile the build refuses (a UserError) is left out; the caller counts what is left."""
    tables = knowledge.decision_tables
    decided = []
    for name, profile in profiles.items():
        try:
            decided.append((name, decide_many([{**profile, "patient_id": f"p{len(decided)}"}], knowledge=knowledge,
                                              full=False)[0]))
        except UserError:
            continue
    out: Named = []
    for name, decision in decided:
        facts = Facts.of(decision.patient_graph, decision.profile.patient, tables)
        assert decision.compact is not None
        assert compact(tables, facts) == [(a.option_id, frozenset(a.status), frozenset(a.line))
                                          for a in decision.compact], f"{name}: not the decision's own facts"
        out.append((name, facts))
    return out


def cohort_facts(count: int, seed: int, knowledge: Knowledge) -> Named:
    """A synthetic cohort decided in one call, as kg decide --cohort does."""
    profiles = list(synthesize(count, seed, knowledge))
    decisions = decide_many(profiles, knowledge=knowledge, full=False)
    return [(p["patient_id"], Facts.of(d.patient_graph, d.profile.patient, knowledge.decision_tables))
            for p, d in zip(profiles, decisions, strict=True)]


def assert_batch_is_each_alone(tables: DecisionTables, named: Named) -> None:
    batch = [facts for _, facts in named]
    found = assess_batch(tables, batch)
    assert len(found) == len(named)
    wrong = []
    for (name, facts), mine in zip(named, found, strict=True):
        alone = compact(tables, facts)
        assert len(mine) == len(alone) == len(tables.options), name
        wrong += [f"{name}, option {theirs[0]}: batch {sorted(ours[1])} {sorted(ours[2])}, "
                  f"alone {sorted(theirs[1])} {sorted(theirs[2])}"
                  for ours, theirs in zip(mine, alone, strict=True) if ours != theirs]
    assert not wrong, f"{len(wrong)} option decisions differ; the first:\n" + "\n".join(wrong[:10])


@pytest.mark.slow
def test_a_synthetic_cohort_of_the_default_build_in_one_batch_and_in_pieces() -> None:
    knowledge = default_knowledge()
    tables = knowledge.decision_tables
    named = cohort_facts(1000, 17, knowledge)
    assert len(named) == 1000
    assert not Columns(plan_of(tables), [f for _, f in named]).odd, "every patient taken by the batch form"
    assert_batch_is_each_alone(tables, named)
    for size in (1, 7, 333):  # a patient's result does not depend on who else is in the batch
        assert_batch_is_each_alone(tables, named[:size])
    statuses = {s for _, facts in named[:300] for a in assess(tables, facts) for s in a.status}
    assert len(statuses) >= 6, statuses  # the cohort reaches most statuses (else the comparison tests little)


@pytest.mark.slow
@pytest.mark.parametrize("guidelines", [RLS, INSOMNIA], ids="+".join)
def test_a_synthetic_cohort_of_each_single_guideline_build(guidelines: tuple[str, ...]) -> None:
    knowledge = default_knowledge(guidelines)
    assert knowledge.decision_tables.options != default_knowledge().decision_tables.options
    named = cohort_facts(300, 23, knowledge)
    assert len(named) == 300
    assert_batch_is_each_alone(knowledge.decision_tables, named)


@pytest.mark.slow
@pytest.mark.parametrize("guidelines", [None, RLS], ids=lambda g: "+".join(g or ("default",)))
def test_profiles_aimed_at_the_thresholds(guidelines: tuple[str, ...] | None) -> None:
    knowledge = default_knowledge(guidelines)
    named = facts_of({f"generated-{i}": p for i, p in enumerate(generated(150))}, knowledge)
    assert len(named) >= 140, len(named)
    assert_batch_is_each_alone(knowledge.decision_tables, named)


@pytest.mark.parametrize("guidelines", [None, RLS, INSOMNIA], ids=lambda g: "+".join(g or ("default",)))
def test_the_edge_profiles_and_very_different_patients_in_one_batch(guidelines: tuple[str, ...] | None) -> None:
    knowledge = default_knowledge(guidelines)
    profiles = {**{f"engines:{k}": v for k, v in ENGINE_EDGES.items()},
                **{f"cohort:{p['patient_id']}": p for p in COHORT_EDGES}, **MIXED}
    named = facts_of(profiles, knowledge)
    assert len(named) == len(profiles)
    assert_batch_is_each_alone(knowledge.decision_tables, named)
    for one in named[:4]:
        assert_batch_is_each_alone(knowledge.decision_tables, [one])


def reason_facts(tables: DecisionTables, facts: Facts) -> set[tuple[str, str, str]]:
    """(option id, statement, effect or later-line state) of every reason the per-patient assessment gives, a
    past trial's statement read as the batch form's (``TRIALS``)."""
    out = set()
    for a in assess(tables, facts):
        for r in a.reasons:
            statement = TRIALS if r.kind == {"past-trial"} else r.statement
            out |= {(a.option_id, statement, e) for e in r.effects}
            out |= {(a.option_id, statement, f"reached {state}") for state in r.reached}
            out |= {(a.option_id, statement, "reachable") for _ in (True,) if True in r.reachable}
    return out


def test_the_batch_reasons_are_each_patients_reasons() -> None:
    """Beneath the statuses, the reasons themselves: each (option, statement) reason's effects, reached later lines
    and reachable flag for each patient (a difference there that no status shows would still be a bug)."""
    knowledge = default_knowledge()
    tables = knowledge.decision_tables
    named = facts_of(MIXED, knowledge) + cohort_facts(150, 29, knowledge)
    columns = Columns(plan_of(tables), [facts for _, facts in named])
    found: list[set[tuple[str, str, str]]] = [set() for _ in named]
    for reason in batch_reasons(tables, columns):
        option_id = tables.options[reason.option]
        masks = [*reason.effects.items(), ("reached reached", reason.reached), ("reached possibly", reason.possibly),
                 ("reachable", reason.reachable)]
        for what, patients in masks:
            for patient in ([] if patients is None else patients.nonzero()[0].tolist()):
                found[patient].add((option_id, reason.statement, what))
    for (name, facts), mine in zip(named, found, strict=True):
        alone = reason_facts(tables, facts)
        assert mine == alone, f"{name}: only batch {sorted(mine - alone)[:5]}, only alone {sorted(alone - mine)[:5]}"


def test_the_mixed_batch_reaches_what_its_patients_are_named_after() -> None:
    """The batch above holds what it says: a trial typed cg:FailedTrial of an option taken now (a failed-only row
    skipped), two trials of one option (two reasons alone, one in the batch form), options failed before."""
    tables = default_knowledge().decision_tables
    named = dict(facts_of(MIXED, default_knowledge()))
    taken_failed = named["failed-trial-of-a-drug-taken-now"]
    assert any(FAILED_TRIAL in types and of & taken_failed.takes for _, of, _, types in taken_failed.trials)
    trials = named["past-trials"]
    pramipexole = [r for a in assess(tables, trials) if a.option_id == "pramipexole" for r in a.reasons
                   if r.kind == {"past-trial"}]
    assert len(pramipexole) == 2, pramipexole
    statuses = {s for facts in named.values() for a in assess(tables, facts) for s in a.status}
    assert str(CG.DecisionFailedBefore) in statuses and str(CG.DecisionContraindicated) in statuses, statuses
    assert "medication-list-omitted" in named and not named["medication-list-omitted"].takes


def test_an_empty_batch_and_a_batch_of_one() -> None:
    tables = default_knowledge().decision_tables
    assert assess_batch(tables, []) == []
    named = facts_of({"adult": ADULT}, default_knowledge())
    assert assess_batch(tables, [named[0][1]]) == [compact(tables, named[0][1])]


def test_a_trial_that_is_a_statement_of_the_tables_is_assessed_alone() -> None:
    """A trial's reason is based on the trial; were a trial IRI a statement of the tables, its reason would be that
    statement's, which the batch form (one reason for all trials of an option) does not hold: that patient is set
    apart and assessed alone."""
    knowledge = default_knowledge()
    tables = knowledge.decision_tables
    named = facts_of({"past-trials": MIXED["past-trials"], "adult": ADULT}, knowledge)
    trials = named[0][1]
    statement = next(r.statement for r in tables.recommendations if r.option_id == "pramipexole")
    odd = dataclasses.replace(trials, trials=[(statement, *rest) for _, *rest in trials.trials[:1]]
                              + trials.trials[1:])  # type: ignore[misc]
    batch = [named[1][1], odd, trials]
    assert Columns(plan_of(tables), batch).odd == [1]
    assert_batch_is_each_alone(tables, [("adult", named[1][1]), ("odd", odd), ("past-trials", trials)])


def test_the_plan_is_made_once_per_tables_object_and_goes_with_it() -> None:
    tables = default_knowledge().decision_tables
    plan = plan_of(tables)
    assert plan.batchable
    named = facts_of({"adult": ADULT}, default_knowledge())
    assess_batch(tables, [facts for _, facts in named])
    assert plan_of(tables) is plan
    copy = dataclasses.replace(tables)  # equal tables, another object: a plan of its own
    other = plan_of(copy)
    assert other is not plan and plan_of(copy) is other
    assert assess_batch(copy, [named[0][1]]) == assess_batch(tables, [named[0][1]])
    gone = weakref.ref(other)
    del copy, other
    gc.collect()
    assert gone() is None, "a plan does not outlive its tables"
    assert plan_of(default_knowledge(RLS).decision_tables) is not plan


def test_tables_the_batch_form_does_not_hold_are_assessed_one_patient_at_a_time() -> None:
    """Two options under one id: a reason's key (option id, statement) would no longer name one option, so the plan
    says the tables are not batchable and every patient is assessed alone, still with the same result."""
    tables = default_knowledge().decision_tables
    option, option_id = next(iter(tables.options.items()))
    twice = dataclasses.replace(tables, options={**tables.options, f"{option}-again": option_id})
    assert plan_of(tables).batchable and not plan_of(twice).batchable
    named = facts_of({"adult": ADULT, "past-trials": MIXED["past-trials"]}, default_knowledge())
    assert_batch_is_each_alone(twice, named)
