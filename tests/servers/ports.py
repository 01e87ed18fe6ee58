"""Free TCP ports on 127.0.0.1 and waiting for a server to answer, for the servers the tests start."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class RunningStore:
    """A triple store the tests started: its SPARQL endpoint, its Graph Store endpoint, its account if any."""

    query_url: str
    store_url: str
    user: str | None = None
    password: str | None = None


def free_port() -> int:
    """A port nothing listens on now (closed again at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, seconds: float, what: str) -> None:
    """Poll ``url`` until it answers with any HTTP status; fail if ``process`` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # an HTTP error is an answer: the server is up
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer {url} within {seconds:g} s")


def stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """SIGTERM (a clean shutdown), then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
