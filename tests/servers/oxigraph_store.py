"""A writable, empty Oxigraph server (``oxigraph serve``) started by the test session on 127.0.0.1: the
target of ``kg push`` (Graph Store endpoint ``/store``) and of remote queries (``/query``). Oxigraph has
no authentication; it listens on loopback only."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.publish.serve import oxigraph_binary
from tests.servers.ports import RunningStore, free_port, stop, wait_until_answering


@contextmanager
def running_oxigraph(folder: Path) -> Iterator[RunningStore]:
    port = free_port()
    process = subprocess.Popen([str(oxigraph_binary()), "serve", "--location", str(folder / "store"),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{base}/query?query=ASK%7B%7D", process, 30, "oxigraph serve")
        yield RunningStore(f"{base}/query", f"{base}/store")
    finally:
        stop(process)


@pytest.fixture(scope="session")
def oxigraph_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStore]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-store")) as server:
        yield server
