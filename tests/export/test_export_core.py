"""The export registry and its guarantees, for every format: deterministic, all or nothing, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.base.errors import UserError
from kg.export import FORMATS, ExportError, ExportSource, Format, export
from kg.export import write as write_module
from kg.export.shared import shared, shared_between_formats


def test_every_format_is_listed_with_one_line(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "kg", "export", "--list"], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == len(FORMATS)
    assert sorted(line.split()[0] for line in lines) == sorted(FORMATS)


def test_unknown_format_is_a_user_error_with_exit_2(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "kg", "export", "no-such-format", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "no-such-format" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", sorted(n for n, f in FORMATS.items() if not f.folder))
def test_file_exports_are_byte_identical_twice(name: str, build_source: ExportSource, tmp_path: Path) -> None:
    first = export(build_source, name, tmp_path / "one" / FORMATS[name].default_name)
    second = export(build_source, name, tmp_path / "two" / FORMATS[name].default_name)
    assert first.read_bytes() == second.read_bytes()


def test_a_failing_writer_leaves_the_old_file_and_no_debris(tmp_path: Path, build_source: ExportSource,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.ttl"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("partial", encoding="utf-8")
        raise ExportError("node rls:x: no label (rule: every exported node has a label)")

    with pytest.raises(ExportError):
        write_module.write_atomically(target, False, half_then_fail)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]


def test_a_failing_folder_writer_leaves_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "kgx"
    write_module.write_atomically(target, True, lambda tmp: (tmp / "nodes.tsv").write_text("old", encoding="utf-8"))

    def fail(tmp: Path) -> None:
        (tmp / "nodes.tsv").write_text("partial", encoding="utf-8")
        raise ExportError("broken")

    with pytest.raises(ExportError):
        write_module.write_atomically(target, True, fail)
    assert (target / "nodes.tsv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["kgx", os.readlink(target)])  # no staging left


def test_a_folder_kg_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "kgx"
    target.mkdir()
    (target / "nodes.tsv").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match="not a previous output of kg"):
        write_module.write_atomically(target, True, lambda tmp: None)
    assert (target / "nodes.tsv").read_text(encoding="utf-8") == "mine"


def test_registry_entries_name_real_writers() -> None:
    for fmt in FORMATS.values():
        assert isinstance(fmt, Format)
        assert callable(fmt.writer()), fmt.name


def test_provenance_of_the_build(build_source: ExportSource) -> None:
    prov = build_source.provenance
    assert len(prov.graph_sha256) == 64
    assert prov.version_iris and prov.sources
    assert all(s.startswith("https://w3id.org/cgkg/") for s in prov.sources)


def test_the_readme_export_table_has_one_command_per_format() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Export", 1)[1].split("\n## ", 1)[0]
    assert sorted(n for n in FORMATS if f"`kg export {n}`" not in section) == []


def test_what_formats_share_is_made_once_per_source_and_only_within_a_release(build_source: ExportSource) -> None:
    """kg/export/shared.py: inside one release a shared result is made once per source; a single export, another
    source and the next release each make their own (so a second release re-checks that every step is
    deterministic: tests/export/test_release.py)."""
    made: list[ExportSource] = []

    @shared
    def derived(source: ExportSource) -> object:
        made.append(source)
        return object()

    assert derived(build_source) is not derived(build_source)
    other = ExportSource(build_source.graph, build_source.provenance)
    with shared_between_formats():
        first = derived(build_source)
        assert derived(build_source) is first and derived(other) is not first
    with shared_between_formats():
        assert derived(build_source) is not first
    assert made == [build_source, build_source, build_source, other, build_source]
