"""``kg push``: put the checked build on a triple store through the SPARQL 1.1 Graph Store HTTP Protocol.

Each graph is replaced with one HTTP ``PUT <store>?graph=IRI`` carrying the whole graph as N-Triples: the
store swaps the graph in one transaction, so a push that fails (refused, cut, rejected, timed out) leaves
the graph it would have replaced as it was. The build goes into ``--graph`` (default ``BUILD_GRAPH_IRI``)
and what the DL reasoner entailed into a second named graph (default ``INFERRED_GRAPH_IRI``), as in the
embedded store: a query on the build graph alone answers like ``kg query``, one on both graphs like
``kg query --inferred`` (ADR 0012). The build graph is put first; if the second PUT fails the error says
that the build graph is already new.

The endpoint is the store's Graph Store endpoint: Oxigraph ``http://host:7878/store``, Apache Jena Fuseki
``http://host:3030/DATASET/data``, Virtuoso ``http://host:8890/sparql-graph-crud-auth``, GraphDB
``http://host:7200/repositories/REPO/rdf-graphs/service``. Credentials go by HTTP Basic or Digest,
whichever the store asks for in its challenge to a first, body-less ``HEAD`` request (Virtuoso wants
Digest, and resets big uploads sent before the challenge: tech-notes pitfall 17), so a wrong password
costs no upload. Every failure is one ``UserError`` line that never shows the password. Each request (the
HEAD, each PUT with its upload) must be complete within ``--timeout`` seconds of starting, whatever the
store sends and however slowly (a wall-clock deadline over the exchange, kg/base/deadline.py).
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from urllib3.connection import HTTPConnection, HTTPSConnection

from kg.base.deadline import Deadline, watched
from kg.base.errors import UserError
from kg.base.input_limits import DEFAULT_TIMEOUT_SECONDS
from kg.base.paths import BUILD_GRAPH_IRI, INFERRED_GRAPH_IRI
from kg.core.query.endpoint import shown_url

N_TRIPLES = "application/n-triples"
AUTH_SCHEMES = ("auto", "basic", "digest")
MAX_REPLY_BYTES = 1_000_000  # a store's reply to a PUT is a status line and a short message


@dataclass(frozen=True)
class GraphUpload:
    """One named graph to replace, with its content as N-Triples."""

    iri: str
    body: bytes
    triples: int


@dataclass(frozen=True)
class PushedGraph:
    iri: str
    triples: int
    size: int  # bytes sent
    seconds: float
    status: int  # the store's HTTP status (200, 201 or 204)


def build_uploads(build_dir: Path | None = None, graph: str = BUILD_GRAPH_IRI,
                  inferred_graph: str | None = INFERRED_GRAPH_IRI, verify: bool = True,
                  guidelines: Collection[str] | None = None) -> list[GraphUpload]:
    """The build's graph (and, unless ``inferred_graph`` is None, its entailments) as uploads; of a build set, its
    build of exactly *guidelines* (default: of all of them)."""
    from kg.core.build.knowledge import INFERRED_GRAPH, load_knowledge

    store = load_knowledge(build_dir, verify, guidelines).store
    parts = [(graph, ox.DefaultGraph())] + ([(inferred_graph, INFERRED_GRAPH)] if inferred_graph else [])
    return [GraphUpload(iri, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=source),
                        sum(1 for _ in store.quads_for_pattern(None, None, None, source)))
            for iri, source in parts]


def push(endpoint: str, build_dir: Path | None = None, graph: str = BUILD_GRAPH_IRI,
         inferred_graph: str | None = INFERRED_GRAPH_IRI, user: str | None = None, password: str | None = None,
         auth: str = "auto", timeout: float = DEFAULT_TIMEOUT_SECONDS, verify: bool = True,
         guidelines: Collection[str] | None = None) -> list[PushedGraph]:
    """Replace ``graph`` (and ``inferred_graph``) on the Graph Store endpoint with the build (of a build set: the build
    of exactly *guidelines*, default all of them), one PUT each."""
    store = _Store(endpoint, timeout)
    for option, iri in (("--graph", graph), ("--inferred-graph", inferred_graph)):
        if iri is not None:
            _check_iri(option, iri)
    if graph == inferred_graph:
        raise UserError(f"--inferred-graph {inferred_graph}: must differ from --graph (the entailments would "
                        "replace the build)")
    if (user is None) != (password is None):
        raise UserError("--user and --password go together (the password may come from KG_PUSH_PASSWORD)")
    if auth not in AUTH_SCHEMES:
        raise UserError(f"--auth {auth}: not one of {', '.join(AUTH_SCHEMES)}")
    uploads = build_uploads(build_dir, graph, inferred_graph, verify, guidelines)
    with _session() as session:
        session.auth = store.authenticate(session, graph, user, password, auth)
        pushed: list[PushedGraph] = []
        for upload in uploads:
            try:
                pushed.append(store.put(session, upload))
            except UserError as error:
                if pushed:
                    done = ", ".join(f"<{p.iri}>" for p in pushed)
                    raise UserError(f"{error}; {done} already replaced, <{upload.iri}> left as it was: "
                                    "push again") from None
                raise
    return pushed


class _Watched:
    """urllib3 connections whose socket the deadline of the exchange watches: a new one (before TLS wraps it),
    and one kept alive from an earlier request of the push."""

    sock: object

    def _new_conn(self):  # type: ignore[no-untyped-def]
        return watched(super()._new_conn())  # type: ignore[misc]

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.sock is not None:
            watched(self.sock)  # type: ignore[arg-type]
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through an HTTP proxy) are watched by the deadline."""

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **kwargs):  # type: ignore[no-untyped-def]
        manager = super().proxy_manager_for(proxy, **kwargs)
        if isinstance(manager, urllib3.ProxyManager):
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def _session() -> requests.Session:
    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, _WatchedAdapter())
    return session


