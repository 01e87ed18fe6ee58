"""Deciding a cohort (kg decide --cohort; issue 17 item 3): every record decided as it would be alone, in JSON Lines,
CSV and Parquet; a bad record reported with its line or row and field, skipped and counted or failing the run with
nothing written; the edges (a child, pregnancy, dialysis, missing labs, both conditions) in one file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cohort.decide import Summary, decide_cohort, decide_records
from kg.cohort.records import read_records
from kg.cohort.synth import synthesize
from kg.core.build.knowledge import default_knowledge
from kg.core.decide.decision import decide
from kg.report.decision_output import compact_data

EDGES = [  # each a real edge of the rules; the expected decision is the single-patient one, not written here
    {"patient_id": "child", "age_years": 9, "sex": "female", "labs": {"ferritin": {"value": 20, "unit": "ng/mL"}}},
    {"patient_id": "pregnant", "age_years": 31, "sex": "female", "pregnancy": {"status": "pregnant", "trimester": 2},
     "current_medications": [{"drug": "pramipexole", "daily_dose_mg": 0.25, "doses_per_day": 1}]},
    {"patient_id": "dialysis", "age_years": 67, "sex": "male", "esrd": "yes", "dialysis": "yes",
     "current_medications": [{"drug": "gabapentin", "daily_dose_mg": 900, "doses_per_day": 3}]},
    {"patient_id": "no-labs", "age_years": 80, "sex": "male"},
    {"patient_id": "both", "age_years": 55, "sex": "female", "conditions": ["restless-legs-syndrome",
                                                                           "chronic-insomnia"],
     "insomnia_type": "maintenance", "current_medications": [{"drug": "tramadol", "daily_dose_mg": 100,
                                                              "doses_per_day": 2}]},
]
CSV_COLUMNS = ["patient_id", "age_years", "sex", "pregnancy.status", "pregnancy.trimester", "esrd", "dialysis",
               "labs.ferritin.value", "labs.ferritin.unit", "conditions", "insomnia_type", "current_medications"]


def _csv_row(profile: dict) -> dict[str, str]:
    cells = {c: "" for c in CSV_COLUMNS}
    for key, value in profile.items():
        if key == "pregnancy":
            cells.update({f"pregnancy.{k}": str(v) for k, v in value.items()})
        elif key == "labs":
            cells.update({f"labs.{lab}.{k}": str(v) for lab, parts in value.items() for k, v in parts.items()})
        elif key == "conditions":
            cells[key] = "|".join(value)
        elif key == "current_medications":
            cells[key] = json.dumps(value)
        else:
            cells[key] = str(value)
    return cells


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _alone(profile: dict) -> dict:
    return json.loads(json.dumps(compact_data(decide(profile)), sort_keys=True))


def test_every_record_of_a_cohort_is_decided_as_it_would_be_alone(tmp_path):
    profiles = [*EDGES, *synthesize(12, 7, default_knowledge())]
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text("".join(json.dumps(p) + "\n" for p in profiles), encoding="utf-8")
    summary = decide_cohort(cohort, tmp_path / "out.jsonl")
    records = _lines(tmp_path / "out.jsonl")
    assert summary.decided == len(profiles) and not summary.skipped
    assert [r["position"] for r in records] == list(range(1, len(profiles) + 1))
    assert [{k: v for k, v in r.items() if k != "position"} for r in records] == [_alone(p) for p in profiles]
    both = records[4]
    assert both["conflicts"], "a patient with both conditions gets the cross-guideline conflicts"
    counted = sum(n for (option, _), n in summary.statuses.items() if option == "gabapentin")
    assert counted == sum(1 for r in records for o in r["options"] if o["option"] == "gabapentin")


def test_csv_columns_give_the_same_profiles_as_json(tmp_path):
    path = _write_csv(tmp_path / "cohort.csv", [_csv_row(p) for p in EDGES])
    read = [r.profile for r in read_records(path)]
    assert read == EDGES


def test_a_bad_record_is_reported_with_its_row_and_field_and_skipped_or_fails_the_run(tmp_path):
    rows = [_csv_row(p) for p in EDGES[:2]]
    rows.insert(1, {**_csv_row(EDGES[3]), "age_years": "sixty"})  # file row 3 (the header is row 1)
    rows.append({**_csv_row(EDGES[3]), "patient_id": "negative", "age_years": "-4"})  # row 5: schema minimum
    path = _write_csv(tmp_path / "cohort.csv", rows)
    summary = Summary()
    decided = list(decide_records(read_records(path), summary=summary))
    assert [d["patient_id"] for d in decided] == ["child", "pregnant"]
    assert [(p.row, p.column) for p in summary.skipped] == [(3, "age_years"), (5, "age_years")]
    out = tmp_path / "out.jsonl"
    failed = subprocess.run([sys.executable, "-m", "kg", "decide", "--cohort", str(path), "--on-error", "fail",
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert failed.returncode == 2, failed.stderr
    assert "line/row 3" in failed.stderr and "age_years" in failed.stderr and "sixty" in failed.stderr
    assert "Traceback" not in failed.stderr and not out.exists()
    skipped = subprocess.run([sys.executable, "-m", "kg", "decide", "--cohort", str(path), "--out", str(out)],
                             capture_output=True, text=True, timeout=600)
    assert skipped.returncode == 0, skipped.stderr
    assert "decided 2 patients, skipped 2" in skipped.stderr and len(_lines(out)) == 2


@pytest.mark.parametrize("text, rule", [("{not json\n", "not JSON"), ("[1, 2]\n", "one profile")])
def test_a_line_that_is_not_a_profile_is_named_by_its_line(tmp_path, text, rule):
    path = tmp_path / "cohort.jsonl"
    path.write_text(json.dumps(EDGES[3]) + "\n" + text, encoding="utf-8")
    summary = Summary()
    assert len(list(decide_records(read_records(path), summary=summary))) == 1
    assert summary.skipped[0].row == 2 and rule in summary.skipped[0].rule


def test_an_unknown_column_or_format_is_refused_before_any_decision(tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text("patient_id,age_years,ferritin\np,50,30\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kg", "decide", "--cohort", str(path)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 2 and "ferritin" in result.stderr and "labs.ferritin.value" in result.stderr
    other = tmp_path / "cohort.xlsx"
    other.write_text("x", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kg", "decide", "--cohort", str(other)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 2 and ".xlsx" in result.stderr and "Traceback" not in result.stderr


def edge_parquet(path: Path) -> Path:
    """The edge profiles as a Parquet cohort (the CSV columns; empty cells null, ages as integers)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as parquet

    rows = [_csv_row(p) for p in EDGES]
    table = pa.Table.from_pylist([{k: (v or None) for k, v in row.items()} for row in rows])
    table = table.set_column(table.schema.get_field_index("age_years"), "age_years",
                             pa.array([int(r["age_years"]) for r in rows]))
    parquet.write_table(table, path)
    return path


