"""QC checks: zero rows on the real graph and on the fixture; at least one row each on the
deliberately broken fixture (so that every check is proven able to fail)."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph

from kg.core.build.checks import run_checks, violation_queries
from tests.conftest import FIXTURES

BROKEN_ADDITIONS = FIXTURES / "broken-graph-additions.ttl"
CHECK_NAMES = [q.name for q in violation_queries()]


def test_there_are_checks():
    assert len(CHECK_NAMES) >= 10


@pytest.fixture(scope="module")
def broken_results(fixture_graph: Graph):
    graph = Graph() + fixture_graph
    graph.parse(BROKEN_ADDITIONS)
    return {result.name: result for result in run_checks(graph)}


def test_every_check_passes_on_the_real_graph(real_store):
    failures = {r.name: r.render() for r in run_checks(real_store) if r.rows}
    assert failures == {}


def test_every_check_passes_on_the_fixture_graph(fixture_graph: Graph):
    assert [r.name for r in run_checks(fixture_graph) if r.rows] == []


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_check_catches_its_broken_case(name: str, broken_results):
    assert broken_results[name].rows, f"{name} returned no row on the broken fixture"


def test_every_check_has_a_named_block_in_the_broken_fixture():
    blocks = set(re.findall(r"^# ([a-z0-9-]+-violation)", BROKEN_ADDITIONS.read_text(), flags=re.M))
    assert blocks == set(CHECK_NAMES)
