"""An interrupted decision leaves nothing behind (issue 16, item 2): a KeyboardInterrupt (Ctrl-C, Jupyter's
"interrupt kernel", a signal-based timeout) at any point of a decision, its cleanup included, leaves the graph
that queries read equal to the build, and the next patient's decision equal to a fresh process's (compared as
``kg decide --format json`` output). Before the fix a patient's triples joined the shared store and left it in
a ``finally`` loop: 300 random interrupts left 14 stores changed, and the next patient (sharing the default
patient IRI) was decided with the previous patient's facts.

Interrupt points: before the n-th store change, before the n-th removal, before the n-th line the ``kg``
package executes (deterministic, spread over the whole decision), seeded random lines, and real SIGALRM
timers (tests/fuzz/interrupts.py)."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from tests.fuzz.interrupts import (
    REMOVALS,
    after_seconds,
    at_line,
    at_store_call,
    contamination,
    decision_json,
    fresh_process_json,
    interrupted,
    own_knowledge,
    profiles,
    quads,
)

pytestmark = [pytest.mark.fuzz]
POINTS = 12  # interrupt points per kind (twice as many lines), spread evenly over the decision
SEED = 16


@pytest.fixture(scope="module")
def patients():
    return profiles()


@pytest.fixture(scope="module")
def expected(patients, tmp_path_factory) -> str:
    """The second patient's decision in a fresh process."""
    return fresh_process_json(patients[1], tmp_path_factory.mktemp("fresh"))


@pytest.fixture(scope="module")
def loaded():
    """Its own store, so that an interrupt that leaves a patient behind harms no other test file; with its
    quads as loaded (blank nodes differ from one load to the next)."""
    knowledge = own_knowledge()
    return [knowledge, quads(knowledge)]


@pytest.fixture
def knowledge(loaded):
    """The module's knowledge, replaced by a new one when an earlier test left it changed (each test counts alone)."""
    if contamination(*loaded):
        knowledge = own_knowledge()
        loaded[:] = [knowledge, quads(knowledge)]
    return loaded[0]


@pytest.fixture
def build(loaded, knowledge):
    return loaded[1]


@pytest.fixture(scope="module")
def counts(patients, loaded) -> dict[str, int]:
    """How many store changes, removals and kg lines one uninterrupted decision of the first patient makes."""
    found = {}
    for name, injection in (("calls", at_store_call(0)), ("removals", at_store_call(0, REMOVALS)),
                            ("lines", at_line(0))):
        with injection as count:
            decision_json(patients[0], loaded[0])
        found[name] = count[0]
    return found


def _spread(total: int, points: int = POINTS) -> list[int]:
    """``points`` call numbers from 1 to ``total``, evenly spread, first and last included."""
    if total <= points:
        return list(range(1, total + 1))
    return sorted({1 + round(i * (total - 1) / (points - 1)) for i in range(points)})


def _check(patients, knowledge, build, expected, injection) -> None:
    interrupted(patients[0], knowledge, injection)
    left = contamination(knowledge, build)
    differs = decision_json(patients[1], knowledge) != expected
    assert not left and not differs, (f"after the interrupt: the queried graph is {left or 'the build'}; the next "
                                      f"decision {'differs from' if differs else 'equals'} a fresh process's")


def test_an_uninterrupted_decision_changes_the_store_and_runs_lines(counts):
    assert counts["calls"] >= 1 and counts["removals"] >= 1 and counts["lines"] > 100, counts


@pytest.mark.parametrize("point", range(POINTS))
def test_interrupt_at_the_nth_store_change_leaves_a_patient_in_the_store(point, counts, patients, knowledge, build,
                                                                          expected):
    calls = _spread(counts["calls"])
    if point >= len(calls):
        pytest.skip(f"a decision makes {counts['calls']} store changes")
    _check(patients, knowledge, build, expected, at_store_call(calls[point]))


@pytest.mark.parametrize("point", range(POINTS))
def test_interrupt_inside_cleanup_at_the_nth_removal_leaves_the_rest_in_the_store(point, counts, patients, knowledge,
                                                                                   build, expected):
    removals = _spread(counts["removals"])
    if point >= len(removals):
        pytest.skip(f"a decision makes {counts['removals']} removals")
    _check(patients, knowledge, build, expected, at_store_call(removals[point], REMOVALS))


def test_interrupt_at_the_300th_removal_changes_the_next_patients_statuses(counts, patients, knowledge, build,
                                                                            expected):
    """The issue's worst case (2,847 quads left, 18 wrong statuses), wherever removals are that many."""
    removal = min(300, counts["removals"])
    _check(patients, knowledge, build, expected, at_store_call(removal, REMOVALS))


@pytest.mark.parametrize("point", range(2 * POINTS))
def test_interrupt_at_the_nth_line_of_a_decision_leaves_the_next_decision_changed(point, counts, patients, knowledge,
                                                                                   build, expected):
    lines = _spread(counts["lines"], 2 * POINTS)
    _check(patients, knowledge, build, expected, at_line(lines[point]))


@pytest.mark.parametrize("run", range(POINTS))
def test_interrupt_at_a_random_line_leaves_the_next_decision_changed(run, counts, patients, knowledge, build,
                                                                      expected):
    line = random.Random(SEED * 1000 + run).randint(1, counts["lines"])
    _check(patients, knowledge, build, expected, at_line(line))


@pytest.mark.parametrize("run", range(POINTS))
def test_a_signal_based_timeout_at_a_random_time_leaves_the_next_decision_changed(run, patients, knowledge, build,
                                                                                   expected):
    seconds = random.Random(SEED * 2000 + run).uniform(0.0, 0.25)
    _check(patients, knowledge, build, expected, after_seconds(seconds))


def test_every_store_given_back_after_the_interrupts_holds_exactly_the_build(patients, knowledge):
    """Run after the interrupts above on the same knowledge: each spare decision store is the build's
    default graph, quad for quad (ADR 0014: a store is given back only by a decision that removed all it
    added)."""
    for profile in patients:
        decision_json(profile, knowledge)
    build = frozenset(knowledge.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    spares = list(knowledge._spare_stores)
    assert spares, "no decision store was given back"
    assert all(frozenset(store) == build for store in spares)
