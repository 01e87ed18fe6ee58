"""The guidelines of a build, as the FHIR CPG export gives each its own top-level ``PlanDefinition`` (ADR 0026).

Which packages are guidelines has one definition, ``queries/kinds/guideline.rq`` (a record of the build header whose
package holds guideline statements; the shared and crosswalk packages hold none), run here on the export's graph.
A record gives what the package manifest said, as the build wrote it: the table id (``dcterms:identifier``), the
title and the version. What belongs to a guideline is what is ``dcterms:isPartOf`` its package.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import OWL, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.base.paths import QUERIES_DIR
from kg.export.errors import ExportError

GUIDELINE_KIND_QUERY = QUERIES_DIR / "kinds" / "guideline.rq"


@dataclass(frozen=True)
class GuidelineRecord:
    node: URIRef  # the header's record: https://w3id.org/cgkg/package/<id>/<version>
    package: URIRef  # the unversioned package node its content is dcterms:isPartOf
    identifier: str
    title: str
    version: str


def _literal(graph: Graph, record: URIRef, prop: URIRef, what: str) -> str:
    value = graph.value(record, prop)
    if not isinstance(value, Literal) or not str(value).strip():
        raise ExportError(f"guideline record {record}: no {what} (rule: the build header gives every package its "
                          "dcterms:identifier, dcterms:title and owl:versionInfo)")
    return str(value)


def guideline_records(graph: Graph) -> list[GuidelineRecord]:
    """The guideline packages the graph holds, in the order of ``kinds/guideline`` (by id)."""
    records = []
    for row in graph.query(GUIDELINE_KIND_QUERY.read_text(encoding="utf-8")):
        node = row[0]  # type: ignore[index]
        package = graph.value(node, DCTERMS.isVersionOf)
        if not isinstance(node, URIRef) or not isinstance(package, URIRef):
            continue
        records.append(GuidelineRecord(node, package, _literal(graph, node, DCTERMS.identifier, "dcterms:identifier"),
                                       _literal(graph, node, DCTERMS.title, "dcterms:title"),
                                       _literal(graph, node, OWL.versionInfo, "owl:versionInfo")))
    return records


def package_of(graph: Graph, node: URIRef) -> URIRef | None:
    """The package a content node is part of (None: a node of no package, e.g. the ontology's)."""
    package = graph.value(node, DCTERMS.isPartOf)
    return package if isinstance(package, URIRef) else None
