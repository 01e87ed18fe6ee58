"""OWL 2 DL reasoning with owlready2 (HermiT, Java): consistency, unsatisfiable classes, and
the inferred types of individuals (e.g. patients classified into population classes).

Each call reasons on a fresh owlready2 World built from an N-Triples copy of the graph, so no
state leaks between calls; inferences come back as a separate rdflib graph.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef

from kg.errors import UserError

REASONERS = ("hermit",)
JAVA_MEMORY_MB = 1000  # -Xmx for the reasoner JVM: two of them must fit a 2-core CI box


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


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise JavaMissing(
            "The DL reasoner needs a Java runtime (JRE 11 or newer) and 'java' is not on PATH.\n"
            "Install one, e.g. on Debian/Ubuntu: sudo apt-get install -y default-jre-headless"
        )
    return java


def check_consistency(graph: Graph, reasoner: str = "hermit") -> ReasonerResult:
    """Run the reasoner on ``graph``: consistency, unsatisfiable classes, inferred types."""
    if reasoner not in REASONERS:
        raise UserError(f"reasoner '{reasoner}' is not supported; choose one of: {', '.join(REASONERS)}")
    java = require_java()
    import owlready2

    owlready2.JAVA_EXE = java
    owlready2.reasoning.JAVA_MEMORY = JAVA_MEMORY_MB
    with tempfile.TemporaryDirectory(prefix="kg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        started = time.perf_counter()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            return ReasonerResult(reasoner, False, seconds=time.perf_counter() - started, message=str(error))
        except owlready2.OwlReadyJavaError as error:
            first = next((ln for ln in str(error).splitlines() if "Exception" in ln), str(error))
            return ReasonerResult(reasoner, False, seconds=time.perf_counter() - started, error=first.strip())
        seconds = time.perf_counter() - started
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))
        inferred = _inferred_types(world, graph)
        world.close()
    return ReasonerResult(reasoner, True, unsat, seconds, inferred)


def _inferred_types(world, graph: Graph) -> Graph:  # type: ignore[no-untyped-def]
    """rdf:type triples to named classes that the reasoner added to individuals."""
    import owlready2

    inferred = Graph()
    for individual in world.individuals():
        subject = URIRef(individual.iri)
        asserted = set(graph.objects(subject, RDF.type))
        for cls in individual.INDIRECT_is_a:
            if isinstance(cls, owlready2.ThingClass) and cls is not owlready2.Thing:
                iri = URIRef(cls.iri)
                if iri not in asserted:
                    inferred.add((subject, RDF.type, iri))
    return inferred
