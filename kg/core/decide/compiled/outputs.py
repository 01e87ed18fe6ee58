"""The tables the compiled decision's remaining output rows are made from, once per build: the dose checks
(doses.py), the actions (actions.py) and the patient facts behind each population (population_facts.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.core.decide.compiled.actions import ActionTables
from kg.core.decide.compiled.doses import DoseTables
from kg.core.decide.compiled.population_facts import PopulationFactTables


@dataclass(frozen=True)
class OutputTables:
    doses: DoseTables
    actions: ActionTables
    population_facts: PopulationFactTables

    @classmethod
    def of(cls, store: ox.Store) -> OutputTables:
        return cls(DoseTables.of(store), ActionTables.of(store), PopulationFactTables.of(store))
