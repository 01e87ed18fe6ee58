"""The population rules compiled once, from their IR, into functions over a batch's FactTable (fact_table.py):
for every population, which patients of the batch are members (the rule holds) and which possible members (it may
hold). The semantics are ``kg.model.population.evaluate.holds``, term for term, on numpy boolean columns: ``and``
and ``or`` are the columns' and and or, each term its atoms (or threshold comparison), a ``population`` reference
the referenced rule's columns (as ``holds`` evaluates that rule in place)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rdflib import URIRef

from kg.core.decide.classify import fact_table as facts
from kg.core.decide.classify.compiled import CompiledKnowledge
from kg.core.decide.classify.fact_table import Atom, FactTable
from kg.model.namespaces import CG
from kg.model.population.grammar import And, Expr, Not, Or, Reference, Threshold

Column = Callable[["Evaluation"], np.ndarray]  # one batch -> a boolean per patient


@dataclass(frozen=True)
class RulePlan:
    """What a batch of any size is classified with, compiled once per CompiledKnowledge (batch.py caches it)."""

    atoms: dict[Atom, int]  # every atom a rule reads -> its row in the batch's FactTable
    quantities: dict[str, URIRef]  # every quantity a rule compares -> its property
    populations: tuple[URIRef, ...]  # every population with a rule
    holds: dict[tuple[URIRef, bool], Column]  # (population, possible) -> its rule, as a column function
    possible: dict[URIRef, URIRef]  # population -> its "possible" class


class Evaluation:
    """One batch: the fact table, and each population's columns computed once, when first read."""

    def __init__(self, plan: RulePlan, table: FactTable) -> None:
        self.plan, self.table = plan, table
        self._done: dict[tuple[URIRef, bool], np.ndarray] = {}

    def population(self, population: URIRef, possible: bool) -> np.ndarray:
        """Which patients the population's class (``possible=False``) or its possible class contains by its rule."""
        key = (population, possible)
        if key not in self._done:
            self._done[key] = self.plan.holds[key](self)
        return self._done[key]


def compile_rules(kb: CompiledKnowledge) -> RulePlan:
    """Every population rule of *kb*, for membership and possible membership."""
    atoms: dict[Atom, int] = {}
    quantities: dict[str, URIRef] = {}

    def row(kind: str, iri: URIRef | None) -> int:
        return atoms.setdefault((kind, iri), len(atoms))

    def either(sure: int, maybe: int | None) -> Column:
        """The atom *sure*, or (in the possible class) the atom *maybe*."""
        if maybe is None:
            return lambda ev: ev.table.atom(sure)
        return lambda ev: ev.table.atom(sure) | ev.table.atom(maybe)

    def column(expr: Expr, possible: bool) -> Column:
        if isinstance(expr, (And, Or)):
            parts = [column(item, possible) for item in expr.items]
            combine = np.logical_and if isinstance(expr, And) else np.logical_or
            return lambda ev: combine.reduce([part(ev) for part in parts])
        if isinstance(expr, Not):
            target = expr.item.target
            maybe = row(facts.POSSIBLY_HAS, kb.ids.get(target)) if possible else None
            return either(row(facts.LACKS, kb.ids.absent(target)), maybe)
        if isinstance(expr, Threshold):
            quantity, op, value = expr.quantity, expr.op, expr.value
            quantities[quantity] = kb.quantities[quantity]
            if not possible:
                return lambda ev: ev.table.compare(quantity, op, value)
            unknown = row(facts.TYPED, kb.quantities.unknown_class(quantity))
            return lambda ev: ev.table.compare(quantity, op, value) | ev.table.atom(unknown)
        assert isinstance(expr, Reference)
        keyword, iri = expr.keyword, kb.ids.get(expr.target)
        if keyword == "condition":
            return either(row(facts.HAS, iri), row(facts.POSSIBLY_HAS, iri) if possible else None)
        if keyword in ("takes", "takes-class"):
            return either(row(facts.TAKES if keyword == "takes" else facts.TAKES_CLASS, iri),
                          row(facts.POSSIBLY_TAKES, iri) if possible else None)
        if keyword == "failed-class":
            return either(row(facts.POSSIBLY_FAILED if possible else facts.FAILED, iri),
                          row(facts.TYPED, CG.TrialHistoryUnknown) if possible else None)
        kb.resolve(expr.target)  # "population": a reference the build does not resolve fails here
        referenced = kb.ids[expr.target]
        return lambda ev: ev.population(referenced, possible)

    holds = {(population, possible): column(rule, possible)
             for population, rule in kb.rules.items() for possible in (False, True)}
    return RulePlan(atoms, quantities, tuple(kb.rules), holds, dict(kb.possible))
