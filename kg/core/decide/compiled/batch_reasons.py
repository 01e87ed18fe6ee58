"""The reasons of a batch of patients (evaluate.py ``_reasons`` and ``_later_lines``, over columns): each row of the
decision tables evaluated once for the whole batch, as boolean operations on the fact columns (batch_columns.py).
A reason is kept, as evaluate.py keys it, by (option id, statement), with the patients whose reason has each effect,
a reachable later line, or a later line reached by a support or possibly so. Its ``applies`` is not kept: the
status and line do not read it.

One difference of form, none of result: evaluate.py bases a past-trial reason on the trial (one reason per trial),
here on one statement, ``TRIALS``, per option. A trial is no statement of the tables (batch_columns.py sets apart a
patient for whom one is), so its reason has no line, about or scope limitation, and what the status reads of it is
its effects alone, the same whether they come in one reason or several."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.core.decide.compiled.batch_columns import Column, Columns, any_of
from kg.core.decide.compiled.batch_plan import TRIALS
from kg.core.decide.compiled.evaluate import LATER, MAYBE_SUPPORTS, NOT_COVERED, SUPPORTS
from kg.core.decide.compiled.tables import Caution, DecisionTables, Iri


@dataclass
class BatchReason:
    """One reason over the batch: for each effect the patients whose reason has it (a patient with none has no
    such reason); ``reachable``: True among its laterLineReachable; ``reached``/``possibly``: its laterLineReached."""

    option: Iri
    statement: Iri
    effects: dict[Iri, Column] = field(default_factory=dict)
    reachable: Column | None = None
    reached: Column | None = None
    possibly: Column | None = None


class BatchReasons:
    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self.found: dict[tuple[str, Iri], BatchReason] = {}

    def add(self, option: Iri, option_id: str, statement: Iri, effect: Iri, patients: Column,
            reachable: Column | None = None) -> None:
        """Give the reason (option id, statement) *effect* for *patients* (and True among its reachable for
        *reachable* of them)."""
        if not patients.any():
            return
        reason = self.found.get((option_id, statement))
        if reason is None:
            reason = self.found[(option_id, statement)] = BatchReason(option, statement)
        held = reason.effects.get(effect)
        reason.effects[effect] = patients if held is None else held | patients
        if reachable is not None:
            reason.reachable = any_of((reason.reachable, patients & reachable), self.columns.zeros)


def batch_reasons(tables: DecisionTables, columns: Columns) -> list[BatchReason]:
    """Every reason of the batch, its later lines settled (evaluate.py ``_reasons``, then ``_later_lines``)."""
    reasons = BatchReasons(columns)
    _recommendations(tables, columns, reasons)
    _cautions(tables, columns, reasons)
    _interactions(tables, columns, reasons)
    _past_trials(tables, columns, reasons)
    for option, option_id, statement, effect in tables.notes:  # 5. notes
        reasons.add(option, option_id, statement, effect, columns.ones)
    _scope(tables, columns, reasons)
    found = list(reasons.found.values())
    _later_lines(columns, found)
    return found


def _recommendations(tables: DecisionTables, columns: Columns, reasons: BatchReasons) -> None:
    """1. recommendations, membership case by case, unless a winner's population sets the statement aside."""
    for rec in tables.recommendations:
        kept = ~columns.any_type(tables.losers.get(rec.statement, ()))
        yes, possible = columns.type(rec.population), columns.type(rec.possible)
        cases = {"yes": yes, "possibly": ~yes & possible, "no": ~yes & ~possible}
        for case, effect in rec.effects.items():
            reachable = columns.all_types(tables.required.get(rec.population, ())) if effect == LATER else None
            reasons.add(rec.option, rec.option_id, rec.statement, effect, kept & cases[case], reachable)


def _cautions(tables: DecisionTables, columns: Columns, reasons: BatchReasons) -> None:
    """2. cautions and contraindications: the case (coTaken, coMaybe, inPopulation, maybe) as four bits. Cautions
    that test the same facts with the same effects (batch_plan.py ``caution_cases``) share their columns."""
    shared: dict[int, dict[Iri, Column]] = {}
    for caution, case in zip(tables.cautions, columns.plan.caution_cases, strict=True):
        effects = shared.get(case)
        if effects is None:
            effects = shared[case] = _caution_effects(caution, columns)
        for effect, patients in effects.items():
            reasons.add(caution.option, caution.option_id, caution.statement, effect, patients)


