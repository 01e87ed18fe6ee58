"""Issue 20, finding 9: in the bundled example (pramipexole with augmentation, gabapentin 600 mg once daily, below an
adequate trial) the opioids were listed as usable now while the algorithm said step 5 (opioids) was not needed. The
seed: on a dopamine agonist, "Add alpha-2-delta ligand, then slowly taper" (step 3), "If not on adequate alpha-2-delta
ligand: Initiate or optimize dosing to 1800-2400 mg/day" (step 4), "If alpha-2-delta ligands fail: Consider low-dose
opioids" (step 5); "Single nighttime dosing of gabapentin is inadequate" (First-Line Strategy). So: opioids later, if
alpha-2-delta ligands fail (step 5); the report opens with the next step, raise gabapentin to an adequate divided dose
and replete iron (ferritin 42, TSAT 17: step 1); the top reason of an opioid is the later line that decided its
status, not a precaution such as the opioid treatment agreement."""

from kg.base.paths import EXAMPLE_PROFILE
from kg.report.decision_output import to_json_data, to_report
from kg.report.options import option_groups


def test_bundled_example(knowledge):
    from kg.core.decide.decision import decide

    decision = decide(EXAMPLE_PROFILE, knowledge=knowledge)
    for opioid in ("methadone", "oxycodone-extended-release", "buprenorphine", "tramadol", "opioids"):
        assert decision.status_of(opioid) == "not-yet-indicated", opioid
    step_5 = next(row for row in decision.algorithm if int(row["step"]) == 5)
    assert str(step_5["due"]) == "no"
    data = to_json_data(decision)
    next_step = data["summary"]["now"][0]["text"]
    assert "replete iron" in next_step and "raise to an adequate dose, divide the daily dose: gabapentin" in next_step
    later = next(g for g in option_groups(data, decision, False) if g["notation"] == "later")
    opioids = next(r for r in later["rows"] if "methadone" in r["ids"])
    assert "step 5" in opioids["gate"]
    explained = option_groups(data, decision, True)
    methadone = next(r for g in explained for r in g["rows"] if r["ids"] == ["methadone"])
    assert methadone["reasons"][0]["effect"] == "later line"
    assert "if alpha-2-delta ligands fail" in to_report(decision)
