"""Evaluator backend of the population grammar: a rule's three-valued membership for one patient.

``yes`` when the rule holds on the patient's facts, ``possibly`` when it may hold (every fact the
patient may lack counts as satisfiable), ``no`` otherwise: the same semantics as the population class
and its "possible" class of the OWL backend (ADR 0005), term for term (``holds`` mirrors
``kg.model.population.owl_class.compile_rule``); the differential tests check it against HermiT.

>>> from decimal import Decimal
>>> class Patient(Facts):
...     def value(self, quantity): return {"age": Decimal(80)}.get(quantity)
...     def possibly_has_condition(self, condition): return condition == "copd"
>>> membership(parse("age < 18 or condition copd"), Patient(), {}.__getitem__)
'possibly'
>>> membership(parse("age < 18"), Patient(), {}.__getitem__)
'no'
"""

from __future__ import annotations

import operator
from decimal import Decimal

from kg.model.population.grammar import And, Expr, Not, Or, Reference, Resolver, Threshold, parse

COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
YES, POSSIBLY, NO = "yes", "possibly", "no"


class Facts:
    """What a rule can ask about one patient (identifiers are the tables' ids; quantities the grammar's
    names). The defaults describe a patient who states nothing."""

    def value(self, quantity: str) -> Decimal | None:
        return None

    def value_unknown(self, quantity: str) -> bool:
        """The patient is typed "<quantity> unknown" (the closed-world derivation step)."""
        return False

    def has_condition(self, condition: str) -> bool:
        return False

    def possibly_has_condition(self, condition: str) -> bool:
        return False

    def lacks_condition(self, condition: str) -> bool:
        """The profile states the condition (or a broader one) absent."""
        return False

    def takes(self, agent: str) -> bool:
        return False

    def takes_class(self, drug_class: str) -> bool:
        return False

    def possibly_takes(self, agent_or_class: str) -> bool:
        """The patient may take it: a substance field is unknown, or the medication list is omitted or names a
        medication the graph does not know (``cg:possiblyTakesAgent``, queries/decision/derive/)."""
        return False

    def failed_class(self, drug_class: str, possibly: bool) -> bool:
        """A (possibly) failed trial of a drug of the class."""
        return False

    def trial_history_unknown(self) -> bool:
        return False

    @property
    def population_answers(self) -> dict[tuple[str, bool], bool]:
        """(referenced population, possible class?) -> whether it holds for this patient: each answered once."""
        found: dict[tuple[str, bool], bool] | None = self.__dict__.get("_population_answers")
        if found is None:
            found = self.__dict__["_population_answers"] = {}
        return found


def holds(expr: Expr, facts: Facts, possible: bool, resolve: Resolver) -> bool:
    """Whether the rule's class (``possible=False``) or its possible class (``True``) contains the patient."""
    if isinstance(expr, And):
        return all(holds(item, facts, possible, resolve) for item in expr.items)
    if isinstance(expr, Or):
        return any(holds(item, facts, possible, resolve) for item in expr.items)
    if isinstance(expr, Not):
        target = expr.item.target
        return facts.lacks_condition(target) or (possible and facts.possibly_has_condition(target))
    if isinstance(expr, Threshold):
        value = facts.value(expr.quantity)
        known = value is not None and COMPARE[expr.op](value, expr.value)
        return known or (possible and facts.value_unknown(expr.quantity))
    assert isinstance(expr, Reference)
    target = expr.target
    if expr.keyword == "condition":
        return facts.has_condition(target) or (possible and facts.possibly_has_condition(target))
    if expr.keyword == "takes":
        return facts.takes(target) or (possible and facts.possibly_takes(target))
    if expr.keyword == "takes-class":
        return facts.takes_class(target) or (possible and facts.possibly_takes(target))
    if expr.keyword == "failed-class":
        return facts.failed_class(target, possible) or (possible and facts.trial_history_unknown())
    # "population": the referenced rule, in place; once per patient and case (rules reference the same populations
    # many times, and a patient's facts do not change while it is classified)
    answers = facts.population_answers
    key = (target, possible)
    found = answers.get(key)
    if found is None:
        found = answers[key] = holds(resolve(target), facts, possible, resolve)
    return found


def membership(expr: Expr, facts: Facts, resolve: Resolver) -> str:
    """``yes``, ``possibly`` or ``no``."""
    if holds(expr, facts, False, resolve):
        return YES
    return POSSIBLY if holds(expr, facts, True, resolve) else NO


__all__ = ["Facts", "NO", "POSSIBLY", "YES", "holds", "membership", "parse"]
