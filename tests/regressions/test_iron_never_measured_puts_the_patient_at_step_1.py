"""Issue 20, finding 7: iron never measured gives algorithm step 1 with a "measure" action, not step 4. The seed:
"Verify iron repletion (ferritin >75 ng/mL, transferrin saturation >20%)" is step 1, and "Check iron status with
morning fasting ferritin and transferrin saturation" comes before advanced therapies (Initial Assessment bullet 1;
AASM GPS-1, clinical-facts §1.2). With no ferritin and no TSAT, step 1 is possibly due and is the current step."""

from tests.regressions.profiles import actions


def test_no_iron_studies(decide_adult):
    decision = decide_adult(omit=("labs",))
    step_1 = next(row for row in decision.algorithm if int(row["step"]) == 1)
    assert str(step_1["due"]) == "possibly" and int(decision.algorithm[0]["current"]) == 1
    assert {("measure", "ferritin"), ("measure", "tsat")} <= actions(decision)


def test_iron_measured_and_replete_is_not_step_1(decide_adult):
    decision = decide_adult()  # ferritin 150, TSAT 30 %
    assert int(decision.algorithm[0]["current"]) == 4
