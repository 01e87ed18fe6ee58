"""The assessment of a cohort (issue 17): the per-patient ``assess`` (kg/core/decide/compiled/evaluate.py) in a loop
against ``assess_batch`` (kg/core/decide/compiled/batch.py, every patient at once over boolean columns), on the same
facts of seeded synthetic patients of the default build, interleaved in one process. The facts are made beforehand
(deciding the patients, not timed); the batch is timed whole, its fact columns included, and the first batch
(which makes the per-table plan) is left out, as the warm-up. Both results are checked equal before timing.

Run: ``PYTHONPATH=. python benchmarks/bench_batch_assess.py [--patients N] [--runs N]``; writes
benchmarks/results/bench_batch_assess.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from kg.cohort.synth import synthesize
from kg.core.build.knowledge import default_knowledge
from kg.core.decide.compiled.batch import assess_batch, one_by_one
from kg.core.decide.compiled.batch_columns import Columns
from kg.core.decide.compiled.batch_plan import plan_of
from kg.core.decide.compiled.evaluate import Facts, assess
from kg.core.decide.decision import decide_many

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    knowledge = default_knowledge()
    tables = knowledge.decision_tables
    profiles = list(synthesize(args.patients, args.seed, knowledge))
    decisions = decide_many(profiles, knowledge=knowledge, full=False)
    batch = [Facts.of(d.patient_graph, d.profile.patient, tables) for d in decisions]
    started = time.perf_counter()
    plan_of(tables)
    plan_seconds = time.perf_counter() - started
    assert assess_batch(tables, batch) == [one_by_one(tables, facts) for facts in batch], "the batch differs"
    one, whole, columns = [], [], []
    for _ in range(args.runs):  # interleaved: a load change on the machine hits both
        started = time.perf_counter()
        for facts in batch:
            assess(tables, facts)
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        assess_batch(tables, batch)
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        Columns(plan_of(tables), batch)
        columns.append(time.perf_counter() - started)
    per_patient = {name: round(statistics.median(times) / len(batch) * 1e6, 2)
                   for name, times in (("assess", one), ("assess_batch", whole), ("batch_fact_columns", columns))}
    result = {
        "patients": len(batch), "runs": args.runs, "seed": args.seed, "options": len(tables.options),
        "plan_seconds": round(plan_seconds, 4),
        "median_microseconds_per_patient": per_patient,
        "speed_up": round(per_patient["assess"] / per_patient["assess_batch"], 1),
        "batch_patients_per_second": round(1e6 / per_patient["assess_batch"]),
        "runs_seconds": {"assess": [round(t, 4) for t in one], "assess_batch": [round(t, 4) for t in whole]},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_batch_assess.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
