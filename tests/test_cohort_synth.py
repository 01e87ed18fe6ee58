"""The seeded synthetic cohort (kg cohort synth; issue 17 item 4): deterministic, valid, reaching the rules' edges,
decidable, and refusing a distributions file that names what is not there."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.base.errors import UserError
from kg.base.paths import GUIDELINES_DIR
from kg.cohort.synth import UNLISTED_DRUG, distributions, dose_limits, synthesize
from kg.core.build.knowledge import default_knowledge
from kg.core.decide.decision import decide_many
from kg.profile.fields import declarations


@pytest.fixture(scope="module")
def cohort() -> list[dict]:
    return list(synthesize(1000, 1, default_knowledge()))


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another(cohort):
    knowledge = default_knowledge()
    assert list(synthesize(50, 1, knowledge)) == cohort[:50]
    assert list(synthesize(50, 2, knowledge)) != cohort[:50]


def test_the_cohort_reaches_the_edges_the_rules_turn_on(cohort):
    """Children, pregnancy with a trimester, dialysis only with ESRD, missing labs, both conditions, an unlisted
    drug, a dose above the build's maximum, an omitted medication list: each at least once in 1,000."""
    limits = dose_limits(default_knowledge())
    assert any(p.get("age_years", 99) < 18 for p in cohort)
    assert any(p.get("pregnancy", {}).get("trimester") in (1, 2, 3) for p in cohort)
    assert all(p.get("pregnancy", {}).get("status") != "pregnant" for p in cohort if p["sex"] == "male")
    dialysis = [p for p in cohort if p.get("dialysis") == "yes"]
    assert dialysis and all(p["esrd"] == "yes" for p in dialysis)
    assert any("labs" not in p or len(p["labs"]) < 2 for p in cohort)
    assert any(len(p.get("conditions", [])) == 2 for p in cohort)
    assert any("conditions" not in p for p in cohort)  # the default guideline's condition
    medications = [m for p in cohort for m in p.get("current_medications", [])]
    assert any(m["drug"] == UNLISTED_DRUG for m in medications)
    assert any(m.get("daily_dose_mg", 0) > limits[m["drug"]] for m in medications if m["drug"] in limits)
    assert any("current_medications" not in p for p in cohort)


def test_every_drug_the_cohort_names_is_one_the_build_knows_except_the_unlisted_one(cohort):
    """A drug is named as a profile names it (its label), so the decision knows it: a table id such as
    gabapentin-enacarbil would be an unrecognised medication, and the cohort would hide every check of that drug."""
    from kg.profile.drug_names import resolve

    knowledge = default_knowledge()
    named = {m["drug"] for p in cohort for section in ("current_medications", "past_trials")
             for m in p.get(section, [])}
    assert {n for n in named if resolve(n, knowledge.agents) is None} == {UNLISTED_DRUG}
    assert "gabapentin enacarbil" in named  # the drug whose id differs from its name


def test_synthetic_profiles_decide_on_the_build_their_conditions_pick(cohort):
    from kg.core.decide.build_choice import knowledge_for

    sample = cohort[:30]
    by_build: dict[str, list[dict]] = {}
    for profile in sample:
        by_build.setdefault(knowledge_for(profile).source, []).append(profile)
    assert len(by_build) >= 2  # RLS alone, and RLS with insomnia at least
    for profiles in by_build.values():
        decisions = decide_many(profiles, knowledge=knowledge_for(profiles[0]))
        assert all(d.options for d in decisions)


def test_a_distribution_of_an_undeclared_field_or_with_an_unknown_key_is_refused(tmp_path: Path):
    root = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES_DIR, root)
    own = root / "shared-drug-safety" / "synthetic-cohort.yaml"
    text = own.read_text(encoding="utf-8")
    own.write_text(text + "  shoe_size: {choices: {\"42\": 1}}\n", encoding="utf-8")
    with pytest.raises(UserError, match="field 'shoe_size' is not a profile field"):
        distributions(root, declarations(root))
    own.write_text(text.replace("esrd: {yes: 0.04}", "esrd: {yes: 0.04, prevalence: 0.1}"), encoding="utf-8")
    with pytest.raises(UserError, match="field 'esrd': unknown key\\(s\\) prevalence"):
        distributions(root, declarations(root))


def test_the_command_writes_json_lines_and_refuses_a_negative_count(tmp_path: Path):
    out = tmp_path / "cohort.jsonl"
    done = subprocess.run([sys.executable, "-m", "kg", "cohort", "synth", "--n", "5", "--seed", "3", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["patient_id"] for r in rows] == [f"synthetic-{i}" for i in range(5)]
    bad = subprocess.run([sys.executable, "-m", "kg", "cohort", "synth", "--n", "-1", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--n -1: must be 0 or more" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x").exists()
