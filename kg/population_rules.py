"""The population grammar of kg/tables/populations.tsv: parse a rule, compile it to OWL.

A rule such as ``ferritin <= 75 or tsat < 20`` becomes the class expression
``Patient and (ferritinNgPerMl some decimal[<= 75] or tsatPercent some decimal[< 20])``,
which a DL reasoner evaluates on patient individuals.

>>> parse("ferritin <= 75 or tsat < 20")
Or(items=(Threshold(quantity='ferritin', op='<=', value=Decimal('75')), Threshold(quantity='tsat', op='<', value=Decimal('20'))))
>>> references(parse("condition copd and takes-class opioids"))
[('condition', 'copd'), ('drug_class', 'opioids')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Node, URIRef
from rdflib.collection import Collection

from kg.literals import decimal_literal
from kg.namespaces import CG, RLS, RLS_ABSENT, RLS_POSSIBLE
from kg.vocabulary import quantities, unknown_value_classes

FACETS: dict[str, URIRef] = {
    "<": XSD.maxExclusive,
    "<=": XSD.maxInclusive,
    ">": XSD.minExclusive,
    ">=": XSD.minInclusive,
}
# keyword -> id kind the argument must be (see kg/table_specs.py)
REFERENCE_KEYWORDS: dict[str, str] = {
    "condition": "condition",
    "takes": "intervention",
    "takes-class": "drug_class",
    "failed-class": "drug_class",
    "population": "population",
}


class RuleError(ValueError):
    """A rule that does not follow the grammar."""


@dataclass(frozen=True)
class Threshold:
    quantity: str
    op: str
    value: Decimal


@dataclass(frozen=True)
class Reference:
    keyword: str
    target: str


@dataclass(frozen=True)
class Not:
    """``not condition X``: the patient is known not to have X (the profile says so)."""

    item: Reference


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]


Expr = Threshold | Reference | Not | And | Or

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def parse(text: str) -> Expr:
    """Parse a population rule; raise RuleError with the reason."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise RuleError("empty rule")
    expr, pos = _parse_expr(tokens, 0)
    if pos != len(tokens):
        raise RuleError(f"unexpected '{tokens[pos]}' at token {pos + 1}")
    return expr


def _parse_expr(tokens: list[str], pos: int) -> tuple[Expr, int]:
    first, pos = _parse_term(tokens, pos)
    items, joiner = [first], None
    while pos < len(tokens) and tokens[pos] in ("and", "or"):
        if joiner and tokens[pos] != joiner:
            raise RuleError("'and' and 'or' mixed without parentheses")
        joiner = tokens[pos]
        term, pos = _parse_term(tokens, pos + 1)
        items.append(term)
    if joiner is None:
        return first, pos
    return (And if joiner == "and" else Or)(tuple(items)), pos


def _parse_term(tokens: list[str], pos: int) -> tuple[Expr, int]:
    if pos >= len(tokens):
        raise RuleError("rule ends where a term was expected")
    head = tokens[pos]
    if head == "not":
        negated, pos = _parse_term(tokens, pos + 1)
        if not (isinstance(negated, Reference) and negated.keyword == "condition"):
            raise RuleError("'not' applies only to 'condition <id>' (a condition the profile states as absent)")
        return Not(negated), pos
    if head == "(":
        expr, pos = _parse_expr(tokens, pos + 1)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise RuleError("missing ')'")
        return expr, pos + 1
    if head in quantities():
        if pos + 2 >= len(tokens):
            raise RuleError(f"'{head}' needs an operator and a number")
        op, number = tokens[pos + 1], tokens[pos + 2]
        if op not in FACETS:
            raise RuleError(f"unknown operator '{op}' (use <, <=, >, >=)")
        try:
            value = Decimal(number)
        except InvalidOperation:
            raise RuleError(f"'{number}' is not a number") from None
        if not value.is_finite() or value < 0:
            raise RuleError(f"'{number}' is not a non-negative number")
        return Threshold(head, op, value), pos + 3
    if head in REFERENCE_KEYWORDS:
        if pos + 1 >= len(tokens) or tokens[pos + 1] in ("(", ")", "and", "or"):
            raise RuleError(f"'{head}' needs an identifier")
        return Reference(head, tokens[pos + 1]), pos + 2
    raise RuleError(f"unknown term '{head}'")


def _walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, (And, Or)):
        for item in expr.items:
            yield from _walk(item)
    if isinstance(expr, Not):
        yield from _walk(expr.item)


def references(expr: Expr) -> list[tuple[str, str]]:
    """(id kind, id) of every identifier a rule refers to, in order."""
    return [(REFERENCE_KEYWORDS[e.keyword], e.target) for e in _walk(expr) if isinstance(e, Reference)]


def required_populations(expr: Expr) -> list[str]:
    """Populations the rule requires as whole conjuncts (``population X and ...``), in order."""
    items = expr.items if isinstance(expr, And) else (expr,)
    return [e.target for e in items if isinstance(e, Reference) and e.keyword == "population"]


