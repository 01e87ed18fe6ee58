"""kg.decide(profile): one patient in, every treatment option's status with reasons out.

Stages (ADR 0005, ADR 0007), each behind a small interface:
``prepare`` (profile -> the allow-listed patient triples) -> ``derive`` (closed-world rules,
queries/decision/derive/*.rq) -> ``classify`` (a Classifier: compiled by default, or the DL reasoner
HermiT/Pellet as the reference) -> ``assess`` (queries/decision/assess/*.rq) -> ``report`` (the output
queries queries/decision/*.rq) -> a Decision.

The knowledge is the checked build (kg/knowledge.py), loaded once into a pyoxigraph store; each
patient lives in a named graph of that store for the length of its decision, and every rule reads
the union of the build and that graph. Python orchestrates; every clinical rule is in the tables, the
ontology or those queries.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.classify import Classifier, classifier_named
from kg.knowledge import Knowledge, default_knowledge, knowledge_from_graph
from kg.oxigraph_bridge import from_ox, to_ox
from kg.paths import QUERIES_DIR
from kg.patient_isolation import patient_triples
from kg.profile import Profile, load_profile
from kg.queries import Query, load_query, parse_query_file, run_construct, run_query

DECISION_DIR = QUERIES_DIR / "decision"
DEFAULT_REASONER = "compiled"
Row = dict[str, Node | None]
# the output queries a report needs beyond the decision itself (queries/decision/report-<name>.rq)
REPORT_QUERIES = tuple(p.stem.removeprefix("report-") for p in sorted(DECISION_DIR.glob("report-*.rq")))

__all__ = ["Decision", "Knowledge", "decide", "decide_many", "default_knowledge", "knowledge_from_graph"]


@dataclass
class Decision:
    """The result for one patient. Rows are query results (rdflib terms), grouped for reading."""

    profile: Profile
    reasoner: str
    options: list[Row]
    reasons: dict[Node, list[Row]]
    populations: list[Row]
    actions: list[Row]
    dose_checks: list[Row]
    interactions: list[Row]
    algorithm: list[Row]
    graph: Graph  # the patient, the inferences, the reasons and assessments (for Turtle output)
    seconds: dict[str, float] = field(default_factory=dict)
    report: dict[str, list[Row]] = field(default_factory=dict)  # report-*.rq results, by name without prefix

    def status_of(self, option_id: str) -> str | None:
        for row in self.options:
            if str(row["option"]).rsplit("/", 1)[-1] == option_id:
                return str(row["status"])
        return None


@cache
def _rules(folder: str) -> tuple[Query, ...]:
    """The CONSTRUCT rules of a folder, in file-name order (read once per process)."""
    return tuple(parse_query_file(p) for p in sorted((DECISION_DIR / folder).glob("*.rq")))


@cache
def _output_query(name: str) -> Query:
    return load_query(f"decision/{name}")


class PatientGraph:
    """One patient's named graph in the knowledge store, for the length of a decision: the rules read
    the build and this graph together, and what they construct goes into it."""

    def __init__(self, store: ox.Store, patient: URIRef) -> None:
        self.store, self.patient = store, patient
        self.name = ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
        self.graphs = [ox.DefaultGraph(), self.name]
        self.graph = Graph()  # the same triples, as rdflib terms (the classifier and Turtle output read it)

    def add(self, triples: Graph | list[ox.Triple]) -> None:
        if isinstance(triples, Graph):
            for s, p, o in triples:
                self.store.add(ox.Quad(to_ox(s), to_ox(p), to_ox(o), self.name))  # type: ignore[arg-type]
            self.graph += triples
            return
        for t in triples:
            self.store.add(ox.Quad(t.subject, t.predicate, t.object, self.name))
            self.graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]

    def run_rules(self, folder: str) -> None:
        for rule in _rules(folder):  # in file-name order: a later rule reads an earlier one's result
            self.add(run_construct(rule, self.store, {"patient": self.patient}, self.graphs))

    def select(self, name: str) -> list[Row]:
        query = _output_query(name)
        bindings = {"patient": self.patient} if "patient" in query.params else {}
        return run_query(query, self.store, bindings, self.graphs)


def prepare(profile: Path | str | dict[str, Any] | Graph | Profile, knowledge: Knowledge,
            today: dt.date | None = None) -> tuple[Profile, Graph]:
    """The profile, read and validated, and the patient triples the store and the classifier may see:
    the allow-listed ones only, whatever the profile holds (ADR 0006)."""
    source = Path(profile) if isinstance(profile, str) else profile
    loaded = source if isinstance(source, Profile) else load_profile(source, knowledge.agents, today, knowledge.graph)
    return loaded, patient_triples(loaded.graph, loaded.patient, knowledge.graph)


def decide(
    profile: Path | str | dict[str, Any] | Graph | Profile,
    *,
    reasoner: str = DEFAULT_REASONER,
    knowledge: Knowledge | None = None,
    today: dt.date | None = None,
) -> Decision:
    """Decide every treatment option for one patient profile (a file path, a dict, a Turtle graph, or a
    loaded Profile). ``reasoner``: the classifier, ``compiled`` (no Java) or ``hermit``/``pellet``."""
    return decide_many([profile], reasoner=reasoner, knowledge=knowledge, today=today)[0]


def decide_many(
    profiles: Sequence[Path | str | dict[str, Any] | Graph | Profile],
    *,
    reasoner: str = DEFAULT_REASONER,
    knowledge: Knowledge | None = None,
    today: dt.date | None = None,
) -> list[Decision]:
    """Decide several patients; the classifier sees them in one batch (one DL reasoner run for all).
    Patients of one batch need distinct patient IDs."""
    knowledge = knowledge or default_knowledge()
    classifier: Classifier = classifier_named(reasoner)
    with _patient_graphs(knowledge, profiles, today) as prepared:
        started = time.perf_counter()
        for _, graph in prepared:
            graph.run_rules("derive")  # closed-world steps before classification
        derived = time.perf_counter()
        inferred = classifier.classify(knowledge, [(graph.patient, graph.graph) for _, graph in prepared])
        classified = time.perf_counter()
        decisions = []
        for (profile, graph), types in zip(prepared, inferred, strict=True):
            started_assess = time.perf_counter()
            graph.add(types)
            graph.run_rules("assess")
            decision = _report(profile, graph, classifier.name)
            decision.seconds = {"derive": (derived - started) / len(prepared),
                                "classify": (classified - derived) / len(prepared),
                                "assess": time.perf_counter() - started_assess}
            decisions.append(decision)
    return decisions


@contextmanager
def _patient_graphs(knowledge: Knowledge, profiles: Sequence[Any], today: dt.date | None
                    ) -> Iterator[list[tuple[Profile, PatientGraph]]]:
    prepared: list[tuple[Profile, PatientGraph]] = []
    try:
        for profile in profiles:
            loaded, triples = prepare(profile, knowledge, today)
            graph = PatientGraph(knowledge.store, loaded.patient)
            prepared.append((loaded, graph))
            graph.add(triples)
        yield prepared
    finally:
        for _, graph in prepared:
            knowledge.store.remove_graph(graph.name)


def _report(profile: Profile, graph: PatientGraph, reasoner: str) -> Decision:
    reasons: dict[Node, list[Row]] = defaultdict(list)
    for row in graph.select("reasons"):
        reasons[row["option"]].append(row)
    return Decision(
        profile=profile, reasoner=reasoner, options=graph.select("options"), reasons=dict(reasons),
        populations=graph.select("populations"), actions=graph.select("actions"),
        dose_checks=graph.select("dose-checks"), interactions=graph.select("interactions"),
        algorithm=graph.select("algorithm"), graph=graph.graph,
        report={name: graph.select(f"report-{name}") for name in REPORT_QUERIES},
    )
