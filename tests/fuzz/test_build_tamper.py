"""A build is used only when its files match its report (issue 16, "Unverified builds"; ADR 0013): the graph,
the inferred file and the decision tables (ADR 0028) hash to what build-report.json recorded, and the report exists
and is a JSON object.
Each tampered copy of the packaged build is given to the real console script; every command that reads a
build (decide, query, reason, export, release, serve, push, diff) ends in exit code 2 naming the file, and
``--no-verify`` uses it anyway with a warning."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.base.paths import (
    BUILD_REPORT_NAME,
    BUILT_GRAPH_NAME,
    DECISION_TABLES_NAME,
    INFERRED_GRAPH_NAME,
    PACKAGED_BUILD_DIR,
)
from kg.core.build.verify import build_folder
from tests.fuzz.cli_probe import run_kg_process
from tests.servers.ports import free_port

pytestmark = pytest.mark.fuzz


def _flip_against(folder: Path) -> None:
    """Every recommendation against becomes one for (what an attacker or a bad merge would do)."""
    graph = folder / BUILT_GRAPH_NAME
    text = graph.read_text(encoding="utf-8")
    assert "cg:direction cg:DirectionAgainst ;" in text
    graph.write_text(text.replace("cg:direction cg:DirectionAgainst ;", "cg:direction cg:DirectionFor ;"),
                     encoding="utf-8")


def _truncate(folder: Path) -> None:
    """Valid Turtle, 70 % of the statements."""
    graph = folder / BUILT_GRAPH_NAME
    lines = graph.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[: int(len(lines) * 0.7)]
    while not kept[-1].rstrip().endswith("."):
        kept.pop()
    graph.write_text("".join(kept), encoding="utf-8")


def _empty(folder: Path) -> None:
    (folder / BUILT_GRAPH_NAME).write_bytes(b"")


def _edit_inferred(folder: Path) -> None:
    with (folder / INFERRED_GRAPH_NAME).open("a", encoding="utf-8") as handle:
        handle.write("\n<https://example.org/x> a <https://example.org/Y> .\n")


def _flip_stored_against(folder: Path) -> None:
    """In the stored decision tables, every "recommended against" becomes "recommended"."""
    tables = folder / DECISION_TABLES_NAME
    text = tables.read_text(encoding="utf-8")
    assert "ontology#DecisionRecommendedAgainst>" in text
    tables.write_text(text.replace("ontology#DecisionRecommendedAgainst>", "ontology#DecisionRecommended>"),
                      encoding="utf-8")


def _remove_tables(folder: Path) -> None:
    (folder / DECISION_TABLES_NAME).unlink()


def _remove_report(folder: Path) -> None:
    (folder / BUILD_REPORT_NAME).unlink()


def _remove_inferred(folder: Path) -> None:
    (folder / INFERRED_GRAPH_NAME).unlink()


def _report_not_json(folder: Path) -> None:
    (folder / BUILD_REPORT_NAME).write_text("{not json", encoding="utf-8")


def _report_a_list(folder: Path) -> None:
    (folder / BUILD_REPORT_NAME).write_text("[1, 2]\n", encoding="utf-8")


def _report_without_hashes(folder: Path) -> None:
    (folder / BUILD_REPORT_NAME).write_text('{"triples": 1}\n', encoding="utf-8")


TAMPERS: dict[str, tuple[Callable[[Path], None], str]] = {  # name -> (edit, the file the message names)
    "flipped-against": (_flip_against, BUILT_GRAPH_NAME),
    "truncated": (_truncate, BUILT_GRAPH_NAME),
    "empty-graph": (_empty, BUILT_GRAPH_NAME),
    "edited-inferred": (_edit_inferred, INFERRED_GRAPH_NAME),
    "missing-inferred": (_remove_inferred, INFERRED_GRAPH_NAME),
    "edited-tables": (_flip_stored_against, DECISION_TABLES_NAME),
    "missing-tables": (_remove_tables, DECISION_TABLES_NAME),
    "missing-report": (_remove_report, BUILD_REPORT_NAME),
    "report-not-json": (_report_not_json, BUILD_REPORT_NAME),
    "report-a-list": (_report_a_list, BUILD_REPORT_NAME),
    "report-without-hashes": (_report_without_hashes, BUILD_REPORT_NAME),
}


def tampered(tmp_path: Path, name: str) -> Path:
    """A copy of the packaged build set with every build in it tampered with (kg decide reads the build of the
    profile's conditions, the other commands the build of all the guidelines: each must refuse the one it reads)."""
    folder = tmp_path / f"build-{name}"
    shutil.copytree(PACKAGED_BUILD_DIR, folder)
    builds = sorted(p for p in folder.iterdir() if p.is_dir())
    assert build_folder(folder) in builds
    for build in builds:
        TAMPERS[name][0](build)
    return folder


def _names_the_file(outcome, folder: Path, name: str) -> bool:
    return outcome.clean_error and str(folder) in outcome.stderr and TAMPERS[name][1] in outcome.stderr


@pytest.mark.parametrize("name", TAMPERS)
def test_decide_refuses_a_tampered_build(name, tmp_path):
    """Before: flipped directions gave 13 changed options with exit 0; a truncated graph a traceback; an
    edited inferred file or a missing report were used silently."""
    folder = tampered(tmp_path, name)
    outcome = run_kg_process("decide", "--example", "--build", str(folder), "--format", "json", cwd=tmp_path)
    assert _names_the_file(outcome, folder, name), outcome.stderr
    assert outcome.stdout == ""


COMMANDS = {  # every command that reads a build folder
    "query": ("query", "cq/treatment-algorithm"),
    "reason": ("reason",),
    "export": ("export", "turtle", "--out", "{tmp}/out.ttl"),
    "release": ("release", "--out", "{tmp}/release"),
    "push": ("push", "--endpoint", "http://127.0.0.1:{port}/store"),
    "serve": ("serve", "--port", "{port}"),
    "diff": ("diff", str(PACKAGED_BUILD_DIR)),
}


@pytest.mark.parametrize("name", ["truncated", "report-not-json", "report-a-list", "edited-inferred", "edited-tables"])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_tampered_build(command, name, tmp_path):
    """Before: only kg export compared the graph's hash (and ended in a traceback on a report that is not
    a JSON object); query, reason, release, serve, push and diff used any build."""
    folder = tampered(tmp_path, name)
    arguments = [a.format(tmp=tmp_path, port=free_port()) for a in COMMANDS[command]]
    arguments += [str(folder)] if command == "diff" else ["--build", str(folder)]
    outcome = run_kg_process(*arguments, cwd=tmp_path, timeout=120)
    assert _names_the_file(outcome, folder, name), outcome.stderr
    assert not (tmp_path / "out.ttl").exists() and not (tmp_path / "release").exists()


def test_no_verify_uses_a_tampered_build_with_a_warning(tmp_path):
    folder = tampered(tmp_path, "flipped-against")
    outcome = run_kg_process("decide", "--example", "--build", str(folder), "--format", "json", "--no-verify",
                             cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr.startswith("warning: --no-verify") and str(folder) in outcome.stderr
    assert '"options"' in outcome.stdout


def test_an_untouched_copy_of_the_build_is_used(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(PACKAGED_BUILD_DIR, folder)
    outcome = run_kg_process("decide", "--example", "--build", str(folder), "--format", "json", cwd=tmp_path)
    packaged = run_kg_process("decide", "--example", "--format", "json", cwd=tmp_path)
    assert outcome.code == 0 and outcome.stderr == "", outcome.stderr
    assert json.loads(outcome.stdout)["options"] == json.loads(packaged.stdout)["options"]


def test_push_with_no_verify_reaches_the_store_with_a_warning(tmp_path):
    """push takes --no-verify like decide, query, reason and export: the tampered build is used (the warning
    first), and the command goes on to the store (here a closed port: a connection error, not the build's)."""
    folder = tampered(tmp_path, "flipped-against")
    outcome = run_kg_process("push", "--endpoint", f"http://127.0.0.1:{free_port()}/store", "--build", str(folder),
                             "--no-verify", cwd=tmp_path, timeout=120)
    warning, error = outcome.stderr.split("\n", 1)
    assert outcome.code == 2 and "Traceback" not in outcome.stderr, outcome.stderr
    assert warning.startswith("warning: --no-verify") and error.startswith("error: store http://127.0.0.1:")
