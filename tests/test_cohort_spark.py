"""A cohort decided on Apache Spark in local mode (kg decide --cohort FILE --engine spark; issue 17 item 5) gives
byte for byte the output of the one-process run, with the same summary: the same records in the same order, an
invalid record skipped and counted at the same line, or failing the run with nothing written; Parquet in and out.

Needs pyspark (the ``spark`` extra, a 518 MB wheel) and Java 17+: ``make spark`` installs it and runs this file on
``SPARK_PATIENTS`` synthetic patients (default 2,000). Without pyspark the tests are skipped, and say so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.base.errors import UserError
from kg.cohort.decide import decide_cohort, summary_text
from kg.cohort.synth import synthesize
from kg.core.build.knowledge import default_knowledge
from tests.test_cohort_decide import EDGES, _csv_row, _write_csv, edge_parquet

pytest.importorskip("pyspark", reason="the spark extra is not installed: make spark")
pytestmark = [pytest.mark.spark, pytest.mark.slow]

PATIENTS = int(os.environ.get("SPARK_PATIENTS", "2000"))
MASTER = "local[2]"
BAD = ['{"patient_id": "bad-age", "age_years": -4, "sex": "female"}', "not json at all", "[1, 2]"]


def _cohort(path: Path, count: int) -> Path:
    """*count* synthetic patients and the edge profiles, a blank line and three invalid records among them."""
    lines = [json.dumps(p, sort_keys=True) for p in [*EDGES, *synthesize(count, 11, default_knowledge())]]
    for at, bad in zip((3, len(lines) // 2, len(lines) - 1), BAD, strict=True):
        lines.insert(at, bad)
    lines.insert(7, "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_spark_gives_the_one_process_output_byte_for_byte(tmp_path):
    from kg.cohort.spark import decide_on_spark

    cohort = _cohort(tmp_path / "cohort.jsonl", PATIENTS)
    alone = decide_cohort(cohort, tmp_path / "one.jsonl")
    spark = decide_on_spark(cohort, tmp_path / "spark.jsonl", master=MASTER)
    assert (tmp_path / "spark.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert spark.to_data() == alone.to_data() and summary_text(spark) == summary_text(alone)
    assert spark.decided == PATIENTS + len(EDGES) and len(spark.skipped) == len(BAD)


def test_an_invalid_record_fails_the_spark_run_naming_its_line_and_writes_nothing(tmp_path):
    from kg.cohort.spark import decide_on_spark

    cohort = _cohort(tmp_path / "cohort.jsonl", 20)
    with pytest.raises(UserError) as one:
        decide_cohort(cohort, tmp_path / "one.jsonl", on_error="fail")
    with pytest.raises(UserError) as spark:
        decide_on_spark(cohort, tmp_path / "spark.jsonl", master=MASTER, on_error="fail")
    assert str(spark.value) == str(one.value) and "record at line/row 4: field 'age_years'" in str(spark.value)
    assert not list(tmp_path.glob("spark*")) and not list(tmp_path.glob(".spark*"))


def test_explained_decisions_on_spark_equal_the_one_process_run(tmp_path):
    """--explain (each record with its full decision document, partitions of at most 100 records): the same bytes."""
    from kg.cohort.spark import RECORDS_PER_PARTITION, decide_on_spark

    assert RECORDS_PER_PARTITION["explain"] < RECORDS_PER_PARTITION["compact"]
    cohort = _cohort(tmp_path / "cohort.jsonl", 40)
    alone = decide_cohort(cohort, tmp_path / "one.jsonl", explain=True)
    spark = decide_on_spark(cohort, tmp_path / "spark.jsonl", master=MASTER, explain=True)
    assert (tmp_path / "spark.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert spark.to_data() == alone.to_data() and '"decision"' in (tmp_path / "one.jsonl").read_text()


def test_parquet_in_and_out_on_spark_equal_the_one_process_run(tmp_path):
    source = edge_parquet(tmp_path / "cohort.parquet")
    import pyarrow.parquet as parquet

    from kg.cohort.spark import decide_on_spark

    decide_cohort(source, tmp_path / "one.parquet")
    decide_on_spark(source, tmp_path / "spark.parquet", master=MASTER)
    assert parquet.read_table(tmp_path / "spark.parquet").to_pylist() == \
        parquet.read_table(tmp_path / "one.parquet").to_pylist()


def test_a_csv_cohort_is_refused_on_spark_with_the_rule(tmp_path):
    from kg.cohort.spark import decide_on_spark

    with pytest.raises(UserError, match="--engine spark reads Parquet or JSON Lines"):
        decide_on_spark(_write_csv(tmp_path / "cohort.csv", [_csv_row(p) for p in EDGES]), None, master=MASTER)


def test_the_command_line_decides_a_cohort_on_spark_and_refuses_spark_for_one_patient(tmp_path):
    cohort = _cohort(tmp_path / "cohort.jsonl", 10)
    kg = [sys.executable, "-m", "kg.cli", "decide"]
    done = subprocess.run([*kg, "--cohort", str(cohort), "--engine", "spark", "--master", MASTER, "--out",
                           str(tmp_path / "out.jsonl")], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"decided {10 + len(EDGES)} patients, skipped {len(BAD)}" in done.stderr
    one = subprocess.run([*kg, "--example", "--engine", "spark"], capture_output=True, text=True, timeout=600)
    assert one.returncode == 2 and "--engine spark: decides a cohort" in one.stderr and "Traceback" not in one.stderr
    stray = subprocess.run([*kg, "--example", "--master", "local[1]"], capture_output=True, text=True, timeout=600)
    assert stray.returncode == 2 and "only with --engine spark" in stray.stderr


def test_spark_submit_runs_the_module_on_the_master_it_gives(tmp_path):
    """The README's cluster recipe, on a local master: spark-submit's master is used, not replaced."""
    cohort = _cohort(tmp_path / "cohort.jsonl", 5)
    submit = Path(sys.executable).parent / "spark-submit"
    module = Path(__file__).parents[1] / "kg" / "cohort" / "spark.py"
    done = subprocess.run([str(submit), "--master", "local[1]", str(module), str(cohort), str(tmp_path / "out.jsonl")],
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYSPARK_PYTHON": sys.executable})
    assert done.returncode == 0, done.stderr[-2000:]
    decide_cohort(cohort, tmp_path / "one.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
