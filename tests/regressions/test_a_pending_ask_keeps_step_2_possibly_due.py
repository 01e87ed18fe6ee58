"""Issue 20, finding 7: an unknown that the output asks about keeps step 2 from being shown as "not due". Step 2 is
"Eliminate exacerbating factors (medications, OSA, alcohol, caffeine)" and the seed's Initial Assessment says "Screen
for and treat obstructive sleep apnea". With the OSA status unknown, step 2 is possibly due, the current step (it
comes before step 4), and OSA screening is a measure action. With OSA stated absent (the base adult), it is not due."""

from tests.regressions.profiles import actions


def test_osa_unknown(decide_adult):
    decision = decide_adult(obstructive_sleep_apnea="unknown")
    step_2 = next(row for row in decision.algorithm if int(row["step"]) == 2)
    assert str(step_2["due"]) == "possibly" and int(decision.algorithm[0]["current"]) == 2
    assert ("measure", "untreated-obstructive-sleep-apnea") in actions(decision)


def test_osa_absent(decide_adult):
    step_2 = next(row for row in decide_adult().algorithm if int(row["step"]) == 2)
    assert str(step_2["due"]) == "no"
