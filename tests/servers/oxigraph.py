"""A real Oxigraph server (the ``oxigraph`` binary of the test extra, found as ``kg serve`` finds it),
read-write, on a free 127.0.0.1 port, holding the packaged build (``kg/built/``) loaded as ``kg serve`` loads
it: its graph in the default graph, the reasoner's entailments in the named graph
``kg.core.build.knowledge.INFERRED_GRAPH``. Started once per test session, stopped at its end.

``oxigraph_server`` is the base URL; the SPARQL endpoint is ``<base>/query``, the Graph Store ``<base>/store``.
``start_oxigraph``/``stop`` are plain functions (benchmarks/bench_query_endpoints.py uses them too).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.base.paths import PACKAGED_BUILD_DIR
from kg.core.build.verify import build_folder
from kg.publish.serve import load_build, oxigraph_binary
from tests.servers.ports import free_port, stop, wait_until_answering

START_SECONDS = 20.0

__all__ = ["oxigraph_server", "start_oxigraph", "stop"]


def start_oxigraph(folder: Path, build_dir: Path = PACKAGED_BUILD_DIR) -> tuple[str, subprocess.Popen]:
    binary, store = oxigraph_binary(), folder / "store"
    load_build(binary, store, build_folder(build_dir))
    port = free_port()
    process = subprocess.Popen([str(binary), "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/query?query=ASK%7B%7D", process, START_SECONDS, "oxigraph serve")
    except BaseException:
        stop(process)
        raise
    return base, process


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a read-write Oxigraph server holding the packaged build."""
    base, process = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield base
    finally:
        stop(process)
