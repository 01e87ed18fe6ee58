"""kg query --endpoint against misbehaving servers (issue 7, D8), each a tiny http.server on 127.0.0.1
in a thread: every failure is a one-line UserError within the time limit, and a reply is never read
past the size limit."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from kg.base.errors import UserError
from kg.core.query.endpoint import run_remote
from kg.core.query.library import load_query
from tests.fuzz.cli_probe import run_kg

QUERY = load_query("cq/treatment-algorithm")
GOOD = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}'


class _Handler(http.server.BaseHTTPRequestHandler):
    behaviour = "good"
    served = [0]

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        kind = type(self).behaviour
        if kind == "hang":
            time.sleep(30)
            return
        if kind == "error":
            self.send_error(500, "Internal Server Error")
            return
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        content_type, body = {
            "good": ("application/sparql-results+json", GOOD),
            "html": ("text/html", b"<html><body>Login</body></html>"),
            "garbage": ("application/sparql-results+json", b"\x00\xff{not json"),
            "wrong-shape": ("application/json", b'{"head": {}, "rows": [1, 2]}'),
            "bad-binding": ("application/json", b'{"head": {"vars": ["x"]}, "results": {"bindings": [5]}}'),
        }.get(kind, ("application/json", b""))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if kind == "huge":  # streams without end: the client must stop at its size limit
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(2000):
                    self.wfile.write(chunk)
                    type(self).served[0] += len(chunk)
            except OSError:
                pass
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/query"
    httpd.shutdown()
    httpd.server_close()


def test_a_good_reply_is_read(server):
    _Handler.behaviour = "good"
    assert [str(r["x"]) for r in run_remote(QUERY, server).rows()] == ["1"]


@pytest.mark.parametrize(("behaviour", "message"), [
    ("hang", "no complete reply within 1 s"),
    ("error", "HTTP 500"),
    ("redirect", "HTTP 302"),
    ("html", "the reply is text/html"),
    ("garbage", "not SPARQL JSON results"),
    ("wrong-shape", "not SPARQL JSON results"),
    ("bad-binding", "not SPARQL JSON results"),
])
def test_a_misbehaving_endpoint_is_a_one_line_error_in_time(behaviour, message, server):
    _Handler.behaviour = behaviour
    started = time.perf_counter()
    with pytest.raises(UserError) as caught:
        run_remote(QUERY, server, timeout=1.0)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert time.perf_counter() - started < 5.0


def test_a_huge_reply_is_cut_at_the_size_limit(server):
    _Handler.behaviour = "huge"
    _Handler.served[0] = 0
    with pytest.raises(UserError, match="larger than 1000000 bytes"):
        run_remote(QUERY, server, max_bytes=1_000_000)
    assert _Handler.served[0] < 100 * 1_000_000


def test_a_refused_connection_is_a_one_line_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(UserError, match="refused") as caught:
        run_remote(QUERY, f"http://127.0.0.1:{port}/query", timeout=2.0)
    assert "\n" not in str(caught.value)


def test_only_http_endpoints(tmp_path):
    with pytest.raises(UserError, match="only http"):
        run_remote(QUERY, (tmp_path / "x").as_uri())


def test_cli_timeout_option_on_a_hanging_endpoint(server):
    _Handler.behaviour = "hang"
    outcome = run_kg("query", "cq/treatment-algorithm", "--endpoint", server, "--timeout", "1")
    assert outcome.clean_error and "within 1 s" in outcome.stderr
    assert outcome.seconds < 5.0
