"""kg diff: the clinical difference between two builds, computed by the queries of queries/diff/.

Each case copies the fixture tables, changes one thing a curator might change, builds both (no reasoner) and
expects exactly the difference the edit makes, computed from the edited cell, and nothing else."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from kg.base.oxigraph_bridge import to_store
from kg.base.paths import PACKAGED_BUILD_DIR
from kg.core.build.pipeline import build_graph, serialize
from kg.core.build.tables import load_tables
from kg.core.query.library import run_query
from kg.publish.diff import diff_queries, diff_stores
from tests.conftest import FIXTURE_TABLES, copy_package, copy_packages

Edit = Callable[[Path], tuple[str, str, str, dict | None]]  # -> kind, item, change, changed attributes


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def set_cell(tables: Path, table: str, column: str, pick: Callable[[str], bool], value: Callable[[str], str]):
    """Change the first cell of *column* that *pick* accepts; return (row id, old value, new value)."""
    path = tables / f"{table}.tsv"
    header, rows = _rows(path)
    at = header.index(column)
    row = next(r for r in rows if pick(r[at]))
    old, row[at] = row[at], value(row[at])
    _write(path, header, rows)
    return row[0], old, row[at]


def strength_up(tables: Path):
    rec, old, new = set_cell(tables, "recommendations", "strength", lambda v: v == "conditional", lambda v: "strong")
    return "statements", f"rls:{rec}", "changed", {"strength": ((old,), (new,))}


def threshold_lowered(tables: Path):
    def lower(rule: str) -> str:
        return rule.replace("ferritin <= 75", "ferritin <= 50")

    population, old, new = set_cell(tables, "populations", "definition_expr", lambda v: "ferritin <= 75" in v, lower)
    return "populations", f"rls:{population}", "changed", {"rule": ((old,), (new,))}


def max_dose_changed(tables: Path):
    regimen, old, new = set_cell(tables, "dosing", "max_daily", bool, lambda v: str(int(v) - 100))
    return "dosing", f"rls:{regimen}", "changed", {"max daily": ((old,), (new,))}


def curie(code: str) -> str:
    """A mappings.tsv code as kg diff shows it: the graph's prefix (lower case) and the local part as written."""
    prefix, local = code.split(":", 1)
    return f"{prefix.lower()}:{local}"


def code_removed(tables: Path):
    path = tables / "mappings.tsv"
    header, rows = _rows(path)
    subject, predicate, code = rows[0][:3]
    before = sorted(curie(r[2]) for r in rows if r[0] == subject and r[1] == predicate)
    _write(path, header, rows[1:])
    after = tuple(c for c in before if c != curie(code))
    name = predicate.removeprefix("skos:").replace("Match", " match")
    return "codes", f"rls:{subject}", "changed" if after else "removed", {name: (tuple(before), after)}


def caution_added(tables: Path):
    path = tables / "cautions.tsv"
    header, rows = _rows(path)
    copy = [f"{rows[0][0]}-copy", *rows[0][1:]]
    _write(path, header, [*rows, copy])
    return "cautions", f"rls:{copy[0]}", "added", None


@pytest.fixture(scope="module")
def fixture_store(fixture_graph: Graph):
    return to_store(fixture_graph)


@pytest.mark.parametrize("edit", [strength_up, threshold_lowered, max_dose_changed, code_removed, caution_added])
def test_one_edit_gives_exactly_its_clinical_difference(edit: Edit, fixture_store, tmp_path: Path):
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    kind, item, change, attributes = edit(tables)
    (difference,) = diff_stores(fixture_store, to_store(build_graph(load_tables(package))[0]))
    assert (difference.kind, difference.item, difference.change) == (kind, item, change)
    if attributes is not None:
        assert difference.attributes == attributes


def test_the_same_graph_has_no_clinical_difference(fixture_store):
    assert diff_stores(fixture_store, fixture_store) == []


def test_every_attribute_of_every_diff_query_has_values_in_the_real_graph(real_store):
    """An attribute that matches nothing (a renamed property) would hide every change of it: each attribute a
    diff query names (its string literals) must have values on the real graph."""
    for query in diff_queries():
        named = set(re.findall(r'"([^"]+)"', query.text))
        found = {str(row["attribute"]) for row in run_query(query, real_store)}
        assert named and named == found, f"{query.name}: no values for {sorted(named - found)}"


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True)


@pytest.mark.slow  # builds the real tables twice (about 15 s each, no reasoner)
def test_kg_diff_of_a_one_cell_change_to_the_real_tables(real_graph: Graph, tmp_path: Path):
    """The issue's example: a one-cell change was 33 lines of Turtle diff; kg diff reports that one change."""
    package = copy_packages(tmp_path)
    tables = package / "rls-aasm-2024" / "tables"
    _kind, item, _change, attributes = strength_up(tables)
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    old.write_bytes(serialize(real_graph))
    new.write_bytes(serialize(build_graph(load_tables(package))[0]))
    table = _kg("diff", str(old), str(new))
    assert table.returncode == 1, table.stderr
    assert item in table.stdout and "0 added, 0 removed, 1 changed." in table.stdout
    report = json.loads(_kg("diff", str(old), str(new), "--format", "json").stdout)
    assert [(d["item"], d["attributes"]) for d in report["differences"]] == [
        (item, {"strength": {"old": list(attributes["strength"][0]), "new": list(attributes["strength"][1])}})]
    same = _kg("diff", str(old), str(old))
    assert same.returncode == 0 and "no clinical differences" in same.stdout


def test_kg_diff_exit_codes_on_build_folders_and_bad_input(tmp_path: Path):
    packaged = str(PACKAGED_BUILD_DIR)
    same = _kg("diff", packaged, packaged, "--format", "json")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["equal"] is True
    missing = _kg("diff", packaged, str(tmp_path / "no-such.ttl"))
    assert missing.returncode == 2 and "no-such.ttl: no such file or folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    (tmp_path / "bad.ttl").write_text("this is not turtle", encoding="utf-8")
    bad = _kg("diff", str(tmp_path / "bad.ttl"), packaged)
    assert bad.returncode == 2 and "OLD" in bad.stderr and "not a Turtle graph" in bad.stderr
    empty = _kg("diff", str(tmp_path), packaged)
    assert empty.returncode == 2 and "a folder without kg.ttl" in empty.stderr
