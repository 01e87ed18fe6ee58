"""The query library on a real triple store: the session's Oxigraph server (tests/servers/oxigraph.py) holds
the packaged build and is queried over HTTP (SPARQL protocol, kg/core/query/endpoint.py). Every query without
parameters, and every competency question with its parameters bound (VALUES block remotely, substitution
embedded), must give the same result as the embedded engine; SELECT, ASK, CONSTRUCT and DESCRIBE."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.base.errors import UserError
from kg.core.build.checks import violation_queries
from kg.core.build.knowledge import default_knowledge
from kg.core.query.endpoint import fetch_result
from kg.core.query.execute import Target, execute
from kg.core.query.library import Query, all_queries, query_from_text, run_query
from kg.core.query.results import Boolean, QueryResult, Solutions
from tests.conftest import rendered_rows
from tests.fuzz.cli_probe import run_kg
from tests.test_queries import not_a_guideline, shown

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def endpoint(oxigraph_server: str) -> str:
    return f"{oxigraph_server}/query"


def sample_values(query: Query) -> dict[str, object]:
    """A value for each parameter that the query answers for: the first (by text) it gives unbound."""
    store = default_knowledge().store
    rows = run_query(shown(query), store)  # a filter's values too (its column is left out)
    usable = {p: [row[p] for row in rows if row[p] is not None
                  and not (p in query.filters and not_a_guideline(row[p], store))] for p in query.params}
    found = {p: min(values, key=str, default=None) for p, values in usable.items()}
    return {p: value for p, value in found.items() if value is not None}  # a required one missing fails loudly


def comparable(query: Query, result: QueryResult) -> object:
    if isinstance(result, Solutions):
        return rendered_rows(query, result.rows())
    if isinstance(result, Boolean):
        return result.value
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in result.triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(quad) for quad in dataset)


LIBRARY = [q for q in all_queries() if not q.params or q.name.startswith("cq/")]


@pytest.mark.parametrize("query", LIBRARY, ids=[q.name for q in LIBRARY])
def test_endpoint_gives_the_same_result_as_the_embedded_engine(query, endpoint):
    values = sample_values(query) if query.params else {}
    local = Target(default_knowledge())
    remote = Target(default_knowledge(), endpoint)
    embedded = comparable(query, execute(query, local, values))
    assert comparable(query, execute(query, remote, values)) == embedded


@pytest.mark.parametrize(("text", "values"), [
    ("PREFIX rls: <https://w3id.org/cgkg/rls/>\nASK { rls:methadone ?p ?o }", {}),
    ("PREFIX rls: <https://w3id.org/cgkg/rls/>\nASK { rls:no-such-thing ?p ?o }", {}),
    ("#+ params: ?basis\nASK { ?s <http://www.w3.org/2004/02/skos/core#notation> ?basis }", {"basis": '"AI"'}),
    ("#+ params: ?agent\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
     "CONSTRUCT { ?agent rdfs:label ?label } WHERE { ?agent rdfs:label ?label }", {"agent": "methadone"}),
    ("#+ params: ?agent\nDESCRIBE ?agent", {"agent": "methadone"}),
])
def test_ask_construct_and_describe_agree(text, values, endpoint):
    query = query_from_text(text)
    embedded = execute(query, Target(default_knowledge()), values)
    assert comparable(query, execute(query, Target(default_knowledge(), endpoint), values)) == \
        comparable(query, embedded)
    assert comparable(query, embedded) not in ([], None)


def test_checks_pass_on_the_server(endpoint):
    remote = Target(default_knowledge(), endpoint)
    assert all(not execute(q, remote).rows() for q in violation_queries())


def test_a_name_that_is_not_on_the_endpoint_is_an_error_with_suggestions(endpoint):
    query = next(q for q in all_queries() if q.name == "cq/cautions")
    with pytest.raises(UserError, match=r"rls:methadon: names nothing in the graph.*Did you mean: .*rls:methadone"):
        execute(query, Target(default_knowledge(), endpoint), {"agent": "rls:methadon"})


def test_cli_query_with_a_parameter_on_the_endpoint(endpoint):
    result = run_kg("query", "cq/cautions", "--endpoint", endpoint, "--param", "agent=Mirapex", "--format", "tsv")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("?agent\t") and len(lines) > 2
    assert all(line.startswith("<https://w3id.org/cgkg/rls/pramipexole>\t") for line in lines[1:])


def test_the_comparison_sees_a_binding_that_was_not_applied(endpoint):
    """The parity check above is able to fail: the query sent without its VALUES block answers differently."""
    query = next(q for q in all_queries() if q.name == "cq/cautions")
    bound = execute(query, Target(default_knowledge(), endpoint), {"agent": "Mirapex"})
    unbound = fetch_result(query.text, endpoint)
    assert comparable(query, unbound) != comparable(query, bound)
