"""Hostile parameter values on a real, writable Oxigraph server (the session's, tests/servers/oxigraph.py):
each value comes back exactly as sent (a query that echoes its parameters), or the call is a clean
UserError; the server's data is unchanged afterwards: its quad count after each call, and a hash of the
whole dataset after all of them (the last test of this file)."""

from __future__ import annotations

import hashlib
import urllib.parse
import urllib.request

import pytest
from rdflib import Literal, URIRef

from kg.base.errors import UserError
from kg.core.build.knowledge import default_knowledge
from kg.core.query.execute import Target, execute
from kg.core.query.library import load_query, query_from_text
from tests.fuzz.cli_probe import run_kg
from tests.test_values_clause import HOSTILE

pytestmark = pytest.mark.server

ECHO = query_from_text("#+ params: ?value ?after\nSELECT ?value ?after WHERE {}", "echo")
AFTER = Literal(") (UNDEF UNDEF) } ; DROP ALL #")  # would add an unbound row if the first value escaped


def fingerprint(base: str) -> tuple[int, str]:
    """The number of quads in the whole dataset and a hash of them (sorted N-Quads)."""
    request = urllib.request.Request(f"{base}/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - loopback only
        lines = sorted(reply.read().splitlines())
    return len(lines), hashlib.sha256(b"\n".join(lines)).hexdigest()


def quad_count(base: str) -> int:
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    request = urllib.request.Request(f"{base}/query?query={query}", headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - loopback only
        return int(reply.read().split()[-1])


def update(base: str, text: str) -> None:
    data = urllib.parse.urlencode({"update": text}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/update", data=data), timeout=30):  # noqa: S310
        pass


@pytest.fixture(scope="module")
def before(oxigraph_server: str) -> tuple[int, str]:
    return fingerprint(oxigraph_server)


def test_the_fingerprint_sees_a_change(oxigraph_server, before):
    """The checks below are able to fail: one added triple changes the count and the hash; removing it restores
    them."""
    triple = '<urn:kg-test:s> <urn:kg-test:p> "changed" .'
    update(oxigraph_server, f"INSERT DATA {{ {triple} }}")
    try:
        assert fingerprint(oxigraph_server)[0] == quad_count(oxigraph_server) == before[0] + 1
    finally:
        update(oxigraph_server, f"DELETE DATA {{ {triple} }}")
    assert fingerprint(oxigraph_server) == before and before[0] > 10_000


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_literal_comes_back_as_sent_and_changes_nothing(value, oxigraph_server, before):
    remote = Target(default_knowledge(), f"{oxigraph_server}/query")
    values = {"value": Literal(value), "after": AFTER}
    try:
        rows = execute(ECHO, remote, values).rows()
    except UserError as error:  # allowed: a clean, one-line refusal
        assert "\n" not in str(error)
    else:
        assert rows == [{"value": Literal(value), "after": AFTER}]
        assert rows == execute(ECHO, Target(default_knowledge()), values).rows()
    with pytest.raises(UserError, match="expected an agent"):  # a literal is no agent: refused, nothing sent
        execute(load_query("cq/cautions"), remote, {"agent": Literal(value)})
    assert quad_count(oxigraph_server) == before[0]


@pytest.mark.parametrize("value", [f"<http://example.org/x> }} ; DROP ALL ; {{ <{v}>" for v in ("a", "b")] +
                         ["http://example.org/a b", "rls:x>y", URIRef("http://example.org/\"} ; DROP ALL")])
def test_a_hostile_iri_is_refused(value, oxigraph_server, before):
    remote = Target(default_knowledge(), f"{oxigraph_server}/query")
    with pytest.raises(UserError, match="valid IRI|cannot have"):
        execute(load_query("cq/cautions"), remote, {"agent": value})
    assert quad_count(oxigraph_server) == before[0]


@pytest.mark.parametrize(("value", "outcome"), [
    ('x" } ; DROP ALL', "names nothing in the graph"),  # unquoted: a name, and no node has it
    ('"x\\" } ; DROP ALL"', "expected an agent"),  # quoted: a literal, which is no agent (an ad-hoc query binds it)
    ("<http://example.org/x> } ; DROP ALL", "not a valid IRI"),
    ('"a\\n\\\\\\"" ', "names nothing in the graph"),  # not one literal (trailing space): read as a name
])
def test_the_command_line_with_hostile_values(value, outcome, oxigraph_server, before):
    result = run_kg("query", "cq/cautions", "--endpoint", f"{oxigraph_server}/query", "--param", f"agent={value}")
    if outcome == "0 row(s).":
        assert result.code == 0 and result.stdout.rstrip().endswith(outcome), result.stderr
    else:
        assert result.clean_error and outcome in result.stderr
    assert quad_count(oxigraph_server) == before[0]


def test_the_data_is_unchanged_after_every_hostile_call(oxigraph_server, before):
    assert fingerprint(oxigraph_server) == before
