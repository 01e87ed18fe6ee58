"""Where a cohort's time goes: each stage of a compact cohort decision (kg/cohort/decide.py, decision.py's compiled
path with ``full=False``), timed separately on chunks of a seeded synthetic cohort, in microseconds per patient
(median over the chunks). The stages are the library's own functions called in the order ``decide_many`` calls
them; the sum is close to, not equal to, a cohort run (which also reads and writes files, and collects garbage
after each chunk).

Run: ``python benchmarks/bench_cohort_stages.py [--patients 2048] [--chunk 256]``; prints a table and writes
benchmarks/results/bench_cohort_stages.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2048)
    parser.add_argument("--chunk", type=int, default=256)
    args = parser.parse_args()

    from kg.cohort.decide import record_problems
    from kg.cohort.records import Record
    from kg.cohort.synth import synthesize
    from kg.core.build.knowledge import default_knowledge
    from kg.core.decide import decision
    from kg.core.decide.build_choice import knowledge_for
    from kg.core.decide.classify import classifier_named
    from kg.report.decision_output import compact_data

    knowledge = default_knowledge()
    profiles = [p for p in synthesize(args.patients, 1, knowledge) if knowledge_for(p, None, True, None) is knowledge]
    classifier = classifier_named("compiled")
    gc.collect()
    gc.freeze()  # the build and the cohort: not scanned by the collections below
    times: dict[str, list[float]] = defaultdict(list)

    def stage(name: str, started: float, size: int) -> float:
        now = time.perf_counter()
        times[name].append((now - started) / size * 1e6)
        return now

    chunks = [profiles[i:i + args.chunk] for i in range(0, len(profiles), args.chunk)]
    for round_ in range(2):  # the first round warms the caches and is not counted
        if round_ == 1:
            times.clear()
        for chunk in chunks:
            gc.disable()
            n, t = len(chunk), time.perf_counter()
            for index, profile in enumerate(chunk):
                assert not record_problems(Record(index, profile), None)
            t = stage("record validation", t, n)
            prepared = [decision.prepare(profile, knowledge) for profile in chunk]
            t = stage("profile read, converted to RDF, allow-list", t, n)
            graphs = [decision.PatientGraph(knowledge, loaded.patient, triples, owned=True)
                      for loaded, triples in prepared]
            for graph in graphs:
                graph.derive_compiled()
            t = stage("derivation", t, n)
            inferred = classifier.classify(knowledge, [(g.patient, g.graph) for g in graphs])
            t = stage("classification", t, n)
            decision._assess_together(knowledge, graphs, inferred)
            t = stage("assessment (facts and batch)", t, n)
            decisions = [decision._report(loaded, graph, classifier.name, graph.compact, False)
                         for (loaded, _), graph in zip(prepared, graphs, strict=True)]
            t = stage("outputs", t, n)
            records = [compact_data(d) for d in decisions]
            t = stage("compact records", t, n)
            del decisions, records, graphs, prepared, inferred
            gc.collect(1)  # as after a cohort's chunk (kg/base/collector.py); not a stage: about 1 ms per chunk
            gc.enable()
    table = {name: round(statistics.median(found), 1) for name, found in times.items()}
    table["total"] = round(sum(table.values()), 1)
    width = max(map(len, table))
    for name, micro in table.items():
        print(f"{name:{width}s} {micro:8.1f} us/patient")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_cohort_stages.json").write_text(json.dumps({"patients": len(profiles), "chunk": args.chunk,
                                                                  "us_per_patient": table}, indent=2) + "\n")


if __name__ == "__main__":
    main()
