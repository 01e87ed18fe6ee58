"""What the batch assessment (batch.py) needs of one DecisionTables object beyond its rows, worked out once per
tables object (``plan_of``): which patient facts the rows test (a batch makes a column for those only), which
agents taken give each interaction its effect, and the patient-independent joins of assess/02-later-lines.rq and
assess/03-option-status.rq (which statements' support reaches which later line, which statements are sequenced,
have a later line, or rank a line). Nothing here is a clinical rule: every choice is a row of the tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kg.base.per_object import PerObject
from kg.core.decide.compiled.tables import DecisionTables, Interaction, Iri

TRIALS = "<the patient's past trials>"  # the statement of the reason standing for all trials of one option (no IRI)


@dataclass(frozen=True)
class Plan:
    """The patient-independent part of the batch assessment for one tables object."""

    batchable: bool  # False: the tables key reasons in a way the batch form does not hold (assessed one at a time)
    fact_ids: dict[str, dict[Iri, int]]  # kind (type, takes, possibly, under) -> fact -> its column
    read: dict[str, frozenset[Iri]]  # kind -> the facts of that kind the tables test (fact_ids' keys, as a set)
    trial_ids: dict[tuple[Iri, Iri, bool], int]  # (option tried, outcome, typed cg:FailedTrial) -> its column
    statements: frozenset[Iri]  # every statement a reason of the tables is based on or looked up by
    caution_cases: tuple[int, ...]  # caution row -> the first row testing the same facts with the same effects
    taken_via: tuple[frozenset[Iri], ...]  # interaction row -> the agents whose taking gives its effect_taken
    reached_by: dict[Iri, frozenset[Iri]]  # statement with a line -> the statements whose support reaches it
    sequenced: frozenset[Iri]  # statements with a sequenced line
    later: frozenset[Iri]  # statements with a later line
    ranks: dict[Iri, frozenset[Decimal]]  # statement -> the ranks of its lines

    @property
    def columns(self) -> int:
        return sum(map(len, self.fact_ids.values())) + len(self.trial_ids)


def _compile(tables: DecisionTables) -> Plan:
    taken_via = tuple(_taken_via(tables, row) for row in tables.interactions)
    fact_ids: dict[str, dict[Iri, int]] = {}
    count = 0
    for kind, facts in _facts_read(tables, taken_via).items():
        fact_ids[kind] = {fact: count + i for i, fact in enumerate(sorted(facts))}
        count += len(facts)
    trials = sorted((option, outcome, failed) for option, by in tables.past_trials.items() for outcome in by
                    for failed in (False, True))
    lines = tables.lines
    return Plan(
        batchable=_batchable(tables), fact_ids=fact_ids, read={kind: frozenset(ids) for kind, ids in fact_ids.items()},
        trial_ids={key: count + i for i, key in enumerate(trials)}, statements=_statements(tables),
        caution_cases=_caution_cases(tables), taken_via=taken_via, reached_by=_reached_by(tables),
        sequenced=frozenset(s for s, found in lines.items() if any(line.sequenced for line in found)),
        later=frozenset(s for s, found in lines.items() if any(line.later for line in found)),
        ranks={s: frozenset(line.rank for line in found if line.rank is not None) for s, found in lines.items()})


def _facts_read(tables: DecisionTables, taken_via: tuple[frozenset[Iri], ...]) -> dict[str, set[Iri]]:
    """Kind (type, takes, possibly, under) -> the facts of that kind the rows test (evaluate.py ``_reasons``)."""
    types: set[Iri] = set()
    takes: set[Iri] = set(tables.past_trials)  # a failed-only past-trial row reads whether the option is taken now
    co = {caution.co for caution in tables.cautions if caution.co is not None}
    others = {row.other for row in tables.interactions}
    for rec in tables.recommendations:
        types |= {rec.population, rec.possible, *tables.losers.get(rec.statement, ()),
                  *tables.required.get(rec.population, ())}
    for caution in tables.cautions:
        types |= {t for t in (caution.population, caution.possible) if t is not None}
    for row, agents in zip(tables.interactions, taken_via, strict=True):
        for population, possibles in tables.statement_populations.get(row.statement, {}).items():
            types |= {population, *possibles}
        takes |= agents
    for limits in tables.scope.values():
        types |= {t for _, population, possible in limits for t in (population, possible)}
    return {"type": types, "takes": takes, "possibly": co | others, "under": co | others}


def _caution_cases(tables: DecisionTables) -> tuple[int, ...]:
    """Caution row -> the first row with the same co-agent, population, possible class and effects (many cautions
    differ only in their option and statement)."""
    first: dict[tuple[object, ...], int] = {}
    return tuple(first.setdefault((c.co, c.population, c.possible, tuple(sorted(c.effects.items()))), index)
                 for index, c in enumerate(tables.cautions))


def _taken_via(tables: DecisionTables, row: Interaction) -> frozenset[Iri]:
    """The agents whose taking gives the row's effect_taken (evaluate.py, step 3: ``current`` with ``under``)."""
    if row.effect_taken is None:
        return frozenset()
    return frozenset(agent for agent, under in tables.falls_under.items() if row.other in under and (
        (row.other != row.about and row.about not in under) or (row.other == row.about and row.option not in under)))


