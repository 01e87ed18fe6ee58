"""The compiled assessment: queries/decision/assess/*.rq as generic joins over the decision tables (tables.py)
and one patient's facts (its types after classification, the agents it takes or possibly takes, its trials).
No clinical rule is here: which effect a case gives, and which effect decides which status, are rows of the
tables, read from the ontology and the compile queries. The result is the compact decision (option -> status,
line, reasons) and the same triples the SPARQL rules construct (the reference: ``engine="sparql"``)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef

from kg.core.decide.compiled.tables import DecisionTables, Iri
from kg.model.namespaces import CG

SUPPORTS, LATER, FAILED = str(CG.ReasonSupports), str(CG.ReasonLaterLine), str(CG.ReasonFailedBefore)
MAYBE_SUPPORTS = str(CG.ReasonUndeterminedSupport)
NOT_COVERED = str(CG.ReasonNotCovered)
FAILED_TRIAL = str(CG.FailedTrial)
_SEQUENCED = frozenset({SUPPORTS, LATER, FAILED})  # effects present only as the sequencing below says
_PENDING = frozenset({LATER, MAYBE_SUPPORTS})  # a later line not reached keeps a support pending
_GIVES_FAILED = frozenset({SUPPORTS, MAYBE_SUPPORTS, LATER})  # a failed trial counts when the option is supported
_LINED = frozenset({SUPPORTS, LATER})  # the reasons whose lines give the option's line


class Reason:
    """One reason node: an option and the statement (or patient fact) it is based on, with what the rules found of
    it (sets: one node may be found by several rows). A plain class with slots: a decision makes about 300."""

    __slots__ = ("_prefix", "_option_id", "option", "statement", "kind", "effects", "applies", "reachable", "reached")

    def __init__(self, prefix: str, option: Iri, option_id: str, statement: Iri) -> None:
        self._prefix, self._option_id, self.option, self.statement = prefix, option_id, option, statement
        self.kind: set[str] = set()
        self.effects: set[Iri] = set()
        self.applies: set[str] = set()
        self.reachable: set[bool] = set()
        self.reached: set[str] = set()  # assess/02-later-lines: "reached" / "possibly"

    @property
    def iri(self) -> Iri:
        """The reason node's IRI (assess/*.rq: the patient's, the option's id, MD5 of the statement), made when asked:
        only an explanation reads it."""
        return f"{self._prefix}{self._option_id}/{_digest(self.statement)}"

    def __repr__(self) -> str:
        return f"Reason({self.iri!r}, effects={sorted(self.effects)})"


@dataclass
class Assessment:
    """The compact decision of one option: its status(es), line(s) and reasons."""

    option: Iri
    option_id: str
    status: set[Iri]
    line: set[Iri]
    reasons: list[Reason]

    def compact(self) -> dict[str, object]:
        """The compact form of the option's decision: status, line and reason ids (texts are looked up by id)."""
        return {"option": self.option_id, "status": sorted(self.status), "line": sorted(self.line),
                "reasons": sorted(r.iri.rsplit("/reason/", 1)[-1] for r in self.reasons)}


@dataclass
class Facts:
    """What the assessment reads of one patient."""

    patient: Iri
    types: frozenset[Iri]
    takes: frozenset[Iri]
    possibly_takes: frozenset[Iri]
    takes_under: frozenset[Iri]  # what the agents taken fall under
    trials: list[tuple[Iri, frozenset[Iri], frozenset[Iri], frozenset[Iri]]]  # (trial, of, outcomes, types)
    condition_types: frozenset[Iri] = frozenset()  # the types of the conditions the patient has (cg:hasCondition)

    @classmethod
    def of(cls, graph: Graph, patient: URIRef, tables: DecisionTables) -> Facts:
        def objects(node: object, prop: URIRef) -> frozenset[Iri]:
            return frozenset(str(o) for o in graph.objects(node, prop))  # type: ignore[arg-type]

        takes = objects(patient, CG.takesAgent)
        trials = [(str(t), objects(t, CG.trialOf), objects(t, CG.trialOutcome), objects(t, RDF.type))
                  for t in graph.objects(patient, CG.hadTrial) if isinstance(t, URIRef)]
        return cls(str(patient), objects(patient, RDF.type), takes, objects(patient, CG.possiblyTakesAgent),
                   frozenset(g for agent in takes for g in tables.falls_under.get(agent, ())), trials,
                   frozenset(t for c in graph.objects(patient, CG.hasCondition) for t in objects(c, RDF.type)))


def assess(tables: DecisionTables, facts: Facts) -> list[Assessment]:
    """Every option's assessment, in the tables' option order."""
    reasons = _reasons(tables, facts)
    _later_lines(tables, reasons)
    by_option: dict[Iri, list[Reason]] = defaultdict(list)
    for reason in reasons:
        by_option[reason.option].append(reason)
    return [_status(tables, option, option_id, by_option.get(option, []))
            for option, option_id in tables.options.items()]


