"""Endpoints that misbehave, each a raw TCP server on 127.0.0.1 in a thread (not http.server: some of
them must break HTTP itself): ``hang`` accepts and never answers, ``error`` answers HTTP 500,
``garbage`` answers bytes that are not HTTP, ``closed`` is a port nothing listens on. And a ``CuttingProxy``
in front of a real store that forwards a PUT's upload only in part, then drops the connection: a push
that fails midway. And a ``DripServer`` that answers one request one byte every 2 s (headers, body or
chunked body): only a deadline over the whole exchange ends it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.servers.ports import free_port

REPLIES = {
    "error": b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 31\r\n"
             b"Connection: close\r\n\r\nstore exploded: disk is on fire",
    "garbage": b"\x00\xffSSH-2.0-not-http\r\n\r\n",
}


@dataclass(frozen=True)
class Misbehaving:
    hang: str
    error: str
    garbage: str
    closed: str


def _serve(listener: socket.socket, behaviour: str, stop: threading.Event, held: list[socket.socket]) -> None:
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        if behaviour == "hang":
            held.append(connection)  # never read, never answered, closed at the end of the session
            continue
        with connection:
            connection.settimeout(5)
            try:
                connection.recv(65536)  # the start of the request; the reply does not wait for the rest
                connection.sendall(REPLIES[behaviour])
                connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass


@contextmanager
def misbehaving_servers() -> Iterator[Misbehaving]:
    stop, held, listeners, urls = threading.Event(), [], [], {}
    for behaviour in ("hang", "error", "garbage"):
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)
        threading.Thread(target=_serve, args=(listener, behaviour, stop, held), daemon=True).start()
        urls[behaviour] = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        yield Misbehaving(closed=f"http://127.0.0.1:{free_port()}", **urls)
    finally:
        stop.set()
        for sock in listeners + held:
            sock.close()


@pytest.fixture(scope="session")
def misbehaving() -> Iterator[Misbehaving]:
    with misbehaving_servers() as servers:
        yield servers


class CuttingProxy:
    """Forwards connections to ``upstream`` (host, port); the ``cut``-th PUT (counting from 1) is dropped
    after ``keep`` bytes of its request: the store sees a connection lost midway through the upload."""

    def __init__(self, upstream: tuple[str, int], cut: int = 1, keep: int = 200_000) -> None:
        self.upstream, self.cut, self.keep, self.puts = upstream, cut, keep, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, request: bool) -> None:
        sent, cutting = 0, False
        try:
            while data := source.recv(65536):
                if request and data.startswith(b"PUT "):
                    with self.lock:
                        self.puts += 1
                        cutting, sent = self.puts == self.cut, 0
                if cutting and sent + len(data) > self.keep:
                    target.sendall(data[: self.keep - sent])
                    raise ConnectionAbortedError("cut")
                sent += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


DRIP_SECONDS = 2.0  # one byte (or one one-byte chunk) every DRIP_SECONDS
DRIP_STAGES = ("headers", "body", "chunked")
PROMPT = {"HEAD": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "PUT": b"HTTP/1.1 204 No Content\r\n\r\n",
          "POST": b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"}
RESULTS = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
DRIP_START = {"headers": b"HTTP/1.1 200 OK\r\nX-Drip: ", "body": RESULTS + b"Content-Length: 100000\r\n\r\n",
              "chunked": RESULTS + b"Transfer-Encoding: chunked\r\n\r\n"}
DRIP_BYTE = {"headers": b"x", "body": b" ", "chunked": b"1\r\n \r\n"}


class DripServer:
    """A slow-drip server (issue 16, item 4): it reads each request whole (keep-alive, as a store would) and
    answers at once, except the ``drip_on``-th request (counting from 1 on all connections), which it answers
    one byte every DRIP_SECONDS, forever, in ``stage``: the status line and then an endless header
    (``headers``), a 100 kB body with its Content-Length (``body``), or a chunked body of one-byte chunks
    (``chunked``). No read ever waits longer than DRIP_SECONDS, so only a deadline over the whole exchange
    ends it."""

    def __init__(self, stage: str, drip_on: int = 1) -> None:
        self.stage, self.drip_on, self.requests = stage, drip_on, 0
        self.stop, self.lock = threading.Event(), threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> DripServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            buffer = b""
            try:
                while not self.stop.is_set():
                    method, buffer = self._request(connection, buffer)
                    if method is None:
                        return
                    with self.lock:
                        self.requests += 1
                        drip = self.requests == self.drip_on
                    if not drip:
                        connection.sendall(PROMPT.get(method, PROMPT["POST"]))
                        continue
                    connection.sendall(DRIP_START[self.stage])
                    while not self.stop.wait(DRIP_SECONDS):
                        connection.sendall(DRIP_BYTE[self.stage])
                    return
            except OSError:
                return

    @staticmethod
    def _request(connection: socket.socket, buffer: bytes) -> tuple[str | None, bytes]:
        """Read one request (head and Content-Length body); its method, and what follows it."""
        while b"\r\n\r\n" not in buffer:
            data = connection.recv(65536)
            if not data:
                return None, b""
            buffer += data
        head, rest = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                       if line.lower().startswith("content-length:")), 0)
        while len(rest) < length:
            data = connection.recv(1 << 20)
            if not data:
                return None, b""
            rest += data
        return lines[0].split(" ", 1)[0], rest[length:]
