"""Warm single-patient decisions with the two assessment engines (issue 17): ``sparql`` (the rules of
queries/decision/assess, the reference) and ``compiled`` (the decision tables of queries/compile), interleaved in the
same process on the same build, with the share of each stage (prepare + derive + classify, assess, output queries),
a decision with its JSON rendering (the compiled engine makes a decision's explanation when it is rendered: ADR 0030)
and the one-off cost of compiling the tables.

Run: ``python benchmarks/bench_engines.py [--runs N] [--profile FILE]``; writes benchmarks/results/bench_engines.json.
``--profile`` takes a profile or a clinical case file (its ``profile``), e.g. the patient with both conditions
``guidelines/insomnia-aasm-2017/cases/m00-rls-and-insomnia-baseline.yaml``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from kg.base.paths import EXAMPLE_PROFILE
from kg.base.yaml12 import load_yaml
from kg.core.build.knowledge import default_knowledge
from kg.core.decide.decision import ENGINES, decide
from kg.report.decision_output import render

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", type=Path, default=EXAMPLE_PROFILE)
    args = parser.parse_args()
    knowledge = default_knowledge()
    loaded, _ = load_yaml(args.profile.read_text(encoding="utf-8"))
    profile = loaded["profile"] if isinstance(loaded, dict) and "profile" in loaded else args.profile
    started = time.perf_counter()
    knowledge.decision_tables  # noqa: B018 - compiled once per build, timed here
    compile_seconds = time.perf_counter() - started
    for engine in ENGINES:  # warm-up: the store copy, the parsed queries, the compiled classifier
        decide(profile, knowledge=knowledge, engine=engine)
    times: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    stages: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    rendered: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    for _ in range(args.runs):
        for engine in ENGINES:  # interleaved: a load change on the machine hits both
            started = time.perf_counter()
            decision = decide(profile, knowledge=knowledge, engine=engine)
            times[engine].append(time.perf_counter() - started)
            stages[engine].append(decision.seconds["assess"])
            started = time.perf_counter()  # a decision and its JSON (on the compiled engine, the explanation is
            render(decide(profile, knowledge=knowledge, engine=engine), "json")  # made when rendered: ADR 0030)
            rendered[engine].append(time.perf_counter() - started)
    alone = []  # the compiled engine deciding patient after patient, as a warm service or a notebook does: the
    for _ in range(args.runs):  # interleaved runs above also pay for the collections the SPARQL engine's garbage causes
        started = time.perf_counter()
        decide(profile, knowledge=knowledge)
        alone.append(time.perf_counter() - started)
    result = {
        "profile": str(args.profile), "runs": args.runs, "tables_compile_seconds": round(compile_seconds, 3),
        "median_ms": {e: round(statistics.median(t) * 1000, 1) for e, t in times.items()},
        "assess_and_output_median_ms": {e: round(statistics.median(t) * 1000, 1) for e, t in stages.items()},
        "decide_and_json_median_ms": {e: round(statistics.median(t) * 1000, 1) for e, t in rendered.items()},
        "compiled_alone_median_ms": round(statistics.median(alone) * 1000, 2),
    }
    result["ratio_sparql_to_compiled"] = round(result["median_ms"]["sparql"] / result["median_ms"]["compiled"], 2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_engines.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
