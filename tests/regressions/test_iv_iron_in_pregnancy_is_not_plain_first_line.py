"""Issue 20, finding 8: in pregnancy "oral formulations [are] favored throughout gestation" (seed, Special
Considerations / Pregnancy; clinical-facts §5.7: non-drug and iron first line, oral iron by threshold), and IV iron is
contraindicated in early pregnancy (Rampton 2014, clinical-facts §3.1). A pregnant patient in the 2nd trimester at the
ferritin threshold (75 ng/mL): ferric carboxymaltose is allowed with caution, the oral-iron caution shown first, not
"recommended, strong, first line"; oral ferrous sulfate is recommended. In the 1st trimester IV iron is
contraindicated. Breastfeeding is a different population: the caution does not apply."""

from kg.report.decision_output import to_json_data
from kg.report.options import option_groups
from tests.regressions.profiles import reasons


def _pregnant(decide_adult, trimester):
    return decide_adult(sex="female", pregnancy={"status": "pregnant", "trimester": trimester},
                        labs={"ferritin": {"value": 75, "unit": "ng/mL"}, "tsat": {"value": 25, "unit": "%"}})


def test_second_trimester(decide_adult):
    decision = _pregnant(decide_adult, 2)
    assert decision.status_of("ferric-carboxymaltose") == "allowed-with-caution"
    assert ("caution", "caut-iv-iron-pregnancy-oral-favoured") in reasons(decision, "ferric-carboxymaltose")
    assert decision.status_of("ferrous-sulfate") == "recommended"
    row = next(r for g in option_groups(to_json_data(decision), decision, False) for r in g["rows"]
               if "ferric-carboxymaltose" in r["ids"])
    assert row["reasons"][0]["statement"] == "caut-iv-iron-pregnancy-oral-favoured"


def test_first_trimester(decide_adult):
    assert _pregnant(decide_adult, 1).status_of("ferric-carboxymaltose") == "contraindicated"


def test_breastfeeding_is_not_pregnancy(decide_adult):
    decision = decide_adult(sex="female", lactating=True,
                            labs={"ferritin": {"value": 75, "unit": "ng/mL"}, "tsat": {"value": 25, "unit": "%"}})
    assert ("caution", "caut-iv-iron-pregnancy-oral-favoured") not in reasons(decision, "ferric-carboxymaltose")
