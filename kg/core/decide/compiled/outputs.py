"""The output rows of a compiled decision: the tables the last of them are made from, once per build (the dose checks,
doses.py; the actions, actions.py; the patient facts behind each population, population_facts.py), and which output
query each compiled function stands for (``COMPILED``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.core.decide.compiled import rows, steps
from kg.core.decide.compiled.actions import ActionTables, actions
from kg.core.decide.compiled.doses import DoseTables, dose_checks
from kg.core.decide.compiled.evaluate import Assessment, Facts
from kg.core.decide.compiled.population_facts import PopulationFactTables, population_facts
from kg.core.decide.compiled.rows import Row

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows


@dataclass(frozen=True)
class OutputTables:
    doses: DoseTables
    actions: ActionTables
    population_facts: PopulationFactTables

    @classmethod
    def of(cls, rows: QueryRows) -> OutputTables:
        """From the rows of the compile queries on the build (``Knowledge.rows``)."""
        return cls(DoseTables.of(rows), ActionTables.of(rows), PopulationFactTables.of(rows))


@dataclass(frozen=True)
class Patient:
    """What a compiled output reads of one decision: the build, the patient, its compact decision and facts, its
    graph and the decision store that holds it (None at decision time: only the explanation's rows, made with the
    patient back in a store, read it)."""

    knowledge: Any  # kg.core.build.knowledge.Knowledge
    iri: URIRef
    compact: list[Assessment]
    facts: Facts
    graph: Graph
    store: ox.Store | None


# output query (queries/decision/<name>.rq) -> its rows made from the compact decision, on the compiled engine (the
# query stays the reference: tests/differential/test_engines.py). One table: decision.py asks it for every output.
COMPILED: dict[str, Callable[[Patient], list[Row]]] = {
    "options": lambda p: rows.options(p.knowledge.render_tables, p.iri, p.compact),
    "reasons": lambda p: rows.reasons(p.knowledge.render_tables, p.iri, p.compact, p.graph, p.store),
    "populations": lambda p: rows.populations(p.knowledge.render_tables, p.iri, p.facts.types),
    "interactions": lambda p: steps.interactions(p.knowledge.render_tables, p.knowledge.decision_tables, p.facts),
    "algorithm": lambda p: steps.algorithm(p.knowledge.render_tables, p.knowledge.decision_tables, p.facts, p.graph),
    "actions": lambda p: actions(p.knowledge.output_tables.actions, p.facts, p.compact, p.graph),
    "dose-checks": lambda p: dose_checks(p.knowledge.output_tables.doses, p.knowledge.decision_tables, p.facts,
                                         p.graph),
    "report-step-doses": lambda p: steps.step_doses(p.knowledge.render_tables, p.knowledge.decision_tables, p.facts),
    "report-population-facts": lambda p: population_facts(p.knowledge.output_tables.population_facts,
                                                          p.knowledge.decision_tables, p.facts, p.store),
}
