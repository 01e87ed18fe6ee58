"""Writing a cohort's output records as they come (``kg decide --cohort``): JSON Lines (one compact decision per
line, keys sorted) or Parquet (pyarrow, the ``cohort`` extra; the schema below, written a row group at a time), so
memory stays bounded however long the cohort."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kg.base.errors import UserError

ROW_GROUP = 4096  # records per Parquet row group


def write_records(records: Iterable[dict[str, Any]], path: Path, kind: str, explain: bool) -> None:
    """Write *records* to *path* as *kind* (``jsonl`` or ``parquet``)."""
    if kind == "jsonl":
        with path.open("w", encoding="utf-8") as lines:
            for record in records:
                lines.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        return
    _write_parquet(records, path, explain)


def output_columns(explain: bool) -> list[str]:
    """The columns of an output record (and of the Parquet output)."""
    return list(_schema(explain).names)


def _schema(explain: bool) -> Any:
    pa = _pyarrow()
    pair = lambda a, b: pa.list_(pa.struct([(a, pa.string()), (b, pa.string())]))  # noqa: E731
    fields = [
        ("position", pa.int64()), ("patient_id", pa.string()),
        ("options", pa.list_(pa.struct([("option", pa.string()), ("status", pa.string()),
                                        ("line_of_therapy", pa.string())]))),
        ("actions", pair("kind", "target")), ("dose_checks", pair("kind", "drug")),
        ("interactions", pa.list_(pa.string())), ("algorithm_step", pa.int64()),
        ("conflicts", pa.list_(pa.string())), ("concordances", pa.list_(pa.string())),
    ]
    if explain:
        fields.append(("decision", pa.string()))  # the full decision document (JSON)
    return pa.schema(fields)


def _write_parquet(records: Iterable[dict[str, Any]], path: Path, explain: bool) -> None:
    pa, schema = _pyarrow(), _schema(explain)
    import pyarrow.parquet as parquet

    with parquet.ParquetWriter(path, schema) as writer:
        flush: Callable[[list[dict[str, Any]]], None] = lambda rows: writer.write_table(  # noqa: E731
            pa.Table.from_pylist(rows, schema=schema))
        rows: list[dict[str, Any]] = []
        for record in records:
            rows.append(record)
            if len(rows) == ROW_GROUP:
                flush(rows)
                rows = []
        if rows:
            flush(rows)


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise UserError("Parquet output needs pyarrow: pip install 'cgkg[cohort]'") from None
    return pyarrow
