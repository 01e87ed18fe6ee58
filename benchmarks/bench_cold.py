"""Cold start of ``kg decide --example`` (issue 17): the wall time of a new process, from its start to its exit,
median of several runs; with ``--against TREE`` (another source tree of the project, e.g. ``git archive REV | tar -x
-C TREE``) the two trees run in turn, interleaved, so that load on the machine hits them alike. Each tree's modules
are compiled once first (bytecode in ``--pycache``, outside the trees), as an installed package's are.

``--phases`` prints where one cold decision of this tree spends its time instead (imports, the build, each table the
knowledge computes once, the decision, its rendering), in one fresh process.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_cold.py [--runs 5] [--against TREE] [--phases]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ("-m", "kg", "decide", "--example")
PHASES = """
import time
marks, started = [], time.perf_counter()
def mark(name):
    global started
    now = time.perf_counter(); marks.append((name, now - started)); started = now
import kg.cli
mark("import kg.cli")
import gc
gc.disable()  # as kg decide decides one patient (kg/cli.py, _one_decision)
from kg.base.paths import EXAMPLE_PROFILE
from kg.core.decide.build_choice import knowledge_for
from kg.core.decide.decision import decide
from kg.report.decision_output import render
mark("import the decision and its rendering")
knowledge = knowledge_for(EXAMPLE_PROFILE)
mark("read the profile, choose and load the build (hashes verified)")
for name in ("_names", "nodes", "compiled", "decision_tables", "render_tables", "output_tables"):
    getattr(knowledge, name)
    mark(f"knowledge.{name} (computed once)")
decision = decide(EXAMPLE_PROFILE, knowledge=knowledge)
mark("the decision")
render(decision, "table", False, None)
mark("its rendering (table)")
for name, seconds in marks:
    print(f"{seconds * 1000:8.1f} ms  {name}")
print(f"{sum(s for _, s in marks) * 1000:8.1f} ms  in all")
"""


def run(tree: Path, pycache: Path, *arguments: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another source tree, run in turn with this one")
    parser.add_argument("--pycache", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench-cold-pycache")
    parser.add_argument("--phases", action="store_true", help="where one cold decision of this tree spends its time")
    args = parser.parse_args()
    if args.phases:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(args.pycache)}
        run(ROOT, args.pycache, *COMMAND)  # compiled once
        subprocess.run([sys.executable, "-c", PHASES], env=env, check=True, cwd=tempfile.gettempdir())
        return
    trees = {"this tree": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    for tree in trees.values():
        run(tree, args.pycache, *COMMAND)  # compiled once, not timed
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, tree in trees.items():
            times[name].append(run(tree, args.pycache, *COMMAND))
    for name, samples in times.items():
        print(f"{name:10} {trees[name]}: median {statistics.median(samples):.3f} s of {len(samples)} "
              f"({', '.join(f'{s:.2f}' for s in samples)})")


if __name__ == "__main__":
    main()
