"""The status rules alone (ADR 0005; queries/decision/assess/*.rq and the status data in the ontology).

Each test states one patient in inline Turtle with hand-asserted population types: `rls:<population>` when the
patient is in it, `possible:<population>` when the patient is or may be in it (the reasoner would infer both for a
member, only the second for a patient whose membership is undetermined). No other fact is given, so no other
population applies. The assess rules then run on the real knowledge graph, without a reasoner. Each expectation
is reasoned out in the docstring from the rows of kg/tables/ it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import pytest

from kg.core.decide.decision import Knowledge, assess, default_knowledge
from kg.core.query.library import load_query, run_query
from kg.profile.reader import PATIENTS

PATIENT = PATIENTS["status-rules"]
PREFIXES = """
@prefix : <https://w3id.org/cgkg/patient/> .
@prefix cg: <https://w3id.org/cgkg/ontology#> .
@prefix rls: <https://w3id.org/cgkg/rls/> .
@prefix possible: <https://w3id.org/cgkg/rls/possible/> .
"""
# an adult with RLS: in adult-rls and in rls-any-age, which it implies
ADULT = "rls:rls-any-age , possible:rls-any-age , rls:adult-rls , possible:adult-rls"


def _id(term: object) -> str:
    return str(term).rsplit("/", 1)[-1]


@dataclass
class Assessed:
    statuses: dict[str, str]
    lines: dict[str, str]
    reasons: dict[str, dict[str, str]]  # option -> statement -> effect

    def used(self, option: str) -> dict[str, str]:
        """The statements the option's reasons rest on, with their effects."""
        return self.reasons.get(option, {})


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return default_knowledge()


def assess_patient(knowledge: Knowledge, turtle: str) -> Assessed:
    store = knowledge.fresh_store()
    store.load((PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE)
    assess(store, PATIENT)
    options = run_query(load_query("decision/options"), store, {"patient": PATIENT})
    reasons: dict[str, dict[str, str]] = {}
    for row in run_query(load_query("decision/reasons"), store, {"patient": PATIENT}):
        reasons.setdefault(_id(row["option"]), {})[_id(row["statement"])] = str(row["effect"])
    return Assessed({_id(r["option"]): str(r["status"]) for r in options},
                    {_id(r["option"]): str(r["line"]) for r in options}, reasons)


# --- one test per status, in the order the status rules decide -------------------------------------------------


def test_contraindicated_even_when_a_recommendation_for_it_applies(knowledge):
    """Ferric carboxymaltose for a woman in early pregnancy with low iron: aasm2024-ferric-carboxymaltose (for, first
    line, iron-supplementation-candidate) applies, and so does caut-iv-iron-early-pregnancy (intravenous-iron,
    early-pregnancy, severity contraindicated)."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:adult-without-esrd , possible:adult-without-esrd ,
        rls:iron-supplementation-candidate , possible:iron-supplementation-candidate ,
        rls:pregnant , possible:pregnant , rls:early-pregnancy , possible:early-pregnancy .""")
    assert assessed.used("ferric-carboxymaltose")["aasm2024-ferric-carboxymaltose"] == "for"
    assert assessed.used("ferric-carboxymaltose")["caut-iv-iron-early-pregnancy"] == "contraindicates"
    assert assessed.statuses["ferric-carboxymaltose"] == "contraindicated"


def test_recommended_against_even_with_a_caution(knowledge):
    """Levodopa for an adult: aasm2024-levodopa (against standard use) and seed-levodopa-avoid (against) apply to
    adult-rls; caut-dopaminergic-dose-limit (caution, adult-rls) does not soften them."""
    assessed = assess_patient(knowledge, f":status-rules a cg:Patient , {ADULT} .")
    assert assessed.used("levodopa")["caut-dopaminergic-dose-limit"] == "caution"
    assert assessed.statuses["levodopa"] == "recommended-against"


def test_undetermined_when_a_restriction_may_apply(knowledge):
    """Gabapentin for an adult who may be in early pregnancy: aasm2024-gabapentin (for, first line) applies, but
    caut-mab-drugs-early-pregnancy (rls-medications, avoid) may apply, which precedes the support."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        possible:pregnant , possible:early-pregnancy .""")
    assert assessed.used("gabapentin")["caut-mab-drugs-early-pregnancy"] == "undetermined-restriction"
    assert assessed.used("gabapentin")["aasm2024-gabapentin"] == "for"
    assert assessed.statuses["gabapentin"] == "undetermined"


