"""Running the query library on a remote SPARQL 1.1 endpoint (a triple store), through SPARQLWrapper.

The SPARQL protocol has no way to bind a value to a variable, and values are never formatted into
query text here: a query with parameters runs only embedded (``kg.run_query``), where values are
bound with substitutions. Parameter-free queries (the competency questions, the QC checks) run
unchanged on any endpoint.
"""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.errors import UserError
from kg.queries import Query


def run_remote(query: Query, endpoint: str) -> list[dict[str, Node | None]]:
    """Run a parameter-free SELECT query on ``endpoint``; rows as rdflib terms, like run_query."""
    if query.params:
        raise UserError(
            f"query '{query.name}' takes parameters ({', '.join(query.params)}); SPARQL endpoints cannot bind "
            "them and kg never formats values into query text: run it embedded (without --endpoint)"
        )
    client = SPARQLWrapper(endpoint)
    client.setQuery(query.text)
    client.setReturnFormat(JSON)
    try:
        result = client.queryAndConvert()
    except Exception as error:  # noqa: BLE001 - network and HTTP errors are the user's endpoint problem
        raise UserError(f"endpoint {endpoint} failed: {str(error).splitlines()[0]}") from None
    names = result["head"]["vars"]  # type: ignore[index]
    return [{name: _term(binding.get(name)) for name in names} for binding in result["results"]["bindings"]]  # type: ignore[index]


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