def _reasons(tables: DecisionTables, facts: Facts) -> list[Reason]:
    """Every reason node of the patient: one per (option, statement), as its IRI says."""
    found: dict[tuple[str, Iri], Reason] = {}  # by (option id, statement)
    prefix = f"{facts.patient}/reason/"

    def add(option: Iri, option_id: str, statement: Iri, kind: str, effect: Iri, applies: bool,
            reachable: bool | None = None) -> None:
        key = (option_id, statement)
        reason = found.get(key)
        if reason is None:
            reason = found[key] = Reason(prefix, option, option_id, statement)
        reason.kind.add(kind)
        reason.effects.add(effect)
        reason.applies.add("yes" if applies else "no" if effect == LATER else "possibly")
        if reachable is not None:
            reason.reachable.add(reachable)

    types = facts.types
    losers, required, no_losers = tables.losers, tables.required, frozenset()
    for rec in tables.recommendations:  # 1. recommendations, membership case by case
        if not types.isdisjoint(losers.get(rec.statement, no_losers)):
            continue
        case = "yes" if rec.population in types else "possibly" if rec.possible in types else "no"
        effect = rec.effects.get(case)
        if effect is not None:
            reachable = types.issuperset(required.get(rec.population, ())) if effect == LATER else None
            add(rec.option, rec.option_id, rec.statement, "recommendation", effect, case == "yes", reachable)
    takes_under, possibly_takes = facts.takes_under, facts.possibly_takes
    for caution in tables.cautions:  # 2. cautions and contraindications
        co_taken = caution.co is None or caution.co in takes_under
        co_maybe = not co_taken and caution.co in possibly_takes
        in_population = caution.population is None or caution.population in types
        maybe = caution.population is not None and caution.possible in types
        hit = caution.effects.get((co_taken, co_maybe, in_population, maybe))
        if hit is not None:
            add(caution.option, caution.option_id, caution.statement, "caution", hit[0], hit[1])
    taken_under: dict[Iri, list[frozenset[Iri]]] = defaultdict(list)  # group -> what each drug taken under it is under
    for current in facts.takes:
        under = tables.falls_under.get(current, frozenset())
        for group in under:
            taken_under[group].append(under)
    for row in tables.interactions:  # 3. and 3b. interactions
        populations = tables.statement_populations.get(row.statement, {})
        takers = taken_under.get(row.other, ()) if row.effect_taken is not None else ()
        if takers and all(p in types for p in populations) and any(
                (row.other != row.about and row.about not in under) or (row.other == row.about
                                                                         and row.option not in under)
                for under in takers):
            add(row.option, row.option_id, row.statement, "interaction", row.effect_taken, True)  # type: ignore[arg-type]
        if row.other in facts.possibly_takes and row.other not in facts.takes_under and all(
                p in types or possibles & types for p, possibles in populations.items()):
            add(row.option, row.option_id, row.statement, "interaction", row.effect_possibly, False)
    for trial, of, outcomes, trial_types in facts.trials:  # 4. and 4b. the patient's past trials
        for option in of:
            for outcome in outcomes:
                for past in tables.past_trials.get(option, {}).get(outcome, ()):
                    if past.failed_only and (FAILED_TRIAL not in trial_types or option in facts.takes):
                        continue
                    add(option, past.option_id, trial, "past-trial", past.effect, True)
    for option, option_id, statement, effect in tables.notes:  # 5. notes
        add(option, option_id, statement, "exacerbation", effect, True)
    for reason in list(found.values()):  # 6. assess/01b-not-covered.rq: a support from a package with a scope limit
        if reason.effects & {SUPPORTS, MAYBE_SUPPORTS}:
            option_id = tables.options[reason.option]
            for limitation, population, possible in tables.scope.get(reason.statement, ()):
                if population in types or possible in types:
                    add(reason.option, option_id, limitation, "scope", NOT_COVERED, population in types)
    return list(found.values())


@lru_cache(maxsize=65536)
def _digest(statement: Iri) -> str:
    """The part of a reason's IRI that names its statement (assess/*.rq: MD5(STR(?statement)))."""
    return hashlib.md5(statement.encode()).hexdigest()


def _later_lines(tables: DecisionTables, listed: list[Reason]) -> None:
    """assess/02-later-lines.rq: whether a later line's reason is reached by a supporting reason at that line."""
    supporting: set[tuple[Iri, Iri, str]] = set()  # (reached agent, line, state)
    for reason in listed:
        for effect in reason.effects & {SUPPORTS, MAYBE_SUPPORTS}:
            state = "reached" if effect == SUPPORTS else "possibly"
            for line in tables.lines.get(reason.statement, ()):
                for about in tables.abouts.get(reason.statement, ()):
                    supporting.add((about, line.line, state))
    if not supporting:
        return
    for reason in listed:
        if LATER not in reason.effects:
            continue
        later_abouts = tables.abouts.get(reason.statement, frozenset())
        later_lines = {line.line for line in tables.lines.get(reason.statement, ())}
        for about, line_iri, state in supporting:
            if line_iri in later_lines and tables.falls_under.get(about, frozenset()) & later_abouts:
                reason.reached.add(state)


