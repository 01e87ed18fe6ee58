"""The knowledge every decision and query reads: the checked build that ``kg build`` wrote.

A build folder holds ``kg.ttl`` (the tables and the ontology, with the build-time closures of
queries/materialise/, after SHACL, the QC checks and the DL reasoner passed),
``kg-inferred.ttl`` (what the reasoner entailed: inferred types and class subsumptions) and
``kg-decision-tables.json`` (the rows of the queries a decision reads of the build once, ADR 0028). ``kg build``
writes a build set: one such folder per guideline selection (kg/core/build/build_set.py); the knowledge
is that of one of them, the build of all the set's guidelines unless others are asked for. The wheel
and the source tree carry a copy in ``kg/built/`` (tests check it is up to date), so decisions need
no rebuild and no Java. Rebuilding from the tables happens only on request (``kg build``), and then
runs every check.

In the store, the build is the default graph and the reasoner's entailments are the named graph
``INFERRED_GRAPH``: the decision rules read the former, a SPARQL user may add the latter. That store is
never changed after loading: ``kg.sparql`` and ``kg query`` read it, and so does everything the knowledge
computes once (the name index, the compiled classifier, the allow-list and shape context of
kg/patient_isolation.py), under the knowledge's lock. The decision tables, the name index and the allow-list's nodes
are made from the rows the build stored (``rows``: kg/core/build/stored_tables.py) when it stored them, else from their
queries on the store.

Decisions never add to that store (ADR 0014). Each decision takes a *decision store* for its own use: a
copy of the build (default graph) into which it puts its patient and the rules' results, so that every
rule reads the build and the patient as one default graph, as fast as the build alone. When the decision
has run to its end and removed exactly what it added, it gives the store back for the next decision; a
decision that an exception or an interrupt stops at any point gives nothing back, and its store, with
whatever it held, is dropped. No query and no other decision ever reads a store a decision holds, so
concurrent decisions need no lock and patients that share an IRI (profiles without ``patient_id``) never
meet.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import to_store
from kg.base.paths import INFERRED_GRAPH_IRI, PACKAGED_BUILD_DIR
from kg.core.build.stored_tables import NAME_INDEX_QUERY, NODES_QUERY, Row, StoredTables, decode, query_rows
from kg.core.query.library import load_query
from kg.model.identifiers import IdSpace
from kg.profile.drug_names import normalise_name
from kg.profile.isolation import KnowledgeNodes

if TYPE_CHECKING:
    from kg.core.build.build_set import BuildSet

INFERRED_GRAPH = ox.NamedNode(INFERRED_GRAPH_IRI)
MAX_SPARE_STORES = 8  # decision stores kept for reuse (about 7 MB each); more concurrent decisions make new ones
T = TypeVar("T")


class _Loading:
    """A store a thread is loading: ``result()`` waits for it (or raises what the loading raised)."""

    def __init__(self, load: Callable[[], ox.Store]) -> None:
        self._store: ox.Store | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(load,), name="kg-build-store")
        self._thread.start()

    def _run(self, load: Callable[[], ox.Store]) -> None:
        try:
            self._store = load()
        except BaseException as error:  # noqa: BLE001 - given to whoever waits for the store
            self._error = error

    def result(self) -> ox.Store:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._store  # type: ignore[return-value]


class _StoreField:
    """The knowledge's ``store``: the store given, or, for a store still ``_Loading``, that store once loaded (the
    first reader waits for it)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> ox.Store:
        if instance is None:
            raise AttributeError(self.slot)  # a field without a default
        value = instance.__dict__[self.slot]
        if isinstance(value, _Loading):
            value = instance.__dict__[self.slot] = value.result()
        return value  # type: ignore[no-any-return]

    def __set__(self, instance: Any, value: ox.Store | _Loading) -> None:
        instance.__dict__[self.slot] = value


