"""The packaged build (kg/built/) that decisions and queries read by default is the build of the
current tables and ontology: refresh it with ``make built`` after changing either."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.build import serialize
from kg.knowledge import load_knowledge
from kg.paths import BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME, PACKAGED_BUILD_DIR
from kg.reasoning import ReasonerResult

STALE = "kg/built/{name} is stale: run `make built` (kg build, then copy the build into kg/built/) and commit it"


def test_packaged_graph_is_the_build_of_the_current_tables(real_graph: Graph):
    assert (PACKAGED_BUILD_DIR / BUILT_GRAPH_NAME).read_bytes() == serialize(real_graph), \
        STALE.format(name=BUILT_GRAPH_NAME)


@pytest.mark.reasoner
def test_packaged_inferences_are_the_reasoners_on_the_current_build(real_reasoned: ReasonerResult):
    assert (PACKAGED_BUILD_DIR / INFERRED_GRAPH_NAME).read_bytes() == serialize(real_reasoned.inferred), \
        STALE.format(name=INFERRED_GRAPH_NAME)


def test_population_subsumptions_are_available_to_sparql_users():
    knowledge = load_knowledge()
    rows = knowledge.store.query(
        "ASK { GRAPH <https://w3id.org/cgkg/graph/inferred> { "
        "<https://w3id.org/cgkg/rls/ferritin-75-or-below> "
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<https://w3id.org/cgkg/rls/iron-supplementation-candidate> } }")
    assert bool(rows)