def _status(tables: DecisionTables, option: Iri, option_id: str, reasons: list[Reason]) -> Assessment:
    """assess/03-option-status.rq: the effects present after sequencing, then the status rules' table."""
    rules = tables.status
    effects = {e for r in reasons for e in r.effects}

    found: list[bool] = []

    def pending() -> bool:  # computed once, when first asked
        if not found:
            found.append(any(not r.effects.isdisjoint(_PENDING) and "reached" not in r.reached
                             and any(line.later for line in tables.lines.get(r.statement, ())) for r in reasons))
        return found[0]

    present: set[Iri] = set()
    gives_failed = not effects.isdisjoint(_GIVES_FAILED)
    for reason in reasons:
        present |= reason.effects - _SEQUENCED
        if FAILED in reason.effects and gives_failed:
            present.add(FAILED)
        if SUPPORTS in reason.effects and (any(line.sequenced for line in tables.lines.get(reason.statement, ()))
                                           or not pending()):
            present.add(SUPPORTS)
        if LATER in reason.effects and "reached" not in reason.reached:
            if "possibly" in reason.reached:
                present.add(MAYBE_SUPPORTS)
            if True in reason.reachable:
                present.add(LATER)
    ranked = [rules.precedence[e] for e in present if e in rules.precedence]
    decided = rules.decided_at[min(ranked)] if ranked else frozenset()
    status = set()
    for first_status in decided or rules.default_status:
        refined = {given for refiner, given in rules.refinements.get(first_status, ()) if refiner in effects}
        status |= refined or {first_status}
    ranks = [line.rank for r in reasons if not r.effects.isdisjoint(_LINED)
             for line in tables.lines.get(r.statement, ()) if line.rank is not None]
    earliest = rules.line_of_rank.get(min(ranks), set()) if ranks else set()  # type: ignore[type-var]
    return Assessment(option, option_id, status, set(earliest) or set(rules.default_line), reasons)


_TERMS: dict[str, ox.NamedNode] = {}


def _cg(name: str) -> ox.NamedNode:
    found = _TERMS.get(name)
    if found is None:
        found = _TERMS[name] = ox.NamedNode(f"{CG._NS}{name}")
    return found


def assessment_triples(patient: Iri, assessments: list[Assessment]) -> list[ox.Triple]:
    """The assessment nodes assess/03-option-status.rq constructs, without their reasons."""
    iri, rdf_type, patient_node = ox.NamedNode, ox.NamedNode(str(RDF.type)), ox.NamedNode(patient)
    out: list[ox.Triple] = []
    for a in assessments:
        node = iri(f"{patient}/assessment/{a.option_id}")
        out += [ox.Triple(node, rdf_type, _cg("OptionAssessment")), ox.Triple(node, _cg("forPatient"), patient_node),
                ox.Triple(node, _cg("assessedOption"), iri(a.option))]
        out += [ox.Triple(node, _cg("decisionStatus"), iri(s)) for s in sorted(a.status)]
        out += [ox.Triple(node, _cg("assessedLine"), iri(line)) for line in sorted(a.line)]
    return out


def triples(patient: Iri, assessments: list[Assessment]) -> list[ox.Triple]:
    """The triples assess/*.rq construct for these assessments: the assessments and their reasons."""
    iri, cg = ox.NamedNode, _cg
    rdf_type, for_patient, patient_node = ox.NamedNode(str(RDF.type)), cg("forPatient"), iri(patient)
    out = assessment_triples(patient, assessments)
    for a in assessments:
        node, option = iri(f"{patient}/assessment/{a.option_id}"), iri(a.option)
        for r in a.reasons:
            reason = iri(r.iri)
            out += [ox.Triple(node, cg("hasReason"), reason), ox.Triple(reason, rdf_type, cg("DecisionReason")),
                    ox.Triple(reason, for_patient, patient_node), ox.Triple(reason, cg("reasonFor"), option),
                    ox.Triple(reason, cg("basedOn"), iri(r.statement))]
            out += [ox.Triple(reason, cg("effectOnOption"), iri(e)) for e in sorted(r.effects)]
            out += [ox.Triple(reason, cg("reasonKind"), ox.Literal(k)) for k in sorted(r.kind)]
            out += [ox.Triple(reason, cg("reasonApplies"), ox.Literal(t)) for t in sorted(r.applies)]
            out += [ox.Triple(reason, cg("laterLineReachable"), ox.Literal(b)) for b in sorted(r.reachable)]
            out += [ox.Triple(reason, cg("laterLineReached"), ox.Literal(s)) for s in sorted(r.reached)]
    return out
