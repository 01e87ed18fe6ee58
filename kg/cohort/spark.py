"""Deciding a cohort on Apache Spark (``kg decide --cohort FILE --engine spark [--master URL]``; issue 17 item 5):
the same records, the same compiled decisions and the same output as ``kg decide --cohort FILE`` (kg/cohort/
decide.py), with the deciding spread over Spark's executors, for cohorts that outgrow one machine.

How: Spark reads the cohort (Parquet with ``spark.read.parquet``, JSON Lines with ``textFile``) and numbers its rows
or lines (``zipWithIndex``: the positions the one-process reader gives, so a problem names the same line or row).
Each partition is decided by ``_decide_partition`` on an executor with this package's own code: a row becomes a
record exactly as the one-process reader makes it (``tabular_record``, ``json_line_record``), an invalid record
becomes its problems, valid ones are decided in chunks (``decided_chunk``: the compiled engine on the packaged build,
or ``--build``, which must then be readable by every executor). The driver streams the partitions back in order
(``toLocalIterator``: bounded memory), applies ``--on-error``, counts the summary and writes the output atomically,
as the one-process run does. The partitions are decided all at once first and kept on the executors' disks
(``persist`` then ``count``): streaming them back alone would decide one partition at a time, on one core; and
small enough for the driver's memory (``_partitions``).
tests/test_cohort_spark.py checks the output is byte-identical to the one-process run's.

Why ``mapPartitions`` on the numbered rows rather than ``mapInArrow``: the positions come from ``zipWithIndex``,
an RDD operation, and a record must be read by the one-process reader's own code from the row's Python values; the
deciding, not the transfer, is the cost (milliseconds per patient against microseconds).

CSV is not read on Spark (its CSV reader's quoting and typing differ from Python's, which the cohort format is
defined by): convert it to Parquet or JSON Lines. Spark needs Java 17+ and ``pyspark`` (the ``spark`` extra).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from kg.base.errors import Problem, UserError
from kg.cohort.decide import CHUNK, Summary, check_on_error, decided_chunk, failure, output_format, record_problems
from kg.cohort.records import Record, cohort_format, json_line_record, tabular_columns, tabular_record
from kg.profile.fields import declarations

LOCAL_MASTER = "local[*]"  # every core of this machine
# partitions per executor core: all are decided at once, so that every core works and a slow partition does not
# leave the others idle; and at most this many records in one, whose output goes to the driver whole (a partition of
# 50,000 compact records ran the driver out of its default 1 GB heap, and Spark then waited for ever)
PARTITIONS_PER_CORE = 4
RECORDS_PER_PARTITION = {"compact": 10_000, "explain": 100}  # a full decision document is about 200 kB
PROBLEMS = "problems"  # the key of an item that carries an invalid record's problems, not an output record


def decide_on_spark(cohort: Path, out: Path | None, *, master: str | None = None, on_error: str = "skip",
                    explain: bool = False, build_dir: Path | None = None, verify: bool = True,
                    today: dt.date | None = None, emit: Callable[[str], None] | None = None) -> Summary:
    """``kg.cohort.decide.decide_cohort`` on Spark: the same output records to *out* (or *emit*), the same summary."""
    from kg.base.progress import counted
    from kg.cohort.output import write_records
    from kg.cohort.records import count_records
    from kg.export.write import check_target, write_atomically

    check_on_error(on_error)
    if not cohort.is_file():
        raise UserError(f"--cohort {cohort}: no such file")
    kind = cohort_format(cohort)
    if kind == "csv":
        raise UserError(f"--cohort {cohort}: --engine spark reads Parquet or JSON Lines (rule: Spark's CSV reader "
                        "quotes and types cells otherwise than the cohort format; convert the file to one of those)")
    out_kind = output_format(out) if out is not None else "jsonl"
    if out is not None:
        check_target(out, folder=False, kind="cohort decisions")
    spark, new = _session(master)
    summary, total, decided = Summary(), count_records(cohort), None
    try:
        decided = _decided(spark, cohort, kind, _partitions(spark, total, explain), explain, build_dir, verify, today)
        with counted(total, "cohort on Spark", "patients") as advance:
            records = _records(decided.toLocalIterator(), on_error, summary, advance)
            if out is None:
                for record in records:
                    (emit or print)(json.dumps(record, ensure_ascii=False, sort_keys=True))
            else:
                write_atomically(out, False, lambda path: write_records(records, path, out_kind, explain),
                                 "cohort decisions")
    finally:
        if decided is not None:
            decided.unpersist()
        if new:
            spark.stop()
    return summary


def _partitions(spark: Any, records: int, explain: bool) -> int:
    """How many partitions a cohort is decided in: PARTITIONS_PER_CORE per executor core, more for a long cohort, so
    that each partition's output, sent to the driver whole, stays small (RECORDS_PER_PARTITION)."""
    per_partition = RECORDS_PER_PARTITION["explain" if explain else "compact"]
    return max(spark.sparkContext.defaultParallelism * PARTITIONS_PER_CORE, -(-records // per_partition))


def _session(master: str | None) -> tuple[Any, bool]:
    """The Spark session (one already running in this process, e.g. a notebook's, or a new one) and whether it is
    new (then it is stopped at the end). The master: *master*, else spark-submit's, else every core here."""
    try:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession
    except ImportError:
        raise UserError("--engine spark needs pyspark and Java 17 or newer: pip install 'cgkg[spark]'") from None
    running = SparkSession.getActiveSession()
    if running is not None and master is None:
        return running, False
    chosen = master or SparkConf().get("spark.master", LOCAL_MASTER)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the executors run this interpreter, unless configured
    builder = (SparkSession.builder.master(chosen).appName("kg decide --cohort")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false"))
    if chosen.startswith("local"):  # nothing listens beyond this machine
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session, True


def _decided(spark: Any, cohort: Path, kind: str, partitions: int, explain: bool, build_dir: Path | None,
             verify: bool, today: dt.date | None) -> Any:
    """Each record's output record or problems (JSON), in *partitions* partitions in the cohort's order, all decided
    at once on every executor core and kept on the executors' disks: the driver then streams them back one partition
    at a time (``toLocalIterator``: bounded memory) without deciding them again. (Streaming alone would decide one
    partition at a time, on one core.)"""
    from pyspark import StorageLevel

    columns = None
    if kind == "parquet":
        frame = spark.read.parquet(str(cohort))
        columns = tabular_columns(cohort, list(frame.columns), declarations())  # unknown columns: refused here
        numbered = frame.rdd.map(lambda row: row.asDict(recursive=True)).zipWithIndex()
        numbered = numbered.sortBy(lambda pair: pair[1], numPartitions=partitions)  # ranges of rows, in order
    else:
        numbered = spark.sparkContext.textFile(str(cohort), minPartitions=partitions).zipWithIndex()
    decide = partial(_decide_partition, str(cohort), columns, explain,
                     None if build_dir is None else str(build_dir), verify, today)
    decided = numbered.mapPartitions(decide).persist(StorageLevel.DISK_ONLY)
    decided.count()
    return decided


def _decide_partition(cohort: str, columns: list | None, explain: bool, build_dir: str | None, verify: bool,
                      today: dt.date | None, rows: Iterable[tuple[Any, int]]) -> Iterator[str]:
    """On an executor: the partition's records (as the one-process reader makes them), decided in chunks."""
    path, chunk = Path(cohort), []
    folder = None if build_dir is None else Path(build_dir)
    for value, index in rows:
        record: Record | None = tabular_record(path, index + 1, value, columns) if columns is not None \
            else json_line_record(path, index + 1, value)
        if record is None:  # a blank line
            continue
        problems = record_problems(record, today)
        if problems:
            yield from _flushed(chunk, explain, folder, verify, today)
            chunk = []
            yield json.dumps({PROBLEMS: [dataclasses.asdict(p) for p in problems]})
            continue
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from _flushed(chunk, explain, folder, verify, today)
            chunk = []
    yield from _flushed(chunk, explain, folder, verify, today)


def _flushed(chunk: list[Record], explain: bool, build_dir: Path | None, verify: bool,
             today: dt.date | None) -> Iterator[str]:
    if chunk:
        for item in decided_chunk(chunk, explain, build_dir, verify, today, "compiled"):
            yield json.dumps(item, ensure_ascii=False, sort_keys=True)


def _records(items: Iterable[str], on_error: str, summary: Summary,
             advance: Callable[[], None]) -> Iterator[dict[str, Any]]:
    """The driver's side: output records in order, each counted; an invalid record skipped and counted, or, with
    ``--on-error fail``, the run stopped (nothing written) with its problems."""
    for text in items:
        item = json.loads(text)
        if PROBLEMS in item:
            problems = [Problem(**p) for p in item[PROBLEMS]]
            if on_error == "fail":
                raise failure(problems)
            summary.skipped.append(problems[0])
        else:
            summary.add(item)
            yield item
        advance()


def main(argv: list[str] | None = None) -> int:
    """``spark-submit [--master URL] kg/cohort/spark.py COHORT OUT``: the cohort decided on the master spark-submit
    gives (the same as ``kg decide --cohort COHORT --out OUT --engine spark``)."""
    import argparse

    from kg.cohort.decide import summary_text

    parser = argparse.ArgumentParser(prog="kg/cohort/spark.py", description=main.__doc__)
    parser.add_argument("cohort", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--on-error", default="skip", choices=("skip", "fail"))
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    try:
        summary = decide_on_spark(args.cohort, args.out, on_error=args.on_error, explain=args.explain)
    except UserError as error:  # a message and exit code 2, never a traceback (as kg.cli.main)
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(summary_text(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
