"""The decision tables stored with a build (ADR 0028): the rows of the queries that a decision reads of the build
once, whatever the patient (every query of queries/compile/: the decision, render and output tables; the name
index, decision/agents; and the nodes a profile may not describe, decision/knowledge-nodes), run by ``kg build`` on
the checked build and written beside its graph as ``kg-decision-tables.json``, whose SHA-256 the build report records
like the graph files' (kg/core/build/verify.py checks it before the file is read). A decision then reads those rows
instead of running the queries (``Knowledge.rows``, kg/core/build/knowledge.py); a build that stored none (one of an
older kg), a query whose text has changed since the build, a file of another format, and ``--no-verify`` all run the
query on the build, as before.

The file is JSON, never code: its format name; each query's rows (its columns, the SHA-256 of the query text the rows
answer, one line per row of indices into the term list, ``null`` for unbound); and the term list, each an RDF term in
N-Triples, read back by pyoxigraph's parser (``decode``: each term must read back as written). Rows are in one order
every time (``query_rows``: SPARQL gives them in none), on both paths, so the same build gives the same bytes and the
stored tables are exactly those compiled from the store (tests/test_stored_tables.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib.term import Node

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import from_ox, to_ox
from kg.base.paths import DECISION_TABLES_NAME, QUERIES_DIR
from kg.core.query.library import Query, Row, load_query, run_query

FORMAT = "cgkg-decision-tables/1"
COMPILE_FOLDER = "compile"  # queries/compile/: the decision, render and output tables (ADR 0024)
NAME_INDEX_QUERY = "decision/agents"  # the names and codes a profile may use for each agent
NODES_QUERY = "decision/knowledge-nodes"  # every IRI of the build: what the allow-list keeps profiles off (ADR 0006)
QueryRows = Callable[[str], list[Row]]  # a query's name -> its rows on a build (Knowledge.rows)
_TERM_LINE = b"<urn:t> <urn:t> %s .\n"  # how the term list is given to the N-Triples parser


@cache
def stored_queries() -> tuple[str, ...]:
    """The queries whose rows a build stores, by name (sorted)."""
    compiled = (f"{COMPILE_FOLDER}/{p.stem}" for p in (QUERIES_DIR / COMPILE_FOLDER).glob("*.rq"))
    return tuple(sorted((NAME_INDEX_QUERY, NODES_QUERY, *compiled)))


def query_sha256(query: Query) -> str:
    return hashlib.sha256(query.text.encode("utf-8")).hexdigest()


def query_rows(query: Query, store: ox.Store) -> list[Row]:
    """The rows of a query that takes no parameter on *store*, in one order every time (by their terms in N-Triples,
    unbound first): the order the stored rows have."""
    return [row for row, _ in _ordered(run_query(query, store), {})]


def _ordered(rows: list[Row], written: dict[Node, str]) -> list[tuple[Row, tuple[str | None, ...]]]:
    """Each row with its terms in N-Triples (``written``: a term -> its N-Triples, filled as terms are met), sorted."""
    def nt(term: Node | None) -> str | None:
        if term is None:
            return None
        found = written.get(term)
        if found is None:
            found = written[term] = str(to_ox(term))
        return found

    pairs = [(row, tuple(nt(term) for term in row.values())) for row in rows]
    pairs.sort(key=lambda pair: tuple("" if t is None else t for t in pair[1]))
    return pairs


def encode(store: ox.Store) -> bytes:
    """The decision tables file of the build in *store* (loaded as ``load_knowledge`` loads it): the same bytes for
    the same build."""
    written: dict[Node, str] = {}
    index: dict[str, int] = {}
    parts = ["{", f'"format": {_json(FORMAT)},', '"queries": {']
    names = stored_queries()
    for number, name in enumerate(names):
        query = load_query(name)
        rows = _ordered(run_query(query, store), written)
        columns = list(rows[0][0]) if rows else []
        parts.append(f"{_json(name)}: {{\"columns\": {_json(columns)}, \"query_sha256\": {_json(query_sha256(query))}, "
                     '"rows": [')
        lines = [_json([None if t is None else index.setdefault(t, len(index)) for t in terms]) for _, terms in rows]
        parts.append(",\n".join(lines))
        parts.append("]}" + ("," if number < len(names) - 1 else ""))
    parts += ["},", '"terms": [', ",\n".join(_json(term) for term in index), "]", "}"]
    return ("\n".join(parts) + "\n").encode("utf-8")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class StoredTables:
    """A build's stored decision tables, read (``decode``): each query's rows, made on request."""

    queries: dict[str, dict]  # name -> its columns, query_sha256 and rows as stored (term indices)
    terms: dict[int | None, Node | None]  # index -> its term (None -> None: unbound)
    where: str  # how messages name the build (``--build FOLDER``)
    out: str  # the folder ``kg build --out`` rebuilds it in

    def rows(self, query: Query) -> list[Row] | None:
        """The stored rows of *query* (new dicts), or None when the build stored none for it as its text is now."""
        stored = self.queries.get(query.name)
        if stored is None or stored["query_sha256"] != query_sha256(query):
            return None
        columns, terms = stored["columns"], self.terms
        try:
            return [dict(zip(columns, [terms[i] for i in row], strict=True)) for row in stored["rows"]]
        except (KeyError, TypeError, ValueError):
            raise _broken(self.where, self.out, f"a row of {query.name} is not one term index per column") from None


def _broken(where: str, out: str, why: str) -> UserError:
    return UserError(f"{where}: {DECISION_TABLES_NAME} is not a decision tables file ({FORMAT}: {why}); rebuild "
                     f"it with: kg build --out {out}")


def decode(data: bytes, where: str, out: str) -> StoredTables | None:
    """The stored tables of a build (*where* names it in messages, *out* is the folder that rebuilds it), from its
    file's verified bytes; None for a file of another format (of another kg: the queries run on the build instead)."""
    def broken(why: str) -> UserError:
        return _broken(where, out, why)

    try:
        found = json.loads(data)
    except (ValueError, RecursionError):
        raise broken("not JSON") from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        return None
    queries, terms = found.get("queries"), found.get("terms")
    if not (isinstance(queries, dict) and isinstance(terms, list) and all(isinstance(t, str) for t in terms)):
        raise broken("no queries and terms")
    for name, stored in queries.items():
        if not (isinstance(stored, dict) and isinstance(stored.get("columns"), list)
                and all(isinstance(c, str) for c in stored["columns"])
                and isinstance(stored.get("query_sha256"), str) and isinstance(stored.get("rows"), list)
                and all(isinstance(row, list) for row in stored["rows"])):
            raise broken(f"{name} has no columns, query_sha256 and rows")
    return StoredTables(queries, {None: None, **dict(enumerate(_read_terms(terms, broken)))}, where, out)


def _read_terms(terms: list[str], broken: Callable[[str], UserError]) -> Iterable[Node]:
    """The terms, each read by the N-Triples parser, which must read back the same text (one term, as written)."""
    document = b"".join(_TERM_LINE % term.encode("utf-8") for term in terms)
    try:
        parsed = [triple.object for triple in ox.parse(document, format=ox.RdfFormat.N_TRIPLES)]
    except (SyntaxError, ValueError):
        raise broken("a term that is not an RDF term in N-Triples") from None
    if len(parsed) != len(terms) or any(str(term) != text for term, text in zip(parsed, terms, strict=True)):
        raise broken("a term that is not one RDF term in N-Triples")
    return [from_ox(term) for term in parsed]  # type: ignore[misc]