def test_allowed_with_caution_when_supported_and_a_caution_applies(knowledge):
    """Gabapentin for an adult with COPD: aasm2024-gabapentin (for, first line) and caut-gabapentinoids-copd
    (alpha-2-delta-ligands, copd-present, caution)."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:copd-present , possible:copd-present .""")
    assert assessed.used("gabapentin")["caut-gabapentinoids-copd"] == "caution"
    assert assessed.statuses["gabapentin"] == "allowed-with-caution"


def test_a_caution_that_may_apply_still_allows_with_caution(knowledge):
    """As above with the COPD status unknown: a caution that may apply adds a caution, it does not make the option
    undetermined (ADR 0005)."""
    assessed = assess_patient(knowledge, f":status-rules a cg:Patient , {ADULT} , possible:copd-present .")
    assert assessed.used("gabapentin")["caut-gabapentinoids-copd"] == "caution"
    assert assessed.statuses["gabapentin"] == "allowed-with-caution"


def test_recommended_when_supported_and_nothing_restricts_it(knowledge):
    """Gabapentin for an adult: aasm2024-gabapentin and seed-gabapentin-first-line (for, first line, adult-rls); no
    caution about gabapentin or its classes has a population the patient is (or may be) in."""
    assessed = assess_patient(knowledge, f":status-rules a cg:Patient , {ADULT} .")
    assert set(assessed.used("gabapentin").values()) == {"for"}
    assert assessed.statuses["gabapentin"] == "recommended"
    assert assessed.lines["gabapentin"] == "first-line"


def test_undetermined_when_only_a_recommendation_may_apply(knowledge):
    """Vitamin C for an adult whose ESRD status is unknown: its only statements, aasm2024-vitamin-c-esrd and
    seed-esrd-vitamin-c (for, adult-esrd), may apply."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        possible:adult-esrd , possible:esrd-or-dialysis .""")
    assert assessed.used("vitamin-c") == {"aasm2024-vitamin-c-esrd": "undetermined-support",
                                          "seed-esrd-vitamin-c": "undetermined-support"}
    assert assessed.statuses["vitamin-c"] == "undetermined"


def test_not_yet_indicated_before_the_later_line(knowledge):
    """Methadone for an adult who has not failed an alpha-2-delta trial: aasm2024-opioids and
    mayo2018-methadone-low-dose support it at no line, but seed-methadone-refractory places it at the second line
    (refractory-adult, which requires adult-rls: the patient may reach it) and no second-line statement supports
    an opioid for the patient, so the support waits for that line."""
    assessed = assess_patient(knowledge, f":status-rules a cg:Patient , {ADULT} .")
    assert assessed.used("methadone")["seed-methadone-refractory"] == "later"
    assert assessed.used("methadone")["aasm2024-opioids"] == "for"
    assert assessed.statuses["methadone"] == "not-yet-indicated"
    assert assessed.lines["methadone"] == "second-line"


def test_not_indicated_when_no_statement_applies(knowledge):
    """Vitamin C for an adult without ESRD: its only statements are for adult-esrd; the line is the default one."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:adult-without-esrd , possible:adult-without-esrd .""")
    assert assessed.used("vitamin-c") == {}
    assert assessed.statuses["vitamin-c"] == "not-indicated"
    assert assessed.lines["vitamin-c"] == "not-applicable"


# --- sequencing ---------------------------------------------------------------------------------------------------


def test_undetermined_rather_than_not_yet_when_the_later_line_may_be_reached(knowledge):
    """Methadone for an adult whose alpha-2-delta trial history is unknown (may be refractory-adult):
    seed-methadone-refractory (second line) may apply, which also possibly reaches the second line of
    seed-augmentation-add-opioid-first; a possible support precedes "not yet". That later line, possibly reached,
    counts (and is shown) as a possible support (issue 20)."""
    assessed = assess_patient(knowledge, f":status-rules a cg:Patient , {ADULT} , possible:refractory-adult .")
    assert assessed.used("methadone")["seed-methadone-refractory"] == "undetermined-support"
    assert assessed.used("methadone")["seed-augmentation-add-opioid-first"] == "undetermined-support"
    assert assessed.statuses["methadone"] == "undetermined"