def _reached_by(tables: DecisionTables) -> dict[Iri, frozenset[Iri]]:
    """assess/02-later-lines.rq without the patient: a supporting statement reaches a later one when they share a
    line and one of its abouts falls under one of the later statement's abouts."""
    out: dict[Iri, frozenset[Iri]] = {}
    for later, later_lines in tables.lines.items():
        lines, abouts = {line.line for line in later_lines}, tables.abouts.get(later, frozenset())
        out[later] = frozenset(
            s for s, found in tables.lines.items() if lines & {line.line for line in found}
            and any(tables.falls_under.get(about, frozenset()) & abouts for about in tables.abouts.get(s, ())))
    return {later: found for later, found in out.items() if found}


def _statements(tables: DecisionTables) -> frozenset[Iri]:
    """Every statement a reason can be based on, or that the tables look up by statement: a patient's trial that
    is one of them would share its reason (evaluate.py keys reasons by option and statement)."""
    based = [r.statement for rows in (tables.recommendations, tables.cautions, tables.interactions) for r in rows]
    limits = [limitation for found in tables.scope.values() for limitation, _, _ in found]
    return frozenset((*based, *(note[2] for note in tables.notes), *limits, *tables.lines, *tables.abouts,
                      *tables.scope, TRIALS))


def _batchable(tables: DecisionTables) -> bool:
    """Whether every row names its option by the id the tables give it, one id per option (then a reason's key
    (option id, statement) is its (option, statement), as the batch form holds it), and an option's statuses and
    lines fit the 62 bits batch.py reads a patient's result from."""
    named: Iterable[tuple[Iri, str]] = (
        *((r.option, r.option_id) for rows in (tables.recommendations, tables.cautions, tables.interactions)
          for r in rows),
        *((note[0], note[1]) for note in tables.notes),
        *((option, past.option_id) for option, by in tables.past_trials.items() for rows in by.values()
          for past in rows))
    rules = tables.status
    statuses = {*rules.default_status, *(s for found in rules.decides.values() for s in found),
                *(given for _, _, given in rules.refines)}
    lines = {*rules.default_line, *(line for found in rules.line_of_rank.values() for line in found)}
    return len(statuses) + len(lines) <= 62 and len(set(tables.options.values())) == len(tables.options) and all(
        tables.options.get(option) == option_id for option, option_id in named)


# the plan of a tables object, made on first use and kept while the object lives (by identity: two equal tables
# objects simply get a plan each)
plan_of: PerObject[DecisionTables, Plan] = PerObject(_compile)
