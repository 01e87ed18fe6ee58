"""The actions of a compiled decision (decision/actions.rq, the reference): each branch of that query is a row set of
queries/compile/action-rules.rq keyed by what the patient must have or be (a type, a condition, an agent it takes, an
option allowed for it), joined here with the patient's facts; the rows are then grouped and their source ids
concatenated as the query's GROUP BY does. tests/differential/test_engines.py compares the two."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from kg.base.literals import TRUE, plain_literal
from kg.core.decide.compiled.evaluate import Assessment, Facts
from kg.core.decide.compiled.rows import Row, ordered
from kg.model.namespaces import CG, DCTERMS_IDENTIFIER, SKOS_NOTATION

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows

ORDER = ("kind", "target", "via", "targetId", "targetLabel", "viaLabel", "instruction", "basis")
GROUPED = ("kind", "target", "targetId", "targetLabel", "via", "viaLabel", "instruction", "basis")
COLUMNS = ("kind", "target", "targetLabel", "via", "viaLabel", "instruction", "basis", "sourceId")
TERM_BRANCHES = ("label", "notation", "identifier")  # the words of a term, read where a branch needs them
Part = dict[str, Node | None]  # one row of a branch before grouping: COLUMNS


@dataclass(frozen=True)
class ActionTables:
    rules: dict[tuple[str, str], tuple[Part, ...]]  # (branch, key) -> its rows (COLUMNS, and caution)
    keys: dict[str, frozenset[str]]  # branch -> its keys (the branches that only list terms)
    populations: dict[str, frozenset[str]]  # caution -> the populations it applies to
    words: dict[tuple[str, str], tuple[Node, ...]]  # (label | notation | identifier, term) -> values

    @classmethod
    def of(cls, rows: QueryRows) -> ActionTables:
        rules: dict[tuple[str, str], list[Part]] = defaultdict(list)
        keys: dict[str, set[str]] = defaultdict(set)
        populations: dict[str, set[str]] = defaultdict(set)
        words: dict[tuple[str, str], list[Node]] = defaultdict(list)
        for row in rows("compile/action-rules"):
            branch = str(row["branch"])
            if branch == "caution-population":
                populations[str(row["caution"])].add(str(row["population"]))
            elif branch in TERM_BRANCHES:
                words[(branch, str(row["key"]))].append(row["targetLabel"])  # type: ignore[arg-type]
            else:
                keys[branch].add(str(row["key"]))
                rules[(branch, str(row["key"]))].append(row)
        return cls({k: tuple(v) for k, v in rules.items()}, {k: frozenset(v) for k, v in keys.items()},
                   {k: frozenset(v) for k, v in populations.items()}, {k: tuple(v) for k, v in words.items()})

    def rows(self, branch: str, key: str) -> tuple[Part, ...]:
        return self.rules.get((branch, key), ())

    def word(self, kind: str, term: Node) -> tuple[Node, ...]:
        return self.words.get((kind, str(term)), ())


def actions(tables: ActionTables, facts: Facts, assessments: list[Assessment], graph: Graph) -> list[Row]:
    """decision/actions.rq's rows for one patient."""
    patient = URIRef(facts.patient)
    parts = [*_from_the_build(tables, facts, assessments, graph), *_from_the_patient(tables, facts, graph)]
    groups: dict[tuple, set[str]] = {}
    for part, target_id in ((p, i) for p in parts for i in _target_ids(tables, p, graph)):
        key = tuple(target_id if c == "targetId" else part.get(c) for c in GROUPED)
        found = groups.setdefault(key, set())
        if part.get("sourceId") is not None:
            found.add(str(part["sourceId"]))
    rows = [{"patient": patient, **dict(zip(GROUPED, key, strict=True)),
             "sources": Literal("|".join(sorted(sources))) if sources else None} for key, sources in groups.items()]
    return ordered(rows, ORDER)


