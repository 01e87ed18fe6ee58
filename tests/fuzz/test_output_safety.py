"""Outputs never destroy what kg did not write (issue 16, "Data loss"; ADR 0013), through the real console
script: a folder is replaced only when it holds this tool's marker for the same kind of output, a file target
is never a folder and a folder target never a file, a device or pipe named on purpose is written through,
never renamed over, and staging folders of killed runs are swept by the next run."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fuzz.cli_probe import run_kg_process

pytestmark = pytest.mark.fuzz
PRECIOUS = "precious.txt"


def _user_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / PRECIOUS).write_text("mine", encoding="utf-8")
    return path


def _kept(folder: Path) -> bool:
    return (folder / PRECIOUS).is_file() and (folder / PRECIOUS).read_text(encoding="utf-8") == "mine"


def _refused(outcome, path: Path | str) -> bool:
    return outcome.clean_error and str(path) in outcome.stderr and outcome.stdout == ""


@pytest.mark.parametrize("fmt", ["turtle", "neo4j"])
def test_an_export_never_replaces_a_folder_it_did_not_write(fmt, tmp_path):
    """Before: `kg export turtle --out my-project` replaced the folder with a Turtle file, exit 0."""
    folder = _user_folder(tmp_path / "my-project")
    outcome = run_kg_process("export", fmt, "--out", f"{folder}/", cwd=tmp_path)
    assert _refused(outcome, folder), outcome.stderr
    assert _kept(folder) and sorted(p.name for p in folder.iterdir()) == [PRECIOUS]


def test_a_release_never_replaces_a_folder_whose_release_json_is_not_ours(tmp_path):
    """Before: any folder holding a file called release.json was deleted, whatever else was in it."""
    folder = _user_folder(tmp_path / "my-app")
    (folder / "release.json").write_text('{"name": "my-app", "version": "2.0"}', encoding="utf-8")
    outcome = run_kg_process("release", "--out", str(folder), cwd=tmp_path)
    assert _refused(outcome, folder), outcome.stderr
    assert _kept(folder)


def test_a_release_through_a_link_to_a_user_folder_is_refused(tmp_path):
    folder = _user_folder(tmp_path / "target")
    link = tmp_path / "link"
    link.symlink_to(folder)
    outcome = run_kg_process("release", "--out", str(link), cwd=tmp_path)
    assert outcome.clean_error and str(link) in outcome.stderr, outcome.stderr
    assert _kept(folder) and link.is_symlink()


@pytest.mark.parametrize("dangling", [True, False])
def test_a_release_to_a_link_is_a_clean_error(dangling, tmp_path):
    """Before: `kg release --out LINK` (a link to a file, or a dangling one) ended in a traceback."""
    target = tmp_path / "elsewhere.txt"
    if not dangling:
        target.write_text("mine", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(target)
    outcome = run_kg_process("release", "--out", str(link), cwd=tmp_path)
    assert outcome.clean_error and str(link) in outcome.stderr, outcome.stderr
    assert link.is_symlink() and (dangling or target.read_text(encoding="utf-8") == "mine")


def test_a_folder_format_never_replaces_a_file(tmp_path):
    """Before: `kg export neo4j --out FILE` ended in a traceback."""
    file = tmp_path / "notes.txt"
    file.write_text("mine", encoding="utf-8")
    outcome = run_kg_process("export", "neo4j", "--out", str(file), cwd=tmp_path)
    assert _refused(outcome, file), outcome.stderr
    assert file.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("fmt", ["turtle", "neo4j"])
def test_out_below_a_file_is_a_clean_error(fmt, tmp_path):
    """Before: `--out FILE/x` ended in a traceback."""
    file = tmp_path / "notes.txt"
    file.write_text("mine", encoding="utf-8")
    outcome = run_kg_process("export", fmt, "--out", f"{file}/x", cwd=tmp_path)
    assert outcome.clean_error and str(file) in outcome.stderr, outcome.stderr
    assert file.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("fmt", ["turtle", "neo4j"])
@pytest.mark.parametrize("name", [".", ".."])
def test_out_dot_is_a_clean_error_and_keeps_the_folder(fmt, name, tmp_path):
    """Before: `--out .` ended in a traceback."""
    cwd = _user_folder(tmp_path / "work" / "here")
    outcome = run_kg_process("export", fmt, "--out", name, cwd=cwd)
    assert outcome.clean_error and "--out" in outcome.stderr, outcome.stderr
    assert _kept(cwd) and sorted(p.name for p in cwd.parent.iterdir()) == ["here"]


def test_decide_out_a_folder_fails_before_the_decision_runs(tmp_path):
    """Before: `kg decide --example --out DIR` ran the whole decision, then ended in a traceback. Now --out is
    checked first: given with a profile that is not even valid, the error is about --out."""
    folder = _user_folder(tmp_path / "reports")
    profile = tmp_path / "bad.yaml"
    profile.write_text("age_years: -5\n", encoding="utf-8")
    outcome = run_kg_process("decide", str(profile), "--out", str(folder), cwd=tmp_path)
    assert _refused(outcome, folder), outcome.stderr
    assert "age_years" not in outcome.stderr and _kept(folder)


def test_an_export_refuses_its_out_before_reading_the_build(tmp_path):
    """As decide: --out is checked first, so a wrong one is the error even when the build named does not exist."""
    folder = _user_folder(tmp_path / "my-project")
    outcome = run_kg_process("export", "turtle", "--out", str(folder), "--build", str(tmp_path / "no-build"),
                             cwd=tmp_path)
    assert _refused(outcome, folder) and "no-build" not in outcome.stderr, outcome.stderr
    assert _kept(folder) and sorted(p.name for p in tmp_path.iterdir()) == ["my-project"]


def test_decide_out_replaces_a_file_whole(tmp_path):
    out = tmp_path / "report.txt"
    out.write_text("an older report", encoding="utf-8")
    outcome = run_kg_process("decide", "--example", "--out", str(out), cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    assert "pramipexole" in out.read_text(encoding="utf-8").lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root (as in containers and CI)")
def test_a_device_given_as_out_stays_a_device(tmp_path):
    """Before: run as root, `kg export turtle --out /dev/null` renamed a regular file over the device node."""
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    outcome = run_kg_process("export", "turtle", "--out", str(device), cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    assert device.is_char_device()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_pipe_given_as_out_gets_the_whole_export(tmp_path):
    """A named pipe is written through (its reader gets the export), never replaced by a file."""
    reference = tmp_path / "reference.ttl"
    assert run_kg_process("export", "turtle", "--out", str(reference), cwd=tmp_path).code == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    outcome = run_kg_process("export", "turtle", "--out", str(fifo), cwd=tmp_path)
    reader.join(timeout=60)
    if reader.is_alive():  # the export never opened the pipe: unblock the reader before failing
        with open(fifo, "wb"):
            pass
    assert outcome.code == 0, outcome.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received == [reference.read_bytes()]


def test_a_socket_given_as_out_is_refused(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        outcome = run_kg_process("export", "turtle", "--out", str(path), cwd=tmp_path)
        assert _refused(outcome, path), outcome.stderr
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_build_never_replaces_a_folder_holding_a_foreign_graph_file(tmp_path):
    """Before: a folder holding only a file named kg.ttl (the user's own notes) was replaced by a build."""
    from tests.conftest import FIXTURE_TABLES

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "kg.ttl").write_text("# my own notes\n", encoding="utf-8")
    outcome = run_kg_process("build", "--no-reason", "--tables", str(FIXTURE_TABLES), "--out", str(folder),
                             cwd=tmp_path)
    assert _refused(outcome, folder), outcome.stderr
    assert folder.is_dir() and not folder.is_symlink()
    assert (folder / "kg.ttl").read_text(encoding="utf-8") == "# my own notes\n"


