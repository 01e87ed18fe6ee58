"""Neo4j: a CSV set for ``neo4j-admin database import full``, plus ``load.cypher`` (LOAD CSV) for a running server.

The folder holds one node file per label set (``nodes-<Label>[-<Label>].csv``: header ``id:ID,iri,name,kind,
<attribute>:<type>...,:LABEL``) and one relationship file per type (``rels-<TYPE>.csv``: ``:START_ID,:END_ID,:TYPE,
predicate,label``), in the import tool's header format: ``<name>:<type>`` with the types ``long``, ``double``,
``boolean`` and ``string``, ``[]`` for arrays with the array delimiter ``|`` (``--array-delimiter``). Every node
also has the label :data:`COMMON_LABEL` so that both load paths can index ``id``. Labels are the local names of the
nodes' types (``Drug``, ``GradedRecommendation``...); relationship types the predicates' local names in upper
snake case (``ABOUT_AGENT``). ``import.sh`` is the exact neo4j-admin command, ``README.txt`` says how to use both.
A value containing the array delimiter in an array column is an :class:`ExportError` (it would split on import).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

from kg.export.errors import ExportError
from kg.export.graphml import _column_type
from kg.export.projection import Edge, Node, PropertyGraph, Value, local_name, project
from kg.export.source import ExportSource

COMMON_LABEL = "Resource"
ARRAY_DELIMITER = "|"
NODE_FIELDS = ("id:ID", "iri", "name", "kind")
REL_FIELDS = (":START_ID", ":END_ID", ":TYPE", "predicate", "label")
_NEO4J_TYPE = {bool: "boolean", int: "long", float: "double", str: "string"}


def labels_of(node: Node) -> tuple[str, ...]:
    return (*sorted({local_name(t.split(":", 1)[-1]) for t in node.types}), COMMON_LABEL)


def relationship_type(predicate: str) -> str:
    """'cg:aboutAgent' -> 'ABOUT_AGENT'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local_name(predicate.split(":", 1)[-1])).upper()


