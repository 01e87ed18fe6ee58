"""Binding parameters on a SPARQL endpoint: the SPARQL protocol cannot bind a variable, so the query is
sent with a ``VALUES (?a ?b) { (<iri> "literal") }`` block inserted as the first element of the query's
top-level WHERE group (SPARQL 1.1 grammar, rule [53] ``GroupGraphPattern``, [61] ``InlineData``). A block
there is joined first, before anything else of the pattern is evaluated: every store restricts the same
rows with it (Virtuoso 7 ignores a block trailing after GROUP BY / ORDER BY and returns every row, ADR
0012), and a store can use the bound values to evaluate the rest (an Oxigraph server answered a trailing
block only after evaluating the whole unbound pattern).

The block is built from RDF terms, never from user text: each term is written in N-Triples syntax by
pyoxigraph (IRIs are validated when the term is made; literals escaped by the library), which SPARQL's
grammar reads unchanged. rdflib's ``term.n3()`` is not used: for a literal with a line break that ends
in a backslash and a quote it writes a long string whose closing quotes swallow one too many, so a
second value would be read as query text (``tests/test_values_clause.py`` keeps that case).

Checks made locally before anything is sent:

* the block, parsed by a real SPARQL parser (pyoxigraph), yields exactly the terms bound (nothing escaped
  a string or an IRI);
* where the block goes is found by a small lexer that skips comments, strings and IRIs; the query with the
  block, parsed by rdflib's SPARQL parser, must be the original parse tree with one more first element of
  the WHERE group, that block;
* the binding means what embedded substitution means: the embedded engine accepts it (a SELECT must project
  the variable; under GROUP BY only grouped variables can be projected), and the variable is in scope at
  the top level of WHERE (SPARQL 1.1 section 18.2.1) and in every nested group whose FILTER or BIND uses it
  (a FILTER in a UNION branch, an inner ``{ }``, MINUS or GRAPH group, or a subquery that does not project
  it, never sees the block; embedded it would see the value: queries/README.md, "a FILTER sees only its own
  group").

>>> from rdflib import Literal, URIRef
>>> values_clause({"agent": URIRef("https://example.org/methadone"), "note": Literal('say "hi"', lang="en")})
'VALUES (?agent ?note) { (<https://example.org/methadone> "say \\\\"hi\\\\""@en) }'
>>> from kg.core.query.library import query_from_text
>>> print(with_values(query_from_text("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x"), {"x": URIRef("http://e.org/a")}))
SELECT ?x WHERE { VALUES (?x) { (<http://e.org/a>) }
 ?x ?p ?o } ORDER BY ?x
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseException, ParseResults
from rdflib import URIRef, Variable
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import to_ox
from kg.core.query.library import Query

IRIREF_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')  # SPARQL 1.1 grammar, rule [139] IRIREF
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
# what is not query code: comments, strings (long ones first) and IRIs (rules [139], [156]-[159]); then runs
# of anything else, and a quote, '<' or '#' that starts none of those
NOT_CODE = r"""#[^\n]*|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n\r]|\\.)*"|""" \
           r"""'(?:[^'\\\n\r]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>"""
TOKEN = re.compile(rf"(?P<skip>{NOT_CODE})|[^#\"'<]+|.", re.DOTALL)
QUERY_FORM = re.compile(r"(?<![\w:?$-])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:-])", re.IGNORECASE)
MODIFIER = re.compile(r"(?<![\w:?$-])(GROUP|HAVING|ORDER|LIMIT|OFFSET|VALUES)(?![\w:-])", re.IGNORECASE)
GROUP = "GroupGraphPatternSub"


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
    """The query text to send: unchanged without bindings, else with the VALUES block first in its WHERE group."""
    if not bindings:
        return query.text
    tree = _check_bindable(query, bindings)
    block = values_clause(bindings)
    brace = where_brace(query)
    if brace is None:  # DESCRIBE without WHERE: the block becomes its WHERE group
        end = len(_blanked(query.text).rstrip())
        text = f"{query.text[:end]}\nWHERE {{ {block} }}\n{query.text[end:]}"
    else:
        text = f"{query.text[:brace + 1]} {block}\n{query.text[brace + 1:]}"
    _check_same_query_with_block_first(query, tree, text, list(bindings))
    return text


def where_brace(query: Query) -> int | None:
    """The offset of the ``{`` that opens the query's top-level WHERE group: the first brace outside brackets
    and braces after the query form (the second for ``CONSTRUCT {template} WHERE {...}``); None for a DESCRIBE
    without one (then without solution modifiers: the group would go before them)."""
    code = _blanked(query.text)
    form = QUERY_FORM.search(code)
    if form is None:
        raise UserError(f"query '{query.name}': cannot bind parameters: no SELECT, CONSTRUCT, DESCRIBE or ASK")
    depth, groups = 0, []
    for offset in range(form.end(), len(code)):
        if code[offset] in "({":
            if code[offset] == "{" and depth == 0:
                groups.append(offset)
            depth += 1
        elif code[offset] in ")}":
            depth -= 1
    if not groups and form.group(1).upper() == "DESCRIBE" and not MODIFIER.search(code, form.end()):
        return None
    construct = form.group(1).upper() == "CONSTRUCT"
    template = construct and bool(groups) and not code[form.end():groups[0]].strip()
    if len(groups) < (2 if template else 1) or (construct and not template):
        raise UserError(f"query '{query.name}': cannot bind parameters: they are bound in the WHERE group, and this "
                        "query has none (write CONSTRUCT { template } WHERE { pattern })")
    return groups[1 if template else 0]


