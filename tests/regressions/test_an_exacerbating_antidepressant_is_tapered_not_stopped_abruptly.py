"""Issue 20, finding 8: an antidepressant listed as exacerbating (sertraline: serotonergic antidepressants, seed
Initial Assessment bullet 3; clinical-facts §5.8) gets more than a bare "eliminate": if it is changed, taper it, do not
stop it abruptly ("Antidepressant discontinuation symptoms occur with all classes of antidepressant ... tapering
antidepressants at the end of treatment", Haddad & Anderson 2007). The summary shows sertraline once, under stop or
change, with the taper next to it; the same in pregnancy. A drug the report does not advise changing gets no such
line in the summary."""

from kg.report.decision_output import to_json_data
from tests.regressions.profiles import actions

SERTRALINE = [{"drug": "sertraline", "daily_dose_mg": 50, "doses_per_day": 1}]


def _sertraline_items(decision):
    summary = to_json_data(decision)["summary"]
    return [item for items in summary.values() for item in items if item["subject_ids"] == ["sertraline"]]


def test_sertraline(decide_adult):
    decision = decide_adult(current_medications=SERTRALINE)
    assert ("when-stopping", "sertraline") in actions(decision)
    items = _sertraline_items(decision)
    assert len(items) == 1 and items[0]["kind"] == "address-exacerbating-factor"
    assert "gradual taper (do not stop abruptly)" in items[0]["text"]
    assert "haddad-anderson-2007" in items[0]["sources"]


def test_sertraline_in_pregnancy(decide_adult):
    decision = decide_adult(sex="female", pregnancy={"status": "pregnant", "trimester": 2},
                            current_medications=SERTRALINE)
    items = _sertraline_items(decision)
    assert len(items) == 1 and "gradual taper (do not stop abruptly)" in items[0]["text"]


def test_no_taper_line_for_a_drug_not_to_change(decide_adult):
    decision = decide_adult(past_trials=[{"drug": "gabapentin", "max_daily_dose_mg": 1800,
                                          "outcome": "inadequate-response"}],
                            current_medications=[{"drug": "methadone", "daily_dose_mg": 10, "doses_per_day": 1}])
    assert ("when-stopping", "methadone") in actions(decision)  # FDA 2019: taper an opioid, never stop it abruptly
    summary = to_json_data(decision)["summary"]
    assert not any("gradual taper" in item["text"] for items in summary.values() for item in items)
