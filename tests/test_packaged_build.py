"""The packaged build set (kg/built/) that decisions and queries read by default holds, for every guideline selection
of the installed packages, the build of the current tables and ontology: refresh it with ``make built`` after
changing either."""

from __future__ import annotations

import json
from hashlib import sha256

import pytest

from kg.base.paths import (
    BUILD_REPORT_NAME,
    BUILT_GRAPH_NAME,
    DECISION_TABLES_NAME,
    INFERRED_GRAPH_NAME,
    PACKAGED_BUILD_DIR,
)
from kg.core.build.build_set import open_set
from kg.core.build.knowledge import build_store, load_knowledge
from kg.core.build.pipeline import build_graph, serialize
from kg.core.build.stored_tables import encode
from kg.core.build.tables import load_tables
from kg.core.build.verify import TABLES_KEY
from kg.model.packages import discover
from kg.model.selections import build_selections

STALE = "kg/built/{name} is stale: run `make built` (kg build, then copy the build set into kg/built/) and commit it"
SELECTIONS = {s.name: s for s in build_selections(discover())}


def test_the_packaged_set_holds_a_build_of_every_selection_of_the_installed_guidelines():
    packaged = open_set(PACKAGED_BUILD_DIR)  # its manifest agrees with every build's report
    assert sorted(packaged.builds) == sorted(SELECTIONS), STALE.format(name="builds.json")
    for name, selection in SELECTIONS.items():
        assert packaged.builds[name]["packages"] == {p.id: p.version for p in selection.packages}, \
            STALE.format(name=f"{name}/{BUILD_REPORT_NAME}")


@pytest.mark.parametrize("name", SELECTIONS)
def test_each_packaged_graph_is_the_build_of_the_current_tables(name):
    graph = build_graph(load_tables(list(SELECTIONS[name].packages)))[0]
    assert (PACKAGED_BUILD_DIR / name / BUILT_GRAPH_NAME).read_bytes() == serialize(graph), \
        STALE.format(name=f"{name}/{BUILT_GRAPH_NAME}")


@pytest.mark.parametrize("name", SELECTIONS)
def test_each_packaged_build_s_inferences_were_made_from_its_graph(name):
    """HermiT's entailments are not byte-stable from run to run (ADR 0007), so they are tied to their input by
    hash: the build report records the graph they were inferred from and the inferred file as written."""
    folder = PACKAGED_BUILD_DIR / name
    report = json.loads((folder / BUILD_REPORT_NAME).read_text(encoding="utf-8"))
    assert report["graph_sha256"] == sha256((folder / BUILT_GRAPH_NAME).read_bytes()).hexdigest(), \
        STALE.format(name=f"{name}/{BUILD_REPORT_NAME}")
    assert report["inferred_sha256"] == sha256((folder / INFERRED_GRAPH_NAME).read_bytes()).hexdigest(), \
        STALE.format(name=f"{name}/{INFERRED_GRAPH_NAME}")
    assert report["reasoner"]["consistent"] and not report["reasoner"]["unsatisfiable_classes"]


@pytest.mark.parametrize("name", SELECTIONS)
def test_each_packaged_build_s_decision_tables_are_those_of_its_graph_and_the_current_queries(name):
    """The stored decision tables (ADR 0028) are the rows the current queries give on the build's files, byte for
    byte (the same build gives the same bytes), and the report records their hash."""
    folder = PACKAGED_BUILD_DIR / name
    tables = (folder / DECISION_TABLES_NAME).read_bytes()
    store = build_store((folder / BUILT_GRAPH_NAME).read_bytes(), (folder / INFERRED_GRAPH_NAME).read_bytes())
    assert tables == encode(store), STALE.format(name=f"{name}/{DECISION_TABLES_NAME}")
    report = json.loads((folder / BUILD_REPORT_NAME).read_text(encoding="utf-8"))
    assert report[TABLES_KEY] == sha256(tables).hexdigest(), STALE.format(name=f"{name}/{BUILD_REPORT_NAME}")


def test_population_subsumptions_are_available_to_sparql_users():
    knowledge = load_knowledge()
    rows = knowledge.store.query(
        "ASK { GRAPH <https://w3id.org/cgkg/graph/inferred> { "
        "<https://w3id.org/cgkg/rls/ferritin-75-or-below> "
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<https://w3id.org/cgkg/rls/iron-supplementation-candidate> } }")
    assert bool(rows)