class computed_once(Generic[T]):  # noqa: N801 - used as a decorator, like a cached property
    """A property of the knowledge computed on first use, once, under the knowledge's lock, from the build:
    two threads asking at once get the same object, and nothing is computed from the decision store."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute, self.name = compute, compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        with instance.lock:
            if self.name not in instance.__dict__:  # later reads find the value in __dict__, without the lock
                instance.__dict__[self.name] = self.compute(instance)
        return instance.__dict__[self.name]


@dataclass
class Knowledge:
    """The built graph in a pyoxigraph store, and what decisions derive from it (each computed once)."""

    store: ox.Store = _StoreField()  # type: ignore[assignment]  # the build and its entailments: never changed after loading
    source: str  # the build folder it was read from, or "memory"
    graph_text: bytes | None = field(default=None, repr=False)  # the Turtle it was read from, if any
    graph_given: Graph | None = field(default=None, repr=False)
    selection: dict[str, Any] | None = None  # the guidelines and packages the build holds (None: not recorded)
    tables: bytes | None = field(default=None, repr=False)  # the decision tables file, verified (None: none stored)
    rebuild: str = ""  # the folder ``kg build --out`` rebuilds the build in (for messages)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)  # for what is computed once
    _spare_stores: list[ox.Store] = field(default_factory=list, repr=False)  # clean decision stores, given back
    _first_copy: list[_Loading] = field(default_factory=list, repr=False)  # the first decision store, being copied
    _first_copy_started: bool = field(default=False, repr=False)

    @property
    def guidelines(self) -> frozenset[str] | None:
        """The ids of the guidelines the build holds (None: not recorded, e.g. a graph in memory)."""
        return None if self.selection is None else frozenset(self.selection["guidelines"])

    def fresh_store(self) -> ox.Store:
        """A new store holding the build (not the entailments): for experiments and rule-level tests."""
        store = ox.Store()
        store.extend(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return store

    def copy_for_the_first_decision(self) -> None:
        """Start copying the build, in a thread, into the decision store the first decision on this knowledge will
        take (``take_decision_store``); once per knowledge, nothing afterwards. ``knowledge_for`` asks, before the
        profile is checked: the copy (about 50 ms) then overlaps that work instead of following it."""
        with self.lock:
            if self._first_copy_started:
                return
            self._first_copy_started = True
            self._first_copy.append(_Loading(self.fresh_store))

    def take_decision_store(self) -> ox.Store:
        """A store holding the build, for one decision's use alone: one an earlier decision gave back clean, else the
        first copy (``copy_for_the_first_decision``), else a new copy (list.pop is atomic: no two decisions get the
        same)."""
        for stores in (self._spare_stores, self._first_copy):
            try:
                taken = stores.pop()
            except IndexError:
                continue
            return taken if isinstance(taken, ox.Store) else taken.result()
        return self.fresh_store()

    def give_back_decision_store(self, store: ox.Store) -> None:
        """Keep ``store`` for a later decision. Only the last step of a decision that has removed every quad it
        added calls this (kg/decision.py); a store an exception or interrupt left mid-way is never given back."""
        if len(self._spare_stores) < MAX_SPARE_STORES:
            self._spare_stores.append(store)

    @computed_once
    def graph(self) -> Graph:
        """The build as an rdflib graph (the profile checks and the DL reasoner read it)."""
        if self.graph_given is not None:
            return self.graph_given
        return Graph().parse(data=self.graph_text, format="turtle")

    @computed_once
    def module(self) -> Graph:
        """What the DL reasoner needs to classify patients (kg/model/reasoning.py)."""
        from kg.model.reasoning import classification_module

        return classification_module(self.graph)

    @computed_once
    def stored_tables(self) -> StoredTables | None:
        """The rows the build stored (None: it stored none, or in another format)."""
        return None if self.tables is None else decode(self.tables, f"--build {self.source}", self.rebuild)

    def rows(self, name: str) -> list[Row]:
        """The rows of a query of the build that takes no parameter (one of stored_tables.stored_queries), in one order
        every time: those the build stored for the query as its text is now, else the query's on the store."""
        query = load_query(name)
        stored = None if self.stored_tables is None else self.stored_tables.rows(query)
        return query_rows(query, self.store) if stored is None else stored

    @computed_once
    def _names(self) -> tuple[dict[str, URIRef], dict[str, list[URIRef]]]:
        names: dict[str, set[URIRef]] = defaultdict(set)
        for row in self.rows(NAME_INDEX_QUERY):
            names[normalise_name(str(row["name"]))].add(row["agent"])  # type: ignore[arg-type]
        agents = {name: next(iter(found)) for name, found in names.items() if len(found) == 1}
        ambiguous = {name: sorted(found) for name, found in names.items() if len(found) > 1}
        return agents, ambiguous

    @property
    def agents(self) -> dict[str, URIRef]:
        """Normalised name or code -> the one agent it names."""
        return self._names[0]

    @property
    def ambiguous(self) -> dict[str, list[URIRef]]:
        """Normalised names shared by several agents (never resolved)."""
        return self._names[1]

    @computed_once
    def compiled(self):  # type: ignore[no-untyped-def]  # -> kg.core.decide.classify.compiled.CompiledKnowledge
        """The populations and class definitions compiled for the JVM-free classifier."""
        from kg.core.decide.classify.compiled import CompiledKnowledge

        return CompiledKnowledge.of(self.store)

    @computed_once
    def decision_tables(self):  # type: ignore[no-untyped-def]  # -> kg.core.decide.compiled.tables.DecisionTables
        """The decision tables the compiled assessment reads (queries/compile/*.rq on the build: ``rows``)."""
        from kg.core.decide.compiled.tables import DecisionTables

        return DecisionTables.of(self.rows)

    @computed_once
    def render_tables(self):  # type: ignore[no-untyped-def]  # -> kg.core.decide.compiled.rows.RenderTables
        """The words and details a compiled decision's output rows are made with (queries/compile/*.rq)."""
        from kg.core.decide.compiled.rows import RenderTables

        return RenderTables.of(self.rows)

    @computed_once
    def derive_tables(self):  # type: ignore[no-untyped-def]  # -> kg.core.decide.compiled.derive.DeriveTables
        """The derivation tables (queries/compile/derive-*.rq) the compiled engine derives a patient's facts with."""
        from kg.core.decide.compiled.derive import DeriveTables

        return DeriveTables.of(self.rows)

    @computed_once
    def output_tables(self):  # type: ignore[no-untyped-def]  # -> kg.core.decide.compiled.outputs.OutputTables
        """The dose checks, actions and population facts of a compiled decision (queries/compile/*.rq)."""
        from kg.core.decide.compiled.outputs import OutputTables

        return OutputTables.of(self.rows)

    @property
    def ids(self) -> IdSpace:
        """id -> IRI of the content nodes (their dcterms:identifier), read with the compiled classifier."""
        return self.compiled.ids  # type: ignore[no-any-return]

    @computed_once
    def nodes(self) -> KnowledgeNodes:
        """What the patient allow-list checks read of the build (kg/profile/isolation.py); its IRIs from ``rows``."""
        return KnowledgeNodes.of_store(self.store, {str(row["node"]) for row in self.rows(NODES_QUERY)})