@pytest.mark.parametrize(("command", "name"), [
    (("export", "neo4j"), "neo4j"),
    (("export", "turtle"), "rls.ttl"),
    pytest.param(("release",), "release", marks=pytest.mark.campaign),  # two releases of every format
])
def test_a_previous_output_of_the_same_kind_is_replaced(command, name, tmp_path):
    out = tmp_path / name
    first = run_kg_process(*command, "--out", str(out), cwd=tmp_path)
    second = run_kg_process(*command, "--out", str(out), cwd=tmp_path)
    assert first.code == 0 and second.code == 0, second.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [name]


def test_an_export_folder_of_another_format_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    assert run_kg_process("export", "kgx-tsv", "--out", str(out), cwd=tmp_path).code == 0
    before = sorted(p.name for p in out.iterdir())
    outcome = run_kg_process("export", "neo4j", "--out", str(out), cwd=tmp_path)
    assert _refused(outcome, out), outcome.stderr
    assert sorted(p.name for p in out.iterdir()) == before


def _staging(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.") and not p.is_symlink())


@pytest.mark.campaign
def test_a_killed_release_leaves_staging_that_the_next_run_sweeps(tmp_path):
    """Before: kill -9 during export or release left `.<name>.<random>` folders that nothing removed."""
    out = tmp_path / "rel"
    process = subprocess.Popen([sys.executable, "-m", "kg", "release", "--out", str(out)], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".rel.") and any(p.iterdir()) for p in tmp_path.iterdir() if p.is_dir()):
        assert process.poll() is None and time.monotonic() < deadline, "the release never staged anything"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    left = _staging(tmp_path, "rel")
    assert left, "the killed release left no staging folder (the test did not kill it while it wrote)"
    assert run_kg_process("release", "--out", str(out), cwd=tmp_path).code == 0
    assert not set(left) & set(_staging(tmp_path, "rel")), "the next release did not sweep the killed one's folder"
    published = os.path.realpath(out)
    assert _staging(tmp_path, "rel") in ([], [Path(published).name])


