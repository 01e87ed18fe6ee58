"""The output rows of a compiled decision, built from the compact decision (evaluate.py) and lookups by id in the
render tables (queries/compile/vocabulary.rq, reason-details.rq, populations.rq): the same rows, in the same order,
as decision/options.rq, decision/reasons.rq and decision/populations.rq give on the SPARQL path (the reference;
tests/differential/test_engines.py compares them)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core.decide.compiled.evaluate import LATER, MAYBE_SUPPORTS, Assessment
from kg.core.query.library import Row
from kg.model.namespaces import CG

if TYPE_CHECKING:
    from kg.core.build.stored_tables import QueryRows

REASON_COLUMNS = ("patient", "option", "reason", "effect", "effectRank", "applies", "kind", "statement", "text",
                  "direction", "strength", "certainty", "basis", "certaintyBasis", "population", "populationLabel",
                  "issuer", "severity", "safetyRank", "sources")
REASON_ORDER = ("option", "effectRank", "statement", "effect", "applies", "kind", "text", "direction", "strength",
                "certainty", "basis", "certaintyBasis", "population", "populationLabel", "issuer", "severity",
                "safetyRank", "reason")
DETAIL_COLUMNS = REASON_COLUMNS[8:]


_keys: dict[Node, tuple] = {}


def order_key(term: Node | None) -> tuple:
    """A term's place in a SPARQL ORDER BY: unbound, blank nodes, IRIs, then literals (numbers by value)."""
    if term is None:
        return (0,)
    found = _keys.get(term)
    if found is None:
        if len(_keys) > 100_000:
            _keys.clear()
        found = _keys[term] = _order_key(term)
    return found


def _order_key(term: Node) -> tuple:
    if term is None:
        return (0,)
    if isinstance(term, BNode):
        return (1, str(term))
    if isinstance(term, URIRef):
        return (2, str(term))
    value = term.toPython() if isinstance(term, Literal) else None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return (3, 0, Decimal(str(value)), str(term))
    return (3, 1, str(term))


def sorted_sources(row: Row) -> Row:
    """The row's ``sources`` (a GROUP_CONCAT, in no order SPARQL defines) with its ids sorted: every rendering reads
    them as a sorted set (kg/report/), and a compiled decision gives them in one order every time."""
    sources = row.get("sources")
    return {} if sources is None else {"sources": Literal("|".join(sorted(str(sources).split("|"))))}


def ordered(rows: Iterable[Row], keys: tuple[str, ...]) -> list[Row]:
    """Rows in the order of ``ORDER BY keys`` (a key written ``-name`` is DESC(?name))."""
    out = list(rows)
    if len(out) < 2:
        return out
    for names, descending in _sorts(keys):
        out.sort(key=lambda row: tuple(order_key(row[n]) for n in names), reverse=descending)
    return out


