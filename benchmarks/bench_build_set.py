"""Speed of a build set (ADR 0019, "Build sets"), without the DL reasoner (whose time adds per build, unshared).

Interleaved in one process, median of several runs:
* the fixture pair (tests/fixtures: rls-fixture and fixture-b; three builds) as one set, which reads each table file
  once, against the same three builds each reading its files afresh;
* the installed packages' set (one guideline: one build) against a plain build of the same packages: what the set
  adds (choosing selections, the manifest).

Run: ``python benchmarks/bench_build_set.py [--runs N]``. Writes benchmarks/results/bench_build_set.json
(git-ignored) and prints the numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from kg.core.build.pipeline import build, build_set
from kg.model.packages import discover
from kg.model.selections import build_selections

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PAIR = ["rls-fixture", "fixture-b"]
RESULTS = Path(__file__).parent / "results"


def interleaved(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median seconds of each action, the actions run in turn (so that load on the machine hits them alike)."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    selections = build_selections(discover(FIXTURES), PAIR)
    pair = interleaved({
        "set": lambda: build_set(source=FIXTURES, guidelines=PAIR, reason=False),
        "separate_builds": lambda: [build(source=list(s.packages), reason=False) for s in selections],
    }, runs)
    installed = interleaved({
        "set": lambda: build_set(reason=False),
        "plain_build": lambda: build(reason=False),
    }, runs)
    results = {"runs": runs, "fixture_pair_s": pair, "installed_s": installed,
               "fixture_pair_ratio": pair["set"] / pair["separate_builds"],
               "installed_ratio": installed["set"] / installed["plain_build"]}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_build_set.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
