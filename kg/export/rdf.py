"""RDF serialisations of the build."""

from __future__ import annotations

from pathlib import Path

from kg.export.source import ExportSource


def write_turtle(source: ExportSource, path: Path) -> None:
    from kg.build import serialize

    path.write_bytes(serialize(source.graph))


def write_ntriples(source: ExportSource, path: Path) -> None:
    from kg.oxigraph_bridge import canonical_graph

    lines = sorted(canonical_graph(source.graph).serialize(format="nt", encoding="utf-8").splitlines())
    path.write_bytes(b"\n".join(line for line in lines if line.strip()) + b"\n")
