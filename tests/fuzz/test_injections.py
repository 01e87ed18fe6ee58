"""No injected triple changes any decision (issue 7, D1/D2/D5): every Turtle injection of the corpus is
rejected naming its triples, and even a caller that bypasses validation (a Profile built by hand with
every injection at once) gets exactly the decision of the clean profile, because the store and the
reasoner only ever see allow-listed patient triples. One decision with, one without (HermiT)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from kg.base.errors import ValidationError
from kg.base.paths import EXAMPLE_PROFILE
from kg.core.decide.decision import decide, default_knowledge
from kg.profile.isolation import show_triple
from kg.profile.reader import Profile, load_profile

pytestmark = [pytest.mark.fuzz]
CORPUS_DIR = Path(__file__).parent / "corpus"
INJECTIONS = sorted(CORPUS_DIR.glob("inject-*.ttl"))


@pytest.fixture(scope="module")
def knowledge():
    return default_knowledge()


@pytest.fixture(scope="module")
def base(knowledge) -> Profile:
    return load_profile(EXAMPLE_PROFILE, knowledge.agents, knowledge_graph=knowledge.graph)


def _injected(path: Path, base: Profile) -> Graph:
    return Graph().parse(path) - base.graph


def test_there_are_injections():
    assert len(INJECTIONS) >= 20


@pytest.mark.parametrize("path", INJECTIONS, ids=[p.stem for p in INJECTIONS])
def test_injection_holds_the_current_example_profile(path: Path, base: Profile):
    """Each injection is the example profile plus hostile triples: when the profile's node numbering changes,
    a stale corpus would add a second dose to a medication node instead of an injection (regenerate it:
    python -m tests.fuzz.make_corpus)."""
    missing = base.graph - Graph().parse(path)
    assert not missing, f"{path.name} is stale ({len(missing)} example triples missing): regenerate the corpus"


@pytest.mark.parametrize("path", INJECTIONS, ids=[p.stem for p in INJECTIONS])
def test_injection_is_rejected_naming_an_injected_triple_and_no_clean_one(path: Path, base: Profile, knowledge):
    profile = Graph().parse(path)
    with pytest.raises(ValidationError) as caught:
        decide(profile, knowledge=knowledge)
    named = {p.value for p in caught.value.problems if p.column == "triple"}
    injected = {show_triple(t) for t in profile - base.graph}
    clean = {show_triple(t) for t in base.graph}
    assert named & injected or any(p.column == "cg:Patient" for p in caught.value.problems)
    assert not named & clean


def _summary(decision) -> dict:
    return {
        "options": sorted((str(r["option"]), str(r["status"]), str(r.get("line"))) for r in decision.options),
        "reasons": sorted((str(o), str(r["effect"]), str(r.get("statement"))) for o, rows in decision.reasons.items()
                          for r in rows),
        "populations": sorted(str(r["population"]) for r in decision.populations),
        "actions": sorted((str(r["kind"]), str(r["targetId"])) for r in decision.actions),
        "dose_checks": sorted((str(r["kind"]), str(r["drug"])) for r in decision.dose_checks),
        "algorithm": sorted(str(sorted(r.items())) for r in decision.algorithm),
    }


@pytest.mark.reasoner
def test_no_injected_triple_changes_any_decision_even_without_validation(base: Profile, knowledge, java):
    everything = Graph() + base.graph
    for path in INJECTIONS:
        everything += _injected(path, base)
    assert len(everything) > len(base.graph) + 40
    bypassing = Profile(base.data, base.patient, everything, base.drugs)
    clean = decide(base, knowledge=knowledge)
    injected = decide(bypassing, knowledge=knowledge)
    assert _summary(injected) == _summary(clean)
    assert len(clean.options) > 30