def _from_the_build(tables: ActionTables, facts: Facts, assessments: list[Assessment],
                    graph: Graph) -> Iterator[Part]:
    patient = URIRef(facts.patient)
    maybe = frozenset(str(t) for c in graph.objects(patient, CG.possiblyHasCondition)
                      for t in graph.objects(c, RDF.type))
    for unknown in facts.types:
        yield from tables.rows("unknown-value", unknown)
    for condition in maybe - facts.condition_types:
        yield from tables.rows("condition-to-assess", condition)
        for part in tables.rows("condition-to-ask", condition):
            if str(part["possible"]) in facts.types and str(part["population"]) not in facts.types:
                yield part
    allowed = [a.option for a in assessments if a.status & tables.keys.get("allowed-status", frozenset())]
    for option in allowed:
        yield from tables.rows("allowed-finding", option)
        for part in tables.rows("before-starting", option):
            if str(part["via"]) not in facts.takes_under and _applies(tables, part, facts):
                yield part
    for agent in facts.takes:
        yield from tables.rows("exacerbating-agent", agent)
        yield from (part for part in tables.rows("when-stopping", agent) if _applies(tables, part, facts))
    for condition in facts.condition_types:
        yield from tables.rows("exacerbating-condition", condition)


def _applies(tables: ActionTables, part: Part, facts: Facts) -> bool:
    """A caution applies to a patient in every population it names."""
    return tables.populations.get(str(part["caution"]), frozenset()) <= facts.types


def _from_the_patient(tables: ActionTables, facts: Facts, graph: Graph) -> Iterator[Part]:
    """The branches that read the patient's own nodes: a trial whose adequacy is undetermined, an omitted trial
    history or medication list, a substance whose use is unknown, a medication the graph does not know."""
    patient = URIRef(facts.patient)
    for trial in graph.objects(patient, CG.hadTrial):
        if (TRUE in graph.objects(trial, CG.adequacyUndetermined)
                and CG.OutcomeInadequateResponse in graph.objects(trial, CG.trialOutcome)):
            for target in graph.objects(trial, CG.trialOf):
                yield from _asked(tables, target, CG.adequateTrial)
    for unknown, asked in ((CG.TrialHistoryUnknown, CG.hadTrial), (CG.MedicationListUnknown, CG.takesAgent)):
        if str(unknown) in facts.types:
            yield from _asked(tables, asked)
    for substance in facts.possibly_takes & tables.keys.get("substance", frozenset()):
        yield from _asked(tables, URIRef(substance))
    for link in sorted(tables.keys.get("unrecognised-link", ())):
        for target in graph.objects(patient, URIRef(link)):
            if CG.UnrecognisedMedication not in graph.objects(target, RDF.type):
                continue
            hints = list(graph.objects(target, CG.possibleIntendedName)) or [None]
            names, rules = list(graph.objects(target, CG.nameAsGiven)), tables.rows("unrecognised-link", link)
            for name, rule, hint in itertools.product(names, rules, hints):
                note = rule["instruction"]
                instruction = note if hint is None else Literal(f"{note} Did you mean: {hint}?")
                yield {"kind": Literal("check-unrecognised-medication"), "target": target, "targetLabel": name,
                       "instruction": instruction, "notation": name}


def _asked(tables: ActionTables, target: Node, via: Node | None = None) -> Iterator[Part]:
    """An "ask" row for *target* (and *via*), once per label of each."""
    for label in tables.word("label", target):
        for via_label in (tables.word("label", via) if via is not None else (None,)):
            yield {"kind": plain_literal("ask"), "target": target, "targetLabel": label, "via": via,
                   "viaLabel": via_label}


def _target_ids(tables: ActionTables, part: Part, graph: Graph) -> list[Node]:
    """COALESCE(notation, identifier, "") over the target's optional notations and identifiers (a pre-bound notation,
    a medication's name as given, stays itself)."""
    target = part["target"]
    if part.get("notation") is not None:
        return [part["notation"]]  # type: ignore[list-item]
    notations = [*tables.word("notation", target), *graph.objects(target, SKOS_NOTATION)]  # type: ignore[arg-type]
    identifiers = [*tables.word("identifier", target), *graph.objects(target, DCTERMS_IDENTIFIER)]  # type: ignore[arg-type]
    out: list[Node] = []
    for notation in notations or [None]:
        for identifier in identifiers or [None]:
            out.append(notation if notation is not None else identifier if identifier is not None else Literal(""))
    return out
