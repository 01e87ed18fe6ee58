"""The compiled derivation: the closed-world steps of queries/decision/derive/*.rq as lookups in the derivation tables
(queries/compile/derive-*.rq, read once per build) over one patient's graph, with no store. The thresholds, caps,
unknown-value classes and agents are rows of those tables; what is here is how each CONSTRUCT joins them with the
patient's triples, in the rules' file-name order (a later step reads an earlier one's result). The SPARQL rules stay
the reference (``engine="sparql"``): tests/differential/test_engines.py compares the derived triples of the two on
every edge and fresh profile, and every output after them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from kg.base.literals import TRUE
from kg.model.namespaces import CG

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows

Number = Decimal | float


@dataclass(frozen=True)
class DeriveTables:
    unknown: tuple[tuple[URIRef, URIRef], ...]  # ("<quantity> unknown" class, quantity)
    adequate: dict[Node, Literal]  # drug -> its sourced adequate-trial daily dose
    maximum: dict[Node, Literal]  # drug -> its sourced maximum daily dose (regimens without a population)
    caps: dict[Node, tuple[tuple[Node, Literal], ...]]  # drug -> (condition, capped daily dose)
    under: dict[Node, frozenset[Node]]  # condition a cap's population mentions -> the classes under it (itself too)
    agents: tuple[Node, ...]  # every drug and drug class

    @classmethod
    def of(cls, rows: QueryRows) -> DeriveTables:
        adequate: dict[Node, Literal] = {}
        maximum: dict[Node, Literal] = {}
        caps: dict[Node, list[tuple[Node, Literal]]] = defaultdict(list)
        under: dict[Node, set[Node]] = defaultdict(set)
        for row in rows("compile/derive-adequacy"):
            branch = str(row["branch"])
            if branch == "adequate":
                adequate[row["drug"]] = row["value"]  # type: ignore[index, assignment]
            elif branch == "maximum":
                maximum[row["drug"]] = row["value"]  # type: ignore[index, assignment]
            elif branch == "cap":
                caps[row["drug"]].append((row["condition"], row["value"]))  # type: ignore[index, arg-type]
            else:
                under[row["condition"]].add(row["class"])  # type: ignore[index, arg-type]
        unknown = tuple((row["unknown"], row["quantity"]) for row in rows("compile/derive-unknown-values"))
        agents = tuple(row["agent"] for row in rows("compile/derive-agents"))
        return cls(unknown, adequate, maximum, {d: tuple(c) for d, c in caps.items()},  # type: ignore[arg-type]
                   {c: frozenset(k) for c, k in under.items()}, agents)  # type: ignore[arg-type]


def derive(tables: DeriveTables, graph: Graph, patient: URIRef) -> list[tuple[Node, Node, Node]]:
    """What decision/derive/*.rq construct for *patient* from *graph* (its allow-listed triples), in their order: each
    step's triples are added to *graph* before the next step reads it, as the rules' are to the store. Returns them."""
    added: list[tuple[Node, Node, Node]] = []
    for step in (_unknown_values, _adequacy, _adequacy_undetermined, _possible_medications):
        found = step(tables, graph, patient)
        for triple in found:
            graph.add(triple)
        added += found
    return added


def _is_patient(graph: Graph, patient: URIRef) -> bool:
    return (patient, RDF.type, CG.Patient) in graph


def _unknown_values(tables: DeriveTables, graph: Graph, patient: URIRef) -> list[tuple[Node, Node, Node]]:
    """01-unknown-values.rq: a quantity with no value types the patient "<quantity> unknown"."""
    if not _is_patient(graph, patient):
        return []
    return [(patient, RDF.type, unknown) for unknown, quantity in tables.unknown
            if graph.value(patient, quantity) is None]


def _adequacy(tables: DeriveTables, graph: Graph, patient: URIRef) -> list[tuple[Node, Node, Node]]:
    """02-trial-adequacy.rq: a past trial's dose reached, or the patient's total daily dose of a drug it uses, against
    the drug's adequate-trial dose, a cap of a condition the patient has, or its maximum dose."""
    conditions = {kind for condition in graph.objects(patient, CG.hasCondition)
                  for kind in graph.objects(condition, RDF.type)}
    found = []
    for trial in graph.objects(patient, CG.hadTrial):
        if graph.value(trial, CG.adequateTrial) is not None:  # a clinician's own judgement is kept
            continue
        for drug in graph.objects(trial, CG.trialOf):
            for dose in graph.objects(trial, CG.doseReachedDaily):
                reached = _number(dose)
                adequate = None if reached is None else _adequate(tables, drug, reached, conditions)
                if adequate is not None:
                    found.append((trial, CG.adequateTrial, adequate))
    totals: dict[Node, list[Node]] = defaultdict(list)  # drug -> the daily doses of every use of it
    uses = list(graph.objects(patient, CG.hasMedicationUse))
    for use in uses:
        for drug in graph.objects(use, CG.useOf):
            totals[drug] += list(graph.objects(use, CG.currentDailyDose))
    for use in uses:
        for drug in graph.objects(use, CG.useOf):
            values = [_number(d) for d in totals[drug]]
            if not values or None in values:  # SUM over no dose is no group; over a non-number, an error
                continue
            adequate = _adequate(tables, drug, _sum(values), conditions)  # type: ignore[arg-type]
            if adequate is not None:
                found.append((use, CG.adequateDose, adequate))
    return found


def _adequate(tables: DeriveTables, drug: Node, reached: Number, conditions: set[Node]) -> Literal | None:
    """The rule's BIND for a daily dose reached: true, false, or None (undetermined: no triple)."""
    adequate = _number(tables.adequate.get(drug))
    caps = [_number(cap) for condition, cap in tables.caps.get(drug, ())
            if conditions & tables.under.get(condition, frozenset())]
    cap = min((c for c in caps if c is not None), default=None)
    if adequate is not None and cap is not None and _less(cap, adequate):
        return TRUE if not _less(reached, cap) else None
    if adequate is not None:
        return Literal(not _less(reached, adequate))
    maximum = _number(tables.maximum.get(drug))
    return TRUE if maximum is not None and not _less(reached, maximum) else None


def _adequacy_undetermined(tables: DeriveTables, graph: Graph, patient: URIRef) -> list[tuple[Node, Node, Node]]:
    """03-adequacy-undetermined.rq: a trial whose adequacy is still not stated."""
    return [(trial, CG.adequacyUndetermined, TRUE) for trial in graph.objects(patient, CG.hadTrial)
            if graph.value(trial, CG.adequateTrial) is None]


def _possible_medications(tables: DeriveTables, graph: Graph, patient: URIRef) -> list[tuple[Node, Node, Node]]:
    """04-possible-medications.rq: an omitted list, or one naming an unrecognised medication, makes every drug and drug
    class the patient is not stated to take possibly taken."""
    if not _is_patient(graph, patient) or not ((patient, RDF.type, CG.MedicationListUnknown) in graph
                                               or graph.value(patient, CG.takesUnrecognisedMedication) is not None):
        return []
    taken = set(graph.objects(patient, CG.takesAgent))
    return [(patient, CG.possiblyTakesAgent, agent) for agent in tables.agents if agent not in taken]


def _number(term: Node | None) -> Number | None:
    """A numeric literal's value (None: not a number SPARQL compares)."""
    if not isinstance(term, Literal):
        return None
    value = term.toPython()
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        return None
    return Decimal(value) if isinstance(value, int) else value


def _less(a: Number, b: Number) -> bool:
    """``a < b`` as SPARQL compares numbers: as doubles when either is one, else exactly."""
    if isinstance(a, float) or isinstance(b, float):
        return float(a) < float(b)
    return a < b


def _sum(values: list[Number]) -> Number:
    if any(isinstance(v, float) for v in values):
        return float(sum(float(v) for v in values))
    return sum(values, Decimal(0))  # type: ignore[arg-type]
