"""FHIR R4 patient input (kg/profile/fhir/, profile_fhir.tsv): every fixture bundle decides exactly as its YAML twin;
the input report accounts for every record; what cannot be read is reported, never guessed; bad input exits 2.

The twins (tests/fixtures/fhir/*.yaml) are written from the mapping's meaning (fhir-cdshooks-omop.md §1.1-1.2), each
with a comment saying why each value is what it is; they are not generated from the reader's output."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import kg
from kg.base.errors import UserError, ValidationError
from kg.core.build.knowledge import default_knowledge
from kg.core.build.tables import load_tables
from kg.profile.fhir import profile_from_fhir
from kg.profile.fhir.dosage import dose_of
from kg.profile.reader import read_yaml
from kg.report.decision_output import to_json_data

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
BUNDLES = sorted(FIXTURES.glob("*.json"))
AS_OF = dt.date(2026, 11, 1)
KG = [sys.executable, "-m", "kg"]
DECISION_SCHEMA = json.loads((Path(kg.__file__).parent / "schemas" / "decision.schema.json").read_text())


def bundle(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def read(data: dict, as_of: dt.date = AS_OF):
    return profile_from_fhir(data, default_knowledge().agents, as_of)


def test_the_fixture_folder_has_a_twin_for_every_bundle():
    assert len(BUNDLES) >= 7
    assert all(path.with_suffix(".yaml").is_file() for path in BUNDLES)


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_a_bundle_decides_exactly_as_its_yaml_twin(path: Path):
    twin = read_yaml(path.with_suffix(".yaml").read_text(encoding="utf-8"), path.name)
    from_bundle = to_json_data(kg.decide(json.loads(path.read_text(encoding="utf-8")), today=AS_OF))
    from_twin = to_json_data(kg.decide(twin, today=AS_OF))
    jsonschema.validate(json.loads(json.dumps(from_bundle)), DECISION_SCHEMA)
    assert from_bundle.pop("input")["as_of"] == AS_OF.isoformat()
    assert "input" not in from_twin
    assert from_bundle["patient"]["facts"] == twin
    assert from_bundle == from_twin


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_the_input_report_accounts_for_every_record(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    report = read(data).report.as_data()
    listed = {u["record"] for u in report["used"]} | {n["record"] for n in report["not_used"]}
    listed |= {r for a in report["ambiguous"] for r in a["records"]}
    records = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in data["entry"]}
    assert records <= listed


def test_unreadable_and_ambiguous_records_are_reported_with_the_reason():
    dialysis = read(bundle("dialysis")).report.as_data()
    assert [a["field"] for a in dialysis["ambiguous"]] == ["labs.ferritin"]  # 180 and 220 ng/mL the same day
    reasons = {n["record"]: n["reason"] for n in dialysis["not_used"]}
    assert "another patient" in reasons["Observation/other-patients-ferritin"]
    assert "stopped" in reasons["MedicationRequest/gabapentin-old"]
    assert "superseded" in reasons["Observation/tsat-old"]
    amy = read(bundle("uscore-amy")).report.as_data()
    not_used = {n["record"]: n["reason"] for n in amy["not_used"]}
    assert "LOINC:718-7" in not_used["Observation/cbc-hemoglobin"]
    notes = " ".join(n["note"] for n in amy["notes"])
    assert "SIG text only" in notes and "not a drug the graph knows" in notes


def test_a_record_dated_after_the_as_of_date_is_not_used():
    early = read(bundle("example-treatment-resistant"), dt.date(2026, 10, 1))
    assert "labs" not in early.profile
    assert any("after the as-of date" in n["reason"] for n in early.report.as_data()["not_used"])


def test_a_current_and_a_refuted_record_of_one_condition_leave_it_unknown():
    data = bundle("uscore-axid")
    refuted = copy.deepcopy(next(e for e in data["entry"] if e["resource"]["id"] == "esrd"))
    refuted["resource"]["id"] = "esrd-ruled-out"
    refuted["resource"].pop("clinicalStatus")
    refuted["resource"]["verificationStatus"]["coding"][0]["code"] = "refuted"
    data["entry"].append(refuted)
    result = read(data)
    assert "esrd" not in result.profile
    assert [a["field"] for a in result.report.as_data()["ambiguous"]] == ["esrd"]


def test_a_provisional_condition_is_not_a_diagnosis():
    data = bundle("uscore-axid")
    esrd = next(e for e in data["entry"] if e["resource"]["id"] == "esrd")["resource"]
    esrd["verificationStatus"]["coding"][0]["code"] = "provisional"
    result = read(data)
    assert "esrd" not in result.profile


def test_a_partial_birth_date_gives_an_age_only_when_every_day_it_allows_agrees():
    data = bundle("child")
    patient = data["entry"][0]["resource"]
    patient["birthDate"] = "2016"
    assert "age_years" not in read(data, dt.date(2026, 6, 1)).profile  # 9 or 10
    assert read(data, dt.date(2026, 12, 31)).profile["age_years"] == 10


def test_an_unknown_lab_unit_is_reported_never_converted():
    data = bundle("child")
    ferritin = next(e for e in data["entry"] if e["resource"]["id"] == "ferritin")["resource"]
    ferritin["valueQuantity"].update({"unit": "ng/dL", "code": "ng/dL"})
    result = read(data)
    assert "labs" not in result.profile
    assert any("'ng/dL'" in n["reason"] for n in result.report.as_data()["not_used"])


@pytest.mark.parametrize(("timing", "amount", "daily", "per_day"), [
    ({"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}, {"value": 300, "code": "mg"}, 600, 2),
    ({"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}}, {"value": 0.5, "code": "g"}, 1500, 3),
    ({"repeat": {"timeOfDay": ["08:00:00", "20:00:00"]}}, {"value": 100, "code": "mg"}, 200, 2),
    ({"code": {"coding": [{"code": "QID"}]}}, {"value": 250, "code": "ug"}, 1, 4),
])
def test_the_daily_dose_is_dose_times_frequency_over_period(timing, amount, daily, per_day):
    dose = dose_of([{"timing": timing, "doseAndRate": [{"doseQuantity": amount}]}], None)
    assert (dose.daily_mg, dose.doses_per_day, dose.problems) == (daily, per_day, [])


@pytest.mark.parametrize(("instruction", "why"), [
    ({"text": "1-2 tablets at bedtime as needed"}, "SIG text only"),
    ({"timing": {"repeat": {"frequency": 1, "period": 2, "periodUnit": "d"}},
      "doseAndRate": [{"doseQuantity": {"value": 10, "code": "mg"}}]}, "less often than once a day"),
    ({"timing": {"code": {"coding": [{"code": "QOD"}]}},
      "doseAndRate": [{"doseQuantity": {"value": 10, "code": "mg"}}]}, "less often than once a day"),
    ({"timing": {"repeat": {"frequency": 1, "frequencyMax": 2, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"doseQuantity": {"value": 10, "code": "mg"}}]}, "frequency range"),
    ({"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"doseRange": {"low": {"value": 1, "code": "mg"}, "high": {"value": 2, "code": "mg"}}}]},
     "dose range"),
    ({"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"doseQuantity": {"value": 1, "code": "{tbl}"}}]}, "not a mass"),
    ({"asNeededBoolean": True, "doseAndRate": [{"doseQuantity": {"value": 1, "code": "mg"}}]},
     "without maxDosePerPeriod"),
    ({"timing": {"repeat": {"when": ["C"]}}, "doseAndRate": [{"doseQuantity": {"value": 1, "code": "mg"}}]}, "meals"),
])
def test_a_dose_that_cannot_be_computed_is_undetermined_with_the_reason(instruction, why):
    dose = dose_of([instruction], None)
    assert dose.daily_mg is None and dose.doses_per_day is None
    assert why in dose.problems[0]


def test_as_needed_takes_the_maximum_per_period_and_leaves_doses_per_day_unknown():
    tablet = {"numerator": {"value": 0.25, "code": "mg"}, "denominator": {"value": 1, "code": "{tbl}"}}
    dose = dose_of([{"asNeededBoolean": True, "maxDosePerPeriod": {
        "numerator": {"value": 2, "code": "{tbl}"}, "denominator": {"value": 1, "code": "d"}}}],
        {"ingredient": [{"strength": tablet}]})
    assert (dose.daily_mg, dose.doses_per_day, dose.as_needed) == (0.5, None, True)


def test_a_structural_error_names_the_resource_and_the_element():
    """The CDS Hooks library's order-sign example puts doseQuantity on the Dosage (the STU3 shape); R4 wants it in
    doseAndRate (fhir-cdshooks-omop.md §1.2): reported as invalid input, never silently dropped."""
    data = bundle("dialysis")
    order = next(e for e in data["entry"] if e["resource"]["id"] == "gabapentin-tid")["resource"]
    order["dosageInstruction"] = [{"doseQuantity": {"value": 100, "code": "mg"}}]
    with pytest.raises(ValidationError) as error:
        read(data)
    assert "MedicationRequest/gabapentin-tid" in str(error.value)
    assert "dosageInstruction[0].doseQuantity" in str(error.value)


def test_two_patients_or_no_patient_are_refused():
    data = bundle("child")
    other = copy.deepcopy(data["entry"][0])
    other["resource"]["id"] = "someone-else"
    with pytest.raises(UserError, match="2 Patient resources"):
        read({**data, "entry": [*data["entry"], other]})
    with pytest.raises(UserError, match="sex"):
        read({**data, "entry": data["entry"][1:]})


def test_the_cli_decides_a_bundle_and_exits_2_on_a_malformed_one(tmp_path: Path):
    ok = subprocess.run([*KG, "decide", str(FIXTURES / "child.json"), "--as-of", "2026-11-01", "--format", "json"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["input"]["used"]
    broken = bundle("child")
    broken["entry"][2]["resource"]["valueQuantity"]["value"] = "forty"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    bad = subprocess.run([*KG, "decide", str(path), "--as-of", "2026-11-01"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "Observation/ferritin" in bad.stderr and "valueQuantity.value" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_broken_mapping_row_is_caught_by_the_table_checks(tmp_path: Path):
    from kg.base.paths import GUIDELINES_DIR

    shutil.copytree(GUIDELINES_DIR, tmp_path / "guidelines")
    table = tmp_path / "guidelines" / "rls-aasm-2024" / "tables" / "profile_fhir.tsv"
    text = table.read_text(encoding="utf-8")
    text = text.replace("LOINC:2502-3", "LOINK:2502-3").replace("\tObservation\t", "\tObservaton\t", 1)
    table.write_text(text.replace("\tvalue\trestless-legs-syndrome\t", "\tvalue\tinsomnia\t", 1), encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        load_tables(tmp_path / "guidelines")
    message = str(error.value)
    assert "LOINK:2502-3" in message and "Observaton" in message and "'insomnia'" in message


def test_references_by_full_url_inside_a_transaction_are_the_same_patient():
    data = bundle("dialysis")
    data["entry"][0]["fullUrl"] = "urn:uuid:0d1b7f6e-3c9a-4c55-9a39-2f1f3f0e0001"
    for entry in data["entry"][1:]:
        subject = entry["resource"].get("subject", {})
        if subject.get("reference") == "Patient/dialysis-rls":
            subject["reference"] = data["entry"][0]["fullUrl"]
    assert read(data).profile == read(bundle("dialysis")).profile
