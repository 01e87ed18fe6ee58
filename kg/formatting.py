"""Rendering of results for people (terminal tables) and programs (TSV, JSON)."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.term import Node
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.errors import UserError
from kg.namespaces import PREFIXES
from kg.oxigraph_bridge import is_valid_iri

if TYPE_CHECKING:
    from pathlib import Path

    from kg.build import BuildResult
    from kg.diff import Difference
    from kg.queries import Query
    from kg.release import ReleaseFile


def compact(term: Node | None) -> str:
    """IRI -> CURIE where a project prefix fits; literals -> their text; None -> ''."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        best = max(
            ((p, iri) for p, iri in PREFIXES.items() if text.startswith(iri)),
            key=lambda pair: len(pair[1]),
            default=None,
        )
        return f"{best[0]}:{text[len(best[1]):]}" if best else text
    return str(term)


def expand(text: str) -> URIRef | None:
    """CURIE or IRI -> URIRef; None when the text is neither."""
    if text.startswith(("http://", "https://", "urn:")):
        return URIRef(text)
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    return None


def parse_bindings(pairs: list[str]) -> dict[str, Node]:
    bindings: dict[str, Node] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--param '{pair}': expected NAME=VALUE")
        iri = expand(value)
        if iri is not None and not is_valid_iri(iri):
            raise UserError(f"--param '{pair}': '{value}' is not a valid IRI (no spaces, <, >, quotes or braces)")
        bindings[name.strip().lstrip("?")] = iri or Literal(value)
    return bindings


def render_rows(query: Query, rows: list[dict[str, Node | None]], output: str) -> str:
    columns = list(rows[0]) if rows else []
    if output == "json":
        return json.dumps([{k: compact(v) for k, v in row.items()} for row in rows], indent=2)
    if output == "tsv":
        lines = ["\t".join(columns)] + ["\t".join(compact(r[c]) for c in columns) for r in rows]
        return "\n".join(lines)
    table = Table(title=query.summary or query.name, show_lines=False, expand=True)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(compact(row[c])) for c in columns))
    return _to_text(table) + f"\n{len(rows)} row(s)."


def query_list(queries: list[Query]) -> str:
    table = Table(title="SPARQL queries (queries/)", expand=True)
    table.add_column("name", no_wrap=True)
    table.add_column("summary", overflow="fold")
    table.add_column("params")
    for query in queries:
        table.add_row(*map(escape, (query.name, query.summary, ", ".join(query.params))))
    return _to_text(table)


def build_summary(result: BuildResult) -> str:
    summary = result.summary()
    rows = summary["rows_per_table"]
    assert isinstance(rows, dict)
    lines = [f"Built {summary['triples']} triples from {sum(rows.values())} table rows."]
    lines.append("  statements per evidence basis: " + ", ".join(
        f"{k}={v}" for k, v in summary["statements_per_evidence_basis"].items()  # type: ignore[union-attr]
    ))
    lines.append(f"  SHACL conforms: {summary['shacl_conforms']}")
    checks = summary["checks"]
    assert isinstance(checks, dict)
    lines.append(f"  QC checks: {len(checks)} run, {sum(1 for n in checks.values() if n)} failed")
    if result.reasoner is not None:
        lines.append(f"  {result.reasoner.describe()} ({result.reasoner.seconds:.1f} s)")
    for path in result.files:
        lines.append(f"  wrote {path}")
    return "\n".join(lines)


def text_console(width: int = 160) -> tuple[Console, io.StringIO]:
    """A rich console that renders plain text into a buffer (also inside Jupyter)."""
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=False, force_jupyter=False, color_system=None), buffer


def _to_text(renderable: object) -> str:
    console, buffer = text_console()
    console.print(renderable)
    return buffer.getvalue().rstrip()


def export_formats(formats) -> str:  # type: ignore[no-untyped-def]  # Iterable[kg.export.Format]
    """One line per export format: name, what it is, what opens it."""
    rows = sorted(formats, key=lambda f: f.name)
    width = max(len(f.name) for f in rows)
    return "\n".join(f"{f.name:<{width}}  {f.summary} (open with: {f.opens_with})" for f in rows)


NO_DIFFERENCES = "no clinical differences"


def _cell(values: tuple[str, ...]) -> str:
    return " | ".join(values) if values else "-"


def diff_report(differences: list[Difference], old: str, new: str, output: str) -> str:
    """``kg diff``: a table (one line per changed attribute; an added or removed item on one line) or JSON."""
    if output == "json":
        return json.dumps({"old": old, "new": new, "equal": not differences,
                           "differences": [d.as_dict() for d in differences]}, indent=2, ensure_ascii=False)
    if not differences:
        return f"{NO_DIFFERENCES}: {old} -> {new}"
    table = Table(title=f"Clinical differences: {old} -> {new}", expand=True)
    for column in ("kind", "item", "change", "attribute", "old", "new"):
        table.add_column(column, overflow="fold")
    for d in differences:
        shown = d.label if d.label and d.label != d.item.partition(":")[2] else ""
        item = f"{d.item} ({shown})" if shown else d.item
        if d.change == "changed":
            for name, (before, after) in d.attributes.items():
                table.add_row(*map(escape, (d.kind, item, d.change, name, _cell(before), _cell(after))))
        else:
            table.add_row(*map(escape, (d.kind, item, d.change, "", "", "")))
    counts = {change: sum(1 for d in differences if d.change == change) for change in ("added", "removed", "changed")}
    return _to_text(table) + "\n" + ", ".join(f"{n} {change}" for change, n in counts.items()) + "."


def release_listing(out: Path, files: list[ReleaseFile]) -> str:
    """``kg release``: every file written with its size."""
    width = max(len(f.path) for f in files)
    lines = [f"  {f.path:<{width}}  {f.bytes:>12,} bytes" for f in files]
    return f"wrote {out}: {len(files)} files, {sum(f.bytes for f in files):,} bytes\n" + "\n".join(lines)
