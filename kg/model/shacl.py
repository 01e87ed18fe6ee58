"""SHACL validation of the built graph against ontology/shapes/*.ttl (pySHACL, no inference)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate
from rdflib import Graph

from kg.base.paths import SHAPES_DIR


@dataclass(frozen=True)
class ShaclResult:
    conforms: bool
    text: str
    report: Graph


def load_shapes(pattern: str = "kg-*.ttl", shapes_dir: Path = SHAPES_DIR) -> Graph:
    shapes = Graph()
    for path in sorted(shapes_dir.glob(pattern)):
        shapes.parse(path)
    return shapes


def validate_graph(graph: Graph, shapes: Graph | None = None) -> ShaclResult:
    """Validate ``graph`` (ontology included, so rdfs:subClassOf targets resolve)."""
    conforms, report, text = validate(
        graph, shacl_graph=shapes if shapes is not None else load_shapes(),
        inference="none", advanced=True, allow_warnings=True,
    )
    return ShaclResult(bool(conforms), str(text), report)
