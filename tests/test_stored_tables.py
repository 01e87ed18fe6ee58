"""The decision tables stored with a build (ADR 0028, issue 17): ``kg build`` writes the rows of the queries a decision
reads of the build once (kg/core/build/stored_tables.py) beside its graph, covered by the build report's hashes; a
decision reads them instead of running those queries. The tables read from each packaged build are exactly those
compiled from its store; a tampered tables file is refused like any other build file; a build of an older kg (no
tables) and ``--no-verify`` compile them from the graph, as before."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from kg.base.errors import UserError
from kg.base.paths import BUILD_REPORT_NAME, DECISION_TABLES_NAME, EXAMPLE_PROFILE, PACKAGED_BUILD_DIR
from kg.core.build.build_set import open_set
from kg.core.build.knowledge import Knowledge, load_knowledge
from kg.core.build.pipeline import OUTPUT_NAMES, build
from kg.core.build.stored_tables import FORMAT, NODES_QUERY, stored_queries
from kg.core.build.verify import TABLES_KEY
from kg.core.decide.decision import decide
from kg.core.query.library import load_query
from kg.profile.isolation import KnowledgeNodes
from tests.conftest import FIXTURE_TABLES

BUILDS = sorted(open_set(PACKAGED_BUILD_DIR).builds)
EXAMPLE_BUILD = "rls-aasm-2024"  # the build the bundled example is decided on (its conditions: RLS)
TABLES = ("decision_tables", "render_tables", "output_tables", "agents", "ambiguous")  # what a decision reads of them


@pytest.mark.parametrize("name", BUILDS)
def test_the_tables_read_from_each_packaged_build_are_those_compiled_from_its_store(name):
    stored = load_knowledge(PACKAGED_BUILD_DIR / name)
    compiled = Knowledge(stored.store, "memory")  # no stored tables: every query runs on the build
    assert stored.stored_tables is not None and compiled.stored_tables is None
    for query in stored_queries():
        assert stored.stored_tables.rows(load_query(query)) is not None, f"{query}: not stored for its text"
        assert stored.rows(query) == compiled.rows(query), query
    for table in TABLES:
        assert getattr(stored, table) == getattr(compiled, table), table
    assert stored.nodes.nodes == compiled.nodes.nodes and len(stored.nodes.nodes) > 1000
    assert stored.nodes.condition_classes == compiled.nodes.condition_classes


def test_the_stored_nodes_are_every_iri_of_the_build_graph():
    """decision/knowledge-nodes is what the allow-list scanned the graph for (ADR 0006): every IRI of its default
    graph, in any position (the reasoner's entailments, in their named graph, are not the build's statements)."""
    knowledge = load_knowledge(PACKAGED_BUILD_DIR / EXAMPLE_BUILD)
    scanned = KnowledgeNodes.of_store(knowledge.store)  # the scan of the graph, not the stored rows
    assert knowledge.nodes.nodes == scanned.nodes
    assert "https://w3id.org/cgkg/ontology#takesAgent" in scanned.nodes  # a predicate counts too


def _plain_copy(tmp_path: Path, name: str = EXAMPLE_BUILD) -> Path:
    """A packaged build copied as a plain build folder (its report verifies it)."""
    folder = tmp_path / name
    shutil.copytree(PACKAGED_BUILD_DIR / name, folder)
    return folder


def _report(folder: Path) -> dict:
    return json.loads((folder / BUILD_REPORT_NAME).read_text(encoding="utf-8"))


def _write_report(folder: Path, report: dict) -> None:
    (folder / BUILD_REPORT_NAME).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _tables_written(folder: Path, data: bytes) -> None:
    """A tables file the report vouches for: what a buggy or another kg could have written (not tampering)."""
    (folder / DECISION_TABLES_NAME).write_bytes(data)
    _write_report(folder, {**_report(folder), TABLES_KEY: hashlib.sha256(data).hexdigest()})


def _options(knowledge: Knowledge) -> list:
    return decide(EXAMPLE_PROFILE, knowledge=knowledge).options


def test_an_edited_tables_file_is_refused(tmp_path):
    """Every "recommended against" made "recommended" in the stored terms: the build is refused, naming the file."""
    folder = _plain_copy(tmp_path)
    tables = folder / DECISION_TABLES_NAME
    text = tables.read_text(encoding="utf-8")
    assert "ontology#DecisionRecommendedAgainst>" in text
    tables.write_text(text.replace("ontology#DecisionRecommendedAgainst>", "ontology#DecisionRecommended>"),
                      encoding="utf-8")
    with pytest.raises(UserError, match=f"{DECISION_TABLES_NAME} does not match the {TABLES_KEY} in its "
                                        f"{BUILD_REPORT_NAME}.*rebuild it with: kg build --out"):
        load_knowledge(folder)


def test_a_node_removed_from_the_stored_rows_is_refused(tmp_path):
    """The nodes keep a profile off the knowledge graph (ADR 0006): rows edited so that a profile could describe a
    drug are an edited tables file, refused before any profile is read."""
    folder = _plain_copy(tmp_path)
    stored = json.loads((folder / DECISION_TABLES_NAME).read_bytes())
    node = stored["terms"].index("<https://w3id.org/cgkg/ontology#takesAgent>")
    rows = stored["queries"][NODES_QUERY]["rows"]
    stored["queries"][NODES_QUERY]["rows"] = [row for row in rows if row != [node]]
    assert len(stored["queries"][NODES_QUERY]["rows"]) == len(rows) - 1
    (folder / DECISION_TABLES_NAME).write_text(json.dumps(stored), encoding="utf-8")
    with pytest.raises(UserError, match=f"{DECISION_TABLES_NAME} does not match the {TABLES_KEY}"):
        load_knowledge(folder)


def test_a_missing_tables_file_is_refused_when_the_report_names_it(tmp_path):
    folder = _plain_copy(tmp_path)
    (folder / DECISION_TABLES_NAME).unlink()
    with pytest.raises(UserError, match=f"no {DECISION_TABLES_NAME} there; rebuild it with: kg build --out"):
        load_knowledge(folder)


def test_a_build_of_an_older_kg_compiles_its_tables_when_loaded(tmp_path):
    """A build without stored tables (its report names none) decides as before: the queries run on the build."""
    folder = _plain_copy(tmp_path)
    (folder / DECISION_TABLES_NAME).unlink()
    _write_report(folder, {k: v for k, v in _report(folder).items() if k != TABLES_KEY})
    older = load_knowledge(folder)
    assert older.tables is None and older.stored_tables is None
    assert _options(older) == _options(load_knowledge(_plain_copy(tmp_path / "new")))


def test_no_verify_compiles_the_tables_from_the_graph_as_it_is(tmp_path, capsys):
    """--no-verify is for experiments on the graph: the stored tables (made from the graph as built) are not read,
    even when they are edited."""
    folder = _plain_copy(tmp_path)
    (folder / DECISION_TABLES_NAME).write_text("edited", encoding="utf-8")
    unverified = load_knowledge(folder, verify=False)
    assert unverified.tables is None and unverified.stored_tables is None
    assert _options(unverified)
    assert capsys.readouterr().err.startswith("warning: --no-verify")


@pytest.mark.parametrize("data, why", [
    (b"{not json", "not JSON"),
    (json.dumps({"format": FORMAT, "queries": [], "terms": []}).encode(), "no queries and terms"),
    (json.dumps({"format": FORMAT, "queries": {"compile/status-rules": {"rows": []}}, "terms": []}).encode(),
     "compile/status-rules has no columns"),
    (json.dumps({"format": FORMAT, "queries": {}, "terms": ["<a> . <b> <c> <d>"]}).encode(),
     "a term that is not"),
    (json.dumps({"format": FORMAT, "queries": {}, "terms": ["<https://example.org/a>  "]}).encode(),
     "a term that is not one RDF term"),
])
def test_a_tables_file_that_is_not_one_is_refused_with_the_command_that_rebuilds_it(data, why, tmp_path):
    folder = _plain_copy(tmp_path)
    _tables_written(folder, data)
    with pytest.raises(UserError, match=f"{DECISION_TABLES_NAME} is not a decision tables file .*{why}.*"
                                        f"rebuild it with: kg build --out {folder}"):
        load_knowledge(folder).agents  # noqa: B018 - the tables are read on first use


def test_a_row_that_is_not_term_indices_is_refused(tmp_path):
    folder = _plain_copy(tmp_path)
    stored = json.loads((folder / DECISION_TABLES_NAME).read_bytes())
    stored["queries"]["compile/status-rules"]["rows"][0][0] = -1
    _tables_written(folder, json.dumps(stored).encode())
    with pytest.raises(UserError, match="a row of compile/status-rules is not one term index per column"):
        load_knowledge(folder).decision_tables  # noqa: B018


def test_a_tables_file_of_another_format_is_not_read(tmp_path):
    """A file another kg wrote in another format (its report vouching for it): the queries run on the build."""
    folder = _plain_copy(tmp_path)
    _tables_written(folder, json.dumps({"format": "cgkg-decision-tables/99"}).encode())
    knowledge = load_knowledge(folder)
    assert knowledge.tables is not None and knowledge.stored_tables is None
    assert _options(knowledge)


def test_rows_stored_for_another_text_of_a_query_are_not_used():
    """A build made before a compile query changed: that query runs on the build (its stored rows answer the old
    text)."""
    stored = load_knowledge(PACKAGED_BUILD_DIR / EXAMPLE_BUILD).stored_tables
    assert stored is not None
    query = load_query("compile/status-rules")
    assert stored.rows(query) is not None
    assert stored.rows(dataclasses.replace(query, text=query.text + "\n# changed\n")) is None


def test_kg_build_replaces_a_build_folder_of_an_older_kg(tmp_path):
    """A plain build folder of a kg before ADR 0028 (three files, its report naming no tables) is kg's previous output:
    a new build replaces it (and writes the tables)."""
    folder = _plain_copy(tmp_path)
    (folder / DECISION_TABLES_NAME).unlink()
    _write_report(folder, {k: v for k, v in _report(folder).items() if k != TABLES_KEY})
    build(folder, source=FIXTURE_TABLES, reason=False)
    assert folder.is_symlink() and sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_NAMES)
    assert load_knowledge(folder).stored_tables is not None
