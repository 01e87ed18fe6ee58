"""A compiled decision's explanation (reasons, populations, report rows, assessed triples) is made on first use, the
patient back in a decision store of its own (kg/core/decide/decision.py, ADR 0030). It must equal the explanation
made with the decision, whatever was decided in between and in whichever order or thread it is asked for, and it
must leave the store it used exactly as the build (an interrupt inside it: tests/fuzz/test_interrupted_decision.py).
The SPARQL engine, the reference, makes it with the decision (tests/differential/test_engines.py compares them)."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest

from kg.base.paths import EXAMPLE_PROFILE
from kg.core.build.knowledge import load_knowledge
from kg.core.decide.build_choice import knowledge_for
from kg.core.decide.decision import Decision, decide, decide_many
from kg.profile.reader import read_yaml
from kg.report.decision_output import render
from tests.differential.engines import outcome


@pytest.fixture(scope="module")
def knowledge():
    """A knowledge of its own (its spare stores are inspected here), of the build the example is decided on."""
    return load_knowledge(guidelines=knowledge_for(EXAMPLE_PROFILE).guidelines)


def _profiles() -> list[dict]:
    """Patients at the edges, each with an explanation of its own: the example, pregnant, a child, on dialysis, with
    no labs and no medication list, and taking the same drug on two rows."""
    example = read_yaml(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    pregnant = copy.deepcopy(example) | {"patient_id": "deferred-pregnant", "sex": "female",
                                         "pregnancy": {"status": "pregnant", "trimester": 2}}
    child = copy.deepcopy(example) | {"patient_id": "deferred-child", "age_years": 9}
    dialysis = copy.deepcopy(example) | {"patient_id": "deferred-dialysis", "esrd": "yes"}
    unknown = {key: value for key, value in example.items() if key not in ("labs", "current_medications")}
    twice = copy.deepcopy(example) | {"patient_id": "deferred-twice"}
    twice["current_medications"] = list(example.get("current_medications", []))[:1] * 2
    return [example, pregnant, child, dialysis, unknown | {"patient_id": "deferred-unknown"}, twice]


def _explained(decision: Decision) -> dict:
    """The explanation (and the rest of the decision), as the engine differential compares them."""
    return outcome(decision)


def _clean(knowledge) -> None:
    """Every spare decision store holds the build, exactly."""
    build = set(knowledge.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for store in knowledge._spare_stores:
        assert set(store) == build


@pytest.fixture(scope="module")
def eager(knowledge):
    """Each profile's explanation made with its decision, in its store: the SPARQL engine's (the reference)."""
    return [_explained(decide(profile, knowledge=knowledge, engine="sparql")) for profile in _profiles()]


def test_the_decision_returns_before_its_explanation_is_made(knowledge):
    decision = decide(EXAMPLE_PROFILE, knowledge=knowledge)
    assert decision.explanation._made is None  # not made: kg.decide alone does not pay for it
    assert decision.options and decision.reasons and decision.explanation._made is not None
    _clean(knowledge)


def test_explanations_asked_for_later_in_reverse_order_equal_those_asked_for_at_once(knowledge, eager):
    decisions = [decide(profile, knowledge=knowledge) for profile in _profiles()]
    later = [_explained(decision) for decision in reversed(decisions)][::-1]
    assert later == eager
    assert len({repr(explained["reasons"]) for explained in eager}) == len(eager), "the profiles' reasons must differ"
    _clean(knowledge)


def test_explanations_made_in_threads_at_once_equal_those_made_one_at_a_time(knowledge, eager):
    decisions = decide_many(_profiles() * 2, knowledge=knowledge)
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(_explained, decisions))
    assert made == eager * 2
    _clean(knowledge)


def test_a_rendering_made_after_other_decisions_equals_one_made_at_once(knowledge):
    first = decide(EXAMPLE_PROFILE, knowledge=knowledge)
    at_once = render(decide(EXAMPLE_PROFILE, knowledge=knowledge), "json")
    for profile in _profiles()[1:]:
        render(decide(profile, knowledge=knowledge), "json")
    assert render(first, "json") == at_once
    _clean(knowledge)


def test_a_compact_only_decision_has_no_explanation_to_make(knowledge):
    decision = decide_many([EXAMPLE_PROFILE], knowledge=knowledge, full=False)[0]
    assert decision.explanation._made is not None and not decision.reasons and not decision.assessed
    with pytest.raises(ValueError, match="made compact"):
        render(decision, "json")


def test_a_compiled_decision_takes_no_store_and_its_explanation_takes_one(knowledge, monkeypatch):
    """ADR 0031: derivation, classification, assessment and the eager outputs read the patient's graph alone; only the
    explanation puts the patient in a store (and gives it back clean). The SPARQL engine takes one per decision."""
    taken = []
    take = knowledge.take_decision_store
    monkeypatch.setattr(knowledge, "take_decision_store", lambda: taken.append(1) or take())
    decision = decide(EXAMPLE_PROFILE, knowledge=knowledge)
    assert taken == []
    render(decision, "json")
    assert taken == [1]
    decide(EXAMPLE_PROFILE, knowledge=knowledge, engine="sparql")
    assert taken == [1, 1]
    _clean(knowledge)
