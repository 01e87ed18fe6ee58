"""Rendering of results for people (terminal tables) and programs (the W3C SPARQL results formats, Turtle)."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import from_ox
from kg.core.query.results import Boolean, QueryResult, Solutions, Triples
from kg.model.curies import compact
from kg.model.namespaces import PREFIXES

if TYPE_CHECKING:
    from pathlib import Path

    from kg.core.build.pipeline import BuildResult, BuildSetResult
    from kg.core.query.library import Query
    from kg.publish.diff import Difference
    from kg.publish.release import ReleaseFile


TABLE_FORMATS = ("table",)
MAX_CURIE_COLUMN = 40  # a column of IRIs is kept this wide (as CURIEs) before longer ones are cut with an ellipsis
RESULTS_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                   "tsv": ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE}


def render_result(query: Query, result: QueryResult, output: str, prefixes: Mapping[str, str] = PREFIXES,
                  width: int = 160) -> bytes:
    """A query result in an output format: ``json``, ``csv``, ``tsv`` (the W3C SPARQL 1.1 results formats,
    for SELECT and ASK), ``ttl`` (CONSTRUCT and DESCRIBE) or ``table`` (any, for people)."""
    form = {Solutions: "a SELECT", Boolean: "an ASK", Triples: "a CONSTRUCT or DESCRIBE"}[type(result)]
    if output in RESULTS_FORMATS:
        if isinstance(result, Triples):
            raise UserError(f"--format {output}: query '{query.name}' is {form} query (its result is a graph); "
                            "use --format ttl or table")
        return result.serialize(RESULTS_FORMATS[output])
    if output in GRAPH_FORMATS:
        if not isinstance(result, Triples):
            raise UserError(f"--format {output}: query '{query.name}' is {form} query (its result is not a graph); "
                            "use --format table, csv, tsv or json")
        return _turtle(result, prefixes)
    if output not in TABLE_FORMATS:
        raise UserError(f"--format {output}: not one of table, csv, tsv, json, ttl")
    if isinstance(result, Boolean):
        return b"true\n" if result.value else b"false\n"
    if isinstance(result, Triples):
        columns = ["subject", "predicate", "object"]
        rows = [dict(zip(columns, (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)), strict=True))
                for t in _sorted(result.triples)]
    else:
        columns, rows = list(result.vars), result.rows()
    return (table_text(query.summary or query.name, columns, rows, prefixes, width) + "\n").encode("utf-8")


def table_text(title: str, columns: list[str], rows: list[dict[str, Node | None]],
               prefixes: Mapping[str, str] = PREFIXES, width: int = 160) -> str:
    """Rows as a terminal table: IRIs as CURIEs, text wrapped at spaces only; a word longer than its column
    (a CURIE too) is cut with an ellipsis, never broken across lines."""
    cells = [[compact(row[c], prefixes) for c in columns] for row in rows]
    min_widths = _curie_widths(columns, rows, cells)
    while True:  # the widest CURIE columns that let the whole table fit (rich crops a table that does not)
        table = Table(title=title, show_lines=False, expand=True)
        for column, min_width in zip(columns, min_widths, strict=True):
            table.add_column(column, overflow="ellipsis", min_width=min_width)
        for row_cells in cells:
            table.add_row(*map(escape, row_cells))
        text = _to_text(table, width)
        if not any(min_widths) or text.rstrip().endswith("┘"):
            break
        min_widths = [w * 3 // 4 or None if w else None for w in min_widths]
    return text + f"\n{len(rows)} row(s)."


def render_rows(query: Query, rows: list[dict[str, Node | None]], output: str = "table") -> str:
    """Rows of ``kg.run_query`` as a terminal table (for notebooks)."""
    if output != "table":
        raise UserError(f"render_rows: only the table format (use render_result for {output})")
    return table_text(query.summary or query.name, list(rows[0]) if rows else [], rows)


def _curie_widths(columns: list[str], rows: list[dict[str, Node | None]], cells: list[list[str]]) -> list[int | None]:
    """Columns of IRIs: their widest CURIE (up to MAX_CURIE_COLUMN); text columns: None (they wrap at spaces)."""
    widths: list[int | None] = []
    for index, column in enumerate(columns):
        bound = [r[index] for r, row in zip(cells, rows, strict=True) if row[column] is not None]
        iris = bool(bound) and all(isinstance(row[column], URIRef) for row in rows if row[column] is not None)
        widths.append(min(max(map(len, bound)), MAX_CURIE_COLUMN) if iris else None)
    return widths


def _sorted(triples: tuple[ox.Triple, ...]) -> list[ox.Triple]:
    """The triples with RDFC-1.0 canonical blank nodes, sorted: the same graph prints the same bytes."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((quad.triple for quad in dataset), key=str)


def _turtle(result: Triples, prefixes: Mapping[str, str]) -> bytes:
    return ox.serialize(_sorted(result.triples), format=ox.RdfFormat.TURTLE, prefixes=dict(prefixes))


def query_list(queries: list[Query], examples: Mapping[tuple[str, str], str], width: int = 160) -> str:
    """The library as a table; each parameter with its kind and an example value (``examples``: (query name,
    parameter) -> value)."""
    table = Table(title="SPARQL queries (queries/)", expand=True)
    table.add_column("name", no_wrap=True)
    table.add_column("summary", overflow="fold")
    table.add_column("params (--param NAME=VALUE)")
    for query in queries:
        params = [_param_cell(query, p, examples) for p in query.params]
        table.add_row(*map(escape, (query.name, query.summary, "; ".join(params))))
    return _to_text(table, width)


def _param_cell(query: Query, param: str, examples: Mapping[tuple[str, str], str]) -> str:
    kind, example = query.kind_of(param), examples.get((query.name, param))
    notes = ["optional"] if param in query.optional else []
    if kind is not None:
        notes.append(kind.replace("-", " ") + (f", e.g. {param}={shlex.quote(example)}" if example is not None else ""))
    return f"?{param}" + (f" ({'; '.join(notes)})" if notes else "")


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


def build_set_summary(result: BuildSetResult) -> str:
    """Each build of a build set (its name: its guidelines), then the set manifest written."""
    parts = [f"{name}:\n" + "\n".join("  " + line for line in build_summary(built).splitlines())
             for name, built in result.builds.items()]
    return "\n".join([*parts, *(f"wrote {path}" for path in result.files)])


def text_console(width: int = 160) -> tuple[Console, io.StringIO]:
    """A rich console that renders plain text into a buffer (also inside Jupyter)."""
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=False, force_jupyter=False, color_system=None), buffer


def _to_text(renderable: object, width: int = 160) -> str:
    console, buffer = text_console(width)
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
