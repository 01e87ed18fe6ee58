"""Finding 7 (augmentation): augmentation signs on levodopa are augmentation on a dopaminergic drug
(dopaminergic-augmentation-present, not only on a dopamine agonist), which brings the taper caution; a past trial
that ended in augmentation is a past-trial caution on that drug, like intolerance."""

from tests.regressions.profiles import member_populations, reason_effects, reasons


def test_augmentation_is_recognised_on_levodopa_and_after_a_past_trial(decide_adult):
    decision = decide_adult(
        age_years=70, augmentation_signs=True,
        current_medications=[{"drug": "levodopa", "daily_dose_mg": 200, "doses_per_day": 1}],
        past_trials=[{"drug": "ropinirole", "max_daily_dose_mg": 2, "outcome": "augmentation"}],
    )
    assert "dopaminergic-augmentation-present" in member_populations(decision)
    assert ("caution", "caut-dopaminergic-augmentation-taper") in reasons(decision, "levodopa")
    assert reason_effects(decision, "ropinirole", "past-trial") == ["caution"]
