"""The compiled classifier, patient by patient (``classify_patient``) against a batch at once (``classify_batch``,
issue 17), on the same synthetic patients of the default build, interleaved in the same process.

The patients' graphs are made beforehand, as ``decide_many`` gives them to the classifier (prepared, then derived by
the derivation tables), and not timed. Both run with the cyclic collector paused, as ``kg decide --cohort`` runs a
chunk (kg/base/collector.py). The batch's stages are timed once more on their own, to say where its time goes:
indexing each patient's graph, the defined classes per node, the fact table, the rules over its columns, the type
triples.

Run: ``PYTHONPATH=. python benchmarks/bench_batch_classify.py [--patients N] [--runs N]``; writes
benchmarks/results/bench_batch_classify.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, URIRef

from kg.base.collector import paused_collections
from kg.base.triple_index import TripleIndex
from kg.cohort.synth import synthesize
from kg.core.build.knowledge import default_knowledge
from kg.core.decide.classify.batch import add_populations, classify_batch, rule_plan
from kg.core.decide.classify.compiled import CompiledKnowledge, classify_patient, defined_types, new_type_triples
from kg.core.decide.classify.fact_table import FactTable
from kg.core.decide.classify.rule_columns import Evaluation
from kg.core.decide.decision import PatientGraph, prepare

RESULTS = Path(__file__).parent / "results"
Patients = list[tuple[URIRef, Graph]]


def patients(count: int, seed: int) -> Patients:
    knowledge = default_knowledge()
    made = []
    for profile in synthesize(count, seed, knowledge):
        loaded, triples = prepare(profile, knowledge)
        graph = PatientGraph(knowledge, loaded.patient, triples)
        graph.derive_compiled()
        made.append((graph.patient, graph.graph))
    return made


def seconds(action: Callable[[], object]) -> float:
    with paused_collections():
        started = time.perf_counter()
        action()
        return time.perf_counter() - started


def stages(kb: CompiledKnowledge, batch: Patients) -> dict[str, float]:
    """Seconds of each step of ``classify_batch`` (the same calls, one step at a time)."""
    plan, took = rule_plan(kb), {}
    with paused_collections():
        started = time.perf_counter()
        indexes = [TripleIndex(graph) for _, graph in batch]
        took["index"], started = time.perf_counter() - started, time.perf_counter()
        found = [defined_types(kb, indexed, patient) for indexed, (patient, _) in zip(indexes, batch, strict=True)]
        took["defined_classes"], started = time.perf_counter() - started, time.perf_counter()
        table = FactTable(plan.atoms, plan.quantities, len(batch))
        for index, (indexed, (patient, _), types) in enumerate(zip(indexes, batch, found, strict=True)):
            table.fill(index, indexed, patient, kb.ancestors, kb.drug_classes, types)
        took["fact_table"], started = time.perf_counter() - started, time.perf_counter()
        add_populations(plan, Evaluation(plan, table), batch, found)
        took["rules"], started = time.perf_counter() - started, time.perf_counter()
        for types, indexed in zip(found, indexes, strict=True):
            new_type_triples(types, indexed)
        took["type_triples"] = time.perf_counter() - started
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    kb = default_knowledge().compiled
    batch = patients(args.patients, args.seed)
    classify_batch(kb, batch[:8])  # warm-up: the rules compiled for batches (once per build)
    each, whole = [], []
    for _ in range(args.runs):  # interleaved: a load change on the machine hits both
        each.append(seconds(lambda: [classify_patient(kb, graph, patient) for patient, graph in batch]))
        whole.append(seconds(lambda: classify_batch(kb, batch)))
    per_stage = [stages(kb, batch) for _ in range(args.runs)]
    n = len(batch)
    result = {
        "patients": n, "runs": args.runs, "seed": args.seed,
        "triples_per_patient": round(sum(len(graph) for _, graph in batch) / n, 1),
        "per_patient_loop_us": round(statistics.median(each) / n * 1e6, 1),
        "batch_us": round(statistics.median(whole) / n * 1e6, 1),
        "per_patient_over_batch_ratio": round(statistics.median(each) / statistics.median(whole), 2),
        "batch_patients_per_second": round(n / statistics.median(whole)),
        "batch_stages_us": {stage: round(statistics.median(run[stage] for run in per_stage) / n * 1e6, 1)
                            for stage in per_stage[0]},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_batch_classify.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
