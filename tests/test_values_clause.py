"""The VALUES block that binds parameters on an endpoint (kg/core/query/values_clause.py): built from RDF terms,
read back by a real SPARQL parser as exactly those terms, placed first in the query's top-level WHERE group
(checked by rdflib's parser), and refused where it would not restrict the rows a substitution restricts
embedded."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import XSD, Literal, URIRef

from kg.base.errors import UserError
from kg.core.query.library import query_from_text
from kg.core.query.values_clause import values_clause, with_values

HOSTILE = [
    'x" } ; DROP ALL',
    "x' } ; DROP ALL ; #",
    "} UNION { ?s ?p ?o }",
    "<http://example.org/evil>",
    "line\nbreak\r\nand\rreturn",
    'a\n\\"',  # rdflib's n3() writes this one as an unterminated long string (see below)
    '"""',
    "\\",
    "\\u0022 not an escape",
    "ü€😀\u2028\u0000\x7f",
    "{}|^`",
    ") (UNDEF UNDEF) } #",
]


def read_back(block: str, names: list[str]) -> list[list[ox.Term | None]]:
    return [[s[n] for n in names] for s in ox.Store().query(f"SELECT * WHERE {{}} {block}")]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_literal_reads_back_as_itself(value):
    terms = {"value": Literal(value), "tagged": Literal(value, lang="en"), "typed": Literal(value, datatype=XSD.string),
             "after": Literal(") (UNDEF UNDEF UNDEF UNDEF) } #")}
    block = values_clause(terms)
    assert read_back(block, list(terms)) == [[ox.Literal(value), ox.Literal(value, language="en"),
                                              ox.Literal(value), ox.Literal(") (UNDEF UNDEF UNDEF UNDEF) } #")]]


def test_rdflib_n3_would_let_a_value_escape_and_the_read_back_check_catches_it():
    """Why the block is not written with rdflib's term.n3(): a literal with a line break that ends in a backslash
    and a quote is written as a long string one quote short, and the next value becomes query text. The same
    read-back check values_clause runs sees it (it is able to fail)."""
    first, second = Literal('a\n\\"'), Literal(" ) (UNDEF UNDEF) } #")
    naive = f"VALUES (?a ?b) {{ ({first.n3()} {second.n3()}) }}"
    rows = read_back(naive, ["a", "b"])
    assert rows != [[ox.Literal(str(first)), ox.Literal(str(second))]]  # the second value escaped its string
    assert read_back(values_clause({"a": first, "b": second}), ["a", "b"]) == \
        [[ox.Literal(str(first)), ox.Literal(str(second))]]


@pytest.mark.parametrize("iri", ["http://example.org/a b", "http://example.org/a>b", 'http://example.org/"',
                                 "http://example.org/{x}", "http://example.org/a|b", "http://example.org/a^b",
                                 "http://example.org/a`b", "http://example.org/a\\b", "http://example.org/\nx"])
def test_an_iri_with_characters_an_iriref_cannot_have_is_refused(iri):
    with pytest.raises(UserError, match="characters an IRI cannot have"):
        values_clause({"x": URIRef(iri)})


def test_variable_names_are_checked():
    with pytest.raises(UserError, match="not a SPARQL variable name"):
        values_clause({"x) } #": Literal("1")})


def test_a_query_is_sent_unchanged_without_bindings_and_with_the_block_first_in_its_where_group_otherwise():
    query = query_from_text("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x # a comment at the end")
    assert with_values(query, {}) == query.text
    sent = with_values(query, {"x": URIRef("http://example.org/a")})
    assert sent == ("SELECT ?x WHERE { VALUES (?x) { (<http://example.org/a>) }\n ?x ?p ?o } ORDER BY ?x "
                    "# a comment at the end")