Resolver = Callable[[str], Expr]


def compile_rule(graph: Graph, expr: Expr, possible: bool = False, resolve: Resolver | None = None) -> Node:
    """Add the OWL class expression for ``expr`` to ``graph``; return its node.

    With ``possible=True`` every fact the patient may lack counts as satisfiable: a threshold on a
    lab also accepts "lab unknown", a condition also accepts "possibly has condition", a failed
    trial also accepts "possibly failed", and a population reference uses that population's
    possible class (three-valued membership, ADR 0005). A reference to another population is
    inlined (its rule is compiled in place, through ``resolve``): same semantics as naming the
    class, and it avoids an internal error of Pellet 2.3 on nested named datatype classes.
    """
    if isinstance(expr, (And, Or)):
        node = BNode()
        members = [compile_rule(graph, item, possible, resolve) for item in expr.items]
        head = BNode()
        Collection(graph, head, members)
        graph.add((node, RDF.type, OWL.Class))
        graph.add((node, OWL.intersectionOf if isinstance(expr, And) else OWL.unionOf, head))
        return node
    if isinstance(expr, Not):  # closed world only where the profile says "absent" (cg:lacksCondition)
        lacks = _restriction(graph, CG.lacksCondition, OWL.someValuesFrom, RLS_ABSENT[expr.item.target])
        if not possible:
            return lacks
        maybe = _restriction(graph, CG.possiblyHasCondition, OWL.someValuesFrom, RLS[expr.item.target])
        return _union(graph, [lacks, maybe])
    if isinstance(expr, Threshold):
        datatype, facet, facets = BNode(), BNode(), BNode()
        graph.add((datatype, RDF.type, RDFS.Datatype))
        graph.add((datatype, OWL.onDatatype, XSD.decimal))
        graph.add((facet, FACETS[expr.op], decimal_literal(expr.value)))
        Collection(graph, facets, [facet])
        graph.add((datatype, OWL.withRestrictions, facets))
        prop = quantities()[expr.quantity]
        known = _restriction(graph, prop, OWL.someValuesFrom, datatype)
        return _union(graph, [known, unknown_value_classes()[prop]]) if possible else known
    target = RLS[expr.target]
    if expr.keyword == "condition":
        has = _restriction(graph, CG.hasCondition, OWL.someValuesFrom, target)
        if not possible:
            return has
        return _union(graph, [has, _restriction(graph, CG.possiblyHasCondition, OWL.someValuesFrom, target)])
    if expr.keyword == "takes":
        return _restriction(graph, CG.takesAgent, OWL.hasValue, target)
    if expr.keyword == "takes-class":
        return _restriction(graph, CG.takesDrugOfClass, OWL.hasValue, target)
    if expr.keyword == "failed-class":
        trial = BNode()
        head = BNode()
        trial_class = CG.PossiblyFailedTrial if possible else CG.FailedTrial
        Collection(graph, head, [trial_class, _restriction(graph, CG.trialOfDrugClass, OWL.hasValue, target)])
        graph.add((trial, RDF.type, OWL.Class))
        graph.add((trial, OWL.intersectionOf, head))
        had = _restriction(graph, CG.hadTrial, OWL.someValuesFrom, trial)
        # an omitted trial history means any failed trial may exist (three-valued membership, ADR 0005)
        return _union(graph, [had, CG.TrialHistoryUnknown]) if possible else had
    if resolve is None:  # "population" without a resolver: refer to the named class
        return RLS_POSSIBLE[expr.target] if possible else target
    return compile_rule(graph, resolve(expr.target), possible, resolve)


def _union(graph: Graph, members: list[Node]) -> BNode:
    node, head = BNode(), BNode()
    Collection(graph, head, members)
    graph.add((node, RDF.type, OWL.Class))
    graph.add((node, OWL.unionOf, head))
    return node



def _restriction(graph: Graph, prop: URIRef, kind: URIRef, value: Node) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, OWL.Restriction))
    graph.add((node, OWL.onProperty, prop))
    graph.add((node, kind, value))
    return node


def define_population(graph: Graph, population: URIRef, expr: Expr, resolve: Resolver | None = None) -> URIRef:
    """population owl:equivalentClass (Patient and <rule>), and its possible class; returns the latter."""
    possible = RLS_POSSIBLE[population[len(RLS):]]
    for cls, is_possible in ((population, False), (possible, True)):
        head, node = BNode(), BNode()
        Collection(graph, head, [CG.Patient, compile_rule(graph, expr, is_possible, resolve)])
        graph.add((node, RDF.type, OWL.Class))
        graph.add((node, OWL.intersectionOf, head))
        graph.add((cls, OWL.equivalentClass, node))
    graph.add((possible, RDF.type, OWL.Class))
    graph.add((possible, CG.possibleMembershipOf, population))
    return possible