WRITER = """
import sys
from pathlib import Path
from rdflib import Graph, Literal, URIRef
import kg
from kg.export import source_from_build
out, ready = Path(sys.argv[1]), Path(sys.argv[2])
base = source_from_build().graph
other = Graph() + base
other.add((URIRef("https://example.org/extra"), URIRef("https://example.org/p"), Literal("x")))
ready.touch()
while True:
    kg.export(base, "kgx-tsv", out)
    kg.export(other, "kgx-tsv", out)
"""


def _snapshot(out: Path) -> dict[str, bytes]:
    real = Path(os.path.realpath(out))  # a reader resolves the output once, then reads its files
    return {p.name: p.read_bytes() for p in sorted(real.iterdir())}


@pytest.mark.campaign
def test_a_folder_export_killed_at_random_moments_leaves_the_old_or_the_new_folder(tmp_path):
    """A folder is published with one rename: killed at any moment, the target is a whole output, never
    missing (before: a kill between the two renames of the folder swap left no target at all)."""
    import random

    from rdflib import Graph, Literal, URIRef

    import kg
    from kg.export import source_from_build

    base = source_from_build().graph
    other = Graph() + base
    other.add((URIRef("https://example.org/extra"), URIRef("https://example.org/p"), Literal("x")))
    references = []
    for index, graph in enumerate((base, other)):
        kg.export(graph, "kgx-tsv", tmp_path / f"ref-{index}")
        references.append(_snapshot(tmp_path / f"ref-{index}"))
    assert references[0] != references[1]
    out = tmp_path / "out"
    kg.export(base, "kgx-tsv", out)
    rng = random.Random(16)
    for attempt in range(10):
        ready = tmp_path / f"ready-{attempt}"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(ready)])
        while not ready.exists():
            assert writer.poll() is None, "the writer stopped"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 3.0))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert out.exists(), f"no output at all after kill {attempt}"
        assert _snapshot(out) in references, f"a mixed or partial output after kill {attempt}"
