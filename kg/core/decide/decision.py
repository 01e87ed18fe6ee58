"""kg.decide(profile): one patient in, every treatment option's status with reasons out.

Stages (ADR 0005, ADR 0007), each behind a small interface:
``prepare`` (profile -> the allow-listed patient triples) -> ``derive`` (closed-world rules,
queries/decision/derive/*.rq) -> ``classify`` (a Classifier: compiled by default, or the DL reasoner
HermiT/Pellet as the reference) -> ``assess`` (``engine="compiled"``, the default: the decision tables of
queries/compile/*.rq evaluated per patient, kg/core/decide/compiled/, ADR 0024; ``engine="sparql"``: the rules
queries/decision/assess/*.rq, the reference) -> ``report`` (the output queries queries/decision/*.rq; on the
compiled engine the options, reasons, populations, interactions, algorithm and step-dose rows are made from the
compact decision instead) -> a Decision.

The knowledge is the checked build (kg/core/build/knowledge.py), loaded once into a pyoxigraph store that queries
read and nothing changes. Each decision takes a store of its own holding the build (a copy, reused when an
earlier decision gave it back clean), adds its patient to the default graph, so that every rule reads the
build and the patient as one graph, and gives it back only after removing exactly what it added, as its
last step: a decision stopped by an exception or an interrupt, wherever it is, gives back nothing (ADR
0014). Python orchestrates; every clinical rule is in the tables, the ontology or those queries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import from_ox, to_graph, to_ox
from kg.base.paths import QUERIES_DIR
from kg.base.small_graph import small_graph
from kg.core.build.knowledge import Knowledge, default_knowledge, knowledge_from_graph
from kg.core.decide.build_choice import knowledge_for
from kg.core.decide.classify import Classifier, classifier_named
from kg.core.query.library import Query, load_query, parse_query_file, run_construct, run_query
from kg.profile.isolation import patient_triples
from kg.profile.reader import Profile, load_profile

DECISION_DIR = QUERIES_DIR / "decision"
DEFAULT_REASONER = "compiled"
ENGINES = ("sparql", "compiled")  # how the assessment runs: the SPARQL rules (the reference) or the decision tables
DEFAULT_ENGINE = "compiled"
Row = dict[str, Node | None]
# the output queries a report needs beyond the decision itself (queries/decision/report-<name>.rq)
REPORT_QUERIES = tuple(p.stem.removeprefix("report-") for p in sorted(DECISION_DIR.glob("report-*.rq")))
# what each cross-guideline link says, patient or not (the decision query cross-guideline.rq says which concern him)
CROSS_GUIDELINE_QUERY = "cq/cross-guideline-conflicts"

__all__ = ["Decision", "Knowledge", "decide", "decide_many", "default_knowledge", "knowledge_from_graph"]


@dataclass
class Decision:
    """The result for one patient. Rows are query results (rdflib terms), grouped for reading."""

    profile: Profile
    reasoner: str
    options: list[Row]
    actions: list[Row]
    dose_checks: list[Row]
    interactions: list[Row]
    algorithm: list[Row]
    patient_graph: Graph  # the patient, the derived facts and the classification
    # the reasons, populations, report rows and assessed triples: made with the decision (the SPARQL engine), or on
    # first use (the compiled engine: a rendering asks for them; kg.decide alone does not pay for them)
    explanation: Explanation
    seconds: dict[str, float] = field(default_factory=dict)
    # the cross-guideline links that concern the patient: rows of cq/cross-guideline-conflicts.rq (one per side),
    # each with the listing (conflict or concordance) of queries/decision/cross-guideline.rq; empty on one guideline
    cross_guideline: list[Row] = field(default_factory=list)
    engine: str = DEFAULT_ENGINE
    compact: list[Any] | None = None  # the compact decision (compiled engine): kg/core/decide/compiled/evaluate.py
    # False: only what the compact form reads was made (``decide_many(full=False)``, a cohort without --explain): the
    # reasons, populations, report rows and assessed triples are empty, and the full renderings refuse it
    full: bool = True

    def require_full(self, what: str) -> None:
        if not self.full:
            raise ValueError(f"{what}: this decision was made compact (full=False); decide it again in full")

    @property
    def reasons(self) -> dict[Node, list[Row]]:
        """Each option's reasons (decision/reasons.rq), by option."""
        return self.explanation.made().reasons

    @property
    def populations(self) -> list[Row]:
        """The populations the patient is (possibly) in (decision/populations.rq)."""
        return self.explanation.made().populations

    @property
    def report(self) -> dict[str, list[Row]]:
        """The report-*.rq results, by name without prefix."""
        return self.explanation.made().report

    @property
    def assessed(self) -> list[ox.Triple]:
        """What the assess rules construct: reasons and assessments (the Turtle output)."""
        return self.explanation.made().assessed

    @cached_property
    def graph(self) -> Graph:
        """The patient, the inferences, the reasons and assessments (for Turtle output), made on first use."""
        return self.patient_graph + to_graph(self.assessed)

    def status_of(self, option_id: str) -> str | None:
        for row in self.options:
            if str(row["option"]).rsplit("/", 1)[-1] == option_id:
                return str(row["status"])
        return None


