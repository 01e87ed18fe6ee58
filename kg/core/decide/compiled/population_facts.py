"""The patient facts behind each population a compiled decision puts the patient in
(decision/report-population-facts.rq, the reference): the restrictions of each population's definition, compiled
once per build (queries/compile/population-facts.rq), matched against the patient's own triples in its decision store
(read there, as the query reads them: a value's canonical form, its labels and types). tests/differential/
test_engines.py compares."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.base.oxigraph_bridge import from_ox
from kg.core.decide.compiled.evaluate import Facts
from kg.core.decide.compiled.rows import Row, distinct, ordered
from kg.core.decide.compiled.tables import DecisionTables
from kg.model.namespaces import CG

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows

ORDER = ("population", "propertyLabel", "valueLabel", "property")
LOCAL_NAME = re.compile(r"^.*[/#]")  # REPLACE(STR(?property), "^.*[/#]", "")


@dataclass(frozen=True)
class Restriction:
    property: URIRef
    filler: Node | None  # owl:someValuesFrom, when a named class
    wanted: Node | None  # owl:hasValue


@dataclass(frozen=True)
class PopulationFactTables:
    restrictions: dict[str, tuple[Restriction, ...]]  # population (with a rule) -> its restrictions
    under: dict[str, frozenset[str]]  # named filler -> the classes under it (rdfs:subClassOf*)
    property_labels: dict[str, tuple[Node, ...]]

    @classmethod
    def of(cls, rows: QueryRows) -> PopulationFactTables:
        restrictions: dict[str, dict[Restriction, None]] = defaultdict(dict)  # (ordered sets)
        under: dict[str, set[str]] = defaultdict(set)
        labels: dict[str, list[Node]] = defaultdict(list)
        for row in rows("compile/population-facts"):
            branch = str(row["branch"])
            if branch == "restriction":
                found = Restriction(row["property"], row["filler"], row["wanted"])  # type: ignore[arg-type]
                restrictions[str(row["population"])][found] = None
            elif branch == "under":
                under[str(row["filler"])].add(str(row["class"]))
            else:
                labels[str(row["property"])].append(row["label"])  # type: ignore[arg-type]
        return cls({p: tuple(found) for p, found in restrictions.items()},
                   {f: frozenset(c) for f, c in under.items()}, {p: tuple(found) for p, found in labels.items()})


def population_facts(tables: PopulationFactTables, decision: DecisionTables, facts: Facts,
                     store: ox.Store) -> list[Row]:
    """decision/report-population-facts.rq's rows for one patient; *store*: its decision store, holding it."""
    patient = URIRef(facts.patient)
    rows: list[Row] = []
    for population in facts.types:
        for restriction in tables.restrictions.get(population, ()):
            for value in _objects(store, patient, restriction.property):
                if restriction.wanted is not None and not _equal(value, restriction.wanted):
                    continue
                if not _fits(tables, decision, store, value, restriction.filler):
                    continue
                for property_label in _property_labels(tables, restriction.property):
                    for value_label in _value_labels(store, value):
                        rows.append({"patient": patient, "population": URIRef(population),
                                     "property": restriction.property, "propertyLabel": property_label,
                                     "valueLabel": value_label})
    return ordered(distinct(rows), ORDER)


def _objects(store: ox.Store, subject: Node, predicate: Node) -> list[Node]:
    quads = store.quads_for_pattern(ox.NamedNode(str(subject)), ox.NamedNode(str(predicate)), None,
                                    ox.DefaultGraph())
    return [from_ox(quad.object) for quad in quads]


def _equal(value: Node, wanted: Node) -> bool:
    """SPARQL ``=``: literals by value where Python compares them, other terms as terms."""
    if isinstance(value, Literal) and isinstance(wanted, Literal):
        return bool(value.toPython() == wanted.toPython())
    return value == wanted


def _fits(tables: PopulationFactTables, decision: DecisionTables, store: ox.Store, value: Node,
          filler: Node | None) -> bool:
    """An object value counts when it fits the restriction's named filler class (a type under it, or an agent that
    falls under it); a literal, or a restriction with no named filler (none, or a class expression), always."""
    if isinstance(value, Literal) or filler is None:
        return True
    classes = tables.under.get(str(filler), frozenset())
    if any(str(t) in classes for t in _objects(store, value, RDF.type)):
        return True
    return str(filler) in decision.falls_under.get(str(value), frozenset())


def _property_labels(tables: PopulationFactTables, prop: URIRef) -> tuple[Node, ...]:
    return tables.property_labels.get(str(prop)) or (Literal(LOCAL_NAME.sub("", str(prop))),)


def _value_labels(store: ox.Store, value: Node) -> list[Node]:
    """COALESCE(its label, the label of a type of its that is not the ontology's, STR(value))."""
    if not isinstance(value, Literal):
        own = _objects(store, value, RDFS.label)
        if own:
            return own
        typed = [label for t in _objects(store, value, RDF.type)
                 if t != OWL.NamedIndividual and not str(t).startswith(CG._NS)
                 for label in _objects(store, t, RDFS.label)]
        if typed:
            return typed
    return [Literal(str(value))]
