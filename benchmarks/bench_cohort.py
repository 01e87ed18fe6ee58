"""Cohort decisions (issue 17 item 3): decisions per second and peak RSS of ``kg.decide_cohort`` on seeded synthetic
cohorts of several sizes, each size in a fresh process (so that its peak RSS is its own), the same cohort decided
one patient at a time with ``kg.decide`` in the same process as the baseline (a ratio, not a timed target).

Run: ``python benchmarks/bench_cohort.py [--sizes 200,1000] [--runs 3] [--spark local[2]]``; writes
benchmarks/results/bench_cohort.json. ``--spark MASTER`` also decides each cohort on Spark (kg/cohort/spark.py, the
spark extra) in the same process, after the one-process runs, session start-up included: the overhead, honestly.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def one_size(n: int, runs: int, spark: str | None = None) -> dict:
    """In this process: a synthetic cohort of *n*, decided ``runs`` times as a cohort and once patient by patient."""
    from kg.cohort.decide import decide_cohort
    from kg.cohort.synth import synthesize
    from kg.core.build.knowledge import default_knowledge
    from kg.core.decide.decision import decide

    folder = Path(tempfile.mkdtemp())
    cohort = folder / "cohort.jsonl"
    profiles = list(synthesize(n, 1, default_knowledge()))
    cohort.write_text("".join(json.dumps(p) + "\n" for p in profiles), encoding="utf-8")
    decide(profiles[0])  # warm: the builds, the compiled tables, the parsed queries
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        decide_cohort(cohort, folder / "out.parquet")
        seconds.append(time.perf_counter() - started)
    sample = profiles[: min(n, 200)]
    started = time.perf_counter()
    for profile in sample:
        decide(profile)
    alone = (time.perf_counter() - started) / len(sample)
    median = statistics.median(seconds)
    result = {"patients": n, "runs": runs, "cohort_median_seconds": round(median, 2),
              "decisions_per_second": round(n / median, 1), "single_decide_ms": round(alone * 1000, 1),
              "ratio_single_to_cohort": round(alone / (median / n), 2),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if spark:
        from kg.cohort.spark import decide_on_spark

        on_spark = []
        for _ in range(runs):
            started = time.perf_counter()
            decide_on_spark(cohort, folder / "spark.parquet", master=spark)
            on_spark.append(time.perf_counter() - started)
        result.update({"spark_master": spark, "spark_median_seconds": round(statistics.median(on_spark), 2),
                       "spark_decisions_per_second": round(n / statistics.median(on_spark), 1),
                       "ratio_spark_to_one_process": round(statistics.median(on_spark) / median, 2)})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--spark", metavar="MASTER", help="also decide on Spark with this master, e.g. local[2]")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.runs, args.spark)))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        child = subprocess.run([sys.executable, __file__, "--one", str(size), "--runs", str(args.runs),
                                *(["--spark", args.spark] if args.spark else [])],
                               capture_output=True, text=True, check=True)
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_cohort.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
