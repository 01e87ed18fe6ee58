"""The compiled assessment of a batch of patients at once (issue 17: cohort decisions "vectorised over columns"):
evaluate.py's ``assess`` over numpy boolean columns, one bool per patient, giving each patient's compact decision
(every option's status set and line set) exactly as ``assess`` gives it alone.

Each row of the decision tables is evaluated once per batch (batch_reasons.py), then each option's status and line
(evaluate.py ``_status``) as column operations: the effects present after sequencing, the precedence walked from
the first effect with a column of the patients not yet decided, the refinements, the defaults, and the line of the
smallest rank. Per patient, Python only reads its facts into columns (batch_columns.py) and its result out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from kg.core.decide.compiled.batch_columns import Column, Columns, any_of
from kg.core.decide.compiled.batch_plan import plan_of
from kg.core.decide.compiled.batch_reasons import BatchReason, batch_reasons
from kg.core.decide.compiled.evaluate import FAILED, LATER, MAYBE_SUPPORTS, SUPPORTS, Facts, assess
from kg.core.decide.compiled.tables import DecisionTables, Iri

Compact = tuple[str, frozenset[Iri], frozenset[Iri]]  # (option id, status, line): one option's compact decision


def assess_batch(tables: DecisionTables, batch: Sequence[Facts]) -> list[list[Compact]]:
    """For each patient, each option's (option id, status, line) in the tables' option order: what
    ``assess(tables, facts)`` gives that patient."""
    plan = plan_of(tables)
    if not plan.batchable:
        return [one_by_one(tables, facts) for facts in batch]
    columns = Columns(plan, batch)
    by_option: dict[Iri, list[BatchReason]] = {option: [] for option in tables.options}
    for reason in batch_reasons(tables, columns):
        by_option.setdefault(reason.option, []).append(reason)
    decided = np.empty((len(batch), len(tables.options)), dtype=object)
    for index, (option, option_id) in enumerate(tables.options.items()):
        status, line = _status(tables, columns, by_option[option])
        decided[:, index] = _read(option_id, status, line, len(batch))
    out: list[list[Compact]] = decided.tolist()
    for patient in columns.odd:
        out[patient] = one_by_one(tables, batch[patient])
    return out


def one_by_one(tables: DecisionTables, facts: Facts) -> list[Compact]:
    """One patient's compact decision by evaluate.py, in the form ``assess_batch`` gives it."""
    return [(a.option_id, frozenset(a.status), frozenset(a.line)) for a in assess(tables, facts)]


def _status(tables: DecisionTables, columns: Columns, reasons: list[BatchReason]) -> tuple[dict[Iri, Column],
                                                                                          dict[Iri, Column]]:
    """assess/03-option-status.rq for one option: status -> its patients, line -> its patients."""
    rules, zeros = tables.status, columns.zeros
    effects: dict[Iri, Column] = {}  # the effects of the option's reasons, whatever the sequencing
    for reason in reasons:
        for effect, patients in reason.effects.items():
            effects[effect] = any_of((effects.get(effect), patients), zeros)
    present = _present(columns, reasons, effects)
    first: dict[Iri, Column] = {}  # the statuses of the effects of the first precedence present
    undecided = columns.ones
    for rank in sorted(set(rules.precedence.values())):
        level = [e for e, p in rules.precedence.items() if p == rank]
        hit = undecided & any_of((present.get(e) for e in level), zeros)
        statuses = {s for e in level for s in rules.decides.get(e, ())} or rules.default_status
        for status in statuses:
            first[status] = any_of((first.get(status), hit), zeros)
        undecided = undecided & ~hit
    for status in rules.default_status:
        first[status] = any_of((first.get(status), undecided), zeros)
    out: dict[Iri, Column] = {}
    for status, patients in first.items():  # a refining effect of the option's reasons refines the status
        refiners = [(refiner, given) for refiner, refines, given in rules.refines if refines == status]
        refined = any_of((effects.get(refiner) for refiner, _ in refiners), zeros)
        for refiner, given in refiners:
            out[given] = any_of((out.get(given), patients & effects.get(refiner, zeros)), zeros)
        out[status] = any_of((out.get(status), patients & ~refined), zeros)
    return out, _line(tables, columns, reasons)


