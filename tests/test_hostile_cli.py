"""Bad files and arguments anywhere on the command line end in exit code 2 with a message, never a
traceback (issue 7, D11): non-UTF-8 tables, graphs and query files, a huge table cell, a --graph that
is not RDF, --param IRIs that cannot be IRIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURE_TABLES, copy_package
from tests.fuzz.cli_probe import run_kg

LEAF_TABLE = "seed_claims.tsv"  # no other table refers to its ids: its problems come alone


def _tables_with(tmp_path: Path, text_of: callable) -> Path:  # type: ignore[valid-type]
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    path = tables / LEAF_TABLE
    path.write_bytes(text_of(path.read_bytes()))
    return package


def test_a_table_that_is_not_utf8(tmp_path):
    package = _tables_with(tmp_path, lambda data: data + "caf\u00e9\n".encode("latin-1"))
    outcome = run_kg("validate", "--tables", str(package))
    assert outcome.clean_error and LEAF_TABLE in outcome.stderr and "not UTF-8" in outcome.stderr


@pytest.mark.slow
def test_a_50_mb_table_cell(tmp_path):
    def huge_cell(data: bytes) -> bytes:
        header, first, *rest = data.decode("utf-8").split("\n")
        cells = first.split("\t")
        cells[1] = "x" * 50_000_000
        return "\n".join([header, "\t".join(cells), *rest]).encode("utf-8")

    outcome = run_kg("validate", "--tables", str(_tables_with(tmp_path, huge_cell)))
    assert outcome.clean_error and "field larger than field limit" in outcome.stderr
    assert len(outcome.stderr) < 20_000


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"this is { not RDF", "not a Turtle graph"),
    (b"<a> <b> ", "not a Turtle graph"),
    (b"<http://a b> <http://p> <http://o> .", "Invalid IRI"),  # the graph-file reader's parser refuses bad IRIs
    (b'<http://a{b}> <http://p> "x" .', "Invalid IRI"),
])
def test_a_graph_that_is_not_rdf(content, message, tmp_path):
    path = tmp_path / "graph.ttl"
    path.write_bytes(content)
    outcome = run_kg("query", "cq/treatment-algorithm", "--graph", str(path))
    assert outcome.clean_error and message in outcome.stderr


def test_a_query_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "q.rq"
    path.write_bytes(b"SELECT * WHERE { ?s ?p \"\xe9\" }")
    outcome = run_kg("query", str(path), "--graph", str(tmp_path / "missing.ttl"))
    assert outcome.clean_error and "not UTF-8" in outcome.stderr


@pytest.mark.parametrize("value", ["rls:a b", "https://example.org/a b", "https://example.org/<x>", "rls:{x}"])
def test_a_param_iri_that_cannot_be_an_iri(value, tmp_path):
    outcome = run_kg("query", "cq/cautions", "--param", f"agent={value}")
    assert outcome.clean_error and "is not a valid IRI" in outcome.stderr
