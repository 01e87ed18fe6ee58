"""Finding 8 (asking): a profile without past_trials says nothing about them. The options that need a failed
alpha-2-delta trial are undetermined (not "not yet indicated", which assumed no trial), and the output asks for
the trial history."""

from tests.regressions.profiles import actions


def test_omitted_trial_history_is_asked_not_assumed(decide_adult):
    decision = decide_adult(omit=("past_trials",))
    assert decision.status_of("methadone") == "undetermined"
    assert ("ask", "past-trials") in actions(decision)
