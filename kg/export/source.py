"""What an export is made from: the checked build's graph, its inferences, and their provenance."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg import __version__
from kg.base.paths import BUILD_REPORT_NAME, BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME, PACKAGED_BUILD_DIR
from kg.model.namespaces import CG

TOOL = "cgkg"


@dataclass(frozen=True)
class Provenance:
    """Who made an export, from what: stated by every format in its own way."""

    graph_sha256: str  # content hash of the asserted graph (the build's file bytes, or its canonical N-Triples)
    ontology_iris: tuple[str, ...]  # every owl:Ontology in the graph
    version_iris: tuple[str, ...]  # their owl:versionIRI
    sources: tuple[str, ...]  # IRIs of the source documents statements were derived from, sorted
    tool: str = TOOL
    tool_version: str = __version__

    @property
    def generated_by(self) -> str:
        return f"{self.tool} {self.tool_version}"


@dataclass
class ExportSource:
    """The asserted graph (tables + ontology + materialised closures) and the reasoner's entailments."""

    graph: Graph
    provenance: Provenance
    inferred: Graph = field(default_factory=Graph)


def _provenance(graph: Graph, sha256: str) -> Provenance:
    ontologies = sorted(str(o) for o in graph.subjects(RDF.type, OWL.Ontology) if isinstance(o, URIRef))
    versions = sorted(str(v) for o in ontologies for v in graph.objects(URIRef(o), OWL.versionIRI))
    cited = {o for o in graph.objects(None, PROV.wasDerivedFrom) if isinstance(o, URIRef)}
    cited |= {o for o in graph.objects(None, DCTERMS.source) if isinstance(o, URIRef)}
    documents = {s for s in graph.subjects(RDF.type, CG.SourceDocument) if isinstance(s, URIRef)}
    return Provenance(sha256, tuple(ontologies), tuple(versions), tuple(sorted(str(d) for d in cited & documents)))


def _parse(data: bytes, fmt: str = "turtle") -> Graph:
    return Graph().parse(data=data, format=fmt)


def source_from_build(build_dir: Path | None = None) -> ExportSource:
    """The build folder written by ``kg build`` (default: the packaged build); hash from its build report."""
    folder = PACKAGED_BUILD_DIR if build_dir is None else Path(build_dir)
    from kg.base.errors import UserError

    graph_file = folder / BUILT_GRAPH_NAME
    if not graph_file.is_file():
        raise UserError(f"--build {folder}: no {BUILT_GRAPH_NAME} there; make one with: kg build --out {folder}")
    data = graph_file.read_bytes()
    report = folder / BUILD_REPORT_NAME
    sha = hashlib.sha256(data).hexdigest()
    if report.is_file():
        recorded = json.loads(report.read_text(encoding="utf-8")).get("graph_sha256")
        if recorded and recorded != sha:
            raise UserError(f"--build {folder}: {BUILT_GRAPH_NAME} does not match its build report's graph_sha256")
    graph = _parse(data)
    inferred_file = folder / INFERRED_GRAPH_NAME
    inferred = _parse(inferred_file.read_bytes()) if inferred_file.is_file() else Graph()
    return ExportSource(graph, _provenance(graph, sha), inferred)


def source_from_file(path: Path) -> ExportSource:
    """A graph file given with ``--graph``: hashed by its bytes."""
    from rdflib.util import guess_format

    data = Path(path).read_bytes()
    graph = _parse(data, guess_format(Path(path).name) or "turtle")
    return ExportSource(graph, _provenance(graph, hashlib.sha256(data).hexdigest()))


def source_from_graph(graph: Graph, inferred: Graph | None = None) -> ExportSource:
    """An in-memory graph: hashed by its canonical (RDFC-1.0) sorted N-Triples, so equal graphs hash equal."""
    from kg.base.oxigraph_bridge import canonical_graph

    lines = sorted(canonical_graph(graph).serialize(format="nt", encoding="utf-8").splitlines())
    sha = hashlib.sha256(b"\n".join(lines)).hexdigest()
    return ExportSource(graph, _provenance(graph, sha), inferred if inferred is not None else Graph())