@dataclass(frozen=True)
class Explained:
    """What a decision's explanation holds."""

    reasons: dict[Node, list[Row]]
    populations: list[Row]
    report: dict[str, list[Row]]
    assessed: list[ox.Triple]


NOTHING_EXPLAINED = Explained({}, [], {}, [])


class Explanation:
    """A decision's explanation: given (made with the decision), or made once, on first use, by *make*."""

    def __init__(self, made: Explained | None = None, make: Callable[[], Explained] | None = None) -> None:
        assert (made is None) != (make is None), "an explanation is either made or to be made"
        self._made, self._make, self._lock = made, make, threading.Lock()

    def made(self) -> Explained:
        with self._lock:
            if self._made is None:
                assert self._make is not None
                self._made, self._make = self._make(), None
            return self._made


@cache
def _rules(folder: str) -> tuple[Query, ...]:
    """The CONSTRUCT rules of a folder, in file-name order (read once per process)."""
    return tuple(parse_query_file(p) for p in sorted((DECISION_DIR / folder).glob("*.rq")))


@cache
def _output_query(name: str) -> Query:
    return load_query(name if "/" in name else f"decision/{name}")


def _rows(graph: PatientGraph, name: str, compact: list[Any] | None) -> list[Row]:
    """An output query's rows: for a compiled decision (``compact``), made from it where the output has a compiled
    form (kg/core/decide/compiled/outputs.py), and once per build where the query takes no patient; else the query."""
    if compact is not None:
        from kg.core.decide.compiled.outputs import COMPILED, Patient

        make = COMPILED.get(name)
        if make is not None:
            return make(Patient(graph.knowledge, graph.patient, compact, graph.facts, graph.graph, graph.store))
        if "patient" not in _output_query(name).params:
            return _patient_free_rows(graph.knowledge, name)
    return graph.select(name)


def _patient_free_rows(knowledge: Knowledge, name: str, keep: Callable[[Row], bool] = lambda _: True) -> list[Row]:
    """The rows of an output query that takes no patient, on the build alone, once per build (the compiled engine;
    the patient's triples, allow-listed, never match them: tests/differential/test_engines.py compares); a copy of
    each row *keep* keeps."""
    with knowledge.lock:
        found = knowledge.__dict__.setdefault("_patient_free_rows", {})
        if name not in found:
            found[name] = run_query(_output_query(name), knowledge.store)
        return [dict(row) for row in found[name] if keep(row)]


