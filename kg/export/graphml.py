"""GraphML of the property-graph projection (networkx), for Gephi, Cytoscape and yEd.

Only the attribute types every GraphML reader knows (string, int, double, boolean); one type per attribute name
across the graph (mixed values become strings); lists are joined with " | "; an absent value is an absent
attribute, never a None. Nodes carry ``iri``, ``label``, ``type`` and ``kind`` and their attributes (statement
nodes: ``direction``, ``strength``, ``certainty``...); edges carry ``predicate`` and ``label``. The provenance is
stated as graph attributes: ``graph_sha256``, ``ontology_iri``, ``version_iri``, ``generated_by``, ``sources``.
"""

from __future__ import annotations

import io
from pathlib import Path

from kg.export.projection import Node, PropertyGraph, Value, project
from kg.export.source import ExportSource

LIST_SEPARATOR = " | "


def _column_type(values: list[tuple[Value, ...]]) -> type:
    flat = [v for vs in values for v in vs]
    if any(len(vs) > 1 for vs in values) or not flat:
        return str
    for kind in (bool, int):
        if all(type(v) is kind for v in flat):
            return kind
    if all(type(v) in (int, float) for v in flat):
        return float
    return str


def _cell(values: tuple[Value, ...], kind: type) -> Value:
    if kind is str:
        return LIST_SEPARATOR.join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
    return kind(values[0])


def to_networkx(pg: PropertyGraph):  # type: ignore[no-untyped-def]
    """The projection as a networkx MultiDiGraph (node key: the CURIE id; edge key: the predicate CURIE)."""
    import networkx as nx

    prov = pg.provenance
    g = nx.MultiDiGraph(
        graph_sha256=prov.graph_sha256,
        ontology_iri=LIST_SEPARATOR.join(prov.ontology_iris),
        version_iri=LIST_SEPARATOR.join(prov.version_iris),
        generated_by=prov.generated_by,
        sources=LIST_SEPARATOR.join(prov.sources),
    )
    types = {name: _column_type([n.attribute(name) for n in pg.nodes if n.attribute(name)])
             for name in pg.attribute_names()}
    for node in pg.nodes:
        g.add_node(node.id, **_node_data(node, types))
    for edge in pg.edges:
        g.add_edge(edge.subject, edge.object, key=edge.predicate, predicate=edge.predicate, label=edge.label)
    return g


def _node_data(node: Node, types: dict[str, type]) -> dict[str, Value]:
    data: dict[str, Value] = {"iri": node.iri, "label": node.label, "type": LIST_SEPARATOR.join(node.types),
                              "kind": node.kind}
    data.update({name: _cell(values, types[name]) for name, values in node.attributes})
    return data


def write_graphml(source: ExportSource, path: Path) -> None:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(project(source)), buffer, encoding="utf-8", prettyprint=True)
    path.write_bytes(buffer.getvalue())