def _present(columns: Columns, reasons: list[BatchReason], effects: dict[Iri, Column]) -> dict[Iri, Column]:
    """The effects present after sequencing: a support waits for a pending later line unless sequenced, a failed
    trial counts only beside a support or a later line, a later line unreached is present if reachable (and possibly
    supports if possibly reached)."""
    plan, zeros = columns.plan, columns.zeros
    pending = any_of(((_either(r.effects, LATER, MAYBE_SUPPORTS, zeros) & ~_or_none(r.reached, zeros))
                      for r in reasons if r.statement in plan.later), zeros)
    present: dict[Iri, Column] = {}

    def put(effect: Iri, patients: Column) -> None:
        present[effect] = any_of((present.get(effect), patients), zeros)

    for reason in reasons:
        for effect, patients in reason.effects.items():
            if effect not in (SUPPORTS, LATER, FAILED):
                put(effect, patients)
        if SUPPORTS in reason.effects:
            supports = reason.effects[SUPPORTS]
            put(SUPPORTS, supports if reason.statement in plan.sequenced else supports & ~pending)
        if LATER in reason.effects:
            unreached = reason.effects[LATER] & ~_or_none(reason.reached, zeros)
            put(MAYBE_SUPPORTS, unreached & _or_none(reason.possibly, zeros))
            put(LATER, unreached & _or_none(reason.reachable, zeros))
    if FAILED in effects:
        put(FAILED, effects[FAILED] & any_of((effects.get(e) for e in (SUPPORTS, MAYBE_SUPPORTS, LATER)), zeros))
    return present


def _line(tables: DecisionTables, columns: Columns, reasons: list[BatchReason]) -> dict[Iri, Column]:
    """The line of the smallest rank among the lines of the reasons that support or defer the option (the default
    line for a patient with none, or whose smallest rank names no line)."""
    rules, zeros = tables.status, columns.zeros
    ranked: dict[Decimal, Column] = {}
    for reason in reasons:
        ranks = columns.plan.ranks.get(reason.statement, frozenset())
        if ranks and (SUPPORTS in reason.effects or LATER in reason.effects):
            patients = _either(reason.effects, SUPPORTS, LATER, zeros)
            for rank in ranks:
                ranked[rank] = any_of((ranked.get(rank), patients), zeros)
    out: dict[Iri, Column] = {}
    undecided = columns.ones
    for rank in sorted(ranked):
        hit = undecided & ranked[rank]
        for line in rules.line_of_rank.get(rank) or rules.default_line:
            out[line] = any_of((out.get(line), hit), zeros)
        undecided = undecided & ~hit
    for line in rules.default_line:
        out[line] = any_of((out.get(line), undecided), zeros)
    return out


def _either(effects: dict[Iri, Column], one: Iri, other: Iri, zeros: Column) -> Column:
    return any_of((effects.get(one), effects.get(other)), zeros)


def _or_none(column: Column | None, zeros: Column) -> Column:
    return zeros if column is None else column


def _read(option_id: str, status: dict[Iri, Column], line: dict[Iri, Column], size: int) -> np.ndarray:
    """Each patient's (option id, status set, line set): the sets' members as bits of one number per patient (at
    most 62 bits: batch_plan.py ``_batchable``), each number that occurs read once."""
    statuses = [(iri, patients) for iri, patients in status.items() if patients.any()]
    lines = [(iri, patients) for iri, patients in line.items() if patients.any()]
    code = np.zeros(size, np.int64)
    for bit, (_, patients) in enumerate(statuses + lines):
        code |= patients.astype(np.int64) << bit
    if len(statuses) + len(lines) <= 16:  # a table of every possible number: no sort
        occurring = np.flatnonzero(np.bincount(code, minlength=1 << (len(statuses) + len(lines))))
        slots, which = occurring, code
    else:
        occurring, which = np.unique(code, return_inverse=True)
        slots = np.arange(len(occurring))
    made = np.empty(int(slots[-1]) + 1 if len(slots) else 0, dtype=object)
    for slot, number in zip(slots.tolist(), occurring.tolist(), strict=True):
        made[slot] = (option_id, frozenset(iri for bit, (iri, _) in enumerate(statuses) if number >> bit & 1),
                      frozenset(iri for bit, (iri, _) in enumerate(lines, len(statuses)) if number >> bit & 1))
    return made[which]
