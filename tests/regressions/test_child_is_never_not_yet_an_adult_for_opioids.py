"""Finding 1 (age): the opioid statements and their second line are for adults (adult-rls, refractory-adult). A
17-year-old after a failed adequate gabapentin trial used to get every opioid recommended; with adult-only
statements alone, the second line would make them "not yet indicated", as if adulthood were the next step. No
statement covers a child, so they are not indicated."""

from tests.regressions.profiles import FAILED_GABAPENTIN


def test_child_is_never_not_yet_an_adult_for_opioids(decide_adult):
    decision = decide_adult(age_years=17, past_trials=FAILED_GABAPENTIN)
    for opioid in ("opioids", "methadone", "oxycodone-extended-release", "buprenorphine"):
        assert decision.status_of(opioid) == "not-indicated", opioid
