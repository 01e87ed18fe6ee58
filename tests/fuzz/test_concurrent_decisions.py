"""Decisions and queries at the same time (issue 16, item 5): in a shared notebook kernel or a service one
user's query must never see another user's patient, and one user's decision never another's facts. Before
the fix ``kg.sparql`` read the shared store without the lock (272 of 309 queries beside a deciding thread
returned other patients' data), and the SHACL shape context for Turtle profiles was cached lazily from the
live store, so a Turtle profile decided while another thread's patient was in the store was rejected with
errors about that other patient (10 of 10 races)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import kg
from kg.base.paths import EXAMPLE_PROFILE
from kg.core.decide.decision import decide, default_knowledge
from kg.profile.reader import load_profile, read_yaml
from kg.report.decision_output import render
from tests.fuzz.interrupts import PATIENT_VISIBLE, own_knowledge

pytestmark = [pytest.mark.fuzz]
CASES_DIR = Path(__file__).parent.parent / "cases"
CASES = ("03-ferritin-75-boundary-inclusive", "16-dialysis-gabapentinoid-caution-and-dose",
         "18-pregnancy-first-trimester", "24-refractory-untreated-osa-opioids-caution",
         "45-interaction-opioid-benzodiazepine-codes", "48-child-low-ferritin",
         "56-esrd-no-dialysis-enacarbil-codeine-morphine", "61-unrecognised-medications-accepted")
QUERIES = ("cq/treatment-algorithm", "cq/population-definitions", "cq/cautions", "cq/treatment-options")
THREADS = 8
ROUNDS = 3


def _profiles() -> dict[str, dict]:
    """Clinical cases, half of them without patient_id: those share the one default patient IRI."""
    found = {}
    for i, case in enumerate(CASES):
        profile = read_yaml((CASES_DIR / f"{case}.yaml").read_text(encoding="utf-8"))["profile"]
        found[case] = {k: v for k, v in profile.items() if not (k == "patient_id" and i % 2)}
    return found


def _rows(name: str) -> list[tuple[str, ...]]:
    rows = kg.sparql(name)
    return sorted(tuple(str(row[v]) for v in rows.vars) for row in rows)


def _run_threads(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return errors


def test_kg_sparql_beside_a_deciding_thread_sees_other_patients():
    """309 queries of the packaged build while another thread decides patient after patient with both engines,
    each patient in a decision store meanwhile: the SPARQL rules' (the reference) and a compiled decision's
    explanation, made with the patient back in a store (ADR 0030)."""
    knowledge = default_knowledge()
    profiles = list(_profiles().values())
    decide(profiles[0], knowledge=knowledge)  # the caches are made before the race
    done, seen, asked = threading.Event(), [], [0]

    def deciding() -> None:
        while not done.is_set():
            for i, profile in enumerate(profiles):
                decision = decide(profile, knowledge=knowledge, engine=("sparql", "compiled")[i % 2])
                assert decision.reasons  # noqa: S101 - made in a store on the compiled engine

    def querying() -> None:
        try:
            for _ in range(309):
                asked[0] += 1
                if kg.sparql(PATIENT_VISIBLE):
                    seen.append(asked[0])
        finally:
            done.set()

    errors = _run_threads([deciding, querying])
    assert not errors, errors
    assert not seen, f"{len(seen)} of {asked[0]} queries saw a patient"


def test_eight_threads_deciding_and_querying_equal_the_sequential_results():
    """4 threads decide 8 patients (4 sharing one IRI) 3 times each, in different orders, while 4 threads run
    competency questions and look for patients in the queried graph: every decision and every answer equals
    the one computed alone."""
    knowledge = default_knowledge()
    profiles = _profiles()
    alone = {name: render(decide(profile, knowledge=knowledge), "json") for name, profile in profiles.items()}
    answers = {name: _rows(name) for name in QUERIES}
    deciders_done = threading.Event()
    wrong: list[str] = []
    remaining = [THREADS // 2]
    lock = threading.Lock()

    def deciding(seed: int) -> Callable[[], None]:
        def work() -> None:
            try:
                for round_ in range(ROUNDS):
                    names = sorted(profiles)
                    random.Random(seed * 10 + round_).shuffle(names)
                    for name in names:
                        if render(decide(profiles[name], knowledge=knowledge), "json") != alone[name]:
                            wrong.append(f"decision {name}")
            finally:
                with lock:
                    remaining[0] -= 1
                    if not remaining[0]:
                        deciders_done.set()
        return work

    def querying() -> None:
        while not deciders_done.is_set():
            for name in QUERIES:
                if _rows(name) != answers[name]:
                    wrong.append(f"query {name}")
            if kg.sparql(PATIENT_VISIBLE):
                wrong.append("a patient in the queried graph")

    errors = _run_threads([deciding(i) for i in range(THREADS // 2)] + [querying] * (THREADS // 2))
    assert not errors, errors
    assert not wrong, f"{len(wrong)} differences from the sequential results, e.g. {sorted(set(wrong))[:5]}"


@pytest.fixture(scope="module")
def turtle_profile(tmp_path_factory) -> tuple[Path, str]:
    """The bundled example as a Turtle profile, and its decision in a fresh process."""
    knowledge = default_knowledge()
    folder = tmp_path_factory.mktemp("turtle")
    path = folder / "example.ttl"
    profile = load_profile(EXAMPLE_PROFILE, knowledge.agents, knowledge_graph=knowledge.nodes)
    path.write_text(profile.graph.serialize(format="turtle"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "decide", str(path), "--format", "json"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return path, done.stdout.rstrip("\n")


@pytest.mark.parametrize("race", range(5))
def test_shape_context_cached_while_another_patient_is_in_the_store_rejects_turtle_profiles(race, turtle_profile):
    """A new knowledge per race: its shape context is made by the first Turtle profile, decided while another
    thread decides YAML profiles; that decision and a second one equal a fresh process's."""
    path, expected = turtle_profile
    knowledge = own_knowledge()  # the build kg decide picks for the example (the fresh process's)
    profiles = list(_profiles().values())
    started, done = threading.Event(), threading.Event()

    def deciding() -> None:
        while not done.is_set():
            for profile in profiles:
                decide(profile, knowledge=knowledge)
                started.set()

    results: list[str] = []

    def turtle() -> None:
        try:
            started.wait(60)
            time.sleep(random.Random(race).uniform(0.0, 0.1))
            for _ in range(2):
                results.append(render(decide(path, knowledge=knowledge), "json"))
        finally:
            done.set()

    errors = _run_threads([deciding, turtle])
    assert not errors, [str(e)[:500] for e in errors]
    assert results == [expected, expected]
