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
        odd: set[int] = set()
        types, takes, possibly, under = (plan.fact_ids[kind] for kind in ("type", "takes", "possibly", "under"))
        read_types, read_possibly = plan.read["type"], plan.read["possibly"]
        rows: list[int] = []  # the columns of each patient's facts, patient after patient
        counts: list[int] = []  # how many of them each patient has
        for patient, facts in enumerate(batch):
            before = len(rows)
            rows += [types[f] for f in facts.types & read_types]
            rows += [takes[f] for f in facts.takes if f in takes]  # a few: no set made
            rows += [possibly[f] for f in facts.possibly_takes & read_possibly]
            rows += [under[f] for f in facts.takes_under if f in under]
            for trial, of, outcomes, trial_types in facts.trials:
                if trial in plan.statements:
                    odd.add(patient)
                failed = FAILED_TRIAL in trial_types
                rows += [plan.trial_ids[key] for option in of for outcome in outcomes
                         if (key := (option, outcome, failed)) in plan.trial_ids]
            counts.append(len(rows) - before)
        self.odd = sorted(odd)
        self.matrix = np.zeros((plan.columns, self.size), bool)
        self.matrix[np.array(rows, np.intp), np.repeat(np.arange(self.size), counts)] = True
        self.zeros, self.ones = np.zeros(self.size, bool), np.ones(self.size, bool)

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
    """The union of the columns (None: no patient); a single column is itself (columns are never changed in
    place)."""
    found: Column | None = None
    for column in columns:
        if column is not None:
            found = column if found is None else found | column
    return zeros if found is None else found
