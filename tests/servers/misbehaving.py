"""Endpoints that misbehave, each a raw TCP server on 127.0.0.1 in a thread (not http.server: some of
them must break HTTP itself): ``hang`` accepts and never answers, ``error`` answers HTTP 500,
``garbage`` answers bytes that are not HTTP, ``closed`` is a port nothing listens on. And a ``CuttingProxy``
in front of a real store that forwards a PUT's upload only in part, then drops the connection: a push
that fails midway."""

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
