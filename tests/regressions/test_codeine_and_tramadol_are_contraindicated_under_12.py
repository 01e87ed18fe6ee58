"""Finding 1 (age): the FDA 2017 contraindications of codeine and tramadol in children under 12
(caut-fda-codeine-under-12, caut-fda-tramadol-under-12, population child-under-12). A 9-year-old used to get
them "not yet indicated"."""


def test_codeine_and_tramadol_are_contraindicated_under_12(decide_adult):
    decision = decide_adult(age_years=9)
    assert decision.status_of("codeine") == "contraindicated"
    assert decision.status_of("tramadol") == "contraindicated"
