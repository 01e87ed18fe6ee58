"""kg.decide(profile): one patient in, every treatment option's status with reasons out.

Pipeline (ADR 0005): profile -> patient RDF -> closed-world derivation rules
(queries/decision/derive/*.rq) -> DL reasoner on the classification module -> assessment rules
(queries/decision/assess/*.rq) -> output queries (queries/decision/*.rq) -> a Decision.
Python orchestrates; every clinical rule is in the tables, the ontology or those queries.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from kg.build import build_graph
from kg.drug_names import normalise_name
from kg.errors import UserError
from kg.oxigraph_bridge import add_to_store, to_graph, to_ox
from kg.paths import QUERIES_DIR
from kg.patient_isolation import patient_triples
from kg.profile import Profile, load_profile
from kg.queries import Query, load_query, parse_query_file, run_query
from kg.reasoning import check_consistency, classification_module

DECISION_DIR = QUERIES_DIR / "decision"
Row = dict[str, Node | None]
# the output queries a report needs beyond the decision itself (queries/decision/report-<name>.rq)
REPORT_QUERIES = tuple(p.stem.removeprefix("report-") for p in sorted(DECISION_DIR.glob("report-*.rq")))


@dataclass
class Knowledge:
    """The built graph and what every decision reuses (built once per process: the warm path)."""

    graph: Graph
    module: Graph
    agents: dict[str, URIRef]
    ambiguous: dict[str, list[URIRef]]
    nt: bytes  # the graph as N-Triples, to load a fresh store per decision quickly


def knowledge_from(graph: Graph) -> Knowledge:
    names: dict[str, set[URIRef]] = defaultdict(set)
    for row in run_query(load_query("decision/agents"), graph):
        names[normalise_name(str(row["name"]))].add(row["agent"])  # type: ignore[arg-type]
    agents = {name: next(iter(found)) for name, found in names.items() if len(found) == 1}
    ambiguous = {name: sorted(found) for name, found in names.items() if len(found) > 1}
    return Knowledge(graph, classification_module(graph), agents, ambiguous,
                     graph.serialize(format="nt", encoding="utf-8"))


@cache
def default_knowledge() -> Knowledge:
    return knowledge_from(build_graph()[0])


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


def _construct(query: Query, store: ox.Store, patient: URIRef) -> Graph:
    try:
        triples = store.query(query.text, substitutions={ox.Variable("patient"): to_ox(patient)})
    except (SyntaxError, OSError) as error:  # a broken rule file is a project bug, reported plainly
        raise UserError(f"decision rule {query.name} failed: {error}") from None
    return to_graph(triples)  # type: ignore[arg-type]


def assess(store: ox.Store, patient: URIRef) -> Graph:
    """Run the assessment rules (queries/decision/assess/*.rq, in file-name order) on a store that holds the
    knowledge graph, the patient and its inferred types; add what they construct to the store and return it.
    decide() calls it after the reasoner; a test may call it on hand-asserted types, without one."""
    assessed = Graph()
    for rule in _rules("assess"):
        constructed = _construct(rule, store, patient)
        assessed += constructed
        add_to_store(store, constructed)
    return assessed


def _isolated_patient(profile: Profile, knowledge: Knowledge) -> Graph:
    """The patient triples the store and the reasoner may see: the allow-listed ones only, whatever
    the profile holds (ADR 0006). With the knowledge graph's own triples fixed, nothing else enters."""
    return patient_triples(profile.graph, profile.patient, knowledge.graph)


def decide(
    profile: Path | str | dict[str, Any] | Graph | Profile,
    *,
    reasoner: str = "hermit",
    knowledge: Knowledge | None = None,
    today: dt.date | None = None,
) -> Decision:
    """Decide every treatment option for one patient profile (a file path, a dict, a Turtle graph, or a
    loaded Profile)."""
    knowledge = knowledge or default_knowledge()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    source = Path(profile) if isinstance(profile, str) else profile
    loaded = source if isinstance(source, Profile) else load_profile(source, knowledge.agents, today, knowledge.graph)
    patient, patient_graph = loaded.patient, _isolated_patient(loaded, knowledge)
    store = ox.Store()
    store.load(knowledge.nt, format=ox.RdfFormat.N_TRIPLES)
    add_to_store(store, patient_graph)
    for rule in _rules("derive"):  # closed-world steps, in file-name order
        derived = _construct(rule, store, patient)
        patient_graph += derived
        add_to_store(store, derived)
    timings["derive"] = time.perf_counter() - started

    started = time.perf_counter()
    result = check_consistency(knowledge.module + patient_graph, reasoner=reasoner)
    timings["reasoner"] = time.perf_counter() - started
    if result.error:
        hint = " (Pellet 2.3 has known internal errors with datatype restrictions; try --reasoner hermit)" \
            if reasoner == "pellet" else ""
        raise UserError(f"the reasoner could not classify the patient: {result.error}{hint}")
    if not result.consistent:
        raise UserError("the patient profile is inconsistent with the ontology (contradictory facts); "
                        f"{result.message}")
    inferred = Graph()
    patient_nodes = {patient} | {s for s in patient_graph.subjects() if str(s).startswith(str(patient))}
    for subject, _, cls in result.inferred.triples((None, RDF.type, None)):
        if subject in patient_nodes:
            inferred.add((subject, RDF.type, cls))
    add_to_store(store, inferred)
    patient_graph += inferred

    started = time.perf_counter()
    patient_graph += assess(store, patient)

    def select(name: str) -> list[Row]:
        query = _output_query(name)
        return run_query(query, store, {"patient": patient} if "patient" in query.params else {})

    reasons: dict[Node, list[Row]] = defaultdict(list)
    for row in select("reasons"):
        reasons[row["option"]].append(row)
    decision = Decision(
        profile=loaded, reasoner=reasoner, options=select("options"), reasons=dict(reasons),
        populations=select("populations"), actions=select("actions"), dose_checks=select("dose-checks"),
        interactions=select("interactions"), algorithm=select("algorithm"), graph=patient_graph,
        report={name: select(f"report-{name}") for name in REPORT_QUERIES},
    )
    timings["assess"] = time.perf_counter() - started
    decision.seconds = timings
    return decision
