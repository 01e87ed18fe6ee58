"""Finding 2 (starting an opioid): an opioid-naive adult after a failed adequate alpha-2-delta trial may start
methadone, with caution (respiratory monitoring at initiation applies to any RLS patient, not only to current
opioid users), and the output asks for the precautions before starting: a baseline ECG (Krantz 2009) and the Mayo
2018 opioid precautions. Methadone used to be plainly "recommended"."""

from tests.regressions.profiles import FAILED_GABAPENTIN, actions, reasons

BEFORE_STARTING = {"ecg", "opioid-risk-questionnaire", "urine-drug-screen", "pdmp-check", "opioid-treatment-agreement"}


def test_starting_an_opioid_needs_precautions_first(decide_adult):
    decision = decide_adult(past_trials=FAILED_GABAPENTIN)
    assert decision.status_of("methadone") == "allowed-with-caution"
    assert ("caution", "seed-caution-opioids-respiratory-monitoring") in reasons(decision, "methadone")
    assert {("before-starting", target) for target in BEFORE_STARTING} <= actions(decision)