WHERE_GROUPS = [  # (query, the text the WHERE group starts with): braces in strings, IRIs, comments and brackets
    ('SELECT ?x WHERE { ?x ?p "{ not a group }" }', ' ?x ?p "{'),
    ("PREFIX e: <http://e.org/> SELECT ?x # { a comment\n{ ?x ?p \"\"\"{\"\"\"}", ' ?x ?p """{'),
    ("SELECT (EXISTS { ?x ?q ?r } AS ?e) ?x { ?x ?p ?o }", " ?x ?p ?o"),
    ('CONSTRUCT { ?x ?p "}" } WHERE { ?x ?p ?o }', " ?x ?p ?o"),
    ("construct{?x ?p ?o}where{?x ?p ?o FILTER(?o < 3)}", "?x ?p ?o FILTER"),
    ("ASK {?x ?p <http://e.org/a#b>}", "?x ?p <http"),
    ("DESCRIBE ?x FROM <http://e.org/g> WHERE { ?x ?p ?o }", " ?x ?p ?o"),
    ("PREFIX select: <http://e.org/> SELECT ?x { ?x select:p ?o }", " ?x select:p"),
]


@pytest.mark.parametrize(("text", "group"), WHERE_GROUPS)
def test_the_block_goes_first_in_the_top_level_where_group(text, group):
    sent = with_values(query_from_text(text), {"x": URIRef("http://example.org/a")})
    assert "{ VALUES (?x) { (<http://example.org/a>) }\n" + group in sent


def test_a_block_placed_anywhere_else_is_caught_by_the_parser_check(monkeypatch):
    """The lexer only finds the place; rdflib's parse of the result must be the query with the block first in
    WHERE. A lexer that picked the CONSTRUCT template or an inner group (a broken fixture) is refused, not sent."""
    query = query_from_text("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }")
    monkeypatch.setattr("kg.core.query.values_clause.where_brace", lambda q: q.text.index("{"))
    with pytest.raises(UserError, match="nothing was sent"):
        with_values(query, {"x": URIRef("http://example.org/a")})
    inner = query_from_text("SELECT ?x WHERE { ?x ?p ?o { ?x ?q ?r } }")
    monkeypatch.setattr("kg.core.query.values_clause.where_brace", lambda q: q.text.rindex("{"))
    with pytest.raises(UserError, match="nothing was sent"):
        with_values(inner, {"x": URIRef("http://example.org/a")})


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT ?s WHERE { ?s ?p ?x }", "not contains variable ?x in its SELECT projection"),  # not projected
    ("SELECT ?p (COUNT(?x) AS ?n) WHERE { ?s ?p ?x } GROUP BY ?p", "SELECT projection"),  # not a group key
    ("SELECT ?x WHERE { ?s ?p ?x } VALUES ?x { 1 }", "own trailing VALUES binds it"),  # has one already
    ("SELECT ?x WHERE { ?s ?p ?o FILTER(?x = 1) }", "not in scope at the top level"),  # only in a FILTER
    ("SELECT ?x WHERE { ?s ?p ?o MINUS { ?s ?q ?x } }", "not in scope at the top level"),  # only in MINUS
    ("SELECT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?o FILTER(?o = ?x) } }", "a FILTER or BIND in a nested group"),
    ("SELECT ?x WHERE { ?x ?p ?o { ?s ?p ?o BIND(?x AS ?y) } }", "a FILTER or BIND in a nested group"),
    ("SELECT ?x WHERE { ?x ?p ?o { SELECT ?s WHERE { ?s ?q ?x } } }", "a subquery uses it without projecting"),
    ("CONSTRUCT WHERE { ?x ?p ?o }", "write CONSTRUCT { template } WHERE"),
])
def test_a_binding_a_values_block_first_in_where_would_not_apply_as_embedded_is_refused(text, message):
    with pytest.raises(UserError, match="bind") as caught:
        with_values(query_from_text(text), {"x": Literal(1)})
    assert message in str(caught.value)


