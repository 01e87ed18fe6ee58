"""What an export is made from: the checked build's graph, its inferences, and their provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg import __version__
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


def source_from_build(build_dir: Path | None = None, verify: bool = True,
                      guidelines: Collection[str] | None = None) -> ExportSource:
    """The build folder written by ``kg build`` (default: the packaged build set; of a build set, the build of
    exactly *guidelines*, default all of them), verified against its build report (kg/core/build/verify.py); hashed
    by its graph file's bytes."""
    from kg.core.build.verify import open_build

    files = open_build(build_dir, verify, guidelines=guidelines)
    graph = _parse(files.graph)
    inferred = _parse(files.inferred) if files.inferred else Graph()
    return ExportSource(graph, _provenance(graph, files.graph_sha256), inferred)


def source_from_file(path: Path) -> ExportSource:
    """A graph file given with ``--graph``, read by the one graph-file reader (kg/base/graph_files.py)."""
    from kg.base.graph_files import read_graph_file

    read = read_graph_file(Path(path))
    graph = read.graph()
    return ExportSource(graph, _provenance(graph, read.sha256))


def source_from_graph(graph: Graph, inferred: Graph | None = None) -> ExportSource:
    """An in-memory graph: hashed by its canonical (RDFC-1.0) sorted N-Triples, so equal graphs hash equal."""
    from kg.base.oxigraph_bridge import canonical_graph

    lines = sorted(canonical_graph(graph).serialize(format="nt", encoding="utf-8").splitlines())
    sha = hashlib.sha256(b"\n".join(lines)).hexdigest()
    return ExportSource(graph, _provenance(graph, sha), inferred if inferred is not None else Graph())
