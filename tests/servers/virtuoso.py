"""Virtuoso 7 (Debian's virtuoso-opensource) started by the test session on 127.0.0.1: its own ini and
database in a temporary folder, free ports, never the system service (tech-notes pitfall 17). The
deliberately different store: another engine, the union of all graphs as default graph, HTTP Digest
authentication for writes. ``.ci/run`` installs the package."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers.ports import RunningStore, free_port, stop, wait_until_answering

SYSTEM_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
SYSTEM_DB = "/var/lib/virtuoso-opensource-7/db/"
USER, PASSWORD = "dba", "dba"  # the account of a fresh database; it listens on loopback only


def private_ini(folder: Path, sql_port: int, http_port: int) -> str:
    """The Debian ini with the database in ``folder`` and both servers on 127.0.0.1."""
    text = SYSTEM_INI.read_text(encoding="utf-8").replace(SYSTEM_DB, f"{folder}/")
    text = re.sub(r"(?m)^ServerPort(\s*)= 1111$", rf"ServerPort\1= 127.0.0.1:{sql_port}", text)
    text = re.sub(r"(?m)^ServerPort(\s*)= 8890$", rf"ServerPort\1= 127.0.0.1:{http_port}", text)
    # Debian's defaults cut answers silently: at 10,000 rows, and at 60 s with the partial answer of an "anytime
    # query" (HTTP 200); no limit here, so that an answer is complete or an error
    for setting in ("ResultSetMaxRows", "MaxQueryExecutionTime", "MaxQueryCostEstimationTime"):
        text = re.sub(rf"(?m)^{setting}(\s*)= \d+", rf"{setting}\1= 0", text)
    text = text.replace("[Parameters]\n", "[Parameters]\nStopCompilerWhenXOverRunTime = 1\n", 1)
    assert f"127.0.0.1:{sql_port}" in text and f"127.0.0.1:{http_port}" in text, "the ini's ports were not rewritten"
    assert "MaxQueryExecutionTime      = 0" in text, "the ini's query limits were not rewritten"
    return text


@contextmanager
def running_virtuoso(folder: Path) -> Iterator[RunningStore]:
    """A fresh Virtuoso in ``folder`` until the block ends (SIGTERM: clean shutdown)."""
    binary = shutil.which("virtuoso-t")
    if binary is None or not SYSTEM_INI.is_file():
        raise RuntimeError("Virtuoso is required for the store tests: apt-get install virtuoso-opensource (.ci/run)")
    http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(private_ini(folder, free_port(), http_port), encoding="utf-8")
    with (folder / "virtuoso.out").open("wb") as log:
        process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{http_port}"
        wait_until_answering(f"{base}/sparql?query=ASK%7B%7D", process, 60, "virtuoso-t")
        yield RunningStore(f"{base}/sparql", f"{base}/sparql-graph-crud-auth", USER, PASSWORD)  # Digest
    finally:
        stop(process)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStore]:
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server
