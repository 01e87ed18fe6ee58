"""kg release: every registered format, a VoID/DCAT description, a manifest and SHA256SUMS, all or nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import DCTERMS, RDF, Graph, Literal

from kg.core.build.header import DATA_LICENSE, data_version_iri
from kg.export import FORMATS, ExportError, ExportSource, Format
from kg.publish.release import CHECKSUMS_NAME, DCAT, MANIFEST_NAME, VOID, VOID_NAME, release

EXTRAS = {CHECKSUMS_NAME, MANIFEST_NAME, VOID_NAME}


@pytest.fixture(scope="module")
def released(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "cgkg-release"
    release(out, build_source)
    return out


def test_the_release_holds_every_registered_format_and_nothing_else(released: Path):
    assert {p.name for p in released.iterdir()} == {f.default_name for f in FORMATS.values()} | EXTRAS


def test_sha256sums_verify_with_sha256sum_and_catch_a_changed_file(released: Path, tmp_path: Path):
    listed = [line.split("  ", 1)[1] for line in (released / CHECKSUMS_NAME).read_text().splitlines()]
    every = sorted(p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file())
    assert listed == [p for p in every if p != CHECKSUMS_NAME]
    assert subprocess.run(["sha256sum", "--check", "--quiet", CHECKSUMS_NAME], cwd=released).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(released, copy)
    with (copy / FORMATS["turtle"].default_name).open("ab") as handle:
        handle.write(b"\n")
    assert subprocess.run(["sha256sum", "--check", "--quiet", CHECKSUMS_NAME], cwd=copy,
                          capture_output=True).returncode != 0


def test_manifest_names_each_format_with_its_files(released: Path, build_source: ExportSource):
    manifest = json.loads((released / MANIFEST_NAME).read_text())
    assert manifest["graph_sha256"] == build_source.provenance.graph_sha256
    assert manifest["version_iri"] == str(data_version_iri())
    assert [f["name"] for f in manifest["formats"]] == sorted(FORMATS)
    for entry in manifest["formats"]:
        for file in entry["files"]:
            assert (released / file["path"]).stat().st_size == file["bytes"]


def test_void_describes_the_dataset_and_one_distribution_per_format(released: Path, build_source: ExportSource):
    void = Graph().parse(released / VOID_NAME)
    dataset = data_version_iri()
    assert {(dataset, RDF.type, VOID.Dataset), (dataset, RDF.type, DCAT.Dataset)} <= set(void)
    assert void.value(dataset, VOID.triples) == Literal(len(build_source.graph))
    assert void.value(dataset, DCTERMS.license) == DATA_LICENSE
    assert {str(s) for s in void.objects(dataset, DCTERMS.source)} == set(build_source.provenance.sources)
    distributions = list(void.objects(dataset, DCAT.distribution))
    assert {str(void.value(d, DCTERMS.identifier)) for d in distributions} == {f.default_name for f in FORMATS.values()}
    assert all(str(d).startswith(f"{dataset}#") for d in distributions)


@pytest.mark.slow  # a second full release
def test_a_release_is_byte_identical_twice(released: Path, build_source: ExportSource, tmp_path: Path):
    again = tmp_path / "again"
    release(again, build_source)
    assert (again / CHECKSUMS_NAME).read_bytes() == (released / CHECKSUMS_NAME).read_bytes()


def test_a_failing_format_writes_no_release(build_source: ExportSource, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    """All or nothing: a format refuses the graph; nothing is left."""
    import kg.export.rdf

    def refuse(source: ExportSource, path: Path) -> None:
        path.write_text("partial", encoding="utf-8")
        raise ExportError("node rls:x: no label (rule: every exported node has a label)")

    monkeypatch.setattr(kg.export.rdf, "write_refusing", refuse, raising=False)
    monkeypatch.setitem(FORMATS, "aa-refusing", Format("aa-refusing", "refuses", "rdf:write_refusing", "x.txt", "-"))
    with pytest.raises(ExportError):
        release(tmp_path / "release", build_source)
    assert list(tmp_path.iterdir()) == []


def test_kg_release_refuses_a_folder_that_is_not_a_release(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "release", "--out", str(tmp_path)], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "not a previous output of kg (release)" in done.stderr
    assert "Traceback" not in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]

