"""The result of one SPARQL query, the same whether the embedded engine or an endpoint answered.

SELECT and ASK results are kept as W3C SPARQL 1.1 Query Results JSON, as pyoxigraph serialises them
(an endpoint's reply is parsed by pyoxigraph and serialised again), so that ``--format json|csv|tsv``
are the W3C formats by construction; rows are read from that JSON. CONSTRUCT and DESCRIBE results
are the triples.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/n"), ox.Literal(2)))
>>> result = from_engine(store.query("SELECT ?s ?n ?none WHERE { ?s ?p ?n OPTIONAL { ?s ?p ?none FILTER(false) } }"))
>>> result.vars, [(str(row["s"]), row["n"].toPython(), row["none"]) for row in result.rows()]
(('s', 'n', 'none'), [('http://example.org/a', 2, None)])
>>> result.serialize(ox.QueryResultsFormat.CSV)
b's,n,none\\r\\nhttp://example.org/a,2,\\r\\n'
>>> from_engine(store.query("ASK { ?s ?p 3 }")).serialize(ox.QueryResultsFormat.JSON)
b'{"head":{},"boolean":false}'
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox
from rdflib.term import Node

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import from_ox

JSON = ox.QueryResultsFormat.JSON
_RESULTS_NAMES = {JSON: "SPARQL JSON results", ox.QueryResultsFormat.XML: "SPARQL XML results",
                  ox.QueryResultsFormat.TSV: "SPARQL TSV results", ox.QueryResultsFormat.CSV: "SPARQL CSV results"}


@dataclass(frozen=True)
class Solutions:
    """A SELECT result: its variables and its rows, held as W3C SPARQL JSON results."""

    vars: tuple[str, ...]
    json: bytes

    def rows(self) -> list[dict[str, Node | None]]:
        """The rows as dicts of rdflib terms (None where unbound), in the result's order."""
        return [dict(row) for row in self._rows]

    @cached_property
    def _rows(self) -> tuple[tuple[tuple[str, Node | None], ...], ...]:
        solutions = ox.parse_query_results(self.json, JSON)
        return tuple(tuple((name, from_ox(solution[name])) for name in self.vars) for solution in solutions)

    def serialize(self, results_format: ox.QueryResultsFormat) -> bytes:
        return ox.parse_query_results(self.json, JSON).serialize(format=results_format)

    def without(self, hidden: Collection[str]) -> Solutions:
        """The same rows without the columns *hidden* (a query's ``#+ filters:``, bound but not shown)."""
        if not set(hidden) & set(self.vars):
            return self
        data = json.loads(self.json)
        data["head"]["vars"] = [v for v in data["head"]["vars"] if v not in hidden]
        for binding in data["results"]["bindings"]:
            for name in hidden:
                binding.pop(name, None)
        return Solutions(tuple(data["head"]["vars"]), json.dumps(data).encode("utf-8"))


@dataclass(frozen=True)
class Boolean:
    """An ASK result."""

    value: bool

    def serialize(self, results_format: ox.QueryResultsFormat) -> bytes:
        text = '{"head":{},"boolean":%s}' % ("true" if self.value else "false")  # noqa: UP031 - JSON braces
        return ox.parse_query_results(text, JSON).serialize(format=results_format)


@dataclass(frozen=True)
class Triples:
    """A CONSTRUCT or DESCRIBE result."""

    triples: tuple[ox.Triple, ...]


QueryResult = Solutions | Boolean | Triples


def from_engine(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    """A pyoxigraph result (embedded engine, or a parsed reply) as a QueryResult."""
    if isinstance(result, ox.QuerySolutions):
        names = tuple(v.value for v in result.variables)
        return Solutions(names, result.serialize(format=JSON))
    if isinstance(result, ox.QueryBoolean):
        return Boolean(bool(result))
    return Triples(tuple(result))


def from_reply(body: bytes, media_type: str, where: str) -> QueryResult:
    """An endpoint's reply, read by its media type: SPARQL results (JSON, XML, TSV) or RDF (CONSTRUCT, DESCRIBE)."""
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    rdf_format = None if results_format else ox.RdfFormat.from_media_type(media_type)
    if results_format is None and rdf_format is None:
        raise UserError(f"{where} failed: the reply is {media_type}, not SPARQL results or RDF")
    what = _RESULTS_NAMES.get(results_format, "SPARQL results") if results_format else f"{rdf_format.name} RDF"  # type: ignore[union-attr]
    try:
        if results_format is not None:
            return from_engine(ox.parse_query_results(body, results_format))
        return Triples(tuple(quad.triple for quad in ox.parse(body, format=rdf_format)))
    except (SyntaxError, ValueError) as error:
        first = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise UserError(f"{where} failed: the reply is not {what} ({first}; starts with {body[:60]!r})") from None
