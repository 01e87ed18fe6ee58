"""Finding 3 (kidneys): in end-stage renal disease codeine and morphine are avoided (caut-codeine-esrd and
caut-morphine-esrd, severity avoid; D18 resolved safety first), and gabapentin carries its renal caution instead
of being plainly recommended. Codeine and morphine used to be "not yet indicated" (after an alpha-2-delta trial)."""


def test_codeine_and_morphine_are_avoided_in_esrd(decide_adult):
    decision = decide_adult(age_years=66, esrd=True, dialysis=False)
    assert decision.status_of("codeine") == "recommended-against"
    assert decision.status_of("morphine") == "recommended-against"
    assert decision.status_of("gabapentin") == "allowed-with-caution"
