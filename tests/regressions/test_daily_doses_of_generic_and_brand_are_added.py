"""Finding 4 (doses): the daily doses of one drug are summed over its medication rows. Gabapentin 2400 mg and
Neurontin (gabapentin) 1800 mg are each below the 3600 mg/day maximum, but 4200 mg/day together is above it."""

from tests.regressions.profiles import dose_checks


def test_daily_doses_of_generic_and_brand_are_added(decide_adult):
    decision = decide_adult(current_medications=[
        {"drug": "gabapentin", "daily_dose_mg": 2400, "doses_per_day": 3},
        {"drug": "Neurontin", "daily_dose_mg": 1800, "doses_per_day": 3},
    ])
    assert ("above-maximum", "gabapentin") in dose_checks(decision)
