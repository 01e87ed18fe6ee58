"""Exports to other knowledge bases (``kg export FORMAT``).

One module per format under this package and one line in :data:`FORMATS`. A format's writer is a
function ``write_x(source: ExportSource, path: Path) -> None`` in its module that writes the export
to *path*: one file, or a folder when the format is several files (``Format.folder``). :func:`export` hands the writer a
temporary path next to the target and moves the result into place only when the writer returned,
so an error never leaves a partial file. Writers raise :class:`ExportError` (a user error: a clear
message, exit 2) for graphs they cannot represent faithfully.

Every writer is deterministic (the same graph gives byte-identical files) and states the export's
provenance in its format's own way from :class:`kg.export.source.Provenance`.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.export.errors import ExportError
from kg.export.source import ExportSource, Provenance, source_from_build, source_from_file, source_from_graph
from kg.export.write import check_target, write_atomically

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportSource",
    "Format",
    "Provenance",
    "export",
    "source_from_build",
    "source_from_file",
    "source_from_graph",
]


@dataclass(frozen=True)
class Format:
    name: str
    summary: str
    writer_name: str  # "module:function" under kg.export; the function is write(source, path)
    default_name: str  # file (or folder) name written when --out is not given
    opens_with: str  # the tool that reads it
    folder: bool = False

    def writer(self):  # type: ignore[no-untyped-def]
        module, function = self.writer_name.split(":")
        return getattr(importlib.import_module(f"kg.export.{module}"), function)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("turtle", "RDF 1.1 Turtle, prefixed and sorted", "rdf:write_turtle", "kg.ttl", "any RDF tool"),
        Format("ntriples", "RDF 1.1 N-Triples, one sorted triple per line", "rdf:write_ntriples", "kg.nt",
               "any RDF tool"),
        Format("graphml", "GraphML of the property-graph projection (ADR 0008)", "graphml:write_graphml",
               "kg.graphml", "Gephi, Cytoscape, yEd, networkx"),
        Format("neo4j", "Neo4j CSV set for neo4j-admin database import, plus load.cypher", "neo4j:write_neo4j",
               "kg-neo4j", "Neo4j 5 (neo4j-admin database import full, or LOAD CSV)", folder=True),
        Format("sssom", "SSSOM TSV of every terminology mapping (SKOS matches)", "sssom:write_sssom",
               "kg.sssom.tsv", "sssom-py, OxO, any SSSOM tool"),
        Format("fhir-cpg", "FHIR R4 CPG-on-FHIR Bundle: PlanDefinitions, ActivityDefinitions, FHIRPath applicability",
               "fhir_cpg:write_fhir_cpg", "kg-fhir-cpg.json",
               "a FHIR server ($validate) or the HL7 Java validator"),
        Format("kgx-tsv", "KGX (Biolink Model) nodes.tsv/edges.tsv, validated by KGX offline", "kgx:write_tsv",
               "kgx-tsv", "KGX, Translator/Monarch loaders, pandas", folder=True),
        Format("kgx-jsonl", "KGX (Biolink Model) nodes.jsonl/edges.jsonl, validated by KGX offline", "kgx:write_jsonl",
               "kgx-jsonl", "KGX, Translator/Monarch loaders, jq", folder=True),
        Format("rdfxml", "RDF/XML, one rdf:Description per subject, sorted", "rdf:write_rdfxml", "kg.rdf",
               "any RDF tool"),
        Format("jsonld", "JSON-LD 1.1, one object per node, statements with their evidence inside, "
               "with its context (ontology/context.jsonld)", "jsonld:write_jsonld", "kg-jsonld",
               "any JSON-LD processor (pyld, rdflib, jsonld.js)", folder=True),
        Format("owl-rdfxml", "OWL 2 DL ontology + knowledge in one RDF/XML file, no imports", "owl:write_owl_rdfxml",
               "kg.owl", "Protege (reasoner: HermiT), the OWL API"),
        Format("owl-functional", "the same OWL 2 DL ontology in OWL functional syntax", "owl:write_owl_functional",
               "kg.ofn", "Protege, the OWL API, horned-owl"),
        Format("owl-xml", "the same OWL 2 DL ontology in OWL/XML", "owl:write_owl_xml", "kg.owx",
               "Protege, the OWL API, horned-owl"),
    )
}


def export(graph: Graph | ExportSource | None, format_name: str, path: Path | str | None = None) -> Path:
    """Write *graph* (default: the packaged build) as *format_name* to *path*; return the path written.

    >>> {"turtle", "ntriples", "fhir-cpg"} <= set(FORMATS)
    True
    """
    target = export_target(format_name, path)  # an unknown format or a wrong path: refused first
    fmt = FORMATS[format_name]
    if isinstance(graph, ExportSource):
        source = graph
    elif graph is None:
        source = source_from_build()
    else:
        source = source_from_graph(graph)
    write_atomically(target, fmt.folder, lambda tmp: fmt.writer()(source, tmp), format_name)
    return target


def export_target(format_name: str, path: Path | str | None = None) -> Path:
    """Where :func:`export` writes *format_name* given *path*; a UserError (exit 2) unless it may be written there
    (kg/export/write.py), checked before any graph is read: ``kg export`` refuses a wrong --out at once."""
    fmt = _format(format_name)
    target = Path(path) if path is not None else Path(fmt.default_name)
    check_target(target, fmt.folder, format_name)
    return target


def _format(format_name: str) -> Format:
    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise ExportError(f"format {format_name!r}: unknown; `kg export --list` shows the {len(FORMATS)} formats")
    return fmt


def write_format(source: ExportSource, format_name: str, path: Path) -> Path:
    """Write *source* as *format_name* at the new *path* directly, for a caller that stages and publishes the
    whole (kg release); return the path written."""
    fmt = FORMATS[format_name]
    if fmt.folder:
        path.mkdir()
    fmt.writer()(source, path)
    return path


class _CallablePackage(types.ModuleType):
    """``kg.export(graph, FORMAT, path)`` as the public API names it, while ``kg.export`` stays the package
    (``kg.export.FORMATS``, ``kg.export.source_from_build``): calling the package calls :func:`export`."""

    def __call__(self, graph: Graph | ExportSource | None, format_name: str, path: Path | str | None = None) -> Path:
        return export(graph, format_name, path)


sys.modules[__name__].__class__ = _CallablePackage
