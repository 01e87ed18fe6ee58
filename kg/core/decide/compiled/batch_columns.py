"""The facts of a batch of patients as boolean columns (numpy arrays of one bool per patient), one per fact the
decision tables test (batch_plan.py): the only per-patient work of the batch assessment besides reading its result,
proportional to the facts a patient has that the tables test."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from kg.core.decide.compiled.batch_plan import Plan
from kg.core.decide.compiled.evaluate import FAILED_TRIAL, Facts
from kg.core.decide.compiled.tables import Iri

Column = np.ndarray  # one bool per patient of the batch; never changed in place (columns are shared)


class Columns:
    """A batch's fact columns. ``odd``: the patients the batch form cannot hold (a trial that is also a statement
    of the tables, so that its reason would be that statement's: batch_plan.py ``statements``)."""

    def __init__(self, plan: Plan, batch: Sequence[Facts]) -> None:
        self.plan, self.size = plan, len(batch)
        self.zeros, self.ones = np.zeros(self.size, bool), np.ones(self.size, bool)
        self.odd: list[int] = []
        rows: list[int] = []
        patients: list[int] = []
        ids, read = plan.fact_ids, plan.read
        for patient, facts in enumerate(batch):
            found = [ids["type"][f] for f in facts.types & read["type"]]
            found += [ids["takes"][f] for f in facts.takes & read["takes"]]
            found += [ids["possibly"][f] for f in facts.possibly_takes & read["possibly"]]
            found += [ids["under"][f] for f in facts.takes_under & read["under"]]
            for trial, of, outcomes, trial_types in facts.trials:
                if trial in plan.statements:
                    self.odd.append(patient)
                failed = FAILED_TRIAL in trial_types
                found += [plan.trial_ids[key] for option in of for outcome in outcomes
                          if (key := (option, outcome, failed)) in plan.trial_ids]
            rows += found
            patients += [patient] * len(found)
        self.matrix = np.zeros((plan.columns, self.size), bool)
        self.matrix[rows, patients] = True

    def _column(self, kind: str, fact: Iri | None) -> Column:
        index = self.plan.fact_ids[kind].get(fact) if fact is not None else None  # type: ignore[arg-type]
        return self.zeros if index is None else self.matrix[index]

    def type(self, fact: Iri | None) -> Column:
        """The patients of this type (after classification)."""
        return self._column("type", fact)

    def takes(self, agent: Iri) -> Column:
        return self._column("takes", agent)

    def possibly_takes(self, agent: Iri | None) -> Column:
        return self._column("possibly", agent)

    def takes_under(self, group: Iri | None) -> Column:
        """The patients taking an agent that falls under *group*."""
        return self._column("under", group)

    def trial(self, option: Iri, outcome: Iri, failed: bool) -> Column:
        """The patients with a trial of *option* with *outcome*, typed cg:FailedTrial or not (*failed*)."""
        index = self.plan.trial_ids.get((option, outcome, failed))
        return self.zeros if index is None else self.matrix[index]

    def any_type(self, facts: Iterable[Iri]) -> Column:
        return any_of((self.type(f) for f in facts), self.zeros)

    def all_types(self, facts: Iterable[Iri]) -> Column:
        found = self.ones
        for fact in facts:
            found = found & self.type(fact)
        return found

    def any_taken(self, agents: Iterable[Iri]) -> Column:
        """The patients taking one of *agents*, in one step (a row per agent of the columns' matrix)."""
        index = self.plan.fact_ids["takes"]
        rows = [index[a] for a in agents if a in index]
        return self.matrix[rows].any(axis=0) if rows else self.zeros


def any_of(columns: Iterable[Column | None], zeros: Column) -> Column:
    """The union of the columns (None: no patient)."""
    found = zeros
    for column in columns:
        if column is not None:
            found = found | column
    return found
