"""The dose checks of a compiled decision (decision/dose-checks.rq, the reference): the patient's total daily dose of
each drug against the regimens that apply to it (above a sourced maximum, above the usual range when no maximum
applies, below an adequate trial unless a regimen for its population caps the drug below it), the cautions that
apply to a drug it takes, and a single daily dose where a warning for its population says the sourced regimen
divides the dose. The statements are the rows of queries/compile/dose-check-statements.rq; which check a statement
makes is the attribute it has (cg:maxDaily, cg:targetDailyMax, ...). tests/differential/test_engines.py compares."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.term import Node

from kg.base.literals import as_sparql_writes_decimal, iri, plain_literal
from kg.core.decide.compiled.evaluate import Facts
from kg.core.decide.compiled.rows import Row, distinct, ordered
from kg.core.decide.compiled.tables import DecisionTables
from kg.model.namespaces import CG

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows

ORDER = ("drugLabel", "kind", "statement", "drug", "current", "limit", "rule", "text", "basis")
# the dose limits of a regimen: (its property, the check's kind, its rule in words, whether the check is "below")
LIMITS = (("maxDaily", "above-maximum", "total daily dose above the sourced maximum", False),
          ("targetDailyMax", "above-usual-range", "total daily dose above the sourced usual range (no sourced maximum)",
           False),
          ("adequateTrialDailyMin", "below-adequate-trial", "total daily dose below an adequate trial", True))
CAUTION_RULE = "a caution applies to a current drug"
WARNING_RULE = "a warning about this dosing pattern"


@dataclass(frozen=True)
class Statement:
    """A regimen, caution or warning: its IRI and every value of each attribute the checks read."""

    iri: URIRef
    values: dict[str, tuple[Node, ...]]

    def __getitem__(self, attribute: str) -> tuple[Node, ...]:
        return self.values.get(attribute, ())

    def populations(self) -> frozenset[str]:
        return frozenset(map(str, self["appliesToPopulation"]))

    def in_all_populations(self, types: frozenset[str]) -> bool:
        return self.populations() <= types

    def in_a_population(self, types: frozenset[str]) -> bool:
        return bool(self.populations() & types)

    def sources(self) -> dict[str, Node]:
        found = self["sources"]
        return {"sources": Literal("|".join(sorted(str(found[0]).split("|"))))} if found else {"sources": None}


@dataclass(frozen=True)
class DoseTables:
    regimens: dict[str, tuple[Statement, ...]]  # drug -> the regimens about it
    cautions: dict[str, tuple[Statement, ...]]  # agent -> the cautions about it
    warnings: dict[str, tuple[Statement, ...]]  # agent -> the warnings about it
    labels: dict[str, tuple[Node, ...]]  # agent -> its labels
    ingredients: dict[str, frozenset[str]]  # drug -> itself and its active ingredients (cg:activeIngredient?)

    @classmethod
    def of(cls, rows: QueryRows) -> DoseTables:
        values: dict[tuple[str, str], dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for row in rows("compile/dose-check-statements"):
            values[(str(row["statement"]), str(row["kind"]))][str(row["attribute"])].append(row["value"])  # type: ignore[index]
        by_kind: dict[str, dict[str, list[Statement]]] = defaultdict(lambda: defaultdict(list))
        labels: dict[str, tuple[Node, ...]] = {}
        ingredients: dict[str, set[str]] = defaultdict(set)
        for (node, kind), found in values.items():
            if kind == "agent":
                labels[node] = tuple(found.get("label", ()))
                ingredients[node].update(map(str, found.get("activeIngredient", ())))
                continue
            statement = Statement(URIRef(node), {k: tuple(v) for k, v in found.items()})
            for about in statement["aboutAgent"]:
                by_kind[kind][str(about)].append(statement)
        grouped = {kind: {a: tuple(s) for a, s in found.items()} for kind, found in by_kind.items()}
        return cls(grouped.get("regimen", {}), grouped.get("caution", {}), grouped.get("warning", {}), labels,
                   {drug: frozenset({drug, *found}) for drug, found in ingredients.items()})

    def counted_as(self, used: str) -> frozenset[str]:
        """The drugs a use of *used* counts toward: itself and its active ingredients."""
        return self.ingredients.get(used, frozenset({used}))


@dataclass(frozen=True)
class Use:
    drug: str
    daily: Literal | None  # cg:currentDailyDose
    per_day: Literal | None  # cg:currentDosesPerDay


def uses(graph: Graph, patient: URIRef) -> list[Use]:
    """The patient's medication uses (cg:hasMedicationUse), as the profile states them."""
    out = []
    for use in graph.objects(patient, CG.hasMedicationUse):
        daily, per_day = graph.value(use, CG.currentDailyDose), graph.value(use, CG.currentDosesPerDay)
        for drug in graph.objects(use, CG.useOf):
            out.append(Use(str(drug), daily, per_day))  # type: ignore[arg-type]
    return out


