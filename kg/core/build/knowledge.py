"""The knowledge every decision and query reads: the checked build that ``kg build`` wrote.

A build folder holds ``rls-kg.ttl`` (the tables and the ontology, with the build-time closures of
queries/materialise/, after SHACL, the QC checks and the DL reasoner passed) and
``rls-kg-inferred.ttl`` (what the reasoner entailed: inferred types and class subsumptions). The wheel
and the source tree carry a copy in ``kg/built/`` (tests check it is up to date), so decisions need
no rebuild and no Java. Rebuilding from the tables happens only on request (``kg build``), and then
runs every check.

In the store, the build is the default graph and the reasoner's entailments are the named graph
``INFERRED_GRAPH``: the decision rules read the former, a SPARQL user may add the latter.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import to_store
from kg.base.paths import BUILT_GRAPH_NAME, INFERRED_GRAPH_IRI, INFERRED_GRAPH_NAME, PACKAGED_BUILD_DIR
from kg.core.query.library import load_query, run_query
from kg.profile.drug_names import normalise_name
from kg.profile.isolation import KnowledgeNodes

INFERRED_GRAPH = ox.NamedNode(INFERRED_GRAPH_IRI)


@dataclass
class Knowledge:
    """The built graph in a pyoxigraph store, and what decisions derive from it (each computed once)."""

    store: ox.Store
    source: str  # the build folder it was read from, or "memory"
    graph_text: bytes | None = field(default=None, repr=False)  # the Turtle it was read from, if any
    graph_given: Graph | None = field(default=None, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)  # one patient in the store at a time

    def fresh_store(self) -> ox.Store:
        """A new store holding the build (not the entailments): for experiments and rule-level tests."""
        store = ox.Store()
        store.extend(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return store

    @cached_property
    def graph(self) -> Graph:
        """The build as an rdflib graph (the profile checks and the DL reasoner read it)."""
        if self.graph_given is not None:
            return self.graph_given
        return Graph().parse(data=self.graph_text, format="turtle")

    @cached_property
    def module(self) -> Graph:
        """What the DL reasoner needs to classify patients (kg/model/reasoning.py)."""
        from kg.model.reasoning import classification_module

        return classification_module(self.graph)

    @cached_property
    def _names(self) -> tuple[dict[str, URIRef], dict[str, list[URIRef]]]:
        names: dict[str, set[URIRef]] = defaultdict(set)
        for row in run_query(load_query("decision/agents"), self.store):
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

    @cached_property
    def compiled(self):  # type: ignore[no-untyped-def]  # -> kg.core.decide.classify.compiled.CompiledKnowledge
        """The populations and class definitions compiled for the JVM-free classifier."""
        from kg.core.decide.classify.compiled import CompiledKnowledge

        return CompiledKnowledge.of(self.store)

    @cached_property
    def nodes(self) -> KnowledgeNodes:
        """What the patient allow-list checks read of the build (kg/profile/isolation.py)."""
        return KnowledgeNodes.of_store(self.store)


def knowledge_from_graph(graph: Graph, inferred: Graph | None = None) -> Knowledge:
    """Knowledge from a graph in memory (a build just made, or a test's graph)."""
    store = to_store(graph)
    if inferred is not None and len(inferred):
        store.load(inferred.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=INFERRED_GRAPH)
    return Knowledge(store, "memory", graph_given=graph)


def load_knowledge(build_dir: Path | None = None) -> Knowledge:
    """The knowledge of a build folder (default: the packaged build, kg/built/)."""
    folder = PACKAGED_BUILD_DIR if build_dir is None else Path(build_dir)
    graph_file, inferred_file = folder / BUILT_GRAPH_NAME, folder / INFERRED_GRAPH_NAME
    if not graph_file.is_file():
        raise UserError(f"--build {folder}: no {BUILT_GRAPH_NAME} there; make one with: kg build --out {folder}")
    text = graph_file.read_bytes()
    store = ox.Store()
    try:
        store.load(text, format=ox.RdfFormat.TURTLE)
        if inferred_file.is_file():
            store.load(inferred_file.read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=INFERRED_GRAPH)
    except SyntaxError as error:
        raise UserError(f"--build {folder}: not a readable build ({str(error)[:200]})") from None
    return Knowledge(store, str(folder), graph_text=text)


@cache
def default_knowledge() -> Knowledge:
    """The packaged build, read once per process (the warm path)."""
    return load_knowledge()

