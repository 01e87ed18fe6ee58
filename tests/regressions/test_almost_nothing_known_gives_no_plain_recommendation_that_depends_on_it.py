"""Issue 20, finding 7: with almost nothing known (a 50-year-old man, no labs, no conditions, no trial history; the
medication list given as empty), nothing that depends on a missing fact is a plain recommendation (ADR 0005). Iron
options depend on ferritin and TSAT, the opioids and peroneal stimulation on the trial history: undetermined. Step 1
(iron) is the current step. An option that is "recommended" has no reason that only possibly applies.

The medication list and alcohol use left out as unknown (not "none") belong to the drug-safety layer of issue 20 (the
other half of the issue); this test gives the medication list so that it checks this half only."""

from tests.regressions.profiles import REPORT_PROFILES


def test_almost_nothing_known(knowledge):
    from kg.core.decide.decision import decide

    decision = decide(REPORT_PROFILES["almost-nothing-known"], knowledge=knowledge)
    for option in ("ferric-carboxymaltose", "ferrous-sulfate", "methadone", "peroneal-nerve-stimulation"):
        assert decision.status_of(option) == "undetermined", option
    assert int(decision.algorithm[0]["current"]) == 1
    for row in decision.options:
        if str(row["status"]) == "recommended":
            possibly = [r for r in decision.reasons.get(row["option"], []) if str(r["applies"]) == "possibly"]
            assert not possibly, (row["option"], possibly)
