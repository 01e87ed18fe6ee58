"""Issue 20, finding 7: peroneal nerve stimulation is the seed's last resort, "If all pharmacological options fail:
Consider bilateral high-frequency peroneal nerve stimulation" (step 6). With the trial history known and no failed
trial, it is "not yet indicated". With the trial history unknown, that gate may be open or not: the option must be
"undetermined" (and the trial history asked for), never a plain recommendation, which would make an unknown more
permissive than a known unmet gate (ADR 0005 fail-safe). The same on dialysis (a second condition)."""

from tests.regressions.profiles import actions


def test_known_unmet_gate_is_not_yet(decide_adult):
    assert decide_adult().status_of("peroneal-nerve-stimulation") == "not-yet-indicated"


def test_unknown_gate_is_undetermined_and_asked(decide_adult):
    decision = decide_adult(omit=("past_trials",))
    assert decision.status_of("peroneal-nerve-stimulation") == "undetermined"
    assert ("ask", "past-trials") in actions(decision)


def test_unknown_gate_on_dialysis(decide_adult):
    decision = decide_adult(omit=("past_trials",), esrd=True, dialysis=True)
    assert decision.status_of("peroneal-nerve-stimulation") == "undetermined"


def test_gate_met_is_recommended(decide_adult):
    decision = decide_adult(past_trials=[
        {"drug": "gabapentin", "max_daily_dose_mg": 2400, "outcome": "inadequate-response"},
        {"drug": "methadone", "max_daily_dose_mg": 20, "outcome": "inadequate-response", "adequate": True}])
    assert decision.status_of("peroneal-nerve-stimulation") == "recommended"
