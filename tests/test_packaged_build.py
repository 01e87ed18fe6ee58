"""The packaged build (kg/built/) that decisions and queries read by default is the build of the
current tables and ontology: refresh it with ``make built`` after changing either."""

from __future__ import annotations

import json
from hashlib import sha256

from rdflib import Graph

from kg.base.paths import BUILD_REPORT_NAME, BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME, PACKAGED_BUILD_DIR
from kg.core.build.knowledge import load_knowledge
from kg.core.build.pipeline import serialize

STALE = "kg/built/{name} is stale: run `make built` (kg build, then copy the build into kg/built/) and commit it"


def test_packaged_graph_is_the_build_of_the_current_tables(real_graph: Graph):
    assert (PACKAGED_BUILD_DIR / BUILT_GRAPH_NAME).read_bytes() == serialize(real_graph), \
        STALE.format(name=BUILT_GRAPH_NAME)


def test_packaged_inferences_were_made_from_the_packaged_graph():
    """HermiT's entailments are not byte-stable from run to run (ADR 0007), so they are tied to their input by
    hash: the build report records the graph they were inferred from and the inferred file as written."""
    report = json.loads((PACKAGED_BUILD_DIR / BUILD_REPORT_NAME).read_text(encoding="utf-8"))
    assert report["graph_sha256"] == sha256((PACKAGED_BUILD_DIR / BUILT_GRAPH_NAME).read_bytes()).hexdigest(), \
        STALE.format(name=BUILD_REPORT_NAME)
    assert report["inferred_sha256"] == sha256((PACKAGED_BUILD_DIR / INFERRED_GRAPH_NAME).read_bytes()).hexdigest(), \
        STALE.format(name=INFERRED_GRAPH_NAME)
    assert report["reasoner"]["consistent"] and not report["reasoner"]["unsatisfiable_classes"]


def test_population_subsumptions_are_available_to_sparql_users():
    knowledge = load_knowledge()
    rows = knowledge.store.query(
        "ASK { GRAPH <https://w3id.org/cgkg/graph/inferred> { "
        "<https://w3id.org/cgkg/rls/ferritin-75-or-below> "
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<https://w3id.org/cgkg/rls/iron-supplementation-candidate> } }")
    assert bool(rows)
