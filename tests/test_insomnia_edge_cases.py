"""Edge cases of the insomnia guideline (issue 19 item 5, tests): a child, breastfeeding, dialysis, an unrecognised
co-medication, the same drug on two rows, a hostile insomnia_type, and insomnia_type given without chronic insomnia
among the conditions. Each is decided on the packaged build kg decide picks (the insomnia guideline alone, or RLS
alone); the expectations come from the fact sheet (shared/reference/insomnia-facts.md) and the project's fail-safe
rules, never from the code's output. The base profile is case i03 (adult, onset and maintenance insomnia)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kg.base.errors import ValidationError
from kg.core.decide.decision import Decision, decide
from kg.report.decision_output import render, to_json_data
from kg.report.options import option_groups
from tests.test_fixture_guideline import case, kg

BASE_CASE = Path(__file__).parents[1] / "guidelines" / "insomnia-aasm-2017" / "cases" / \
    "i03-adult-onset-and-maintenance.yaml"
FOR_OPTIONS = {"suvorexant", "eszopiclone", "zaleplon", "zolpidem", "triazolam", "temazepam", "ramelteon", "doxepin"}
AGAINST_OPTIONS = {"trazodone", "tiagabine", "diphenhydramine", "melatonin", "l-tryptophan", "valerian"}


def profile(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(case(BASE_CASE)["profile"])
    data.update(changes)
    return data


def statuses(decision: Decision) -> dict[str, str]:
    return {o["option"]: o["status"] for o in to_json_data(decision)["options"]}


def test_a_child_under_12_is_offered_no_insomnia_drug():
    """The guideline is for adults (insomnia-facts §1, title [P]; adult-chronic-insomnia, age >= 18): at 10 no
    statement applies, so no option is recommended or allowed."""
    got = statuses(decide(profile(patient_id="ins-child", age_years=10)))
    assert set(got) == FOR_OPTIONS | AGAINST_OPTIONS
    assert set(got.values()) == {"not-indicated"}


def test_breastfeeding_keeps_every_against_option_against():
    """The sheet says nothing on lactation (README 'Left out as unsourced'): no source makes an option worse or
    better, and the against recommendations still apply."""
    got = statuses(decide(profile(patient_id="ins-lact", sex="female", lactating=True)))
    assert all(got[o] == "recommended-against" for o in AGAINST_OPTIONS)


def test_breastfeeding_leaves_no_for_option_plainly_recommended():
    """The sheet says nothing on lactation; the package states it as a scope its sources do not cover
    (scope_limits.tsv): the applicable 'for' options are undetermined, never recommended (fail safe)."""
    got = statuses(decide(profile(patient_id="ins-lact2", sex="female", lactating=True)))
    assert not [o for o in FOR_OPTIONS if got[o] == "recommended"]


def test_dialysis_puts_the_patient_in_the_dialysis_populations_and_invents_no_kidney_rule():
    """Dialysis implies ESRD (the shared package's implication); the sheet gives no kidney-function statement for any
    of the 14 drugs, so no option's status changes."""
    decision = decide(profile(patient_id="ins-dial", dialysis=True))
    members = {p["population"] for p in to_json_data(decision)["populations"] if p["membership"] == "yes"}
    assert {"on-dialysis", "esrd-or-dialysis"} <= members
    assert statuses(decision) == statuses(decide(profile(patient_id="ins-nodial")))


def test_an_unrecognised_co_medication_is_flagged_and_never_leaves_a_cns_depressant_recommended():
    """A drug name the graph does not know: the report asks to check it, and the options that interact with CNS
    depressants (shared interactions) become undetermined: it might be one (fail safe)."""
    decision = decide(profile(patient_id="ins-unknown", current_medications=[
        {"drug": "foobarzolam", "daily_dose_mg": 5, "doses_per_day": 1}]))
    data = to_json_data(decision)
    assert ("check-unrecognised-medication", "foobarzolam") in {(a["kind"], a["target"]) for a in data["actions"]}
    got = statuses(decision)
    assert got["zolpidem"] == got["temazepam"] == got["doxepin"] == "undetermined"
    assert "recommended" not in {got[o] for o in ("zolpidem", "temazepam", "triazolam", "doxepin")}


def test_the_same_drug_on_two_rows_is_added_up():
    """Zolpidem 10 mg under its name and 10 mg as Ambien (a brand of it): 20 mg a day, above the 10 mg the studies
    used (dose-aasm2017-zolpidem, AI), one dose check on the ingredient."""
    decision = decide(profile(patient_id="ins-twice", current_medications=[
        {"drug": "zolpidem", "daily_dose_mg": 10, "doses_per_day": 1},
        {"drug": "Ambien", "daily_dose_mg": 10, "doses_per_day": 1}]))
    checks = [(c["kind"], c["drug"], c["current"]) for c in to_json_data(decision)["dose_checks"]]
    assert ("above-usual-range", "zolpidem", 20.0) in checks
    assert len([c for c in checks if c[1] == "zolpidem" and c[0] == "above-usual-range"]) == 1


@pytest.mark.parametrize("value", ["onset'; DROP TABLE x; --", "<script>alert(1)</script>", "ONSET", 3, ["onset"]])
def test_a_hostile_insomnia_type_is_refused_naming_the_field(value: Any):
    with pytest.raises(ValidationError) as raised:
        decide(profile(patient_id="ins-hostile", insomnia_type=value))
    assert "insomnia_type" in str(raised.value)


def test_a_hostile_insomnia_type_exits_2_on_the_command_line(tmp_path: Path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile(insomnia_type="onset\" } ; DROP")), encoding="utf-8")
    result = kg("decide", str(path))
    assert result.returncode == 2 and "insomnia_type" in result.stderr and "Traceback" not in result.stderr


