"""Finding 6 (interactions): tramadol with a serotonergic antidepressant (serotonin syndrome, seizures; tramadol
label) is an interaction between current drugs."""

from tests.regressions.profiles import interactions


def test_tramadol_with_a_serotonergic_antidepressant_is_an_interaction(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "tramadol", "daily_dose_mg": 100},
                                                 {"drug": "sertraline", "daily_dose_mg": 50}])
    assert "ddi-tramadol-serotonergic" in interactions(decision)
