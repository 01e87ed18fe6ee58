"""Issue 20, finding 5 (dosing advice where it does not belong): the seed's "Critical pitfall: Single
nighttime dosing of gabapentin is inadequate" is about gabapentin. Pregabalin is dosed in the evening for RLS
("Start 50-75 mg/day in the evening", clinical-facts §4.2, review tables), so one evening dose of pregabalin is no
finding; one daily dose of gabapentin still is (seed, "First-Line Strategy"). Gabapentin taken three times a day is
not."""

from tests.regressions.profiles import dose_checks

SINGLE = "single-daily-dose"


def test_one_evening_dose_of_pregabalin_is_not_the_gabapentin_pitfall(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "pregabalin", "daily_dose_mg": 300, "doses_per_day": 1}])
    assert (SINGLE, "pregabalin") not in dose_checks(decision)


def test_one_daily_dose_of_gabapentin_is_the_pitfall_and_three_are_not(decide_adult):
    once = decide_adult(current_medications=[{"drug": "gabapentin", "daily_dose_mg": 1800, "doses_per_day": 1}])
    assert (SINGLE, "gabapentin") in dose_checks(once)
    divided = decide_adult(current_medications=[{"drug": "gabapentin", "daily_dose_mg": 1800, "doses_per_day": 3}])
    assert (SINGLE, "gabapentin") not in dose_checks(divided)


def test_the_pitfall_in_pregnancy_too(decide_adult):
    """A second condition does not change the rule: a pregnant patient on one evening dose of pregabalin."""
    decision = decide_adult(sex="female", pregnancy={"status": "pregnant", "trimester": 2},
                            current_medications=[{"drug": "pregabalin", "daily_dose_mg": 150, "doses_per_day": 1}])
    assert (SINGLE, "pregabalin") not in dose_checks(decision)