def test_insomnia_type_without_chronic_insomnia_is_not_silently_ignored():
    """An RLS profile that gives insomnia_type: the field belongs to the insomnia guideline, which the profile's
    conditions do not name; it would change nothing, so the profile is refused with what to do."""
    data = profile(patient_id="rls-with-type", conditions=["restless-legs-syndrome"])
    del data["prior_complex_sleep_behaviour"]
    with pytest.raises(ValidationError) as raised:
        decide(data)
    message = str(raised.value)
    assert "insomnia_type" in message and "chronic-insomnia" in message and "restless-legs-syndrome" in message


def test_insomnia_type_without_chronic_insomnia_exits_2_on_the_command_line(tmp_path: Path):
    data = profile(conditions=["restless-legs-syndrome"])
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = kg("decide", str(path))
    assert result.returncode == 2 and "insomnia_type" in result.stderr and "add chronic-insomnia" in result.stderr


def test_a_profile_naming_chronic_insomnia_may_give_insomnia_type():
    """The rule above is about the conditions named, not about the field: with chronic insomnia it is decided."""
    assert statuses(decide(profile(patient_id="ins-ok")))["zolpidem"] == "recommended"


def _not_covered(decision: Decision) -> dict[str, set[str]]:
    """option -> the applies values of its not-covered reasons (ADR 0027)."""
    found: dict[str, set[str]] = {}
    for option in to_json_data(decision)["options"]:
        for reason in option["reasons"]:
            if reason["effect"] == "not-covered":
                found.setdefault(option["option"], set()).add(reason["applies"])
    return found


def test_pregnancy_unknown_leaves_the_for_options_undetermined_and_asks_for_it():
    """A woman whose pregnancy status is unknown may be pregnant: the sources do not cover pregnancy (scope_limits.tsv),
    so no 'for' option is recommended; each applicable one is undetermined with a 'possibly' not-covered reason, the
    against options stay against, and the report asks for the missing fact."""
    decision = decide(profile(patient_id="ins-preg-unknown", sex="female", pregnancy={"status": "unknown"},
                              lactating=False))
    got = statuses(decision)
    assert not [o for o in FOR_OPTIONS if got[o] == "recommended"]
    assert {o for o, s in got.items() if s == "undetermined"} <= FOR_OPTIONS
    assert all(got[o] == "recommended-against" for o in AGAINST_OPTIONS)
    assert _not_covered(decision) and all(v == {"possibly"} for v in _not_covered(decision).values())
    asked = {(a["kind"], a["target"]) for a in to_json_data(decision)["actions"]}
    assert any(kind == "ask" and "pregnan" in target for kind, target in asked), asked


def _summary_subjects(decision: Decision, kind: str) -> set[str]:
    """The option ids the report's summary lists under a finding kind, with the section each is in."""
    summary = to_json_data(decision)["summary"]
    return {f"{section}:{i}" for section, items in summary.items() for item in items if item["kind"] == kind
            for i in item["subject_ids"]}