DATA = """<http://e.org/a> <http://e.org/p> 1 , 2 . <http://e.org/b> <http://e.org/p> 2 , 3 .
<http://e.org/a> <http://e.org/q> "x" . <http://e.org/b> <http://e.org/q> "y" ."""
EQUIVALENT = [  # bindable queries: the block first in WHERE gives the rows substitution gives embedded
    "SELECT ?x (COUNT(?o) AS ?n) WHERE { ?x <http://e.org/p> ?o } GROUP BY ?x ORDER BY ?x",
    "SELECT ?x ?o WHERE { ?x <http://e.org/p> ?o OPTIONAL { ?x <http://e.org/q> ?l FILTER(?o > 1 && ?x != ?o) } }",
    "SELECT ?x ?o WHERE { { ?x <http://e.org/p> ?o FILTER(?o > 1) } UNION { ?x <http://e.org/q> ?o } }",
    "SELECT ?x ?o WHERE { ?s <http://e.org/p> ?o FILTER NOT EXISTS { ?x <http://e.org/q> ?o } ?x ?any ?o2 }",
    "SELECT ?x ?o WHERE { ?x <http://e.org/p> ?o { SELECT ?x (MAX(?v) AS ?o) WHERE { ?x <http://e.org/p> ?v } "
    "GROUP BY ?x } }",
]


NOT_EQUIVALENT = [  # refused above: with the block first they would answer otherwise than substitution does
    "SELECT ?x ?o WHERE { { ?x <http://e.org/p> ?o } UNION { ?s <http://e.org/p> ?o FILTER(?s != ?x) } }",
    "SELECT ?x ?o WHERE { ?s <http://e.org/p> ?o { ?t <http://e.org/q> ?l FILTER(?t = ?x) } }",
]


def _rows(results) -> set:
    return {tuple(str(s[v]) if s[v] is not None else None for v in ("x", "o")) for s in results}


def _store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("text", NOT_EQUIVALENT)
def test_what_the_scope_check_refuses_would_answer_otherwise(text):
    """The refusals are needed: the block put first by hand gives other rows than substitution."""
    store, value = _store(), ox.NamedNode("http://e.org/a")
    with pytest.raises(UserError, match=r"cannot bind \?x"):
        with_values(query_from_text(text), {"x": URIRef(value.value)})
    by_hand = text.replace("WHERE {", f"WHERE {{ VALUES ?x {{ {value} }}", 1)
    assert _rows(store.query(by_hand)) != _rows(store.query(text, substitutions={ox.Variable("x"): value}))


@pytest.mark.parametrize("text", EQUIVALENT)
@pytest.mark.parametrize("value", [URIRef("http://e.org/a"), URIRef("http://e.org/b"), URIRef("http://e.org/none")])
def test_the_block_first_in_where_restricts_the_rows_substitution_restricts(text, value):
    store = _store()
    substituted = _rows(store.query(text, substitutions={ox.Variable("x"): ox.NamedNode(str(value))}))
    assert substituted or value.endswith("none")
    assert _rows(store.query(with_values(query_from_text(text), {"x": value}))) == substituted


def test_a_query_with_service_is_refused_before_anything_is_sent():
    """The local check evaluates an ASK at once, and pyoxigraph would call the SERVICE: refused instead."""
    query = query_from_text("ASK { SERVICE <http://127.0.0.1:9/sparql> { ?x ?p ?o } }")
    with pytest.raises(UserError, match="query with SERVICE"):
        with_values(query, {"x": URIRef("http://example.org/a")})
    words = query_from_text('SELECT ?x WHERE { ?x ?p "SERVICE" } # no SERVICE here, nor in <http://e.org/SERVICE>')
    assert "{ VALUES (?x) { (<http://example.org/a>) }\n" in with_values(words, {"x": URIRef("http://example.org/a")})


def test_a_describe_without_where_gets_the_block_as_its_where_group():
    sent = with_values(query_from_text("DESCRIBE ?x # the one described"), {"x": URIRef("http://example.org/a")})
    assert sent == "DESCRIBE ?x\nWHERE { VALUES (?x) { (<http://example.org/a>) } }\n # the one described"
    with pytest.raises(UserError, match=r"cannot bind \?x"):
        with_values(query_from_text("DESCRIBE <http://example.org/b>"), {"x": URIRef("http://example.org/a")})
