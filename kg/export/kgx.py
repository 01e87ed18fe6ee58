"""KGX (Biolink Model) export: ``nodes.tsv``/``edges.tsv`` or ``nodes.jsonl``/``edges.jsonl`` (ADR 0011).

A deliberate projection through ``ontology/mappings/cgkg-to-biolink.sssom.tsv``, not a triple dump. The
writer validates what it wrote with KGX's own validator on the installed Biolink Model (offline,
:mod:`kg.export.biolink_offline`) and refuses to publish files with a single validation error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg.export import biolink_offline
from kg.export.biolink_offline import METADATA_NAME
from kg.export.biolink_projection import projection
from kg.export.errors import ExportError
from kg.export.kgx_records import INFORES, LOCAL_PREFIXES, Projector, Records
from kg.export.shared import shared
from kg.export.source import ExportSource

NODE_COLUMNS = ("id", "category", "name", "description", "xref", "synonym", "iri", "provided_by")
EDGE_COLUMNS = ("id", "subject", "predicate", "object", "knowledge_level", "agent_type", "primary_knowledge_source",
                "publications", "direction", "strength", "certainty", "line_of_therapy", "evidence_basis",
                "certainty_basis", "severity", "in_force", "description")
TSV_DELIMITER = "|"  # KGX's list delimiter in TSV cells


@shared
def records(source: ExportSource) -> Records:
    """The projected node and edge records of the source graph."""
    tk = biolink_offline.toolkit()
    proj = projection()
    categories = sorted(set(proj.categories.values()))
    id_prefixes = {c: list(tk.get_element(c).id_prefixes or []) for c in categories}
    known = set(biolink_offline.biolink_prefix_map())
    return Projector(source.graph, proj, id_prefixes, known).project()


def write_tsv(source: ExportSource, path: Path) -> None:
    recs = records(source)
    files = {"nodes.tsv": _tsv(recs.nodes, NODE_COLUMNS), "edges.tsv": _tsv(recs.edges, EDGE_COLUMNS)}
    _write_checked(path, "tsv", files, source, recs)


def write_jsonl(source: ExportSource, path: Path) -> None:
    recs = records(source)
    _write_checked(path, "jsonl", {"nodes.jsonl": _jsonl(recs.nodes), "edges.jsonl": _jsonl(recs.edges)}, source, recs)


def _write_checked(folder: Path, fmt: str, files: dict[str, str], source: ExportSource, recs: Records) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    (folder / METADATA_NAME).write_text(_metadata(source, recs), encoding="utf-8")
    errors = biolink_offline.validate([folder / name for name in files], fmt, LOCAL_PREFIXES)
    if errors:
        raise ExportError(f"KGX validation: {len(errors)} errors, e.g. {'; '.join(errors[:5])}")


def _cell(value: Any) -> str:
    """One TSV cell as KGX reads it: no quoting at all (pandas, QUOTE_NONE), lists joined by '|'."""
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    for text in values:
        if TSV_DELIMITER in text or any(c in text for c in "\t\r\n"):
            raise ExportError(f"value {text[:60]!r}: contains a tab, a line break or {TSV_DELIMITER!r}, which KGX's "
                              "TSV reader cannot keep in one value (use kgx-jsonl)")
    return TSV_DELIMITER.join(values)


def _tsv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    unknown = sorted({k for row in rows for k in row} - set(columns))
    if unknown:
        raise ExportError(f"columns {unknown}: not in the KGX TSV header")
    lines = ["\t".join(columns)]
    lines += ["\t".join(_cell(row[c]) if c in row else "" for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


def _metadata(source: ExportSource, recs: Records) -> str:
    prov = source.provenance
    meta = {
        "generated_by": prov.generated_by,
        "graph_sha256": prov.graph_sha256,
        "ontology_iris": list(prov.ontology_iris),
        "version_iris": list(prov.version_iris),
        "sources": list(prov.sources),
        "knowledge_source": INFORES,
        "biolink_model_version": biolink_offline.model_version(),
        "curie_map": {**LOCAL_PREFIXES},
        "mapping": "ontology/mappings/cgkg-to-biolink.sssom.tsv",
        "node_count": len(recs.nodes),
        "edge_count": len(recs.edges),
        "omitted": dict(sorted(recs.omitted.items())),
    }
    return json.dumps(meta, indent=2, sort_keys=True) + "\n"
