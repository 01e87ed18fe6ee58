"""Binding parameters on a SPARQL endpoint: the SPARQL protocol cannot bind a variable, so the query is
sent with a trailing ``VALUES (?a ?b) { (<iri> "literal") }`` block (SPARQL 1.1 grammar, rule [1]:
``Query ::= Prologue ( SelectQuery | ConstructQuery | DescribeQuery | AskQuery ) ValuesClause``).

The block is built from RDF terms, never from user text: each term is written in N-Triples syntax by
pyoxigraph (IRIs are validated when the term is made; literals escaped by the library), which SPARQL's
grammar reads unchanged. rdflib's ``term.n3()`` is not used: for a literal with a line break that ends
in a backslash and a quote it writes a long string whose closing quotes swallow one too many, so a
second value would be read as query text (``tests/test_values_clause.py`` keeps that case).

Two checks run on an empty local store before anything is sent:

* the block, parsed by a real SPARQL parser, yields exactly the terms bound (nothing escaped a string
  or an IRI);
* the query accepts each binding where the embedded engine does (a SELECT must project the variable;
  under GROUP BY only grouped variables can be projected), so a trailing VALUES block, which is joined
  after grouping, restricts the same rows as a substitution does embedded.

>>> from rdflib import Literal, URIRef
>>> values_clause({"agent": URIRef("https://w3id.org/cgkg/rls/methadone"), "note": Literal('say "hi"', lang="en")})
'VALUES (?agent ?note) { (<https://w3id.org/cgkg/rls/methadone> "say \\\\"hi\\\\""@en) }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from kg.errors import UserError
from kg.oxigraph_bridge import to_ox
from kg.queries import Query

IRIREF_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')  # SPARQL 1.1 grammar, rule [139] IRIREF
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
NOT_CODE = re.compile(r"""<[^<>"{}|^`\\\s]*>|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|#[^\n]*""")


def values_clause(bindings: Mapping[str, Node]) -> str:
    """The VALUES block for ``bindings`` (one row), checked to read back as exactly these terms."""
    names = list(bindings)
    for name in names:
        if not VARIABLE_NAME.fullmatch(name):
            raise UserError(f"--param {name}: not a SPARQL variable name")
    terms = [_term(name, bindings[name]) for name in names]
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(str(t) for t in terms)}) }}"
    _check_reads_back(block, names, terms)
    return block


def with_values(query: Query, bindings: Mapping[str, Node]) -> str:
    """The query text to send: unchanged without bindings, else with the VALUES block appended."""
    if not bindings:
        return query.text
    _check_bindable(query, bindings)
    return f"{query.text.rstrip()}\n{values_clause(bindings)}\n"


def _term(name: str, term: Node) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef) and IRIREF_FORBIDDEN.search(str(term)):
        raise UserError(f"--param {name}: <{term}> has characters an IRI cannot have (<>\"{{}}|^`\\ or spaces)")
    try:
        converted = to_ox(term)
    except (TypeError, ValueError) as error:
        raise UserError(f"--param {name}: {error}") from None
    if isinstance(converted, ox.BlankNode):
        raise UserError(f"--param {name}: a blank node cannot be bound on an endpoint")
    return converted


def _check_reads_back(block: str, names: list[str], terms: list[ox.NamedNode | ox.Literal]) -> None:
    try:
        solutions = list(ox.Store().query(f"SELECT * WHERE {{}} {block}"))  # type: ignore[union-attr]
    except SyntaxError:
        solutions = []
    if len(solutions) != 1 or [solutions[0][n] for n in names] != terms:
        raise UserError(f"--param {', '.join(names)}: the values cannot be written as a VALUES block that reads "
                        "back as themselves; nothing was sent")


def _check_bindable(query: Query, bindings: Mapping[str, Node]) -> None:
    """Checked by pyoxigraph on an empty store. Its results are never read (the checks are made when the query is
    prepared); but an ASK is evaluated at once and pyoxigraph calls SERVICE endpoints, so a query with SERVICE is
    refused rather than checked: the check must not send anything anywhere."""
    if SERVICE.search(_code_only(query.text)):
        raise UserError(f"query '{query.name}': parameters of a query with SERVICE cannot be bound on an endpoint "
                        "(kg checks the query locally first, and that check must not call other services)")
    substitutions = {ox.Variable(name): to_ox(term) for name, term in bindings.items()}
    try:
        ox.Store().query(query.text, substitutions=substitutions)
        ox.Store().query(f"{query.text.rstrip()}\n{_placeholder(bindings)}\n")
    except SyntaxError as error:
        raise UserError(f"query '{query.name}': cannot bind parameters on an endpoint, the query does not parse "
                        f"with a VALUES block ({str(error).splitlines()[0][:200]})") from None
    except RuntimeError as error:  # pyoxigraph: "does not contains variable ?x in its SELECT projection"
        raise UserError(f"query '{query.name}': cannot bind {', '.join('?' + n for n in bindings)}: "
                        f"{str(error).splitlines()[0][:200]}") from None


def _code_only(text: str) -> str:
    """The query text without IRIs, strings and comments (where the word SERVICE is no keyword)."""
    return NOT_CODE.sub(" ", text)


def _placeholder(bindings: Mapping[str, Node]) -> str:
    """A VALUES block of the same shape (every value UNDEF): proves the query takes one without a trailing one."""
    return f"VALUES ({' '.join('?' + n for n in bindings)}) {{ ({' '.join('UNDEF' for _ in bindings)}) }}"
