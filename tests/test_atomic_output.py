"""Atomic build output and temporary files (issue 7, D10 and the killed-reasoner item): ``kg build``
publishes the graph and its report together with one rename, so a build killed at any moment leaves
the old build or the new one, never a mix; folders of killed builds and reasoners are swept."""

from __future__ import annotations

import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, Literal, URIRef

from kg.base.errors import UserError
from kg.base.paths import BUILD_REPORT_NAME, BUILT_GRAPH_NAME
from kg.core.build.pipeline import OUTPUT_NAMES, BuildResult, build_graph, write
from kg.core.build.tables import load_tables
from tests.conftest import FIXTURE_TABLES

WRITER = """
import pickle, sys
from pathlib import Path
from kg.core.build import pipeline
write = getattr(pipeline, sys.argv[4])
a, b = pickle.loads(Path(sys.argv[1]).read_bytes())
out = Path(sys.argv[2])
Path(sys.argv[3]).touch()
while True:
    write(a, out)
    write(b, out)
"""


def kill_writes_at_random(pickled: Path, out: Path, writer: str, attempts: int, seed: int,
                          check: Callable[[int], None]) -> None:
    """Start a process writing the two pickled results to *out* in turn with ``pipeline.<writer>``, kill it at a
    random moment, ``check(attempt)`` what is published; *attempts* times."""
    rng = random.Random(seed)
    for attempt in range(attempts):
        ready = out.parent / f"ready-{attempt}"
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(pickled), str(out), str(ready), writer])
        while not ready.exists():
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.8))
        process.send_signal(signal.SIGKILL)
        process.wait()
        ready.unlink()
        check(attempt)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, dict[str, tuple[bytes, bytes]]]:
    """Two different build results (pickled for the writer process) and the bytes each one writes."""
    tables = load_tables(FIXTURE_TABLES)
    graph = build_graph(tables)[0]
    other = Graph() + graph
    other.add((URIRef("https://w3id.org/cgkg/rls/extra"), RDFS.label, Literal("extra")))
    results = (BuildResult(graph=graph, tables=tables), BuildResult(graph=other, tables=tables))
    folder = tmp_path_factory.mktemp("refs")
    expected = {}
    for name, result in zip("ab", results, strict=True):
        write(result, folder / name)
        expected[name] = _published(folder / name)
    assert expected["a"] != expected["b"]
    pickled = folder / "results.pickle"
    pickled.write_bytes(pickle.dumps(results))
    return pickled, expected


def _published(out: Path) -> tuple[bytes, bytes]:
    real = Path(os.path.realpath(out))  # a reader resolves the link once, then reads both files
    assert sorted(p.name for p in real.iterdir()) == sorted(OUTPUT_NAMES)
    return (real / BUILT_GRAPH_NAME).read_bytes(), (real / BUILD_REPORT_NAME).read_bytes()


@pytest.mark.slow
def test_a_build_killed_at_random_moments_leaves_the_old_or_the_new_build(two_builds, tmp_path):
    pickled, expected = two_builds
    out = tmp_path / "build"
    write(pickle.loads(pickled.read_bytes())[0], out)

    def check(attempt: int) -> None:
        assert _published(out) in expected.values(), f"mixed output after kill {attempt}"

    kill_writes_at_random(pickled, out, "write", 12, 7, check)
    write(pickle.loads(pickled.read_bytes())[1], out)  # the next build sweeps what the killed ones left
    assert _published(out) == expected["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["build", os.readlink(out)])


def test_out_pointing_at_a_file_is_refused(two_builds, tmp_path):
    pickled, _ = two_builds
    target = tmp_path / "report.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match="is an existing file"):
        write(pickle.loads(pickled.read_bytes())[0], target)
    assert target.read_text(encoding="utf-8") == "mine"


def test_a_folder_with_other_files_is_refused_and_a_plain_old_build_folder_is_replaced(two_builds, tmp_path):
    pickled, expected = two_builds
    result = pickle.loads(pickled.read_bytes())[0]
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(UserError, match="not a previous build"):
        write(result, mixed)
    notes = tmp_path / "notes"  # a build's file name is not a build (ADR 0013): the report must verify it
    notes.mkdir()
    (notes / BUILT_GRAPH_NAME).write_text("my own notes", encoding="utf-8")
    with pytest.raises(UserError, match="not a previous build"):
        write(result, notes)
    shutil.rmtree(notes)
    old = tmp_path / "old"  # a plain build folder of an older kg: the three files, verified by the report
    write(result, tmp_path / "linked")
    shutil.copytree(os.path.realpath(tmp_path / "linked"), old)
    for path in tmp_path.glob("*linked*"):
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    write(result, old)
    assert old.is_symlink() and _published(old) == expected["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["mixed", "old", os.readlink(old)])


def test_the_cli_refuses_out_pointing_at_a_file(tmp_path):
    from tests.fuzz.cli_probe import run_kg

    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    outcome = run_kg("build", "--no-reason", "--tables", str(FIXTURE_TABLES), "--out", str(target))
    assert outcome.clean_error and "existing file" in outcome.stderr


REASON = """
import sys
from rdflib import Graph
from kg.model.reasoning import check_consistency
check_consistency(Graph().parse(sys.argv[1]))
"""


@pytest.mark.reasoner
def test_a_killed_reasoner_leaves_no_temporary_files(tmp_path, fixture_graph, java):
    """owlready2 writes the reasoner input to a temporary file; killed, it stayed there. It now goes
    into a folder named after the process, which the next reasoner run removes."""
    graph_file = tmp_path / "graph.nt"
    fixture_graph.serialize(graph_file, format="nt")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    reasoner = subprocess.Popen([sys.executable, "-c", REASON, str(graph_file)], env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith("tmp") for d in tmp.glob("kg-reason-*") for p in d.iterdir()):
        assert time.monotonic() < deadline and reasoner.poll() is None, "the reasoner did not start"
        time.sleep(0.05)
    os.killpg(reasoner.pid, signal.SIGKILL)  # python and its java child
    reasoner.wait()
    assert list(tmp.iterdir()), "the killed run left its folder (swept by the next run)"
    subprocess.run([sys.executable, "-c", REASON, str(graph_file)], env=env, check=True, timeout=300)
    assert list(tmp.iterdir()) == []
