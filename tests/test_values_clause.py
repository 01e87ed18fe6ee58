"""The VALUES block that binds parameters on an endpoint (kg/values_clause.py): built from RDF terms,
read back by a real SPARQL parser as exactly those terms, and refused where a trailing VALUES block would
not restrict the rows a substitution restricts embedded."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import XSD, Literal, URIRef

from kg.errors import UserError
from kg.queries import query_from_text
from kg.values_clause import values_clause, with_values

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


def test_a_query_is_sent_unchanged_without_bindings_and_with_a_block_after_it_otherwise():
    query = query_from_text("SELECT ?x WHERE { ?x ?p ?o } # a comment at the end")
    assert with_values(query, {}) == query.text
    sent = with_values(query, {"x": URIRef("http://example.org/a")})
    assert sent.endswith("# a comment at the end\nVALUES (?x) { (<http://example.org/a>) }\n")


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT ?s WHERE { ?s ?p ?x }", "not contains variable ?x in its SELECT projection"),  # not projected
    ("SELECT ?p (COUNT(?x) AS ?n) WHERE { ?s ?p ?x } GROUP BY ?p", "SELECT projection"),  # not a group key
    ("SELECT ?x WHERE { ?s ?p ?x } VALUES ?x { 1 }", "does not parse with a VALUES block"),  # has one already
])
def test_a_binding_a_trailing_values_block_would_not_apply_is_refused(text, message):
    with pytest.raises(UserError, match="cannot bind") as caught:
        with_values(query_from_text(text), {"x": Literal(1)})
    assert message in str(caught.value)


def test_a_query_with_service_is_refused_before_anything_is_sent():
    """The local check evaluates an ASK at once, and pyoxigraph would call the SERVICE: refused instead."""
    query = query_from_text("ASK { SERVICE <http://127.0.0.1:9/sparql> { ?x ?p ?o } }")
    with pytest.raises(UserError, match="query with SERVICE"):
        with_values(query, {"x": URIRef("http://example.org/a")})
    words = query_from_text('SELECT ?x WHERE { ?x ?p "SERVICE" } # no SERVICE here, nor in <http://e.org/SERVICE>')
    assert with_values(words, {"x": URIRef("http://example.org/a")}).endswith("(<http://example.org/a>) }\n")