def test_the_summary_says_the_sources_do_not_cover_a_pregnant_patient_not_that_a_fact_is_missing():
    """A pregnant patient's 'for' options are undetermined because the guideline's sources say nothing about
    pregnancy (ADR 0027): no fact the profile could add resolves that, so the summary lists them under safety as not
    covered by the sources for this patient (cg:findingKindIfDecisive), never as 'undetermined until a fact is
    known' under ask or measure; a taken drug the sources do not cover is listed the same way."""
    decision = decide(profile(patient_id="ins-preg", sex="female", pregnancy={"status": "pregnant", "trimester": 2},
                              lactating=False, current_medications=[
                                  {"drug": "zolpidem", "daily_dose_mg": 5, "doses_per_day": 1}]))
    undetermined = {o for o, s in statuses(decision).items() if s == "undetermined"}
    assert "zolpidem" in undetermined and undetermined <= FOR_OPTIONS
    assert _summary_subjects(decision, "not-covered") == {f"safety:{o}" for o in undetermined}
    assert not _summary_subjects(decision, "undetermined-option") & {f"ask_or_measure:{o}" for o in undetermined}
    texts = [i["text"] for i in to_json_data(decision)["summary"]["safety"] if i["kind"] == "not-covered"]
    assert texts and all(t.startswith("pregnant: ") for t in texts), texts


def test_where_pregnancy_is_unknown_the_summary_keeps_the_options_waiting_on_that_fact():
    """Where she only may be pregnant, the status waits on a fact (ask for it): the options stay with the
    undetermined ones under ask or measure, not under 'not covered'."""
    decision = decide(profile(patient_id="ins-preg-unknown2", sex="female", pregnancy={"status": "unknown"},
                              lactating=False))
    undetermined = {o for o, s in statuses(decision).items() if s == "undetermined"}
    assert undetermined and not _summary_subjects(decision, "not-covered")
    assert {f"ask_or_measure:{o}" for o in undetermined} <= _summary_subjects(decision, "undetermined-option")


def _listed_under(decision: Decision) -> dict[str, str]:
    """Option id -> the report group (notation) the detailed list shows it under."""
    groups = option_groups(to_json_data(decision), decision, explain=True)
    return {option: group["notation"] for group in groups for row in group["rows"] for option in row["ids"]}


def test_the_detailed_list_shows_a_pregnant_patients_options_outside_the_sources_not_as_ask_first():
    """The detailed list agrees with the summary: options whose status the scope limit decided (and applies) are
    under "not covered by the guideline's sources for this patient" (cg:reportGroupIfDecisive), not "undetermined:
    ask or measure first"; the against options stay under avoid."""
    decision = decide(profile(patient_id="ins-preg-list", sex="female",
                              pregnancy={"status": "pregnant", "trimester": 1}, lactating=False))
    listed = _listed_under(decision)
    undetermined = {o for o, s in statuses(decision).items() if s == "undetermined"}
    assert undetermined and {listed[o] for o in undetermined} == {"outside-sources"}
    assert {listed[o] for o in AGAINST_OPTIONS} == {"avoid"}
    page = render(decision, "table")
    heading = f"NOT COVERED BY THE GUIDELINE'S SOURCES FOR THIS PATIENT ({len(undetermined)})"
    assert heading in page and "ASK OR MEASURE FIRST" not in page


def test_the_detailed_list_keeps_options_that_wait_on_an_unknown_pregnancy_under_ask_first():
    decision = decide(profile(patient_id="ins-preg-unknown-list", sex="female", pregnancy={"status": "unknown"},
                              lactating=False))
    listed = _listed_under(decision)
    undetermined = {o for o, s in statuses(decision).items() if s == "undetermined"}
    assert undetermined and {listed[o] for o in undetermined} == {"ask-first"}
    assert "outside-sources" not in listed.values()