def _caution_effects(caution: Caution, columns: Columns) -> dict[Iri, Column]:
    co_taken = columns.ones if caution.co is None else columns.takes_under(caution.co)
    co_maybe = ~co_taken & columns.possibly_takes(caution.co)
    in_population = columns.ones if caution.population is None else columns.type(caution.population)
    maybe = columns.zeros if caution.population is None else columns.type(caution.possible)
    case = (co_taken.view("u1") << 3) | (co_maybe.view("u1") << 2) | (in_population.view("u1") << 1) \
        | maybe.view("u1")
    effects: dict[Iri, Column] = {}
    for (taken, co_possibly, within, possibly), (effect, _) in caution.effects.items():
        bits = (taken << 3) | (co_possibly << 2) | (within << 1) | possibly
        effects[effect] = any_of((effects.get(effect), case == bits), columns.zeros)
    return effects


def _interactions(tables: DecisionTables, columns: Columns, reasons: BatchReasons) -> None:
    """3. through an agent taken now (in every population of the statement), 3b. through one possibly taken."""
    for row, taken_via in zip(tables.interactions, columns.plan.taken_via, strict=True):
        populations = tables.statement_populations.get(row.statement, {})
        if row.effect_taken is not None and taken_via:
            within = columns.all_types(populations)
            reasons.add(row.option, row.option_id, row.statement, row.effect_taken,
                        within & columns.any_taken(taken_via))
        possibly = columns.possibly_takes(row.other) & ~columns.takes_under(row.other)
        for population, possibles in populations.items():
            possibly = possibly & (columns.type(population) | columns.any_type(possibles))
        reasons.add(row.option, row.option_id, row.statement, row.effect_possibly, possibly)


def _past_trials(tables: DecisionTables, columns: Columns, reasons: BatchReasons) -> None:
    """4. and 4b. the patients' past trials, one reason per option (``TRIALS``); a failed-only row counts a trial
    typed cg:FailedTrial of an option not taken now."""
    for option, by_outcome in tables.past_trials.items():
        for outcome, rows in by_outcome.items():
            failed = columns.trial(option, outcome, True)
            for past in rows:
                tried = failed & ~columns.takes(option) if past.failed_only \
                    else failed | columns.trial(option, outcome, False)
                reasons.add(option, past.option_id, TRIALS, past.effect, tried)


def _scope(tables: DecisionTables, columns: Columns, reasons: BatchReasons) -> None:
    """6. assess/01b-not-covered.rq: a support from a package with a scope limit, for the patients (possibly) in
    the limit's population. The supports read do not change here (a limit gives NOT_COVERED), so the order of the
    reasons does not matter."""
    for reason in list(reasons.found.values()):
        limits = tables.scope.get(reason.statement, ())
        supported = any_of((reason.effects.get(SUPPORTS), reason.effects.get(MAYBE_SUPPORTS)), columns.zeros)
        if not limits or not supported.any():
            continue
        option_id = tables.options[reason.option]
        for limitation, population, possible in limits:
            within = columns.type(population) | columns.type(possible)
            reasons.add(reason.option, option_id, limitation, NOT_COVERED, supported & within)


def _later_lines(columns: Columns, reasons: list[BatchReason]) -> None:
    """assess/02-later-lines.rq: a later line's reason is reached (or possibly reached) for the patients with a
    supporting (or possibly supporting) reason whose statement reaches it (batch_plan.py ``reached_by``)."""
    supports: dict[Iri, list[Column]] = {}
    possibly: dict[Iri, list[Column]] = {}
    for reason in reasons:
        for effect, found in ((SUPPORTS, supports), (MAYBE_SUPPORTS, possibly)):
            if effect in reason.effects:
                found.setdefault(reason.statement, []).append(reason.effects[effect])
    reached_by = columns.plan.reached_by
    for reason in reasons:
        later = reason.effects.get(LATER)
        by = reached_by.get(reason.statement)
        if later is None or by is None:
            continue
        reason.reached = later & any_of((c for s in by for c in supports.get(s, ())), columns.zeros)
        reason.possibly = later & any_of((c for s in by for c in possibly.get(s, ())), columns.zeros)
