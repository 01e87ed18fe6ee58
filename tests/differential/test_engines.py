"""The compiled assessment (decision tables, ``engine="compiled"``) is identical to the SPARQL rules (the reference,
``engine="sparql"``), as the compiled classifier is to HermiT (issue 17, item 1).

The profiles: the stored HermiT reference's generated profiles (tests/differential/reference.py) on the complete
build, fresh Hypothesis profiles on each single-guideline build, and edge profiles (child, pregnant, dialysis,
missing labs, the same drug twice, a single daily dose the sources warn against, an older adult with an unrecognised
drug, two conditions). A difference fails with the shrunk profile and what differs. The fast comparisons compare the
assessed triples (statuses, lines, reasons with their effects, applies and later lines), the dose checks, actions and
population facts, and which cross-guideline links concern the patient; the edge profiles compare every output row
list in order and the rendered `kg decide` output byte for byte."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from rdflib import RDF, URIRef

from kg.base.errors import UserError
from kg.core.build.knowledge import default_knowledge
from kg.core.decide.decision import decide
from kg.model.namespaces import CG
from kg.report.decision_output import render, to_turtle
from tests.differential.engines import assessed_both, compare, outcome
from tests.differential.profiles import as_number, doses, generated
from tests.differential.reference import stored
from tests.differential.runner import shrink
from tests.package_namespaces import RLS

STORED = 30  # stored reference profiles compared in every make test (about 1 s each on a loaded 2-core machine)
FRESH = 8  # fresh profiles per single-guideline build
BUILDS = (("rls-aasm-2024",), ("insomnia-aasm-2017",))
BOTH = ("insomnia-aasm-2017", "rls-aasm-2024")
ADULT = {"sex": "female", "age_years": 50, "pregnancy": {"status": "not-pregnant"}, "esrd": "no", "dialysis": "no",
         "labs": {"ferritin": {"value": 40, "unit": "ng/mL"}, "tsat": {"value": 15, "unit": "%"}},
         "current_medications": [], "past_trials": []}
EDGES = {
    "child": {**ADULT, "age_years": 8},
    "pregnant": {**ADULT, "pregnancy": {"status": "pregnant", "trimester": 2}},
    "dialysis": {**ADULT, "esrd": "yes", "dialysis": "yes",
                 "current_medications": [{"drug": "gabapentin", "daily_dose_mg": 900, "doses_per_day": 1}]},
    "missing-labs": {k: v for k, v in ADULT.items() if k not in ("labs", "past_trials", "current_medications")},
    "same-drug-twice": {**ADULT, "current_medications": [
        {"drug": "pregabalin", "daily_dose_mg": 150, "doses_per_day": 1},
        {"drug": "Lyrica", "daily_dose_mg": 300, "doses_per_day": 2}],
        "past_trials": [{"drug": "pramipexole", "max_daily_dose_mg": 0.5, "outcome": "augmentation"},
                        {"drug": "pramipexole", "max_daily_dose_mg": 0.25, "outcome": "inadequate-response"}]},
    # a value the patient's graph writes "1.0" and SPARQL answers "1" (CI once found it only on a fresh profile)
    "adult-gabapentin-once-daily": {**ADULT, "current_medications": [
        {"drug": "gabapentin", "daily_dose_mg": 90, "doses_per_day": 1}]},
    "older-adult-unrecognised-drug": {**ADULT, "age_years": 84, "current_medications": [
        {"drug": "gabapentin", "daily_dose_mg": 3900, "doses_per_day": 3},
        {"drug": "zzq-unlisted-sleep-aid", "daily_dose_mg": 25, "doses_per_day": 1}]},
    "two-conditions": {**ADULT, "conditions": ["restless-legs-syndrome", "chronic-insomnia"],
                       "current_medications": [{"drug": "tramadol", "daily_dose_mg": 100, "doses_per_day": 2},
                                               {"drug": "zolpidem", "daily_dose_mg": 10, "doses_per_day": 1}]},
}


def _assessed_differences(profiles: list[dict], guidelines: tuple[str, ...] | None) -> str:
    knowledge = default_knowledge(guidelines)

    def differs(profile: dict) -> bool:
        both = assessed_both(profile, knowledge)
        return not isinstance(both, str) and both[0] != both[1]

    wrong = [p for p in profiles if differs(p)]
    if not wrong:
        return ""
    smallest = shrink(wrong[0], differs)
    mine, theirs = assessed_both(smallest, knowledge)  # type: ignore[misc]
    return (f"{len(wrong)} of {len(profiles)} profiles differ; the first, shrunk:\n{json.dumps(smallest, indent=1)}\n"
            f"only compiled: {sorted(mine - theirs)[:5]}\nonly sparql: {sorted(theirs - mine)[:5]}")


@pytest.mark.slow
def test_engines_agree_on_the_stored_generated_profiles() -> None:
    _, records = stored()
    profiles = [record["profile"] for record in records[:STORED]]
    assert len(profiles) == STORED
    assert not _assessed_differences(profiles, None)


@pytest.mark.slow
@pytest.mark.parametrize("guidelines", BUILDS, ids=lambda g: "+".join(g))
def test_engines_agree_on_fresh_profiles_of_each_build(guidelines: tuple[str, ...]) -> None:
    assert not _assessed_differences(generated(FRESH, seed_free=True), guidelines)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EDGES))
def test_engines_give_the_same_decision_and_output_on_edge_profiles(name: str) -> None:
    profile = EDGES[name]
    guidelines = BOTH if "conditions" in profile else ("rls-aasm-2024",)
    knowledge = default_knowledge(guidelines)
    found = compare([profile], knowledge)
    assert not found, f"{name}: {found[0][1]}"
    compiled = decide(profile, knowledge=knowledge, engine="compiled")
    reference = decide(profile, knowledge=knowledge, engine="sparql")
    assert outcome(compiled) == outcome(reference)
    for form in ("json", "table", "html"):
        assert render(compiled, form) == render(reference, form), form
    assert render(compiled, "table", explain=True) == render(reference, "table", explain=True)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert to_turtle(compiled, now) == to_turtle(reference, now)
    # the compact decision says what the reference's assessment says: each option's status and line
    graph = reference.graph
    expected = {str(graph.value(a, CG.assessedOption)): (str(graph.value(a, CG.decisionStatus)),
                                                          str(graph.value(a, CG.assessedLine)))
                for a in graph.subjects(RDF.type, CG.OptionAssessment)}
    assert compiled.compact is not None and len(expected) == len(reference.options)
    assert {a.option: (*a.status, *a.line) for a in compiled.compact} == expected


def test_the_edge_profiles_decide_what_their_names_say() -> None:
    """The edge profiles reach the notions they are named after (else the comparison above tests less)."""
    rls = default_knowledge(("rls-aasm-2024",))
    child = decide(EDGES["child"], knowledge=rls, engine="compiled")
    assert any("pediatric" in str(row["population"]) and str(row["membership"]) == "yes" for row in child.populations)
    missing = decide(EDGES["missing-labs"], knowledge=rls, engine="compiled")
    assert any(str(row["kind"]) == "measure" for row in missing.actions)
    # the same drug twice (generic and brand) is checked on its total daily dose: above every dose dosing.tsv gives it
    total = max(doses()["pregabalin"])
    profile = {**EDGES["same-drug-twice"], "current_medications": [
        {"drug": "pregabalin", "daily_dose_mg": as_number(total / 2), "doses_per_day": 2},
        {"drug": "Lyrica", "daily_dose_mg": as_number(total / 2), "doses_per_day": 2}]}
    assert not compare([profile], rls)
    twice = decide(profile, knowledge=rls, engine="compiled")
    assert any(str(row["kind"]) == "above-maximum" and Decimal(str(row["current"])) == total
               for row in twice.dose_checks), twice.dose_checks
    assert any(str(row["kind"]) == "past-trial" for row in twice.reasons.get(URIRef(RLS["pramipexole"]), []))
    both = decide(EDGES["two-conditions"], knowledge=default_knowledge(BOTH), engine="compiled")
    assert len(both.compact or []) > len(child.compact or [])  # the options of both guidelines are assessed


def test_an_unknown_engine_is_refused_by_name() -> None:
    with pytest.raises(UserError, match="engine 'fast'"):
        decide(ADULT, knowledge=default_knowledge(("rls-aasm-2024",)), engine="fast")
