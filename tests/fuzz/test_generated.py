"""Generated hostile profiles (hypothesis, bounded for CI; ``make fuzz`` runs >= 10,000): validation
only (no reasoner) ends in a clean error or an accepted profile, never a traceback or a hang, and a
Turtle profile with any triple outside the patient allow-list is never accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from kg.core.build.knowledge import default_knowledge
from kg.profile.reader import load_profile
from tests.fuzz.campaign import classify
from tests.fuzz.strategies import PREFIXES, PROFILES, PT

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    knowledge = default_knowledge()
    warm_up = tmp_path_factory.mktemp("warm-up") / "p.ttl"  # first-call costs (imports, shapes) are not a hang
    warm_up.write_text(PREFIXES + f"<{PT}> a cg:Patient .", encoding="utf-8")
    load_profile(warm_up, knowledge.agents, knowledge_graph=knowledge.graph)
    return knowledge


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(example=PROFILES)
def test_generated_profiles_end_cleanly_and_injections_are_never_accepted(example, knowledge, tmp_path_factory):
    kind, name, data, clean = example
    folder: Path = tmp_path_factory.mktemp("fuzz", numbered=True)
    outcome = classify(name, data, folder, knowledge)
    assert outcome in ("clean error", "accepted"), (outcome, data[:400])
    if clean is not None:
        assert outcome == "clean error", data[:400]
