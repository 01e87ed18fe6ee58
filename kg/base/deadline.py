"""A wall-clock deadline over a whole HTTP exchange (``kg query --endpoint``, each request of ``kg push``):
connecting, sending, the reply's status line and headers, its body. A socket timeout bounds one read only,
and a server that sends one byte every 2 s never lets a read wait long; so every socket an exchange opens
is *watched*: when the deadline passes, a timer thread shuts the socket down, the read blocked on it
returns at once, and the exchange reports the deadline (``expired``), even if what it read looked complete.

Sockets are registered where the HTTP stacks create them: ``opener()`` (urllib, for the SPARQL endpoint)
and ``watched(sock)``, which kg/publish/push.py calls from its urllib3 connection classes. Only sockets created
on the thread that entered the deadline are watched.

>>> with Deadline(5.0) as deadline:
...     deadline.left() <= 5.0, deadline.expired
(True, False)
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.request
from typing import Any

_ACTIVE = threading.local()  # the deadline entered on this thread, if any


class Deadline:
    """``with Deadline(seconds) as deadline:`` watches every socket opened in the block on this thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._over = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._previous: Deadline | None = None

    def left(self) -> float:
        """Seconds until the deadline (a small positive number once it has passed: a socket timeout of 0
        would make the socket non-blocking)."""
        return max(self.ends - time.monotonic(), 0.01)

    def __enter__(self) -> Deadline:
        self._previous = getattr(_ACTIVE, "deadline", None)
        _ACTIVE.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.deadline = self._previous
        self._timer.cancel()
        with self._lock:
            self._over = True
            for copy in self._sockets:
                copy.close()
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline. A duplicate descriptor of it is kept, so the timer never acts
        on a descriptor number the exchange has closed and the system has given to something else."""
        copy = socket.fromfd(sock.fileno(), sock.family, sock.type)  # a TLS socket has no dup()
        with self._lock:
            if self._over:
                copy.close()
                return
            self._sockets.append(copy)
            if self.expired:
                _shut(copy)

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.expired = True
            for copy in self._sockets:
                _shut(copy)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the peer


def watched(sock: socket.socket) -> socket.socket:
    """Register a newly connected socket with the deadline of this thread, if there is one."""
    deadline: Deadline | None = getattr(_ACTIVE, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)
    return sock


def _create_connection(address: tuple[str, int], timeout: float | None,
                       source_address: tuple[str, int] | None = None, **options: Any) -> socket.socket:
    return watched(socket.create_connection(address, timeout, source_address, **options))


class _WatchedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection  # http.client's own hook; TLS wraps the watched socket


class _WatchedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection


_WATCHED = {http.client.HTTPConnection: _WatchedHTTPConnection, http.client.HTTPSConnection: _WatchedHTTPSConnection}


class _Watching:
    def do_open(self, http_class: type, req: urllib.request.Request, **kwargs: Any) -> Any:
        return super().do_open(_WATCHED.get(http_class, http_class), req, **kwargs)  # type: ignore[misc]


class WatchedHTTPHandler(_Watching, urllib.request.HTTPHandler):
    pass


class WatchedHTTPSHandler(_Watching, urllib.request.HTTPSHandler):
    pass


def opener(*handlers: urllib.request.BaseHandler | type) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections are watched (plus ``handlers``)."""
    return urllib.request.build_opener(*handlers, WatchedHTTPHandler, WatchedHTTPSHandler)
