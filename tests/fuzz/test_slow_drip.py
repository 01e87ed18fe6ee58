"""Deadlines that hold against a slow-drip server (issue 16, item 4): ``kg query --endpoint URL --timeout N`` and ``kg
push --timeout N`` end within N seconds of the exchange starting (plus a slack for a loaded machine), whatever the
server sends one byte every 2 s: the status line and headers, a body with a Content-Length, or a chunked body, on
the query's POST and on each request of a push (the HEAD that asks how to authenticate and both PUTs). Before the
fix the deadline was checked only between 64 kB reads (push: a per-read timeout), so every case ran for as long as
the server dripped.

Measured around a subprocess of the real CLI; the process's own start and the exchanges before the dripping one
(imports, loading the build, the N-Triples and upload of a push) are measured on the same command against the same
server answering every request at once, and added."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from kg.base.paths import BUILD_GRAPH_IRI
from tests.servers.misbehaving import DRIP_STAGES, DripServer

pytestmark = [pytest.mark.fuzz]
TIMEOUT = 3
HANGING = TIMEOUT + 12  # a run still going then is a hang: the test fails instead of waiting for the server
SLACK = 3  # seconds over start + TIMEOUT allowed for a loaded machine (CI runs two test workers); a hang is 12
COMMANDS = {
    "query": ["query", "cq/treatment-algorithm", "--endpoint", "{url}/query"],
    "push": ["push", "--endpoint", "{url}/store", "--graph", BUILD_GRAPH_IRI],
}
CASES = [("query", stage, 1) for stage in DRIP_STAGES] \
    + [("push", "headers", 1)] + [("push", stage, put) for put in (2, 3) for stage in DRIP_STAGES]  # HEAD, 2 PUTs


def _run(command: str, url: str) -> tuple[subprocess.CompletedProcess | None, float]:
    arguments = [a.format(url=url) for a in COMMANDS[command]]
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "kg", *arguments, "--timeout", str(TIMEOUT)],
                              capture_output=True, text=True, timeout=HANGING)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    return done, time.monotonic() - started


@pytest.fixture(scope="module")
def start_seconds() -> dict[str, float]:
    """How long each command takes against the same server when it drips on no request (every request answered at
    once): the process's start and every exchange before the one that drips (a push's HEAD and first PUT upload
    the whole graph before its second PUT), so a loaded machine's slower upload is not counted as deadline time."""
    found = {}
    for command in COMMANDS:
        with DripServer("headers", drip_on=0) as server:
            done, seconds = _run(command, server.url)
        assert done is not None, f"{command} against a server that answers at once still ran after {HANGING} s"
        found[command] = seconds
    return found


@pytest.mark.parametrize(("command", "stage", "request_number"), CASES,
                         ids=[f"{c}-{s}-request{n}" for c, s, n in CASES])
def test_a_server_dripping_one_byte_every_2_s_outlasts_the_timeout(command, stage, request_number, start_seconds):
    with DripServer(stage, drip_on=request_number) as server:
        done, seconds = _run(command, server.url)
    assert done is not None, f"still running after {HANGING} s (--timeout {TIMEOUT})"
    assert done.returncode == 2 and done.stderr.startswith("error: "), done.stderr
    assert f"within {TIMEOUT} s" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert seconds <= start_seconds[command] + TIMEOUT + SLACK, \
        f"{seconds:.1f} s, the start {start_seconds[command]:.1f} s + --timeout {TIMEOUT} + {SLACK} s"
