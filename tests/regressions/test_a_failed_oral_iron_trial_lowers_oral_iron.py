"""Issue 20, finding 6: a failed oral iron trial lowers oral iron. The seed: "Consider IV ferric carboxymaltose if oral
iron supplementation has failed and iron parameters remain suboptimal" (Initial Assessment bullet 2; algorithm step
1). With ferritin 40 ng/mL and TSAT 15 % after oral iron failed, oral ferrous sulfate is "failed before" and IV ferric
carboxymaltose is recommended; the do-first iron actions name only IV formulations."""

from tests.regressions.profiles import LOW_IRON, actions


def test_oral_iron_failed(decide_adult):
    decision = decide_adult(oral_iron_failed=True, labs=LOW_IRON)
    assert decision.status_of("ferrous-sulfate") == "failed-before"
    assert decision.status_of("ferric-carboxymaltose") == "recommended"
    repletion = {target for kind, target in actions(decision) if kind == "replete-iron"}
    assert "ferric-carboxymaltose" in repletion and "ferrous-sulfate" not in repletion


def test_oral_iron_not_failed_keeps_oral_iron(decide_adult):
    decision = decide_adult(labs=LOW_IRON)
    assert decision.status_of("ferrous-sulfate") == "recommended"
