"""The population grammar of kg/tables/populations.tsv: a rule parses into one intermediate
representation (the frozen dataclasses below), which the backends compile: OWL defined classes for
the DL reasoner (kg/model/population/owl_class.py) and a three-valued evaluator for the compiled decision path
(kg/model/population/evaluate.py). Later backends (FHIR, CQL) read the same IR.

>>> parse("age < 18 or age >= 65")
Or(items=(Threshold(quantity='age', op='<', value=Decimal('18')), Threshold(quantity='age', op='>=', value=Decimal('65'))))
>>> references(parse("condition copd and takes-class opioids"))
[('condition', 'copd'), ('drug_class', 'opioids')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

OPERATORS = ("<", "<=", ">", ">=")
# keyword -> id kind the argument must be (see kg/model/table_specs.py)
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
# a quantity's name (its skos:notation in the ontology: the core's or a package's, ADR 0025); whether the name is a
# quantity the build declares is checked against that ontology (``unknown_quantities``), not by the grammar
QUANTITY_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


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
    if head in REFERENCE_KEYWORDS:
        if pos + 1 >= len(tokens) or tokens[pos + 1] in ("(", ")", "and", "or"):
            raise RuleError(f"'{head}' needs an identifier")
        return Reference(head, tokens[pos + 1]), pos + 2
    if QUANTITY_NAME.match(head) and head not in ("and", "or") and pos + 1 < len(tokens) \
            and tokens[pos + 1] not in ("(", ")", "and", "or"):
        if pos + 2 >= len(tokens):
            raise RuleError(f"'{head}' needs an operator and a number")
        op, number = tokens[pos + 1], tokens[pos + 2]
        if op not in OPERATORS:
            raise RuleError(f"unknown operator '{op}' (use <, <=, >, >=)")
        try:
            value = Decimal(number)
        except InvalidOperation:
            raise RuleError(f"'{number}' is not a number") from None
        if not value.is_finite() or value < 0:
            raise RuleError(f"'{number}' is not a non-negative number")
        return Threshold(head, op, value), pos + 3
    raise RuleError(f"unknown term '{head}' (a quantity needs an operator and a number; a reference one of the "
                    f"keywords {', '.join(REFERENCE_KEYWORDS)})")


def walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, (And, Or)):
        for item in expr.items:
            yield from walk(item)
    if isinstance(expr, Not):
        yield from walk(expr.item)


def references(expr: Expr) -> list[tuple[str, str]]:
    """(id kind, id) of every identifier a rule refers to, in order."""
    return [(REFERENCE_KEYWORDS[e.keyword], e.target) for e in walk(expr) if isinstance(e, Reference)]


def unknown_quantities(expr: Expr, known: Collection[str]) -> list[str]:
    """The quantities a rule compares that are not among *known* (the notations of the build's quantities), in
    order.

    >>> unknown_quantities(parse("age >= 18 and wobble-score > 2"), ("age",))
    ['wobble-score']
    """
    return [e.quantity for e in walk(expr) if isinstance(e, Threshold) and e.quantity not in known]


def required_populations(expr: Expr) -> list[str]:
    """Populations the rule requires as whole conjuncts (``population X and ...``), in order."""
    items = expr.items if isinstance(expr, And) else (expr,)
    return [e.target for e in items if isinstance(e, Reference) and e.keyword == "population"]


Resolver = Callable[[str], Expr]
"""Population id -> its rule (a reference to another population is evaluated through its rule)."""
