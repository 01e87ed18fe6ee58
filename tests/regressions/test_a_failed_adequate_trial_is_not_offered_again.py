"""Issue 20, finding 6: a drug whose adequate trial failed is not re-offered as plain first-line "use now". The seed:
"If alpha-2-delta ligands fail: Consider low-dose opioids" (Algorithmic Approach step 5); gabapentin 2400 mg/day with
an inadequate response is an adequate, failed trial (step 4: 1800-2400 mg/day). Gabapentin is "failed before";
pregabalin, not tried, is still an option ("Switch to or optimize alpha-2-delta ligands"); the opioids of step 5 are
allowed with caution. A trial that was not tolerated is a caution, not a failure of efficacy (ADR 0005); a child's
failed trial of an adult-only option stays not indicated (clinical-facts-2 §7.10.2)."""

from tests.regressions.profiles import FAILED_GABAPENTIN, reasons


def test_the_failed_drug_is_failed_before_and_the_sequence_moves_on(decide_adult):
    decision = decide_adult(past_trials=FAILED_GABAPENTIN)
    assert decision.status_of("gabapentin") == "failed-before"
    assert decision.status_of("pregabalin") == "recommended"
    assert decision.status_of("methadone") == "allowed-with-caution"


def test_a_trial_that_was_not_tolerated_is_a_caution(decide_adult):
    decision = decide_adult(past_trials=[{"drug": "gabapentin", "max_daily_dose_mg": 900, "outcome": "not-tolerated"}])
    assert decision.status_of("gabapentin") == "allowed-with-caution"
    assert any(effect == "caution" for effect, _ in reasons(decision, "gabapentin"))


def test_a_child_is_not_offered_an_adult_option_either_way(decide_adult):
    decision = decide_adult(age_years=15, past_trials=FAILED_GABAPENTIN)
    assert decision.status_of("gabapentin") == "not-indicated"