class PatientGraph:
    """One patient's triples: the profile's, then what the rules construct and the classifier infers.
    While ``in_store`` is open they are also in the default graph of a decision store that this decision
    alone holds (kg/knowledge.py), so the rules read the build and the patient as one graph."""

    def __init__(self, knowledge: Knowledge, patient: URIRef, triples: Graph, *, owned: bool = False) -> None:
        """*owned*: *triples* is this decision's own graph (read from a profile here, for a compact decision), filled
        in place instead of copied."""
        self.knowledge, self.patient = knowledge, patient
        if owned:
            self.graph = triples  # as rdflib terms (the classifier and the Turtle output read it)
        else:
            self.graph = small_graph()
            self.graph += triples
        self.assessed: list[ox.Triple] = []  # the assess rules' results, kept as pyoxigraph terms until asked for
        self.store: ox.Store | None = None  # the decision store, while in it
        self.facts: Any = None  # what the compiled assessment read of the patient (kg/core/decide/compiled/evaluate.py)
        self.compact: list[Any] | None = None  # the compiled assessment (the compact decision)
        self._added: list[ox.Quad] = []

    @contextmanager
    def in_store(self) -> Iterator[PatientGraph]:
        """No ``finally`` on purpose: if the block raises (an error, Ctrl-C, a signal-based timeout), the store
        is not cleaned and not given back, whatever it holds; it is dropped with this object."""
        self.store, self._added = self.knowledge.take_decision_store(), []
        self._add(self.graph)
        yield self
        self._leave_store()

    @contextmanager
    def back_in_store(self) -> Iterator[PatientGraph]:
        """The patient in a decision store of its own as its decision left it (its triples, the derived facts, its
        types and, on the compiled engine, its assessments), for what is made after the decision (a deferred
        explanation). The same discipline as ``in_store``: the store is given back only once exactly that has been
        removed."""
        from kg.core.decide.compiled.evaluate import assessment_triples

        self.store, self._added = self.knowledge.take_decision_store(), []
        self._add(self.graph)
        if self.compact is not None:
            self._add(assessment_triples(str(self.patient), self.compact))
        yield self
        self._leave_store()

    def _leave_store(self) -> None:
        store, self.store = self._store(), None
        for quad in self._added:
            store.remove(quad)
        self.knowledge.give_back_decision_store(store)  # the last step: only a store left exactly as taken

    def _add(self, triples: Iterable[tuple[Node, Node, Node]] | Iterable[ox.Triple]) -> None:
        """Add triples to the default graph in one call, remembering them, except those the build already
        states (removing them would change the build)."""
        store, quads = self._store(), []
        for triple in triples:
            s, p, o = (triple.subject, triple.predicate, triple.object) if isinstance(triple, ox.Triple) \
                else map(to_ox, triple)
            quad = ox.Quad(s, p, o)  # type: ignore[arg-type]
            if quad not in store:
                quads.append(quad)
        self._added += quads
        store.extend(quads)

    def add(self, triples: Graph | list[ox.Triple]) -> None:
        """Add triples to the patient's graph, and to its decision store while it is in one."""
        if self.store is not None:
            self._add(triples)
        if isinstance(triples, Graph):
            self.graph += triples
            return
        for t in triples:
            self.graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]

    def run_rules(self, folder: str, keep_as_rdflib: bool = True) -> None:
        for rule in _rules(folder):  # in file-name order: a later rule reads an earlier one's result
            triples = run_construct(rule, self._store(), {"patient": self.patient})
            if keep_as_rdflib:
                self.add(triples)
            else:
                self._add(triples)
                self.assessed += triples

    def run_compiled(self) -> list[Any]:
        """The assessment by the decision tables (kg/core/decide/compiled/): the compact decision. Only the
        assessments go into the store (when the patient is in one), for the output queries that read them (the
        reasons are rows made from the compact decision, kg/core/decide/compiled/rows.py; the triples the assess
        rules construct are made from it when asked for: ``_explained``)."""
        from kg.core.decide.compiled.evaluate import Facts, assess, assessment_triples

        tables = self.knowledge.decision_tables
        self.facts = Facts.of(self.graph, self.patient, tables)
        self.compact = compact = assess(tables, self.facts)
        if self.store is not None:
            self._add(assessment_triples(str(self.patient), compact))
        return compact

    def derive_compiled(self) -> None:
        """The derivation rules' triples by the derivation tables (kg/core/decide/compiled/derive.py), with no store:
        the compiled engine's decision reads the patient's graph alone (a deferred explanation puts it in a store)."""
        from kg.core.decide.compiled.derive import derive

        derive(self.knowledge.derive_tables, self.graph, self.patient)

    def select(self, name: str) -> list[Row]:
        query = _output_query(name)
        bindings = {"patient": self.patient} if "patient" in query.params else {}
        return run_query(query, self._store(), bindings)

    def cross_guideline(self, compact: list[Any] | None = None) -> list[Row]:
        """The rows of the cross-guideline links that concern the patient (none: the query that says what they
        hold is not run). Which concern him: by the decision query, or, for a compiled decision (``compact``), by
        the compiled sides of each link (kg/core/decide/compiled/conflicts.py), whose content is read once per build."""
        if compact is None:
            listed = {row["conflict"] for row in self.select("cross-guideline")}
        else:
            from kg.core.decide.compiled.conflicts import concerning

            listed = {URIRef(link) for link in concerning(self.knowledge.decision_tables, self.facts, compact)}
        if not listed:
            return []
        if compact is None:
            return [row for row in run_query(_output_query(CROSS_GUIDELINE_QUERY), self._store(), {})
                    if row["conflict"] in listed]
        return _patient_free_rows(self.knowledge, CROSS_GUIDELINE_QUERY, lambda row: row["conflict"] in listed)

    def _store(self) -> ox.Store:
        assert self.store is not None, "the patient is not in a store"
        return self.store