def test_a_later_line_reached_no_longer_holds_back_support(knowledge):
    """After a failed adequate alpha-2-delta trial (refractory-adult): seed-methadone-refractory supports methadone
    at the second line, which reaches the second line of seed-augmentation-add-opioid-first for the opioids class,
    so the class's support at no line (aasm2024-opioids) counts. Both carry the opioid cautions for any RLS patient
    (e.g. seed-caution-opioids-respiratory-monitoring)."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:refractory-adult , possible:refractory-adult .""")
    assert assessed.used("methadone")["seed-methadone-refractory"] == "for"
    assert assessed.used("opioids")["seed-augmentation-add-opioid-first"] == "later"
    assert assessed.statuses["methadone"] == "allowed-with-caution"
    assert assessed.statuses["opioids"] == "allowed-with-caution"


# --- precedence between sources (ADR 0002) -------------------------------------------------------------------------


def test_a_superseded_guideline_is_not_used(knowledge):
    """Ferric carboxymaltose for an iron-replete adult: the statements whose population contains the patient are
    aan2016-ferric-carboxymaltose and aasm2012-iron-preparations (for, adult-rls), both from guidelines superseded by
    AASM 2024 (sources.tsv superseded_by); without them nothing applies."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:adult-without-esrd , possible:adult-without-esrd .""")
    assert assessed.used("ferric-carboxymaltose") == {}
    assert assessed.statuses["ferric-carboxymaltose"] == "not-indicated"


def test_newer_guideline_prevails_p1(knowledge):
    """Ferric carboxymaltose at ferritin 150 ng/mL, TSAT 30 % (ferritin-below-300, not an iron supplementation
    candidate): irlssg2018-fcm-ferritin-below-300 (for) would apply, but it loses dis-iron-thresholds-adults to
    aasm2024-gps-iron-oral-or-iv under P1 (newer guideline), so it is not used."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:adult-without-esrd , possible:adult-without-esrd ,
        rls:ferritin-below-300 , possible:ferritin-below-300 .""")
    assert "irlssg2018-fcm-ferritin-below-300" not in assessed.used("ferric-carboxymaltose")
    assert assessed.statuses["ferric-carboxymaltose"] == "not-indicated"


def test_guideline_prevails_over_the_ai_summary_p5(knowledge):
    """Iron preparations for an iron supplementation candidate: aasm2024-gps-iron-oral-or-iv (for, no line) applies;
    seed-iron-supplementation-threshold (for, prerequisite) loses dis-seed-vs-aasm-iv-iron-band to
    aasm2024-gps-iv-iron-only-band under P5, so it gives neither a reason nor the option's line."""
    assessed = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:adult-without-esrd , possible:adult-without-esrd ,
        rls:iron-supplementation-candidate , possible:iron-supplementation-candidate .""")
    assert assessed.used("iron-preparations") == {"aasm2024-gps-iron-oral-or-iv": "for"}
    assert assessed.statuses["iron-preparations"] == "recommended"
    assert assessed.lines["iron-preparations"] == "not-applicable"


def test_specific_population_prevails_p3_only_inside_it(knowledge):
    """Levodopa: rlsf2022-pregnancy-levodopa (for, later-pregnancy) prevails over aasm2024-levodopa and
    seed-levodopa-avoid under P3 (dis-pregnancy-levodopa-clonazepam) for a patient in later pregnancy, with the
    pregnancy cautions (caut-levodopa-pregnancy, caut-mab-levodopa-later-pregnancy); for an adult outside that
    population the statements against stay in force."""
    pregnant = assess_patient(knowledge, f""":status-rules a cg:Patient , {ADULT} ,
        rls:pregnant , possible:pregnant , rls:later-pregnancy , possible:later-pregnancy .""")
    assert "aasm2024-levodopa" not in pregnant.used("levodopa")
    assert "seed-levodopa-avoid" not in pregnant.used("levodopa")
    assert pregnant.used("levodopa")["rlsf2022-pregnancy-levodopa"] == "for"
    assert pregnant.statuses["levodopa"] == "allowed-with-caution"
    adult = assess_patient(knowledge, f":status-rules a cg:Patient , {ADULT} .")
    assert adult.used("levodopa")["aasm2024-levodopa"] == "against"
    assert adult.statuses["levodopa"] == "recommended-against"
