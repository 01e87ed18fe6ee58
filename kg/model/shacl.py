"""SHACL validation of the built graph against ontology/shapes/kg-*.ttl and the shapes of the packages built
(guidelines/<id>/shapes/, ADR 0025) (pySHACL, no inference)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from kg.model.ontology import checked_fragments, shape_files
from kg.model.packages import Package


@dataclass(frozen=True)
class ShaclResult:
    conforms: bool
    text: str
    report: Graph


def load_shapes(pattern: str = "kg-*.ttl", packages: tuple[Package, ...] = ()) -> Graph:
    """The shapes of the core and of *packages* named like *pattern* (``kg-*.ttl``: of the built graph;
    ``patient-*.ttl``: of a patient profile), as one graph; the packages' fragments and shapes are checked first
    (kg/model/ontology.py)."""
    if packages:
        checked_fragments(packages)  # a ValidationError when a package's fragment or shapes break a rule
    shapes = Graph()
    for path in shape_files(pattern, packages):
        shapes.parse(path, format="turtle")
    return shapes


def validate_graph(graph: Graph, shapes: Graph | None = None) -> ShaclResult:
    """Validate ``graph`` (ontology included, so rdfs:subClassOf targets resolve)."""
    from pyshacl import validate  # imported here: reading shapes (a decision's allow-list) needs no validator

    conforms, report, text = validate(
        graph, shacl_graph=shapes if shapes is not None else load_shapes(),
        inference="none", advanced=True, allow_warnings=True,
    )
    return ShaclResult(bool(conforms), str(text), report)
