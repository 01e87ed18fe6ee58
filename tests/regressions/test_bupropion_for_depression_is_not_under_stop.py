"""Issue 20, finding 9: bupropion taken for depression is not under "stop or change". The AASM suggests against
bupropion as an RLS *treatment* (clinical-facts §1.3 row 17, AI), which is "not a statement that bupropion worsens
RLS"; the Bayard 2011 RCT found it does not exacerbate RLS and is reasonable when an antidepressant is needed
(clinical-facts §5.8, §6 D3: encode the two facts separately). The summary says there is no need to stop it for RLS;
it stays "recommended against" as an RLS treatment among the options."""

from kg.report.decision_output import to_json_data


def test_bupropion(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "bupropion", "daily_dose_mg": 300, "doses_per_day": 1}])
    summary = to_json_data(decision)["summary"]
    assert not any("bupropion" in item["subject_ids"] for item in summary["stop_or_change"])
    keep = [item for item in summary["now"] if item["kind"] == "keep"]
    assert [item["subject_ids"] for item in keep] == [["bupropion"]] and "bayard-2011" in keep[0]["sources"]
    assert decision.status_of("bupropion") == "recommended-against"


def test_an_ssri_is_still_under_stop_or_change(decide_adult):
    decision = decide_adult(current_medications=[{"drug": "sertraline", "daily_dose_mg": 50, "doses_per_day": 1}])
    summary = to_json_data(decision)["summary"]
    assert any("sertraline" in item["subject_ids"] for item in summary["stop_or_change"])