def _blanked(text: str) -> str:
    """``text`` with comments, strings and IRIs as blanks (offsets unchanged): only query code is left."""
    return TOKEN.sub(lambda m: " " * len(m.group()) if m.lastgroup == "skip" else m.group(), text)


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


def _check_bindable(query: Query, bindings: Mapping[str, Node]) -> CompValue:
    """The embedded engine accepts the binding (checked by pyoxigraph on an empty store; its results are never
    read, but an ASK is evaluated at once and pyoxigraph calls SERVICE endpoints, so a query with SERVICE is
    refused rather than checked: the check must not send anything anywhere); and the variables are in scope
    where the block is joined."""
    if SERVICE.search(_code_only(query.text)):
        raise UserError(f"query '{query.name}': parameters of a query with SERVICE cannot be bound on an endpoint "
                        "(kg checks the query locally first, and that check must not call other services)")
    substitutions = {ox.Variable(name): to_ox(term) for name, term in bindings.items()}
    try:
        ox.Store().query(query.text, substitutions=substitutions)
    except SyntaxError as error:
        raise UserError(f"query '{query.name}': cannot bind parameters, the query does not parse "
                        f"({str(error).splitlines()[0][:200]})") from None
    except RuntimeError as error:  # pyoxigraph: "does not contains variable ?x in its SELECT projection"
        raise UserError(f"query '{query.name}': cannot bind {', '.join('?' + n for n in bindings)}: "
                        f"{str(error).splitlines()[0][:200]}") from None
    tree = _parse(query.text, query.name)
    for name in bindings:
        _check_in_scope(query.name, tree, Variable(name))
    return tree


def _check_same_query_with_block_first(query: Query, original: CompValue, text: str, names: list[str]) -> None:
    """rdflib's parse of ``text`` is ``original`` (the query's parse) with a first WHERE element binding ``names``
    (a DESCRIBE without WHERE: with a WHERE group that is only that element)."""
    misplaced = UserError(f"query '{query.name}': cannot bind parameters, kg could not place a VALUES block first "
                          "in its WHERE group; nothing was sent")
    try:
        bound = parseQuery(text)[1]
    except ParseException:
        raise misplaced from None
    parts = list(_get(bound["where"], "part") or []) if "where" in bound else []
    first = parts[0] if parts else None
    if not (isinstance(first, CompValue) and first.name == "InlineData"
            and [str(v) for v in _as_list(_get(first, "var"))] == names):
        raise misplaced
    if "where" not in original:
        if parts[1:]:
            raise misplaced
        rest = CompValue(bound.name, **{key: value for key, value in bound.items() if key != "where"})
    else:
        rest = bound
        if parts[1:]:
            bound["where"]["part"] = parts[1:]
        else:
            del bound["where"]["part"]
    if repr(rest) != repr(original):
        raise UserError(f"query '{query.name}': cannot bind parameters, the query with a VALUES block is not the "
                        "same query; nothing was sent")
    try:
        ox.Store().query(text) if not _is_ask(bound) else None
    except (SyntaxError, RuntimeError) as error:  # e.g. BIND(... AS ?x) with ?x bound
        raise UserError(f"query '{query.name}': cannot bind {', '.join('?' + n for n in names)} on an endpoint: "
                        f"{str(error).splitlines()[0][:200]}") from None


def _parse(text: str, name: str) -> CompValue:
    """rdflib's parse tree of a query (cached: a library query is parsed once per process; never modified)."""
    try:
        return _parse_tree(text)
    except ParseException as error:
        raise UserError(f"query '{name}': cannot bind parameters, the query does not parse ({error.msg})") from None


@functools.lru_cache(maxsize=64)
def _parse_tree(text: str) -> CompValue:
    return parseQuery(text)[1]


def _is_ask(tree: CompValue) -> bool:
    return tree.name == "AskQuery"


