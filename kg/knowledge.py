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

from kg.drug_names import normalise_name
from kg.errors import UserError
from kg.oxigraph_bridge import to_store
from kg.paths import INFERRED_GRAPH_IRI
from kg.patient_isolation import KnowledgeNodes
from kg.queries import load_query, run_query

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
        """What the DL reasoner needs to classify patients (kg/reasoning.py)."""
        from kg.reasoning import classification_module

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
    def compiled(self):  # type: ignore[no-untyped-def]  # -> kg.classify.compiled.CompiledKnowledge
        """The populations and class definitions compiled for the JVM-free classifier."""
        from kg.classify.compiled import CompiledKnowledge

        return CompiledKnowledge.of(self.store)

    @cached_property
    def nodes(self) -> KnowledgeNodes:
        """What the patient allow-list checks read of the build (kg/patient_isolation.py)."""
        return KnowledgeNodes.of_store(self.store)


def knowledge_from_graph(graph: Graph, inferred: Graph | None = None) -> Knowledge:
    """Knowledge from a graph in memory (a build just made, or a test's graph)."""
    store = to_store(graph)
    if inferred is not None and len(inferred):
        store.load(inferred.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=INFERRED_GRAPH)
    return Knowledge(store, "memory", graph_given=graph)


def load_knowledge(build_dir: Path | None = None, verify: bool = True) -> Knowledge:
    """The knowledge of a build folder (default: the packaged build, kg/built/), verified against its build
    report (kg/build_files.py) unless ``verify`` is False."""
    from kg.build_files import open_build

    files = open_build(build_dir, verify)
    store = ox.Store()
    try:
        store.load(files.graph, format=ox.RdfFormat.TURTLE)
        if files.inferred:
            store.load(files.inferred, format=ox.RdfFormat.TURTLE, to_graph=INFERRED_GRAPH)
    except SyntaxError as error:
        raise UserError(f"--build {files.folder}: not a readable build ({str(error)[:200]})") from None
    return Knowledge(store, str(files.folder), graph_text=files.graph)


@cache
def default_knowledge() -> Knowledge:
    """The packaged build, read once per process (the warm path)."""
    return load_knowledge()

