"""Finding 5 (pregnancy): the RLS Foundation medical advisory board advises avoiding RLS medications in the first
trimester (caut-mab-drugs-early-pregnancy, severity avoid). Gabapentin and pregabalin used to be allowed with
caution."""

from tests.regressions.profiles import reasons


def test_rls_medications_are_avoided_in_the_first_trimester(decide_adult):
    decision = decide_adult(sex="female", age_years=31, pregnancy={"status": "pregnant", "trimester": 1})
    assert decision.status_of("gabapentin") == "recommended-against"
    assert decision.status_of("pregabalin") == "recommended-against"
    assert ("against", "caut-mab-drugs-early-pregnancy") in reasons(decision, "gabapentin")