def prepare(profile: Path | str | dict[str, Any] | Graph | Profile, knowledge: Knowledge,
            today: dt.date | None = None) -> tuple[Profile, Graph]:
    """The profile, read and validated, and the patient triples the store and the classifier may see:
    the allow-listed ones only, whatever the profile holds (ADR 0006)."""
    source = Path(profile) if isinstance(profile, str) else profile
    if isinstance(source, Profile):  # the caller's own: whatever its graph holds, only the allow-listed triples
        return source, patient_triples(source.graph, source.patient, knowledge.nodes)
    # read here: load_profile has refused any triple outside the allow-list (a Turtle profile's, or a conversion
    # bug), by the same rules (kg/profile/isolation.py offending_triples), so its graph is the allowed triples
    loaded = load_profile(source, knowledge.agents, today, knowledge.nodes, ids=knowledge.ids)
    return loaded, loaded.graph


def assess(store: ox.Store, patient: URIRef) -> Graph:
    """Run the assessment rules (queries/decision/assess/*.rq, in file-name order) on a store that holds the
    build, the patient and its types; add what they construct to the store and return it. A rule-level test
    calls it on hand-asserted types, without a classifier (tests/test_status_rules.py)."""
    assessed = Graph()
    for rule in _rules("assess"):
        triples = run_construct(rule, store, {"patient": patient})
        for t in triples:
            store.add(ox.Quad(t.subject, t.predicate, t.object))
        assessed += to_graph(triples)
    return assessed