def test_parquet_in_and_out_hold_the_same_decisions_as_json_lines(tmp_path):
    import pyarrow.parquet as parquet

    source = edge_parquet(tmp_path / "cohort.parquet")
    rows = [_csv_row(p) for p in EDGES]
    decide_cohort(source, tmp_path / "out.parquet")
    decide_cohort(_write_csv(tmp_path / "cohort.csv", rows), tmp_path / "out.jsonl")
    from_parquet, from_csv = parquet.read_table(tmp_path / "out.parquet").to_pylist(), _lines(tmp_path / "out.jsonl")
    assert [r.pop("position") for r in from_parquet] == [1, 2, 3, 4, 5]  # Parquet: the record's row
    assert [r.pop("position") for r in from_csv] == [2, 3, 4, 5, 6]  # CSV: its line (the header is line 1)
    assert from_parquet == from_csv


def test_patients_decided_in_batches_across_builds_and_chunks_get_their_decisions_alone(tmp_path):
    """Three hundred synthetic patients of the packaged build set (each chunk of CHUNK records is decided on the
    builds of its patients' conditions, each build's patients assessed as one batch over boolean columns) and the
    edge profiles among them: every output record is the single decision's compact form."""
    from kg.cohort.decide import CHUNK

    profiles = [*synthesize(300, 23, default_knowledge())]
    for at, edge in zip((0, CHUNK - 1, CHUNK, 150, 299), EDGES, strict=True):
        profiles.insert(at, edge)
    assert len(profiles) > CHUNK
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text("".join(json.dumps(p) + "\n" for p in profiles), encoding="utf-8")
    decide_cohort(cohort, tmp_path / "out.jsonl")
    records = _lines(tmp_path / "out.jsonl")
    differing = [p["patient_id"] for p, r in zip(profiles, records, strict=True)
                 if {k: v for k, v in r.items() if k != "position"} != _alone(p)]
    assert not differing, f"decided otherwise in a batch than alone: {differing[:10]}"


