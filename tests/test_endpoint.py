"""The query library on a real triple store: an Oxigraph server started by the test on 127.0.0.1,
loaded with the built graph, queried over HTTP (SPARQL protocol, kg/endpoint.py). Every parameter-free
competency question and QC check must give the same rows as the embedded engine."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kg.build import serialize
from kg.checks import violation_queries
from kg.endpoint import run_remote
from kg.errors import UserError
from kg.queries import all_queries, load_query, run_query
from tests.conftest import rendered_rows

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(real_graph, tmp_path_factory):
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    folder = tmp_path_factory.mktemp("oxigraph")
    data = folder / "rls-kg.ttl"
    data.write_bytes(serialize(real_graph))
    subprocess.run([oxigraph, "load", "--location", str(folder / "db"), "--file", str(data)], check=True,
                   capture_output=True)
    port = _free_port()
    server = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(folder / "db"),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):  # ready within 10 s
            try:
                urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("oxigraph server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


PARAMETER_FREE = [q for q in all_queries() if not q.params and not re.search(r"^CONSTRUCT\b", q.text, re.MULTILINE)]


@pytest.mark.parametrize("query", PARAMETER_FREE, ids=[q.name for q in PARAMETER_FREE])
def test_endpoint_gives_the_same_rows_as_the_embedded_engine(query, endpoint, real_store):
    assert rendered_rows(query, run_remote(query, endpoint)) == rendered_rows(query, run_query(query, real_store))


def test_checks_pass_on_the_server(endpoint):
    assert all(not run_remote(q, endpoint) for q in violation_queries())


def test_parameterised_queries_are_refused_remotely(endpoint):
    with pytest.raises(UserError, match="cannot bind"):
        run_remote(load_query("cq/cautions"), endpoint)


def test_cli_query_on_the_endpoint(endpoint):
    result = subprocess.run([sys.executable, "-m", "kg", "query", "cq/treatment-algorithm", "--endpoint", endpoint,
                             "--format", "tsv"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 7  # header + the seed's six steps