@lru_cache(maxsize=256)
def _sorts(keys: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """The stable sorts ``ordered`` makes, in order: one per run of ascending or descending keys, the last run first
    (each run's names, and whether it is descending)."""
    runs = [list(group) for _, group in itertools.groupby(keys, key=lambda k: k.startswith("-"))]
    return tuple((tuple(k.removeprefix("-") for k in run), run[0].startswith("-")) for run in reversed(runs))


@dataclass(frozen=True)
class RenderTables:
    """The words, ranks and details of the build a compiled decision is rendered with, by id."""

    vocabulary: dict[tuple[str, str], list[Row]]  # (kind, term) -> its rows (notation, allowed, rank)
    details: dict[str, list[Row]]  # statement -> what decision/reasons.rq shows of it
    populations: list[Row]  # population, possible, label, rule, basis
    interactions: list[Row]  # compile/interactions.rq
    steps: list[Row]  # compile/algorithm-steps.rq
    step_doses: list[Row]  # compile/step-doses.rq
    # (option, status, line) -> its rows of decision/options.rq with their sort keys, made on first use (rows.options)
    option_rows: dict[tuple[str, frozenset[str], frozenset[str]], list[tuple[tuple, Row]]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, rows: QueryRows) -> RenderTables:
        """From the rows of the compile queries on the build (``Knowledge.rows``)."""
        vocabulary: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in rows("compile/vocabulary"):
            vocabulary[(str(row["kind"]), str(row["term"]))].append(row)
        details: dict[str, list[Row]] = defaultdict(list)
        for row in rows("compile/reason-details"):
            details[str(row["statement"])].append({k: row[k] for k in DETAIL_COLUMNS} | sorted_sources(row))
        interactions = [row | sorted_sources(row) for row in rows("compile/interactions")]
        step_doses = [row | sorted_sources(row) for row in rows("compile/step-doses")]
        return cls(dict(vocabulary), dict(details), rows("compile/populations"), interactions,
                   rows("compile/algorithm-steps"), step_doses)

    def words(self, kind: str, term: str) -> list[Row]:
        return self.vocabulary.get((kind, term), [])

    @cached_property
    def step_plan(self) -> tuple[dict[str, list[Row]], dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """The algorithm's steps (compile/algorithm-steps.rq) by step node: its rows, what its failed trials use and
        what its adequate use completes."""
        steps: dict[str, list[Row]] = defaultdict(list)
        used: dict[str, set[str]] = defaultdict(set)
        completing: dict[str, set[str]] = defaultdict(set)
        for row in self.steps:
            if row["used"] is not None:
                used[str(row["s"])].add(str(row["used"]))
            elif row["completing"] is not None:
                completing[str(row["s"])].add(str(row["completing"]))
            else:
                steps[str(row["s"])].append(row)
        return dict(steps), {s: frozenset(u) for s, u in used.items()}, {s: frozenset(c) for s, c in completing.items()}


OPTION_ORDER = ("statusRank", "label", "option", "status", "allowed", "line")


def options(tables: RenderTables, patient: URIRef, compact: list[Assessment]) -> list[Row]:
    """decision/options.rq: each option's rows come from its status and line alone, so they are made once per build
    and (option, status, line) with their sort keys (``_option_rows``), then put in the query's order."""
    keyed = [found for a in compact for found in _option_rows(tables, a.option, frozenset(a.status),
                                                                frozenset(a.line))]
    keyed.sort(key=lambda pair: pair[0])  # ORDER BY every column but ?patient: no two distinct rows tie
    return [{"patient": patient, **row} for _, row in keyed]


def _option_rows(tables: RenderTables, option: str, status: frozenset[str], line: frozenset[str]
                 ) -> list[tuple[tuple, Row]]:
    """The distinct rows (without ?patient) of one option with this status and line, each with its sort key."""
    key = (option, status, line)
    found = tables.option_rows.get(key)
    if found is None:
        rows = []
        for one_status, one_line in itertools.product(sorted(status), sorted(line)):
            for label, s, ln in itertools.product(tables.words("option", option), tables.words("status", one_status),
                                                  tables.words("line", one_line)):
                if None in (label["notation"], s["notation"], s["allowed"], s["rank"], ln["notation"]):
                    continue
                rows.append({"option": URIRef(option), "label": label["notation"], "status": s["notation"],
                             "allowed": s["allowed"], "line": ln["notation"], "statusRank": s["rank"]})
        found = tables.option_rows[key] = [(tuple(order_key(row[n]) for n in OPTION_ORDER), row)
                                           for row in distinct(rows)]
    return found


def reasons(tables: RenderTables, patient: URIRef, compact: list[Assessment], graph: Graph,
            store: ox.Store) -> list[Row]:
    """decision/reasons.rq: each reason node's effects x applies x kinds x the details of its statement. ``store``:
    the decision store holding the patient (a dose reached is shown in the store's canonical form, as STR gives it)."""
    rows = []
    for a in compact:
        for r in a.reasons:
            details = tables.details.get(r.statement) or _trial_details(tables, graph, store, URIRef(r.statement))
            for effect in r.effects:
                shown = MAYBE_SUPPORTS if effect == LATER and "possibly" in r.reached else effect
                for words, applies, kind, detail in itertools.product(
                        tables.words("effect", shown), sorted(r.applies), sorted(r.kind), details):
                    if words["notation"] is None or words["rank"] is None:
                        continue
                    rows.append({"patient": patient, "option": URIRef(r.option), "reason": URIRef(r.iri),
                                 "effect": words["notation"], "effectRank": words["rank"], "applies": Literal(applies),
                                 "kind": Literal(kind), "statement": URIRef(r.statement), **detail})
    return ordered(distinct(rows), REASON_ORDER)


def _trial_details(tables: RenderTables, graph: Graph, store: ox.Store, trial: URIRef) -> list[Row]:
    """What decision/reasons.rq shows of a past trial (a patient's own fact): its outcome and dose reached in words,
    and the outcome's safety rank."""
    pattern = store.quads_for_pattern(ox.NamedNode(trial), ox.NamedNode(CG.doseReachedDaily), None, ox.DefaultGraph())
    reached = next((str(quad.object.value) for quad in pattern), None)  # type: ignore[union-attr]
    texts: list[Node | None] = []
    ranks: list[Node | None] = []
    for outcome in graph.objects(trial, CG.trialOutcome):
        for words in tables.words("outcome", str(outcome)):
            if words["notation"] is not None:
                texts.append(Literal(f"past trial: {words['notation']}"
                                     + ("" if reached is None else f" at {reached} mg/day")))
            if words["rank"] is not None:
                ranks.append(words["rank"])
    empty = dict.fromkeys(DETAIL_COLUMNS)
    return [{**empty, "text": text, "safetyRank": rank}  # no source: GROUP_CONCAT over none is unbound here
            for text, rank in itertools.product(texts or [None], ranks or [None])]


def populations(tables: RenderTables, patient: URIRef, types: frozenset[str]) -> list[Row]:
    """decision/populations.rq: yes when the patient is in the population, possibly when only in its possible class."""
    rows = []
    for row in tables.populations:
        membership = "yes" if str(row["population"]) in types else "possibly" if str(row["possible"]) in types else None
        if membership is not None:
            rows.append({"patient": patient, "population": row["population"], "label": row["label"],
                         "membership": Literal(membership), "rule": row["rule"], "basis": row["basis"]})
    return ordered(distinct(rows), ("-membership", "population", "label", "rule", "basis"))


def distinct(rows: list[Row]) -> list[Row]:
    seen, out = set(), []
    for row in rows:
        key = tuple(row.items())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out