def decide(
    profile: Path | str | dict[str, Any] | Graph | Profile,
    *,
    reasoner: str | Classifier = DEFAULT_REASONER,
    knowledge: Knowledge | None = None,
    today: dt.date | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Decision:
    """Decide every treatment option for one patient profile (a file path, a dict, a Turtle graph, or a
    loaded Profile). ``reasoner``: the classifier, ``compiled`` (no Java) or ``hermit``/``pellet``, or a
    Classifier object (kg/core/decide/classify/). ``engine``: how the assessment runs, ``sparql`` (the rules of
    queries/decision/assess, the reference) or ``compiled`` (the decision tables, kg/core/decide/compiled/)."""
    return decide_many([profile], reasoner=reasoner, knowledge=knowledge, today=today, engine=engine)[0]


def decide_many(
    profiles: Iterable[Path | str | dict[str, Any] | Graph | Profile],
    *,
    reasoner: str | Classifier = DEFAULT_REASONER,
    knowledge: Knowledge | None = None,
    today: dt.date | None = None,
    engine: str = DEFAULT_ENGINE,
    build_dir: Path | None = None,
    verify: bool = True,
    full: bool = True,
) -> list[Decision]:
    """Decide several patients; the classifier sees them in one batch (one DL reasoner run for all), each
    patient in its own graph. The DL reasoner needs distinct patient IDs in one batch. Without ``knowledge``, each
    patient is decided on the build of exactly the guidelines that treat its conditions in *build_dir* (default: the
    packaged build set; kg/core/decide/build_choice.py), the patients of one build in one batch. ``full=False``
    (compiled engine): only what the compact form reads (``kg.report.decision_output.compact_data``), for cohorts;
    the ``profile.graph`` of a decision read from a dict or a file is then the patient's graph after the decision.
    *profiles* may be any iterable (read once, here); a cohort of any length streams through ``kg.decide_cohort``."""
    profiles = list(profiles)
    if engine not in ENGINES:
        raise UserError(f"engine '{engine}' is not supported; choose one of: {', '.join(ENGINES)}")
    if not full and engine != "compiled":
        raise UserError("a compact-only decision (full=False) needs the compiled engine")
    if knowledge is None:
        return _decide_on_their_builds(profiles, reasoner, today, engine, build_dir, verify, full)
    classifier = classifier_named(reasoner) if isinstance(reasoner, str) else reasoner
    # one at a time when each patient takes a decision store (the SPARQL rules) and the classifier does not batch:
    # one store, reused; the compiled engine decides without a store, its patients together (one assessment batch)
    if len(profiles) > 1 and engine != "compiled" and not getattr(classifier, "batched", True):
        return [decision for profile in profiles for decision in decide_many(
            [profile], reasoner=classifier, knowledge=knowledge, today=today, engine=engine, full=full)]
    prepared = [prepare(profile, knowledge, today) for profile in profiles]
    # a compact decision fills the graph read from a dict or file profile in place (nothing reads it as the profile's
    # afterwards); a caller's Graph or Profile, and the graph a full decision keeps as the profile's, are copied
    graphs = [PatientGraph(knowledge, loaded.patient, triples,
                           owned=not full and not isinstance(source, Graph | Profile))
              for source, (loaded, triples) in zip(profiles, prepared, strict=True)]
    with ExitStack() as in_store:
        started = time.perf_counter()
        for graph in graphs:  # closed-world steps before classification
            if engine == "compiled":  # the derivation tables, on the patient's graph alone (no store)
                graph.derive_compiled()
            else:  # the rules, on the build and the patient in a store of its own
                in_store.enter_context(graph.in_store())
                graph.run_rules("derive")
        derived = time.perf_counter()
        inferred = classifier.classify(knowledge, [(graph.patient, graph.graph) for graph in graphs])
        classified = time.perf_counter()
        if engine == "compiled" and not full:  # compact decisions only (a cohort's): assessed as one batch
            _assess_together(knowledge, graphs, inferred)
        decisions = []
        for (profile, _), graph, types in zip(prepared, graphs, inferred, strict=True):
            started_assess = time.perf_counter()
            compact = graph.compact  # assessed together above, or now
            if compact is None:
                graph.add(types)
                compact = graph.run_compiled() if engine == "compiled" else None
            if compact is None:
                graph.run_rules("assess", keep_as_rdflib=False)
            decision = _report(profile, graph, classifier.name, compact, full)
            decision.engine, decision.compact = engine, compact
            decision.seconds = {"derive": (derived - started) / len(graphs),
                                "classify": (classified - derived) / len(graphs),
                                "assess": time.perf_counter() - started_assess}
            decisions.append(decision)
    return decisions


def _assess_together(knowledge: Knowledge, graphs: list[PatientGraph], inferred: list[Graph]) -> None:
    """The compact decisions of patients assessed as one batch over boolean columns (kg/core/decide/compiled/
    batch.py, equal to the assessment of each alone: tests/test_batch_assess.py), without the reasons beneath them:
    a compact decision has no explanation to make from them."""
    from kg.core.decide.compiled.batch import assess_batch
    from kg.core.decide.compiled.evaluate import Assessment, Facts

    tables = knowledge.decision_tables
    for graph, types in zip(graphs, inferred, strict=True):
        graph.add(types)
        graph.facts = Facts.of(graph.graph, graph.patient, tables)
    options = list(tables.options)
    for graph, compact in zip(graphs, assess_batch(tables, [graph.facts for graph in graphs]), strict=True):
        graph.compact = [Assessment(option, option_id, set(status), set(line), [])
                         for option, (option_id, status, line) in zip(options, compact, strict=True)]


def _decide_on_their_builds(profiles: Sequence[Path | str | dict[str, Any] | Graph | Profile],
                            reasoner: str | Classifier, today: dt.date | None, engine: str,
                            build_dir: Path | None = None, verify: bool = True, full: bool = True) -> list[Decision]:
    groups: dict[int, tuple[Knowledge, list[int]]] = {}
    for index, profile in enumerate(profiles):
        chosen = knowledge_for(profile, build_dir, verify, today)
        groups.setdefault(id(chosen), (chosen, []))[1].append(index)
    decisions: dict[int, Decision] = {}
    for chosen, indices in groups.values():
        batch = decide_many([profiles[i] for i in indices], reasoner=reasoner, knowledge=chosen, today=today,
                            engine=engine, full=full)
        decisions.update(zip(indices, batch, strict=True))
    return [decisions[index] for index in range(len(profiles))]


def _report(profile: Profile, graph: PatientGraph, reasoner: str, compact: list[Any] | None = None,
            full: bool = True) -> Decision:
    """The output rows (``_rows``: the output queries, or for a compiled decision, ``compact``, their compiled forms).
    The explanation: made now on the SPARQL engine (the reference), on first use on the compiled engine, and not at
    all when not ``full``."""
    if not full:
        explanation = Explanation(made=NOTHING_EXPLAINED)
    elif compact is None:
        explanation = Explanation(made=_explained(graph, None))
    else:
        explanation = Explanation(make=lambda: _explained_later(graph, compact))
    return Decision(
        profile=profile, reasoner=reasoner, options=_rows(graph, "options", compact),
        actions=_rows(graph, "actions", compact), dose_checks=_rows(graph, "dose-checks", compact),
        interactions=_rows(graph, "interactions", compact), algorithm=_rows(graph, "algorithm", compact),
        patient_graph=graph.graph, explanation=explanation, cross_guideline=graph.cross_guideline(compact), full=full,
    )


def _explained(graph: PatientGraph, compact: list[Any] | None) -> Explained:
    """The reasons, populations, report rows and assessed triples of a patient in its decision store."""
    reasons: dict[Node, list[Row]] = defaultdict(list)
    for row in _rows(graph, "reasons", compact):
        reasons[row["option"]].append(row)
    if compact is None:
        assessed = graph.assessed
    else:
        from kg.core.decide.compiled.evaluate import triples

        assessed = triples(str(graph.patient), compact)
    return Explained(dict(reasons), _rows(graph, "populations", compact),
                     {name: _rows(graph, f"report-{name}", compact) for name in REPORT_QUERIES}, assessed)


def _explained_later(graph: PatientGraph, compact: list[Any]) -> Explained:
    """A compiled decision's explanation, made after the decision: the patient back in a store of its own."""
    with graph.back_in_store():
        return _explained(graph, compact)
