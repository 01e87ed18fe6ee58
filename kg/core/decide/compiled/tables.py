"""The decision tables: the patient-independent part of the assessment rules (queries/decision/assess/*.rq),
flattened once per build by the SELECTs of queries/compile/*.rq, read from the checked build the SPARQL rules
read. Every clinical choice (which effect a direction, a severity or an outcome gives, which effect decides which
status) is made by those queries and the ontology's status data; this module only indexes their rows for the
per-patient evaluation (evaluate.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rdflib import Literal

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows

Iri = str  # an IRI as a string: the evaluation joins on strings, not on RDF terms


def _rows(name: str, rows: QueryRows) -> list[dict[str, Any]]:
    """The rows of queries/compile/<name>.rq: IRIs as strings, booleans and numbers as Python values."""
    out = []
    for row in rows(f"compile/{name}"):
        out.append({key: (None if value is None else value.toPython() if isinstance(value, Literal)
                          and value.datatype is not None else str(value)) for key, value in row.items()})
    return out


@dataclass(frozen=True)
class Recommendation:
    option: Iri
    option_id: str
    statement: Iri
    population: Iri
    possible: Iri
    effects: dict[str, Iri]  # membership case (yes / possibly / no) -> effect


@dataclass(frozen=True)
class Caution:
    option: Iri
    option_id: str
    statement: Iri
    population: Iri | None
    possible: Iri | None
    co: Iri | None
    # (coTaken, coMaybe, inPopulation, maybe) -> effect, applies
    effects: dict[tuple[bool, bool, bool, bool], tuple[Iri, bool]]


@dataclass(frozen=True)
class Interaction:
    option: Iri
    option_id: str
    statement: Iri
    about: Iri
    other: Iri
    single: bool
    effect_taken: Iri | None  # None: no effect through a drug taken now
    effect_possibly: Iri


@dataclass(frozen=True)
class PastTrial:
    option_id: str
    failed_only: bool
    effect: Iri


@dataclass(frozen=True)
class Line:
    line: Iri
    rank: Decimal | None
    sequenced: bool
    later: bool


@dataclass(frozen=True)
class StatusRules:
    precedence: dict[Iri, Decimal]  # effect -> its precedence
    decides: dict[Iri, set[Iri]]  # effect with a precedence -> the status it decides
    refines: list[tuple[Iri, Iri, Iri]]  # (refining effect, the status it refines, the status it gives)
    default_status: set[Iri]
    default_line: set[Iri]
    line_of_rank: dict[Decimal, set[Iri]]

    @cached_property
    def decided_at(self) -> dict[Decimal, frozenset[Iri]]:
        """Precedence -> the statuses the effects of that precedence decide."""
        found: dict[Decimal, set[Iri]] = defaultdict(set)
        for effect, precedence in self.precedence.items():
            found[precedence] |= self.decides.get(effect, set())
        return {p: frozenset(s) for p, s in found.items()}

    @cached_property
    def refinements(self) -> dict[Iri, tuple[tuple[Iri, Iri], ...]]:
        """Status -> (refining effect, the status it gives) of each refinement row."""
        found: dict[Iri, list[tuple[Iri, Iri]]] = defaultdict(list)
        for refiner, refines, given in self.refines:
            found[refines].append((refiner, given))
        return {s: tuple(rows) for s, rows in found.items()}


@dataclass(frozen=True)
class ConflictSide:
    """One side of a listed cross-guideline link (queries/compile/cross-guideline-sides.rq)."""

    condition_classes: frozenset[Iri]  # the conditions it names and every class under them
    agents: frozenset[Iri]  # the agents it names (read only when it names no condition)


@dataclass(frozen=True)
class DecisionTables:
    """Everything the compiled assessment reads of the build, as indexed rows."""

    options: dict[Iri, str]  # treatment option -> its id
    falls_under: dict[Iri, frozenset[Iri]]  # agent -> what it falls under (cg:fallsUnder, as materialised)
    recommendations: tuple[Recommendation, ...]
    losers: dict[Iri, frozenset[Iri]]  # statement -> winner populations that set it aside (P3)
    required: dict[Iri, frozenset[Iri]]  # population -> the possible classes of the populations it requires
    cautions: tuple[Caution, ...]
    interactions: tuple[Interaction, ...]
    statement_populations: dict[Iri, dict[Iri, frozenset[Iri]]]  # interaction or regimen -> population -> possibles
    past_trials: dict[Iri, dict[Iri, tuple[PastTrial, ...]]]  # option -> trial outcome -> rows
    notes: tuple[tuple[Iri, str, Iri, Iri], ...]  # (option, option id, statement, effect)
    lines: dict[Iri, tuple[Line, ...]]  # statement -> its lines
    abouts: dict[Iri, frozenset[Iri]]  # statement (with a line) -> what it is about
    status: StatusRules
    # statement -> the scope limitations of its package: (limitation, population, its possible class)
    scope: dict[Iri, tuple[tuple[Iri, Iri, Iri], ...]]
    conflict_sides: dict[Iri, dict[str, ConflictSide]]  # listed cross-guideline link -> side (A, B) -> what it names
    in_play: frozenset[Iri]  # the decision statuses of an option in play (cg:optionInPlay true)

    @classmethod
    def of(cls, rows: QueryRows) -> DecisionTables:
        """From the rows of the compile queries on the build (``Knowledge.rows``)."""
        falls: dict[Iri, set[Iri]] = defaultdict(set)
        options: dict[Iri, str] = {}
        for row in _rows("falls-under", rows):
            if row["optionId"] is not None:
                options[str(row["agent"])] = str(row["optionId"])
            else:
                falls[str(row["agent"])].add(str(row["group"]))
        recommendations: dict[tuple[Any, ...], dict[str, Iri]] = defaultdict(dict)
        for row in _rows("reasons-recommendation", rows):
            key = tuple(str(row[k]) for k in ("option", "optionId", "statement", "population", "possible"))
            recommendations[key][str(row["case"])] = str(row["effect"])
        cautions: dict[tuple[Any, ...], dict] = defaultdict(dict)
        for row in _rows("reasons-caution", rows):
            key = (str(row["option"]), str(row["optionId"]), str(row["statement"]),
                   row["population"], row["possible"], row["co"])
            case = tuple(bool(row[k]) for k in ("coTaken", "coMaybe", "inPopulation", "maybe"))
            cautions[key][case] = (str(row["effect"]), bool(row["applies"]))
        statement_populations: dict[Iri, dict[Iri, set[Iri]]] = defaultdict(lambda: defaultdict(set))
        for row in _rows("statement-populations", rows):
            possibles = statement_populations[str(row["statement"])][str(row["population"])]
            if row["possible"] is not None:
                possibles.add(str(row["possible"]))
        past: dict[Iri, dict[Iri, list[PastTrial]]] = defaultdict(lambda: defaultdict(list))
        for row in _rows("reasons-past-trial", rows):
            past[str(row["option"])][str(row["outcome"])].append(
                PastTrial(str(row["optionId"]), bool(row["failedOnly"]), str(row["effect"])))
        lines: dict[Iri, list[Line]] = defaultdict(list)
        abouts: dict[Iri, set[Iri]] = defaultdict(set)
        for row in _rows("statement-lines", rows):
            rank = row["rank"]
            line = Line(str(row["line"]), Decimal(str(rank)) if rank is not None else None,
                        bool(row["sequenced"]), bool(row["laterLine"]))
            if line not in lines[str(row["statement"])]:
                lines[str(row["statement"])].append(line)
            if row["about"] is not None:
                abouts[str(row["statement"])].add(str(row["about"]))
        return cls(
            options=options,
            falls_under={agent: frozenset(groups) for agent, groups in falls.items()},
            recommendations=tuple(Recommendation(*key, effects) for key, effects in recommendations.items()),  # type: ignore[call-arg]
            losers=_grouped(_rows("precedence-losers", rows), "statement", "winnerPopulation"),
            required=_grouped(_rows("required-populations", rows), "population", "requiredPossible"),
            cautions=tuple(Caution(*key, effects) for key, effects in cautions.items()),  # type: ignore[call-arg]
            interactions=tuple(Interaction(str(r["option"]), str(r["optionId"]), str(r["statement"]), str(r["about"]),
                                           str(r["other"]), bool(r["single"]), r["effectTaken"],  # type: ignore[arg-type]
                                           str(r["effectPossibly"])) for r in _rows("reasons-interaction", rows)),
            statement_populations={s: {p: frozenset(pp) for p, pp in by.items()}
                                     for s, by in statement_populations.items()},
            past_trials={o: {outcome: tuple(rows) for outcome, rows in by.items()} for o, by in past.items()},
            notes=tuple((str(r["option"]), str(r["optionId"]), str(r["statement"]), str(r["effect"]))
                        for r in _rows("reasons-note", rows)),
            lines={s: tuple(found) for s, found in lines.items()},
            abouts={s: frozenset(found) for s, found in abouts.items()},
            status=_status_rules(_rows("status-rules", rows)),
            scope=_scope(_rows("scope-limits", rows)),
            **_conflict_sides(_rows("cross-guideline-sides", rows)),
        )


def _grouped(rows: list[dict], key: str, value: str) -> dict[Iri, frozenset[Iri]]:
    found: dict[Iri, set[Iri]] = defaultdict(set)
    for row in rows:
        found[str(row[key])].add(str(row[value]))
    return {k: frozenset(v) for k, v in found.items()}


def _scope(rows: list[dict]) -> dict[Iri, tuple[tuple[Iri, Iri, Iri], ...]]:
    found: dict[Iri, list[tuple[Iri, Iri, Iri]]] = defaultdict(list)
    for row in rows:
        found[str(row["statement"])].append((str(row["limitation"]), str(row["population"]), str(row["possible"])))
    return {statement: tuple(sorted(limits)) for statement, limits in found.items()}


def _conflict_sides(rows: list[dict]) -> dict[str, Any]:
    named: dict[tuple[Iri, str], tuple[set[Iri], set[Iri]]] = {}  # (link, side) -> (condition classes, agents)
    in_play: set[Iri] = set()
    for row in rows:
        if row["inPlayStatus"] is not None:
            in_play.add(str(row["inPlayStatus"]))
            continue
        conditions, agents = named.setdefault((str(row["conflict"]), str(row["side"])), (set(), set()))
        if row["conditionClass"] is not None:
            conditions.add(str(row["conditionClass"]))
        if row["agent"] is not None:
            agents.add(str(row["agent"]))
    sides: dict[Iri, dict[str, ConflictSide]] = defaultdict(dict)
    for (conflict, side), (conditions, agents) in named.items():
        sides[conflict][side] = ConflictSide(frozenset(conditions), frozenset(agents))
    return {"conflict_sides": dict(sides), "in_play": frozenset(in_play)}


def _status_rules(rows: list[dict]) -> StatusRules:
    precedence: dict[Iri, Decimal] = {}
    decides: dict[Iri, set[Iri]] = defaultdict(set)
    refines: list[tuple[Iri, Iri, Iri]] = []
    defaults: dict[str, set[Iri]] = defaultdict(set)
    line_of_rank: dict[Decimal, set[Iri]] = defaultdict(set)
    for row in rows:
        rule = row["rule"]
        if rule == "precedence":
            precedence[str(row["effect"])] = Decimal(str(row["precedence"]))
            if row["status"] is not None:
                decides[str(row["effect"])].add(str(row["status"]))
        elif rule == "refines":
            refines.append((str(row["effect"]), str(row["refines"]), str(row["status"])))
        elif rule == "line-rank":
            line_of_rank[Decimal(str(row["precedence"]))].add(str(row["status"]))
        else:
            defaults[str(rule)].add(str(row["status"]))
    return StatusRules(precedence, dict(decides), refines, defaults["default-status"], defaults["default-line"],
                       dict(line_of_rank))
