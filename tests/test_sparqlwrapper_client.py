"""The graph on a server answers the client informaticists already use (SPARQLWrapper) as it answers kg.sparql
embedded: every competency question without required parameters, same rows, through the W3C JSON results."""

from __future__ import annotations

import pytest
from rdflib import BNode, Literal, URIRef
from SPARQLWrapper import JSON, SPARQLWrapper

import kg
from kg.core.query.library import all_queries
from tests.conftest import rendered_rows

pytestmark = pytest.mark.server

UNBOUND_CQS = [q for q in all_queries() if q.name.startswith("cq/") and not q.required]


def _term(cell: dict[str, str]) -> URIRef | BNode | Literal:
    if cell["type"] == "uri":
        return URIRef(cell["value"])
    if cell["type"] == "bnode":
        return BNode(cell["value"])
    return Literal(cell["value"], lang=cell.get("xml:lang"), datatype=cell.get("datatype"))


def test_there_are_competency_questions_to_compare() -> None:
    assert len(UNBOUND_CQS) >= 20


@pytest.mark.parametrize("query", UNBOUND_CQS, ids=lambda q: q.name)
def test_sparqlwrapper_on_the_server_equals_embedded(query, oxigraph_server: str) -> None:  # type: ignore[no-untyped-def]
    client = SPARQLWrapper(f"{oxigraph_server}/query")
    client.setQuery(query.text)
    client.setReturnFormat(JSON)
    reply = client.queryAndConvert()
    embedded = kg.sparql(query.name)
    remote = [{var: _term(binding[var]) if var in binding else None for var in embedded.vars}
              for binding in reply["results"]["bindings"]]  # type: ignore[index]
    assert rendered_rows(query, remote) == rendered_rows(query, embedded)
