"""Issue 20, finding 5: the seed's step 4 reads "If not on adequate alpha-2-delta ligand: Initiate or optimize dosing to
1800-2400 mg/day gabapentin equivalent". A patient on gabapentin 1800 mg/day is on an adequate dose: step 4 is done,
not current. At 600 mg/day it stays current (below the adequate trial). The daily dose is summed over a drug's rows
(two rows of gabapentin, generic and brand, 900 + 900 mg/day)."""

from tests.regressions.profiles import REPORT_PROFILES


def _step(decision, number):
    return next(row for row in decision.algorithm if int(row["step"]) == number)


def test_step_4_is_done_on_an_adequate_dose(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "gabapentin", "daily_dose_mg": 1800, "doses_per_day": 3}])
    assert str(_step(decision, 4)["done"]) == "true"
    assert decision.algorithm[0]["current"] is None or int(decision.algorithm[0]["current"]) != 4


def test_step_4_stays_current_below_it(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "gabapentin", "daily_dose_mg": 600, "doses_per_day": 1}])
    assert str(_step(decision, 4)["done"]) == "false" and int(decision.algorithm[0]["current"]) == 4


def test_two_rows_of_one_drug_are_added(knowledge):
    from kg.core.decide.decision import decide

    decision = decide(REPORT_PROFILES["two-rows-of-gabapentin"], knowledge=knowledge)
    assert str(_step(decision, 4)["done"]) == "true"