def test_the_summary_gives_no_dose_for_a_drug_outside_the_sources_and_does_where_a_fact_is_missing():
    """A sourced dose beside a due step is shown by the report group an option is listed under (cg:summaryShowsDose):
    never for a drug the guideline's sources do not cover for this patient, still for one waiting on a fact."""
    from kg.report.summary import _shows_dose
    from kg.report.vocabulary import Vocabulary

    for pregnancy, shown in (({"status": "pregnant", "trimester": 2}, False), ({"status": "unknown"}, True)):
        decision = decide(profile(patient_id="ins-dose", sex="female", pregnancy=pregnancy, lactating=False))
        options = [o for o in to_json_data(decision)["options"] if o["status"] == "undetermined"]
        assert options and {_shows_dose(Vocabulary.of(decision), o) for o in options} == {shown}


def test_breastfeeding_lists_the_for_options_outside_the_sources_and_a_man_lists_none_there():
    """Lactation has its own scope limit (scope_limits.tsv): the same group; a man is in neither population."""
    lactating = decide(profile(patient_id="ins-lact-list", sex="female", pregnancy={"status": "not-pregnant"},
                               lactating=True))
    undetermined = {o for o, s in statuses(lactating).items() if s == "undetermined"}
    assert undetermined and {_listed_under(lactating)[o] for o in undetermined} == {"outside-sources"}
    man = _listed_under(decide(profile(patient_id="ins-man-list", sex="male")))
    assert "outside-sources" not in man.values()


def test_a_man_is_neither_pregnant_nor_lactating_so_the_scope_limits_do_not_apply():
    decision = decide(profile(patient_id="ins-man", sex="male"))
    assert not _not_covered(decision)
    assert "recommended" in statuses(decision).values()


def test_the_rls_options_of_a_pregnant_patient_with_both_conditions_are_the_rls_guidelines_own():
    """The insomnia package's scope limits its own recommendations only: a pregnant patient with RLS and chronic
    insomnia gets, for every RLS option, the status the RLS guideline alone gives her."""
    pregnant = {"sex": "female", "age_years": 30, "pregnancy": {"status": "pregnant", "trimester": 2},
                "lactating": False, "esrd": "no", "dialysis": "no", "current_medications": [], "past_trials": [],
                "labs": {"ferritin": {"value": 40, "unit": "ng/mL"}, "tsat": {"value": 15, "unit": "%"}}}
    rls_alone = statuses(decide({**pregnant, "patient_id": "rls-preg"}))
    both = statuses(decide({**pregnant, "patient_id": "both-preg", "insomnia_type": "onset",
                            "prior_complex_sleep_behaviour": False,
                            "conditions": ["restless-legs-syndrome", "chronic-insomnia"]}))
    assert {o: s for o, s in both.items() if o in rls_alone and o not in FOR_OPTIONS | AGAINST_OPTIONS} == \
        {o: s for o, s in rls_alone.items() if o not in FOR_OPTIONS | AGAINST_OPTIONS}
    assert not [o for o in FOR_OPTIONS if both.get(o) == "recommended"]


def test_a_manifest_key_that_would_do_nothing_is_refused(tmp_path):
    """The draft's `not_covered_by_sources` list became a cited table (ADR 0027): a manifest still giving it is
    refused, never read as if it limited anything."""
    from kg.base.errors import UserError
    from kg.model.packages import read_manifest

    folder = Path(__file__).parents[1] / "guidelines" / "insomnia-aasm-2017"
    copy_of = tmp_path / folder.name
    copy_of.mkdir()
    text = (folder / "manifest.yaml").read_text(encoding="utf-8") + "not_covered_by_sources: [pregnancy]\n"
    (copy_of / "manifest.yaml").write_text(text, encoding="utf-8")
    with pytest.raises((UserError, ValidationError), match="not_covered_by_sources"):
        read_manifest(copy_of)


def test_a_condition_no_guideline_treats_beside_a_field_of_another_is_a_validation_error_not_a_traceback():
    """Case m11's profile (chronic insomnia and PLMD, with an RLS field) on the complete build: the unknown condition
    and the ignored field are both reported (a TypeError from sorting the unknown condition's None came before)."""
    from kg.base.yaml12 import load_yaml
    from kg.core.build.knowledge import default_knowledge

    case_file = BASE_CASE.parent / "m11-c9-insomnia-and-plmd-asks-triazolam.yaml"
    data = load_yaml(case_file.read_text(encoding="utf-8"))[0]["profile"]
    with pytest.raises(ValidationError) as error:
        decide(data, knowledge=default_knowledge())
    assert "periodic-limb-movement-disorder" in str(error.value) and "oral_iron_failed" in str(error.value)
