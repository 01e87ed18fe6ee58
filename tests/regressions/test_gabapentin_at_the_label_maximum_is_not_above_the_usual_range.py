"""Issue 20, finding 5: gabapentin 3600 mg/day is the label maximum (clinical-facts §4.1, "Label maximum (epilepsy) 3600
mg/day", P; clinical-facts-2 §7.11.5) and 1800 mg/day divided is the seed's target ("maintenance dose of 1800-2400
mg/day divided three times daily"). A review table's bedtime range (300-1200 mg/day, PMC3899490) is a usual range,
not a limit, where a sourced maximum exists: neither dose is "above the usual range"; 4200 mg/day is above the
maximum. Methadone has no sourced maximum, only the Mayo 2018 range 5-20 mg/day (clinical-facts §4.4), so 40 mg/day
stays "above the usual range" (clinical-facts-2 §7.7.2)."""

import pytest

from tests.regressions.profiles import dose_checks


@pytest.mark.parametrize("daily", [1800, 2400, 3600])
def test_a_sourced_dose_up_to_the_label_maximum_is_not_flagged(decide_adult, daily):
    decision = decide_adult(current_medications=[{"drug": "gabapentin", "daily_dose_mg": daily, "doses_per_day": 3}])
    assert not {kind for kind, drug in dose_checks(decision) if drug == "gabapentin"}


def test_above_the_label_maximum_is_flagged_as_such(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "gabapentin", "daily_dose_mg": 4200, "doses_per_day": 3}])
    assert ("above-maximum", "gabapentin") in dose_checks(decision)
    assert ("above-usual-range", "gabapentin") not in dose_checks(decision)


def test_a_drug_without_a_sourced_maximum_keeps_its_usual_range(decide_adult):
    decision = decide_adult(past_trials=[{"drug": "gabapentin", "max_daily_dose_mg": 1800,
                                          "outcome": "inadequate-response"}],
                            current_medications=[{"drug": "methadone", "daily_dose_mg": 40, "doses_per_day": 2}])
    assert ("above-usual-range", "methadone") in dose_checks(decision)