def dose_checks(tables: DoseTables, decision: DecisionTables, facts: Facts, graph: Graph) -> list[Row]:
    """decision/dose-checks.rq's rows for one patient."""
    patient, taken = URIRef(facts.patient), uses(graph, URIRef(facts.patient))
    rows: list[Row] = []
    for drug, statement, kind, rule, current, limit, text in (*_regimen_checks(tables, facts, taken),
                                                              *_caution_checks(tables, decision, facts),
                                                              *_warning_checks(tables, decision, facts, taken)):
        for label, basis in itertools.product(tables.labels.get(drug, ()), statement["basis"]):
            rows.append({"patient": patient, "kind": plain_literal(kind), "drug": iri(drug), "drugLabel": label,
                         "current": current, "limit": limit, "rule": plain_literal(rule), "statement": statement.iri,
                         "text": text, "basis": basis, **statement.sources()})
    return ordered(distinct(rows), ORDER)


Check = tuple[str, Statement, str, str, Node | None, Node | None, Node | None]


def _specific(tables: DoseTables, drug: str, types: frozenset[str]) -> bool:
    """A regimen of the drug for a population the patient is in replaces its general regimens."""
    return any(r.in_a_population(types) for r in tables.regimens.get(drug, ()))


def _regimen_checks(tables: DoseTables, facts: Facts, taken: list[Use]) -> Iterator[Check]:
    totals = _totals(tables, taken)
    for drug, total in totals.items():
        regimens = tables.regimens.get(drug, ())
        capping = any(r["maxDaily"] and r.in_all_populations(facts.types) for r in regimens)
        for regimen in regimens:
            if not regimen.in_all_populations(facts.types):
                continue
            if not regimen.populations() and _specific(tables, drug, facts.types):
                continue
            for attribute, kind, rule, below in LIMITS:
                if attribute == "targetDailyMax" and capping:
                    continue
                for limit in regimen[attribute]:
                    value = _number(limit)
                    if not (_number(total) < value if below else _number(total) > value):
                        continue
                    if below and any(_number(cap) < value for r in regimens if r.in_a_population(facts.types)
                                     for cap in r["maxDaily"]):
                        continue
                    for text in regimen["timing"] or (None,):
                        yield drug, regimen, kind, rule, total, limit, text


def _totals(tables: DoseTables, taken: Iterable[Use]) -> dict[str, Literal]:
    """The total daily dose per drug over every use counted toward it (SUM: an integer sum of integers, else a
    decimal)."""
    found: dict[str, list[Literal]] = defaultdict(list)
    for use in taken:
        if use.daily is not None:
            for drug in tables.counted_as(use.drug):
                found[drug].append(use.daily)
    out = {}
    for drug, doses in found.items():
        total = sum((_number(d) for d in doses), Decimal(0))
        integer = all(d.datatype == XSD.integer for d in doses)
        out[drug] = Literal(int(total), datatype=XSD.integer) if integer else as_sparql_writes_decimal(total)
    return out


def _caution_checks(tables: DoseTables, decision: DecisionTables, facts: Facts) -> Iterator[Check]:
    for drug in facts.takes:
        for about in decision.falls_under.get(drug, ()):
            for caution in tables.cautions.get(about, ()):
                if (caution["precautionAction"] or not caution.in_all_populations(facts.types)
                        or any(str(co) not in facts.takes_under for co in caution["coMedication"])):
                    continue
                for text in caution["rationale"]:
                    yield drug, caution, "caution", CAUTION_RULE, None, None, text


def _warning_checks(tables: DoseTables, decision: DecisionTables, facts: Facts, taken: list[Use]) -> Iterator[Check]:
    for use in taken:
        if use.per_day is None or _number(use.per_day) != 1:
            continue
        general = [r for r in tables.regimens.get(use.drug, ()) if not r.populations()]
        if not general or _specific(tables, use.drug, facts.types):
            continue
        for about in decision.falls_under.get(use.drug, ()):
            for warning in tables.warnings.get(about, ()):
                if not warning.in_a_population(facts.types):
                    continue
                for regimen in general:
                    for limit in regimen["dosesPerDay"]:
                        if _number(limit) > 1:
                            for text in warning["statementText"]:
                                yield (use.drug, warning, "single-daily-dose", WARNING_RULE,
                                       _as_sparql_writes(use.per_day), limit, text)


def _as_sparql_writes(term: Literal) -> Literal:
    """The patient's value as the reference query returns it (the profile writes "1.0", Oxigraph answers "1")."""
    return as_sparql_writes_decimal(_number(term)) if term.datatype == XSD.decimal else term


def _number(term: Node) -> Decimal:
    return Decimal(str(term.toPython()))  # type: ignore[union-attr]
