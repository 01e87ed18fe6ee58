"""kg serve as a user runs it: a subprocess on a free 127.0.0.1 port, queried over HTTP, then stopped with
Ctrl-C (SIGINT) or SIGTERM: it exits 0, without a traceback, and leaves no temporary folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest
import requests

from kg.base.paths import INFERRED_GRAPH_IRI
from kg.core.build.knowledge import default_knowledge
from kg.core.query.endpoint import run_remote
from kg.core.query.library import load_query, run_query
from kg.publish.serve import TEMP_PREFIX
from tests.conftest import rendered_rows
from tests.servers.ports import free_port

pytestmark = pytest.mark.server


def start_serve(tmp_path, port: int) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def printed_urls(process: subprocess.Popen) -> dict[str, str]:
    """The URLs kg serve prints once the server answers, by name."""
    urls = {}
    deadline = time.monotonic() + 60
    while "SPARQL endpoint" not in urls and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"kg serve ended: {process.stderr.read()}")
        if line.startswith("  ") and ": " in line:
            name, url = line.strip().split(": ", 1)
            urls[name] = url.strip()
    return urls


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_and_stops_cleanly(stop_signal, tmp_path):
    port = free_port()
    process = start_serve(tmp_path, port)
    try:
        urls = printed_urls(process)
        assert urls == {"query UI": f"http://127.0.0.1:{port}/", "SPARQL endpoint": f"http://127.0.0.1:{port}/query"}
        assert list(tmp_path.glob(f"{TEMP_PREFIX}*")), "the store folder is in the temporary directory"
        query = load_query("cq/treatment-algorithm")
        remote = run_remote(query, urls["SPARQL endpoint"], timeout=30).without(query.filters).rows()
        assert rendered_rows(query, remote) == rendered_rows(query, run_query(query, default_knowledge().store))
        assert requests.get(urls["query UI"], timeout=10).ok
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH_IRI}> {{ ?s ?p ?o }} }}"
        reply = requests.post(urls["SPARQL endpoint"], data={"query": count}, timeout=10,
                              headers={"Accept": "application/sparql-results+json"})
        inferred = sum(1 for _ in default_knowledge().store.quads_for_pattern(None, None, None,
                                                                              ox.NamedNode(INFERRED_GRAPH_IRI)))
        assert int(reply.json()["results"]["bindings"][0]["n"]["value"]) == inferred > 0
        process.send_signal(stop_signal)
        assert process.wait(timeout=20) == 0
        assert "Traceback" not in process.stderr.read()
        assert not list(tmp_path.iterdir()), "kg serve left files in the temporary directory"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_killed_kg_serve_takes_its_server_with_it(tmp_path):
    port = free_port()
    process = start_serve(tmp_path, port)
    try:
        printed_urls(process)
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return  # nothing listens any more
        time.sleep(0.05)
    pytest.fail(f"the Oxigraph server of a killed kg serve still listens on port {port}")


def test_a_port_in_use_is_a_clean_error(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        process = start_serve(tmp_path, taken.getsockname()[1])
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert stderr.startswith("error: the Oxigraph server did not start on http://127.0.0.1:")
    assert "Traceback" not in stderr
    assert not list(tmp_path.iterdir())


def test_a_missing_oxigraph_binary_is_a_clean_error(tmp_path, monkeypatch):
    from kg.base.errors import UserError
    from kg.publish.serve import oxigraph_binary

    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match="the Oxigraph server is not installed: pip install oxigraph"):
        oxigraph_binary()
