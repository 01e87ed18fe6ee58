"""Running a query on a remote SPARQL 1.1 endpoint (a triple store), over the SPARQL 1.1 protocol
(HTTP POST), bounded: a wall-clock deadline over the whole exchange (``--timeout``: connecting, sending,
headers and body, kg/base/deadline.py), a maximum reply size read in chunks and cut,
no redirects followed, and a one-line UserError for every way an endpoint can fail (refused, hanging,
an HTTP error, HTML or anything that is not SPARQL results or RDF).

SELECT and ASK replies are SPARQL results (JSON preferred), CONSTRUCT and DESCRIBE replies RDF; both are
read by pyoxigraph into the result type the embedded engine gives (``kg/core/query/results.py``). Parameters
are bound by a VALUES block built from RDF terms and placed first in the query's WHERE group
(``kg/core/query/values_clause.py``), never by formatting a value into the query text.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.base.deadline import Deadline, opener
from kg.base.errors import UserError
from kg.base.input_limits import DEFAULT_TIMEOUT_SECONDS, MAX_REPLY_BYTES
from kg.core.query.library import Query, query_from_text
from kg.core.query.results import Boolean, QueryResult, from_reply
from kg.core.query.values_clause import with_values

CHUNK_BYTES = 65_536
ACCEPT = ("application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
          "application/sparql-results+xml;q=0.5")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]  # noqa: N802
        return None  # a redirect is reported as the HTTP error it is, never followed to another scheme or host


_OPENER = opener(_NoRedirect)


def run_remote(query: Query, endpoint: str, bindings: Mapping[str, Node] | None = None,
               timeout: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = MAX_REPLY_BYTES) -> QueryResult:
    """Run ``query`` on ``endpoint`` with ``bindings`` (RDF terms, already resolved) as a VALUES block."""
    return fetch_result(with_values(query, bindings or {}), endpoint, timeout, max_bytes)


def fetch_result(text: str, endpoint: str, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 max_bytes: int = MAX_REPLY_BYTES) -> QueryResult:
    """Send SPARQL ``text`` as it is and read the reply."""
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https"):
        raise UserError(f"endpoint {shown_url(parts)}: only http:// and https:// endpoints are supported")
    if parts.username is not None or parts.password is not None:
        raise UserError(f"endpoint {shown_url(parts)}: credentials in the URL are refused (never sent nor shown); "
                        "give an endpoint that needs none")
    if not timeout > 0:
        raise UserError(f"--timeout {timeout}: must be a positive number of seconds")
    media_type, body = _fetch(text, endpoint, timeout, max_bytes)
    return from_reply(body, media_type, f"endpoint {endpoint}")


def shown_url(parts: urllib.parse.SplitResult) -> str:
    """A URL as messages show it: scheme, host, port and path, never the user information (a password)."""
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path}"


def contains(endpoint: str, term: URIRef | Literal, timeout: float = DEFAULT_TIMEOUT_SECONDS,
             max_bytes: int = MAX_REPLY_BYTES) -> bool:
    """Whether ``term`` occurs in the endpoint's default graph (an IRI as a subject or an object, a literal as
    an object)."""
    text = ("ASK { { ?node ?p ?o } UNION { ?s ?p ?node } }" if isinstance(term, URIRef) else "ASK { ?s ?p ?node }")
    result = fetch_result(with_values(query_from_text(text, "node-exists"), {"node": term}), endpoint, timeout,
                          max_bytes)
    if not isinstance(result, Boolean):
        raise UserError(f"endpoint {endpoint} failed: an ASK query did not get a boolean reply")
    return result.value


def _fetch(text: str, endpoint: str, timeout: float, max_bytes: int) -> tuple[str, bytes]:
    """The reply's media type and body, all of it within ``timeout`` seconds of starting."""
    request = urllib.request.Request(
        endpoint, data=urllib.parse.urlencode({"query": text}).encode("utf-8"), method="POST",
        headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
    )
    deadline = Deadline(timeout)
    try:
        with deadline:
            reply = _exchange(request, endpoint, deadline, max_bytes)
    except UserError:
        if not deadline.expired:
            raise
        error: Exception = TimeoutError()
    except Exception as caught:  # noqa: BLE001 - every way an exchange fails becomes one UserError line
        error = TimeoutError() if deadline.expired else caught
    else:
        if not deadline.expired:  # a reply cut short by the deadline can look complete
            return reply
        error = TimeoutError()
    raise _failure(error, endpoint, timeout) from None


def _exchange(request: urllib.request.Request, endpoint: str, deadline: Deadline, max_bytes: int) \
        -> tuple[str, bytes]:
    try:
        with _OPENER.open(request, timeout=deadline.left()) as reply:
            kind = reply.headers.get_content_type()
            chunks, size = [], 0
            while chunk := reply.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise UserError(f"endpoint {endpoint} failed: the reply is larger than {max_bytes} bytes")
                chunks.append(chunk)
            return kind, b"".join(chunks)
    except urllib.error.HTTPError as error:  # its body is read here, within the deadline
        detail = _first_line(error.read(300) if error.fp else b"")
        raise UserError(f"endpoint {endpoint} failed: HTTP {error.code} {error.reason}"
                        + (f" ({detail})" if detail else "")) from None


def _failure(error: Exception, endpoint: str, timeout: float) -> UserError:
    if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
        return UserError(f"endpoint {endpoint} failed: no complete reply within {timeout:g} s "
                         "(raise it with --timeout)")
    if isinstance(error, http.client.HTTPException):  # a reply that is not HTTP (BadStatusLine, IncompleteRead, ...)
        return UserError(f"endpoint {endpoint} failed: the reply is not valid HTTP ({type(error).__name__})")
    reason: Any = getattr(error, "reason", error)
    return UserError(f"endpoint {endpoint} failed: {str(reason).splitlines()[0] if str(reason) else error}")


def _first_line(body: bytes) -> str:
    """The first line of an error reply, as printable text (the store's own message, e.g. a syntax error)."""
    text = body.decode("utf-8", "replace").strip().splitlines()
    return "".join(c for c in text[0] if c.isprintable())[:200] if text else ""
