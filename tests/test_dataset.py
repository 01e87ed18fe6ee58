"""The data graph's own header, the build report's origin, and one licence story in pyproject, LICENSE and graph."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from rdflib import DCTERMS, OWL, RDF, Graph, Literal

import kg
from kg.base.errors import UserError
from kg.base.paths import ONTOLOGY_FILE
from kg.core.build.header import CODE_LICENSE_SPDX, DATA_IRI, DATA_LICENSE, DATA_LICENSE_SPDX, data_version_iri
from kg.core.build.origin import build_origin
from kg.model.namespaces import ONTOLOGY_IRI

ROOT = Path(__file__).parent.parent


def test_the_content_has_its_own_ontology_iri_and_version_iri(real_graph: Graph):
    assert (DATA_IRI, RDF.type, OWL.Ontology) in real_graph
    assert real_graph.value(DATA_IRI, OWL.versionIRI) == data_version_iri() == DATA_IRI + f"/{kg.__version__}"
    assert real_graph.value(DATA_IRI, OWL.versionInfo) == Literal(kg.__version__)
    schema = Graph().parse(ONTOLOGY_FILE)
    assert real_graph.value(DATA_IRI, DCTERMS.conformsTo) == schema.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert (DATA_IRI, OWL.imports, None) not in real_graph  # the schema is in the same file (ADR 0009)


def test_pyproject_license_and_graph_tell_one_licence_story(real_graph: Graph):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == f"{CODE_LICENSE_SPDX} AND {DATA_LICENSE_SPDX}"
    assert project["version"] == kg.__version__
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence and str(DATA_LICENSE) in licence
    assert real_graph.value(DATA_IRI, DCTERMS.license) == DATA_LICENSE
    assert Graph().parse(ONTOLOGY_FILE).value(ONTOLOGY_IRI, DCTERMS.license) == DATA_LICENSE


def test_build_origin_in_this_checkout_names_a_commit(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    origin = build_origin()
    if not (ROOT / ".git").exists():
        pytest.fail("tests run in a git checkout (CI clones the repository)")
    assert re.fullmatch(r"[0-9a-f]{40}", str(origin["commit"]))
    assert origin["build_date"] == origin["commit_date"] and origin["build_date_from"] == "commit"


def test_source_date_epoch_sets_the_build_date_and_is_checked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_origin()["build_date"] == "2023-11-14T22:13:20Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UserError, match="SOURCE_DATE_EPOCH='yesterday'"):
        build_origin()


def test_outside_a_git_checkout_there_is_no_commit_and_no_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An installed wheel: no git; the graph is the same bytes, the report says it cannot name a commit."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    origin = build_origin(tmp_path)
    assert origin["commit"] is None and origin["build_date"] is None
    assert str(origin["build_date_from"]).startswith("none")