def _text(value: Value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def column_specs(pg: PropertyGraph) -> dict[str, tuple[str, bool]]:
    """Attribute -> (Neo4j type, is array), the same in every node file (one property, one type)."""
    specs = {}
    for name in pg.attribute_names():
        values = [n.attribute(name) for n in pg.nodes if n.attribute(name)]
        is_array = any(len(v) > 1 for v in values)
        kind = _column_type([(x,) for v in values for x in v] if is_array else values)
        if is_array and kind is str and any(ARRAY_DELIMITER in str(x) for v in values for x in v):
            raise ExportError(f"attribute {name}: a value contains the array delimiter {ARRAY_DELIMITER!r} "
                              "(rule: the values of an array property must not contain it)")
        specs[name] = (_NEO4J_TYPE[kind], is_array)
    return specs


def _header(name: str, neo4j_type: str, is_array: bool) -> str:
    return f"{name}:{neo4j_type}[]" if is_array else f"{name}:{neo4j_type}"


def _node_file(nodes: list[Node], specs: dict[str, tuple[str, bool]]) -> tuple[list[str], bytes]:
    """(attribute columns, file bytes) for nodes that share one label set."""
    columns = sorted({a for n in nodes for a, _ in n.attributes})
    rows = [[*NODE_FIELDS, *(_header(c, *specs[c]) for c in columns), ":LABEL"]]
    for node in nodes:
        cells = [node.id, node.iri, node.label, node.kind]
        cells += [ARRAY_DELIMITER.join(_text(v) for v in node.attribute(c)) for c in columns]
        rows.append([*cells, ";".join(labels_of(node))])
    return columns, _csv(rows)


def _cypher_value(column: str, neo4j_type: str, is_array: bool) -> str:
    cell = f"row.`{column}`"
    convert = {"long": "toInteger({})", "double": "toFloat({})", "boolean": "toBoolean({})"}.get(neo4j_type, "{}")
    if is_array:
        return f"CASE WHEN {cell} IS NULL OR {cell} = '' THEN null ELSE " \
               f"[v IN split({cell}, '{ARRAY_DELIMITER}') | {convert.format('v')}] END"
    return f"CASE WHEN {cell} IS NULL OR {cell} = '' THEN null ELSE {convert.format(cell)} END"


def write_neo4j(source: ExportSource, path: Path) -> None:
    pg = project(source)
    groups: dict[tuple[str, ...], list[Node]] = defaultdict(list)
    for node in pg.nodes:
        groups[labels_of(node)].append(node)
    by_type: dict[str, list[Edge]] = defaultdict(list)
    for edge in pg.edges:
        by_type[relationship_type(edge.predicate)].append(edge)
    if len({(t, e.predicate) for t, es in by_type.items() for e in es}) != len(by_type):
        raise ExportError("relationships: two predicates give the same relationship type (rule: one type each)")
    specs = column_specs(pg)
    node_files, rel_files, cypher = [], [], [_cypher_header(pg)]
    for labels in sorted(groups):
        name = f"nodes-{'-'.join(labels[:-1]) or COMMON_LABEL}.csv"
        columns, data = _node_file(groups[labels], specs)
        (path / name).write_bytes(data)
        node_files.append(name)
        props = ["id: row.`id:ID`", "iri: row.iri", "name: row.name", "kind: row.kind"]
        props += [f"`{c}`: {_cypher_value(_header(c, *specs[c]), *specs[c])}" for c in columns]
        cypher.append(f"LOAD CSV WITH HEADERS FROM 'file:///{name}' AS row\n"
                      f"CREATE (:{':'.join(f'`{label}`' for label in labels)} {{{', '.join(props)}}});\n")
    for rel_type in sorted(by_type):
        name = f"rels-{rel_type}.csv"
        rows = [list(REL_FIELDS)] + [[e.subject, e.object, rel_type, e.predicate, e.label] for e in by_type[rel_type]]
        (path / name).write_bytes(_csv(rows))
        rel_files.append(name)
        cypher.append(f"LOAD CSV WITH HEADERS FROM 'file:///{name}' AS row\n"
                      f"MATCH (a:`{COMMON_LABEL}` {{id: row.`:START_ID`}}),"
                      f" (b:`{COMMON_LABEL}` {{id: row.`:END_ID`}})\n"
                      f"CREATE (a)-[:`{rel_type}` {{predicate: row.predicate, label: row.label}}]->(b);\n")
    (path / "load.cypher").write_text("\n".join(cypher), encoding="utf-8")
    (path / "import.sh").write_text(_import_script(node_files, rel_files), encoding="utf-8")
    (path / "import.sh").chmod(0o755)
    (path / "README.txt").write_text(_readme(pg, len(node_files), len(rel_files)), encoding="utf-8")


def _cypher_header(pg: PropertyGraph) -> str:
    prov = pg.provenance
    return ("// Load with LOAD CSV (an alternative to import.sh): copy the CSV files into the server's import\n"
            "// folder, then run this script, e.g. cypher-shell -f load.cypher.\n"
            f"// Generated by {prov.generated_by} from graph sha256 {prov.graph_sha256}\n"
            f"// (version {', '.join(prov.version_iris)}).\n"
            f"CREATE CONSTRAINT resource_id IF NOT EXISTS FOR (n:`{COMMON_LABEL}`) REQUIRE n.id IS UNIQUE;\n")


def _import_script(node_files: list[str], rel_files: list[str]) -> str:
    args = [f"  --nodes={name} \\" for name in node_files] + [f"  --relationships={name} \\" for name in rel_files]
    return "\n".join([
        "#!/bin/sh",
        "# Import this folder into a new Neo4j 5 database with the offline bulk importer (Neo4j stopped;",
        "# the database must not exist yet). Usage: ./import.sh [DATABASE]   (default: neo4j)",
        "set -eu",
        'cd "$(dirname "$0")"',
        "neo4j-admin database import full \\",
        f"  --array-delimiter='{ARRAY_DELIMITER}' \\",
        "  --multiline-fields=true \\",
        *args,
        '  "${1:-neo4j}"',
        "",
    ])


def _readme(pg: PropertyGraph, node_files: int, rel_files: int) -> str:
    prov = pg.provenance
    return f"""Neo4j export of the clinical-guideline knowledge graph (property-graph projection, ADR 0008)

{len(pg.nodes)} nodes in {node_files} node files (nodes-*.csv), {len(pg.edges)} relationships in {rel_files} \
relationship files (rels-*.csv).

Bulk import (Neo4j 5, server stopped, database not yet created):
    ./import.sh [DATABASE]
  runs neo4j-admin database import full with --array-delimiter='{ARRAY_DELIMITER}' and --multiline-fields=true;
  then CREATE DATABASE <name> (or start the server for the default database 'neo4j').

Into a running server instead: copy the CSV files into its import folder and run load.cypher
  (cypher-shell -u neo4j -f load.cypher).

Every node has the label {COMMON_LABEL} and the labels of its types; its id (a CURIE) is the property id, its
label the property name. Statement nodes carry direction, strength and certainty. Each relationship has the
predicate's CURIE (predicate) and label (label).

Provenance: generated by {prov.generated_by}; graph sha256 {prov.graph_sha256}; ontology \
{', '.join(prov.ontology_iris)}; version {', '.join(prov.version_iris)}; {len(prov.sources)} source documents
(the SourceDocument nodes).
"""
