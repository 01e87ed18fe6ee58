"""Running the query library on a remote SPARQL 1.1 endpoint (a triple store), over the SPARQL 1.1
protocol (HTTP POST, JSON results), bounded: a total time limit (``--timeout``), a maximum reply size
read in chunks and cut, and a one-line UserError for every way an endpoint can fail (refused, hanging,
an HTTP error, HTML or anything that is not SPARQL JSON results).

The SPARQL protocol has no way to bind a value to a variable, and values are never formatted into
query text here: a query with parameters runs only embedded (``kg.run_query``), where values are
bound with substitutions. Parameter-free queries (the competency questions, the QC checks) run
unchanged on any endpoint.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import UserError
from kg.input_limits import DEFAULT_TIMEOUT_SECONDS, MAX_REPLY_BYTES
from kg.queries import Query

CHUNK_BYTES = 65_536
ACCEPT = "application/sparql-results+json"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]  # noqa: N802
        return None  # a redirect is reported as the HTTP error it is, never followed to another scheme or host


_OPENER = urllib.request.build_opener(_NoRedirect)


def run_remote(query: Query, endpoint: str, timeout: float = DEFAULT_TIMEOUT_SECONDS,
               max_bytes: int = MAX_REPLY_BYTES) -> list[dict[str, Node | None]]:
    """Run a parameter-free SELECT query on ``endpoint``; rows as rdflib terms, like run_query."""
    if query.params:
        raise UserError(
            f"query '{query.name}' takes parameters ({', '.join(query.params)}); SPARQL endpoints cannot bind "
            "them and kg never formats values into query text: run it embedded (without --endpoint)"
        )
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise UserError(f"endpoint {endpoint}: only http:// and https:// endpoints are supported")
    if not timeout > 0:
        raise UserError(f"--timeout {timeout}: must be a positive number of seconds")
    body = _fetch(query, endpoint, timeout, max_bytes)
    try:
        result = json.loads(body)
        names = result["head"]["vars"]
        bindings = result["results"]["bindings"]
        return [{name: _term(binding.get(name)) for name in names} for binding in bindings]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UserError(f"endpoint {endpoint} failed: the reply is not SPARQL JSON results "
                        f"(starts with {body[:60]!r})") from None


def _fetch(query: Query, endpoint: str, timeout: float, max_bytes: int) -> bytes:
    request = urllib.request.Request(
        endpoint, data=urllib.parse.urlencode({"query": query.text}).encode("utf-8"), method="POST",
        headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
    )
    deadline = time.monotonic() + timeout
    try:
        with _OPENER.open(request, timeout=timeout) as reply:
            kind = reply.headers.get_content_type()
            if "json" not in kind:
                raise UserError(f"endpoint {endpoint} failed: the reply is {kind}, not SPARQL JSON results")
            chunks, size = [], 0
            while chunk := reply.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise UserError(f"endpoint {endpoint} failed: the reply is larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as error:
        raise UserError(f"endpoint {endpoint} failed: HTTP {error.code} {error.reason}") from None
    except TimeoutError:
        raise UserError(f"endpoint {endpoint} failed: no complete reply within {timeout:g} s "
                        "(raise it with --timeout)") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason: Any = getattr(error, "reason", error)
        raise UserError(f"endpoint {endpoint} failed: {str(reason).splitlines()[0] if str(reason) else error}") \
            from None


def _term(value: dict[str, str] | None) -> Node | None:
    if value is None:
        return None
    if value["type"] == "uri":
        return URIRef(value["value"])
    if value["type"] == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    return Literal(value["value"], datatype=URIRef(value["datatype"]) if "datatype" in value else None)