def _check_iri(option: str, iri: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise UserError(f"{option} {iri!r}: not an absolute IRI (e.g. {BUILD_GRAPH_IRI})") from None


class _Store:
    """A Graph Store endpoint: its URL, how it is shown in messages (no credentials), the time limit."""

    def __init__(self, endpoint: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UserError(f"--endpoint {shown_url(parts)}: give the store's http:// or https:// Graph Store "
                            "endpoint (e.g. http://127.0.0.1:7878/store)")
        if parts.username or parts.password:
            raise UserError(f"--endpoint {shown_url(parts)}: give credentials with --user and --password, "
                            "not in the URL")
        if any(name == "graph" for name, _ in urllib.parse.parse_qsl(parts.query)):
            raise UserError(f"--endpoint {shown_url(parts)}: give the graph with --graph, not in the URL")
        if not timeout > 0:
            raise UserError(f"--timeout {timeout}: must be a positive number of seconds")
        self.parts, self.timeout, self.shown = parts, timeout, shown_url(parts)

    def url(self, graph: str) -> str:
        query = "&".join(q for q in (self.parts.query, urllib.parse.urlencode({"graph": graph})) if q)
        return urllib.parse.urlunsplit(self.parts._replace(query=query))

    def authenticate(self, session: requests.Session, graph: str, user: str | None, password: str | None,
                     scheme: str) -> AuthBase | None:
        """Ask with a body-less HEAD whether and how the store authenticates, then prove the credentials."""
        reply = self._send(session, "HEAD", graph)
        challenge = reply.headers.get("WWW-Authenticate", "")
        if reply.status_code == 401 and user is None:
            raise UserError(f"store {self.shown}: authentication required (HTTP 401, "
                            f"{challenge.split(' ', 1)[0] or 'no scheme named'}): give --user and --password")
        self._refuse_forbidden(reply)
        if user is None or password is None:
            return None
        if scheme == "auto":
            scheme = "basic" if challenge.lower().startswith("basic") else "digest"
            if scheme == "basic" and self.parts.scheme != "https" and reply.status_code == 401:
                raise UserError(f"store {self.shown}: asks for HTTP Basic over plain http, which would send the "
                                "password readable; use an https:// endpoint, or --auth basic to send it anyway")
        auth: AuthBase = HTTPBasicAuth(user, password) if scheme == "basic" else HTTPDigestAuth(user, password)
        if reply.status_code == 401:  # prove the credentials (and, for Digest, get the nonce) before uploading
            session.auth = auth
            checked = self._send(session, "HEAD", graph)
            if checked.status_code == 401:
                raise UserError(f"store {self.shown}: authentication failed (HTTP 401) for user {user!r} "
                                f"with HTTP {scheme.capitalize()}: check --user and --password")
            self._refuse_forbidden(checked)
        return auth

    def put(self, session: requests.Session, upload: GraphUpload) -> PushedGraph:
        started = time.perf_counter()
        reply = self._send(session, "PUT", upload.iri, upload.body)
        if not 200 <= reply.status_code < 300:
            if reply.status_code == 401:
                raise UserError(f"store {self.shown}: authentication failed (HTTP 401) on the upload of "
                                f"<{upload.iri}>: check --user and --password")
            self._refuse_forbidden(reply)
            raise UserError(f"store {self.shown}: HTTP {reply.status_code} {reply.reason or ''}".rstrip()
                            + f" for <{upload.iri}>{self._first_line(reply)}")
        return PushedGraph(upload.iri, upload.triples, len(upload.body), time.perf_counter() - started,
                           reply.status_code)

    def _refuse_forbidden(self, reply: requests.Response) -> None:
        if reply.status_code == 403:
            raise UserError(f"store {self.shown}: not allowed (HTTP 403): this user may not write graphs there"
                            f"{self._first_line(reply)}")
        if 300 <= reply.status_code < 400:
            raise UserError(f"store {self.shown}: HTTP {reply.status_code} redirect to "
                            f"{reply.headers.get('Location', '?')!r}, not followed: give the final URL")

    @staticmethod
    def _first_line(reply: requests.Response) -> str:
        text = reply.content[:MAX_REPLY_BYTES].decode("utf-8", "replace").strip()
        line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return f": {line[:200]}" if line else ""

    def _send(self, session: requests.Session, method: str, graph: str, body: bytes | None = None) \
            -> requests.Response:
        headers = {"Content-Type": N_TRIPLES} if body is not None else {}
        deadline = Deadline(self.timeout)
        try:
            with deadline:
                reply = session.request(method, self.url(graph), data=body, headers=headers, allow_redirects=False,
                                        timeout=(deadline.left(), deadline.left()), stream=True)
                content = reply.raw.read(MAX_REPLY_BYTES + 1, decode_content=True) if method != "HEAD" else b""
                reply._content = content[:MAX_REPLY_BYTES]  # only the start of a long error page is shown
                reply.close()
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            failure = self._expired() if deadline.expired else self._network_failure(error)
            raise UserError(f"store {self.shown}: {failure}") from None
        if deadline.expired:  # a reply cut short by the deadline can look complete
            raise UserError(f"store {self.shown}: {self._expired()}")
        return reply

    def _expired(self) -> str:
        return f"no complete reply within {self.timeout:g} s (raise it with --timeout)"

    def _network_failure(self, error: BaseException) -> str:
        causes = _causes(error)
        names = {type(c).__name__ for c in causes}
        if names & {"ConnectTimeout", "ConnectTimeoutError"}:
            return f"no connection within {self.timeout:g} s (raise it with --timeout)"
        if names & {"ReadTimeout", "ReadTimeoutError", "TimeoutError", "timeout"}:
            return self._expired()
        if "ConnectionRefusedError" in names:
            return "connection refused: is the store running and listening there?"
        if "NameResolutionError" in names or "gaierror" in names:
            return f"cannot resolve the host name {self.parts.hostname!r}"
        if names & {"BadStatusLine", "LineTooLong", "HTTPException", "InvalidHeader"}:
            return "the reply is not HTTP"
        if names & {"RemoteDisconnected", "ConnectionResetError", "BrokenPipeError", "IncompleteRead"}:
            return "the store closed the connection without a complete reply"
        if names & {"OSError", "NewConnectionError"}:
            return f"cannot reach the store ({str(causes[-1]).splitlines()[0][:200]})"
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"


def _causes(error: BaseException) -> list[BaseException]:
    """The error and everything it wraps (requests wraps urllib3's errors, which wrap the socket's)."""
    seen: list[BaseException] = []
    todo: list[object] = [error]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend([item.__cause__, item.__context__, *item.args, getattr(item, "reason", None)])
    return seen