def _check_in_scope(name: str, tree: CompValue, variable: Variable) -> None:
    """``variable`` is in scope at the top level of WHERE and wherever a FILTER or BIND uses it."""
    trailing = _get(tree, "valuesClause")
    if trailing is not None and variable in _as_list(_get(trailing, "var")):
        raise UserError(f"query '{name}': cannot bind ?{variable}: the query's own trailing VALUES binds it")
    if "where" not in tree:  # DESCRIBE ?x without WHERE: the block becomes the WHERE group
        if variable not in _as_list(_get(tree, "var")):
            raise UserError(f"query '{name}': cannot bind ?{variable}: the query does not mention it")
        return
    where = tree["where"]
    if variable not in _scope(where):
        raise UserError(f"query '{name}': cannot bind ?{variable} on an endpoint: it is not in scope at the top "
                        "level of the WHERE clause (only inside a nested group, MINUS, FILTER or subquery), where "
                        "a VALUES block joined with the pattern would not restrict it as the embedded engine does")
    _check_group(name, where, variable, True)


def _check_group(name: str, group: CompValue, variable: Variable, seen_outside: bool) -> None:
    if group.name == "SubSelect":
        if variable in set(_variables(group)) and variable not in _projected(group):
            raise UserError(f"query '{name}': cannot bind ?{variable} on an endpoint: a subquery uses it without "
                            "projecting it, so a VALUES block joined outside would not reach it")
        _check_group(name, group["where"], variable, False)
        return
    parts = _get(group, "part") or []
    whole = seen_outside or variable in _scope(group)
    for index, part in enumerate(parts):
        before = seen_outside or variable in _parts_scope(parts[:index])
        kind = part.name
        if kind in ("Filter", "Bind"):
            _check_expression(name, part["expr"], variable, whole if kind == "Filter" else before)
        elif kind == "OptionalGraphPattern":
            _check_group(name, part["graph"], variable, before)
        elif kind == "GroupOrUnionGraphPattern":
            for alternative in _as_list(part["graph"]):
                _check_group(name, alternative, variable, False)
        elif kind in ("MinusGraphPattern", "GraphGraphPattern", "ServiceGraphPattern"):
            _check_group(name, part["graph"], variable, False)


def _check_expression(name: str, expression: Any, variable: Variable, seen: bool) -> None:
    """A FILTER or BIND expression sees ``variable`` when ``seen``; an EXISTS pattern in it sees what it sees."""
    for node in _nodes(expression):
        if isinstance(node, CompValue) and node.name in (GROUP, "SubSelect"):
            _check_group(name, node, variable, seen)
        elif node == variable and not seen:
            raise UserError(f"query '{name}': cannot bind ?{variable} on an endpoint: a FILTER or BIND in a nested "
                            "group (a UNION branch, an inner { }, MINUS or GRAPH) uses it without binding it there; "
                            "it would be unbound there remotely but not embedded (queries/README.md, 'a FILTER sees "
                            "only its own group')")


def _nodes(expression: Any) -> Iterator[Any]:
    """The nodes of an expression tree, not entering graph patterns (EXISTS), which are yielded whole."""
    yield expression
    if isinstance(expression, CompValue) and expression.name in (GROUP, "SubSelect"):
        return
    for child in _children(expression):
        yield from _nodes(child)


def _scope(group: CompValue) -> set[Variable]:
    """In-scope variables of a group graph pattern or subquery (SPARQL 1.1 section 18.2.1)."""
    return _projected(group) if group.name == "SubSelect" else _parts_scope(_get(group, "part") or [])


def _parts_scope(parts: list[CompValue]) -> set[Variable]:
    scope: set[Variable] = set()
    for part in parts:
        kind = part.name
        if kind == "TriplesBlock":
            scope.update(v for v in _nodes(part) if isinstance(v, Variable))
        elif kind == "GroupOrUnionGraphPattern":
            for alternative in _as_list(part["graph"]):
                scope |= _scope(alternative)
        elif kind == "OptionalGraphPattern":
            scope |= _scope(part["graph"])
        elif kind in ("GraphGraphPattern", "ServiceGraphPattern"):
            scope |= _scope(part["graph"]) | ({part["term"]} if isinstance(_get(part, "term"), Variable) else set())
        elif kind == "Bind":
            scope.add(part["var"])
        elif kind == "InlineData":
            scope.update(_as_list(part["var"]))
    return scope


def _projected(select: CompValue) -> set[Variable]:
    projection = _get(select, "projection")
    if not projection:  # SELECT *
        return _scope(select["where"])
    return {_get(item, "evar") or _get(item, "var") for item in projection}


def _variables(tree: Any) -> Iterator[Variable]:
    """Every variable anywhere in ``tree``, graph patterns included."""
    if isinstance(tree, Variable):
        yield tree
    for child in _children(tree):
        yield from _variables(child)


def _children(node: Any) -> Any:
    """The children of a parse tree node (a CompValue is a dict, a ParseResults a sequence), or none."""
    if isinstance(node, dict):
        return node.values()
    return node if isinstance(node, list | tuple | ParseResults) else ()


def _get(node: CompValue, key: str) -> Any:
    """A child of a parse tree node, or None (CompValue.get returns the key itself when it is missing)."""
    return node[key] if key in node else None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | ParseResults) else [value]


def _code_only(text: str) -> str:
    """The query text without IRIs, strings and comments (where the word SERVICE is no keyword)."""
    return re.sub(NOT_CODE, " ", text)
