"""Credentials are never printed nor sent readable by default (issue 16, "Credentials"): an endpoint URL with
user information is refused without showing it (query, as push already did), and ``kg push --auth auto``
answers an HTTP Basic challenge only over https; ``--auth basic`` sends it on purpose."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from kg.base.errors import UserError
from tests.fuzz.cli_probe import run_kg_process

pytestmark = pytest.mark.fuzz
SECRET = "S3cr3t-pw"


@pytest.mark.parametrize("url", [
    f"http://admin:{SECRET}@127.0.0.1:9/query",
    f"https://admin:{SECRET}@127.0.0.1:9/query",
    f"http://{SECRET}@127.0.0.1:9/query",
])
def test_query_never_prints_a_password_given_in_the_endpoint_url(url, tmp_path):
    """Before: `kg query --endpoint http://admin:S3cr3t@host/query` printed the password in its error."""
    outcome = run_kg_process("query", "cq/treatment-algorithm", "--endpoint", url, "--timeout", "2", cwd=tmp_path)
    assert outcome.clean_error, outcome.stderr
    assert SECRET not in outcome.stderr + outcome.stdout
    assert "127.0.0.1:9/query" in outcome.stderr


def test_the_python_api_never_shows_a_password_given_in_the_endpoint_url():
    import kg

    with pytest.raises(UserError) as caught:
        kg.sparql("cq/treatment-algorithm", endpoint=f"http://admin:{SECRET}@127.0.0.1:9/query")
    assert SECRET not in str(caught.value)


class _BasicStore(http.server.BaseHTTPRequestHandler):
    """A plain-http store that asks for HTTP Basic and records every Authorization header it is sent."""

    seen: list[str] = []

    def _challenge(self) -> None:
        if self.headers.get("Authorization"):
            _BasicStore.seen.append(self.headers["Authorization"])
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_PUT = do_GET = _challenge  # noqa: N815 - the http.server interface

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture()
def basic_store() -> Iterator[str]:
    _BasicStore.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BasicStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/store"
    finally:
        server.shutdown()


def test_push_auth_auto_never_sends_basic_over_plain_http(basic_store, tmp_path):
    """Before: `kg push --auth auto` answered a plain-http Basic challenge with the password."""
    outcome = run_kg_process("push", "--endpoint", basic_store, "--user", "dba", "--timeout", "5", cwd=tmp_path,
                             env={"KG_PUSH_PASSWORD": SECRET})
    assert outcome.clean_error and "https" in outcome.stderr and "--auth basic" in outcome.stderr, outcome.stderr
    assert _BasicStore.seen == []
    assert SECRET not in outcome.stderr


def test_push_auth_basic_sends_it_when_asked(basic_store, tmp_path):
    outcome = run_kg_process("push", "--endpoint", basic_store, "--user", "dba", "--auth", "basic", "--timeout", "5",
                             cwd=tmp_path, env={"KG_PUSH_PASSWORD": SECRET})
    assert outcome.clean_error and "authentication failed" in outcome.stderr, outcome.stderr
    assert _BasicStore.seen and all(header.startswith("Basic ") for header in _BasicStore.seen)
    assert SECRET not in outcome.stderr