def test_a_compact_only_decision_is_the_full_ones_compact_form_and_cannot_be_rendered_in_full():
    from kg.base.errors import UserError
    from kg.core.decide.decision import decide_many
    from kg.report.decision_output import render, to_json_data

    for profile in EDGES:
        compact_only, full = decide_many([profile], full=False)[0], decide(profile)
        assert compact_data(compact_only) == compact_data(full), profile["patient_id"]
        assert full.reasons and not compact_only.reasons and not compact_only.report and not compact_only.assessed
        for make in (lambda d=compact_only: to_json_data(d), lambda d=compact_only: render(d, "table"),
                     lambda d=compact_only: render(d, "ttl")):
            with pytest.raises(ValueError, match="made compact"):
                make()
    with pytest.raises(UserError, match="compiled engine"):
        decide_many([EDGES[0]], full=False, engine="sparql")


def _frame_rows() -> list[dict]:
    """The edge profiles as DataFrame rows: typed cells, None where a profile omits the field."""
    rows = [_csv_row(p) for p in EDGES]
    return [{k: (int(v) if k in ("age_years", "pregnancy.trimester") and v else v or None) for k, v in row.items()}
            for row in rows]


def test_decide_frame_gives_each_row_the_decision_of_the_same_row_in_a_file(tmp_path):
    """kg.decide_frame(df): a pandas DataFrame (missing cells NaN or None) and a pyarrow Table decide as the CSV file
    with the same columns, one compact decision per row, positions the rows' (1-based)."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    import kg

    frame = pd.DataFrame(_frame_rows())  # age and trimester: float columns with NaN where missing
    decided = kg.decide_frame(frame)
    decide_cohort(_write_csv(tmp_path / "cohort.csv", [_csv_row(p) for p in EDGES]), tmp_path / "out.jsonl")
    from_file = _lines(tmp_path / "out.jsonl")
    assert decided["position"].tolist() == [1, 2, 3, 4, 5]
    rows = json.loads(decided.drop(columns="position").to_json(orient="records"))
    assert rows == [{k: v for k, v in r.items() if k != "position"} for r in from_file]
    assert decided.attrs["summary"]["decided"] == len(EDGES)
    table = kg.decide_frame(pa.Table.from_pylist(_frame_rows()))
    assert json.loads(table.to_json(orient="records")) == json.loads(decided.to_json(orient="records"))


def test_decide_frame_skips_or_fails_on_an_invalid_row_naming_it(tmp_path):
    pd = pytest.importorskip("pandas")
    import kg
    from kg.base.errors import UserError

    rows = _frame_rows()
    rows[1]["age_years"] = -3
    skipped = kg.decide_frame(pd.DataFrame(rows))
    assert skipped["patient_id"].tolist() == ["child", "dialysis", "no-labs", "both"]
    assert [(s["position"], s["field"]) for s in skipped.attrs["summary"]["skipped_records"]] == [(2, "age_years")]
    with pytest.raises(UserError, match="record at line/row 2: field 'age_years' value '-3'"):
        kg.decide_frame(pd.DataFrame(rows), on_error="fail")
    with pytest.raises(UserError, match="column.*not-a-field"):
        kg.decide_frame(pd.DataFrame([{"not-a-field": 1}]))
    with pytest.raises(UserError, match="is not a DataFrame"):
        kg.decide_frame([{"age_years": 3}])
    assert kg.decide_frame(pd.DataFrame(columns=["patient_id"])).empty


def test_a_compact_decision_changes_no_graph_it_was_given():
    """A compact decision (full=False) fills the graph it read from a dict profile in place, not a copy; a caller's
    Profile or Turtle graph stays exactly as given, and a full decision's profile graph holds only the profile's
    triples. Each patient of each input form still gets the decision it gets alone."""
    from rdflib import Graph

    from kg.core.decide.decision import decide_many
    from kg.profile.reader import load_profile

    knowledge = default_knowledge()
    profile = EDGES[2]  # dialysis, a current drug: the derivation and classification add to its graph
    loaded = load_profile(profile, knowledge.agents, knowledge_graph=knowledge.nodes, ids=knowledge.ids)
    as_loaded = set(loaded.graph)
    turtle = Graph()
    for triple in as_loaded:
        turtle.add(triple)
    alone = compact_data(decide(profile, knowledge=knowledge))
    compact = decide_many([loaded, turtle, profile], knowledge=knowledge, full=False)
    assert set(loaded.graph) == as_loaded and set(turtle) == as_loaded
    assert [compact_data(d) for d in compact] == [alone] * 3
    assert set(compact[2].profile.graph) > as_loaded  # the dict's own graph, filled in place
    assert set(decide(profile, knowledge=knowledge).profile.graph) == as_loaded
