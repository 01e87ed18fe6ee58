"""Interrupts injected into a decision (issue 16, item 2), for tests/fuzz/test_interrupted_decision.py and the
campaign ``python -m tests.fuzz.interrupts N``.

A ``KeyboardInterrupt`` is raised where Ctrl-C, Jupyter's "interrupt kernel" or a signal-based timeout would
raise it: between two Python steps. Three ways to choose the step, none of which knows how the decision
uses its store (so the same tests run on any implementation):

- ``at_store_call(n)``: just before the n-th call of a pyoxigraph ``Store`` method that changes a store
  (``add``, ``remove``, ``extend``, ``remove_graph``, ...), or the n-th removal only (``REMOVALS``);
- ``at_line(n)``: before the n-th line the decision executes in the ``kg`` package (every stage, and the
  ``finally`` blocks that clean up);
- ``after_seconds(s)``: a real ``SIGALRM`` timer, as a signal-based timeout raises it.

After each, the next decision must equal a fresh process's, and the graph ``kg.sparql`` reads must be the
build: ``contamination`` says how it differs (nothing, on a clean store).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

import kg
from kg.base.paths import EXAMPLE_PROFILE, PACKAGE_DIR
from kg.core.build.knowledge import Knowledge, load_knowledge
from kg.core.decide.decision import decide
from kg.profile.reader import read_yaml
from kg.report.decision_output import render

MUTATIONS = frozenset({"add", "remove", "extend", "bulk_extend", "load", "bulk_load", "remove_graph",
                       "clear_graph", "clear", "add_graph", "update"})
REMOVALS = frozenset({"remove", "remove_graph", "clear_graph", "clear"})
KG_SOURCES = str(PACKAGE_DIR)
PATIENTS = "https://w3id.org/cgkg/patient/"
PATIENT_VISIBLE = ("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
                   f"FILTER(STRSTARTS(STR(?s), \"{PATIENTS}\") || STRSTARTS(STR(?o), \"{PATIENTS}\")) }}")
CASES_DIR = Path(__file__).parent.parent / "cases"


class Injected(KeyboardInterrupt):
    """The interrupt these helpers raise (a KeyboardInterrupt: what the code under test must survive)."""


def profiles() -> tuple[dict[str, Any], dict[str, Any]]:
    """The interrupted patient (ESRD, opioids avoided) and the next one (the bundled example), both without
    ``patient_id``: they share the one default patient IRI, so whatever the first leaves behind is read as
    the second's facts."""
    first = read_yaml((CASES_DIR / "56-esrd-no-dialysis-enacarbil-codeine-morphine.yaml").read_text())["profile"]
    second = read_yaml(EXAMPLE_PROFILE.read_text())
    return ({k: v for k, v in first.items() if k != "patient_id"},
            {k: v for k, v in second.items() if k != "patient_id"})


def own_knowledge() -> Knowledge:
    """A store of its own, of the build ``kg decide`` picks for these profiles (a fresh process decides on it)."""
    from kg.core.decide.build_choice import knowledge_for

    return load_knowledge(guidelines=knowledge_for(profiles()[1]).guidelines)


def fresh_process_json(profile: dict[str, Any], folder: Path) -> str:
    """``kg decide PROFILE --format json`` in a new process: the reference every decision is compared with."""
    path = folder / "profile.json"
    path.write_text(json.dumps(profile, default=str), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "decide", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


def decision_json(profile: dict[str, Any], knowledge: Knowledge) -> str:
    return render(decide(profile, knowledge=knowledge), "json")


@contextmanager
def at_store_call(n: int, names: frozenset[str] = MUTATIONS) -> Iterator[list[int]]:
    """Raise ``Injected`` just before the n-th call of a store method in ``names`` (n = 0: count only)."""
    count = [0]

    def profile(_frame: object, event: str, arg: object) -> None:
        if event == "c_call" and isinstance(getattr(arg, "__self__", None), ox.Store) \
                and getattr(arg, "__name__", "") in names:
            count[0] += 1
            if count[0] == n:
                raise Injected(f"at store call {n}")

    sys.setprofile(profile)
    try:
        yield count
    finally:
        sys.setprofile(None)


@contextmanager
def at_line(n: int) -> Iterator[list[int]]:
    """Raise ``Injected`` before the n-th line executed in the kg package (n = 0: count only)."""
    count = [0]

    def local(frame: Any, event: str, arg: object) -> Callable | None:
        if event == "line":
            count[0] += 1
            if count[0] == n:
                raise Injected(f"at line {n}: {frame.f_code.co_filename}:{frame.f_lineno}")
        return local

    def calls(frame: Any, event: str, arg: object) -> Callable | None:
        return local if frame.f_code.co_filename.startswith(KG_SOURCES) else None

    sys.settrace(calls)
    try:
        yield count
    finally:
        sys.settrace(None)


@contextmanager
def after_seconds(seconds: float) -> Iterator[None]:
    """Raise ``Injected`` from a SIGALRM handler after ``seconds`` (main thread only)."""
    def ring(_signum: int, _frame: object) -> None:
        raise Injected(f"after {seconds:.4f} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-6))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def interrupted(profile: dict[str, Any], knowledge: Knowledge, injection: Any) -> bool:
    """Decide and render ``profile`` under ``injection`` (a compiled decision makes its explanation when rendered,
    the patient back in a store: kg/core/decide/decision.py ``back_in_store``); whether the interrupt came (the
    decision may end first)."""
    try:
        with injection:
            decision_json(profile, knowledge)
    except Injected:
        return True
    return False


def quads(knowledge: Knowledge) -> frozenset[ox.Quad]:
    return frozenset(knowledge.store)


def contamination(knowledge: Knowledge, build: frozenset[ox.Quad]) -> str:
    """How the graph queries read differs from the build ('' when it does not)."""
    now = quads(knowledge)
    problems = []
    if now != build:
        problems.append(f"{len(now - build)} quads added, {len(build - now)} removed")
    if kg.sparql(PATIENT_VISIBLE, graph=knowledge):
        problems.append("kg.sparql sees a patient")
    return "; ".join(problems)


def campaign(runs: int, seed: int = 16) -> dict[str, int]:
    """``runs`` decisions interrupted by SIGALRM at a random time, each followed by the next patient's
    decision: how many interrupts landed, how many left the queried graph changed, how many next decisions
    differed from a fresh process (a changed store is replaced by a new one, so each run counts alone)."""
    import tempfile

    first, second = profiles()
    with tempfile.TemporaryDirectory() as folder:
        expected = fresh_process_json(second, Path(folder))
    knowledge = own_knowledge()
    build = quads(knowledge)
    decide(first, knowledge=knowledge)  # the first decision also computes what the knowledge caches
    started = time.perf_counter()
    decide(first, knowledge=knowledge)
    length = time.perf_counter() - started
    rng = random.Random(seed)
    counts = {"runs": runs, "interrupted": 0, "contaminated": 0, "next_decision_differs": 0}
    for _ in range(runs):
        counts["interrupted"] += interrupted(first, knowledge, after_seconds(rng.uniform(0, 1.2 * length)))
        dirty = bool(contamination(knowledge, build))
        counts["contaminated"] += dirty
        counts["next_decision_differs"] += decision_json(second, knowledge) != expected
        if dirty or contamination(knowledge, build):
            knowledge = own_knowledge()
            build = quads(knowledge)
    return counts


if __name__ == "__main__":
    print(json.dumps(campaign(int(sys.argv[1]) if len(sys.argv) > 1 else 300), indent=2))
