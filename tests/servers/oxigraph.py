"""A real Oxigraph server (the ``oxigraph`` binary of the test extra, found next to ``sys.executable``),
read-write, on a free 127.0.0.1 port, holding the packaged build (``kg/built/``): its graph in the default
graph, the reasoner's entailments in the named graph ``kg.knowledge.INFERRED_GRAPH``. Started once per
test session, stopped at its end.

``oxigraph_server`` is the base URL; the SPARQL endpoint is ``<base>/query``, the Graph Store ``<base>/store``.
``start_oxigraph``/``stop`` are plain functions (benchmarks/bench_query_endpoints.py uses them too).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.paths import BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME, PACKAGED_BUILD_DIR

START_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph server binary is missing: pip install -e '.[test]' installs it")
    return found


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = START_SECONDS) -> None:
    """Poll ``url`` until it answers (the server is ready), failing if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no answer from {url} within {seconds} s")


def start_oxigraph(folder: Path, build_dir: Path = PACKAGED_BUILD_DIR) -> tuple[str, subprocess.Popen]:
    from kg.knowledge import INFERRED_GRAPH

    binary, store = oxigraph_binary(), folder / "store"
    subprocess.run([binary, "load", "--location", str(store), "--file", str(build_dir / BUILT_GRAPH_NAME)],
                   check=True, capture_output=True)
    subprocess.run([binary, "load", "--location", str(store), "--file", str(build_dir / INFERRED_GRAPH_NAME),
                    "--graph", INFERRED_GRAPH.value], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/query?query=ASK%7B%7D", process)
    except BaseException:
        stop(process)
        raise
    return base, process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a read-write Oxigraph server holding the packaged build."""
    base, process = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield base
    finally:
        stop(process)