def knowledge_from_graph(graph: Graph, inferred: Graph | None = None) -> Knowledge:
    """Knowledge from a graph in memory (a build just made, or a test's graph)."""
    store = to_store(graph)
    if inferred is not None and len(inferred):
        store.load(inferred.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=INFERRED_GRAPH)
    return Knowledge(store, "memory", graph_given=graph)


def load_knowledge(build_dir: Path | None = None, verify: bool = True,
                   guidelines: Collection[str] | None = None) -> Knowledge:
    """The knowledge of a build folder (default: the packaged build set, kg/built/), verified against its build
    report (kg/core/build/verify.py) unless ``verify`` is False; of a build set, the build of exactly *guidelines*
    (None: of all its guidelines)."""
    from kg.core.build.build_set import is_build_set
    from kg.core.build.verify import open_build

    files = open_build(build_dir, verify, guidelines=guidelines)

    def load() -> ox.Store:
        try:
            return build_store(files.graph, files.inferred)
        except SyntaxError as error:
            raise UserError(f"--build {files.folder}: not a readable build ({str(error)[:200]})") from None

    # a verified build's files are those kg build wrote and read: its store is loaded by a thread (pyoxigraph parses
    # without the GIL) while the caller goes on (a cold decision imports its modules and reads the stored tables
    # meanwhile); an unverified one is read here, so that a broken file is the first error, as it always was
    store: ox.Store | _Loading = _Loading(load) if verify else load()
    out = files.folder.parent if is_build_set(files.folder.parent) else files.folder
    return Knowledge(store, str(files.folder), graph_text=files.graph, selection=files.selection, tables=files.tables,
                     rebuild=str(out))


def build_store(graph: bytes, inferred: bytes) -> ox.Store:
    """The store of a build's files (Turtle): the graph in the default graph, the entailments in ``INFERRED_GRAPH``."""
    store = ox.Store()
    store.load(graph, format=ox.RdfFormat.TURTLE)
    if inferred:
        store.load(inferred, format=ox.RdfFormat.TURTLE, to_graph=INFERRED_GRAPH)
    return store


def default_knowledge(guidelines: Collection[str] | None = None) -> Knowledge:
    """The packaged build of exactly *guidelines* (None: of every guideline), each read once per process (the warm
    path)."""
    found = packaged_set()
    if found is None:  # a plain build folder
        return _read_once(PACKAGED_BUILD_DIR, None if guidelines is None else frozenset(guidelines))
    return _read_once(found.member(guidelines), None)


@cache
def packaged_set() -> BuildSet | None:
    """The manifest of the packaged build set (kg/built/), verified once per process; None for a plain build."""
    from kg.core.build.build_set import is_build_set, open_set

    return open_set(PACKAGED_BUILD_DIR) if is_build_set(PACKAGED_BUILD_DIR) else None


@cache
def _read_once(folder: Path, guidelines: frozenset[str] | None) -> Knowledge:
    return load_knowledge(folder, guidelines=guidelines)

