"""Reading a cohort file one record at a time (``kg decide --cohort``): JSON Lines (one profile per line), CSV (the
column set below) or Parquet (the same columns; pyarrow, the ``cohort`` extra), streamed: a record is read when it
is decided, so memory does not grow with the file.

CSV and Parquet columns are the profile's fields (profile_fields.tsv of the installed packages), by name:

* a scalar field is its own column (``patient_id``, ``age_years``, ``sex``, ``esrd``, ...), typed by its
  declaration (``number`` and ``integer`` parsed as numbers; every other kind kept as text: ``yes``/``no``/
  ``unknown`` for tri-states);
* a child of an object field is a dotted column (``pregnancy.status``, ``pregnancy.trimester``);
* a lab is three dotted columns ``<lab>.value``, ``<lab>.unit``, ``<lab>.date`` (``labs.<lab>.value``);
* ``conditions`` is a ``|``-separated list of condition ids;
* ``current_medications`` and ``past_trials`` are JSON arrays, exactly as in a JSON profile.

An empty cell is an omitted field (unknown, never "no"). A column no field declares, or a cell that is not of its
field's type, is a problem of that record naming its row and column: never guessed, never silently dropped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kg.base.errors import Problem, UserError
from kg.base.yaml12 import load_json
from kg.profile.fields import Declarations, FieldDeclaration, declarations

FORMATS = ("jsonl", "csv", "parquet")
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
LAB_PARTS = ("value", "unit", "date")
LIST_SEPARATOR = "|"  # of a conditions cell
JSON_TYPES = ("medications", "trials")  # cells holding a JSON array


@dataclass(frozen=True)
class Record:
    """One record of a cohort file: where it is (line or row, 1-based), and its profile or its problems."""

    position: int
    profile: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()


def format_by_suffix(path: Path, suffixes: dict[str, str], option: str, what: str) -> str:
    """The format *suffixes* give *path*'s suffix; a UserError naming the option, the suffix and the allowed ones."""
    found = suffixes.get(path.suffix.lower())
    if found is None:
        raise UserError(f"{option} {path}: suffix '{path.suffix}' is not a {what} format (rule: one of "
                        f"{', '.join(sorted(suffixes))})")
    return found


def cohort_format(path: Path) -> str:
    """The format of a cohort file by its suffix."""
    return format_by_suffix(path, SUFFIXES, "--cohort", "cohort")


def count_records(path: Path) -> int:
    """How many records the file holds (for the progress bar), without reading the profiles."""
    kind = cohort_format(path)
    if kind == "parquet":
        return int(_parquet().ParquetFile(path).metadata.num_rows)
    with path.open(encoding="utf-8", newline="") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(lines - 1, 0) if kind == "csv" else lines


def read_records(path: Path, decl: Declarations | None = None) -> Iterator[Record]:
    """The records of a cohort file, in order."""
    kind = cohort_format(path)
    if kind == "jsonl":
        yield from _json_lines(path)
    elif kind == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = tabular_columns(path, list(reader.fieldnames or ()), decl or declarations())
            for row, cells in enumerate(reader, start=2):  # line 1 is the header
                yield tabular_record(path, row, cells, columns)
    else:
        parquet = _parquet().ParquetFile(path)
        columns = tabular_columns(path, list(parquet.schema_arrow.names), decl or declarations())
        row = 0
        for batch in parquet.iter_batches(batch_size=1024):
            for cells in batch.to_pylist():
                row += 1
                yield tabular_record(path, row, cells, columns)


def _json_lines(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            record = json_line_record(path, line, text)
            if record is not None:
                yield record


def json_line_record(path: Path, line: int, text: str) -> Record | None:
    """The record of one line of a JSON Lines cohort (None: a blank line, which holds none)."""
    if not text.strip():
        return None
    try:
        data, problems = load_json(text)  # the profile reader's exact JSON (duplicate keys, NaN refused)
    except ValueError as error:
        return Record(line, None, (Problem(str(path), line, "", text.strip()[:80], f"not JSON: {error}"),))
    if problems or not isinstance(data, dict):
        found = [Problem(str(path), line, str(where), "", rule) for _, where, rule in problems] or \
            [Problem(str(path), line, "", text.strip()[:80], "a line must hold one profile (a JSON object)")]
        return Record(line, None, tuple(found))
    return Record(line, data)


@dataclass(frozen=True)
class _Column:
    name: str  # as in the file
    field: FieldDeclaration
    path: tuple[str, ...]  # where the value goes in the profile
    part: str = ""  # a lab's value, unit or date


def tabular_columns(path: Path, names: list[str], decl: Declarations) -> list[_Column]:
    """The profile field of each column of a CSV or Parquet cohort; a UserError names every column no field declares."""
    by_name = {f.name: f for f in decl.fields}
    columns, unknown = [], []
    for name in names:
        field, part = by_name.get(name), ""
        if field is None and name.rpartition(".")[2] in LAB_PARTS:
            field, part = by_name.get(name.rpartition(".")[0]), name.rpartition(".")[2]
            if field is not None and field.type != "lab":
                field = None
        if field is None or field.type == "object" or (field.type == "lab" and not part):
            unknown.append(name)
            continue
        columns.append(_Column(name, field, tuple(name.split(".")), part))
    if unknown:
        known = sorted({f.name for f in decl.fields if f.type not in ("object", "lab")} |
                       {f"{f.name}.{p}" for f in decl.fields if f.type == "lab" for p in LAB_PARTS})
        raise UserError(f"--cohort {path}: column(s) {', '.join(unknown)} name no profile field (rule: the columns are "
                        f"the profile fields of the installed packages: {', '.join(known)})")
    return columns


def tabular_record(path: Path, row: int, cells: dict[str, Any], columns: list[_Column]) -> Record:
    """The record of one CSV or Parquet row (*cells*: column name -> cell; an empty or missing cell is omitted)."""
    profile: dict[str, Any] = {}
    problems = []
    for column in columns:
        cell = cells.get(column.name)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            value = _typed(column, cell)
        except ValueError as error:
            problems.append(Problem(str(path), row, column.name, str(cell)[:80], str(error)))
            continue
        target = profile
        for key in column.path[:-1]:
            target = target.setdefault(key, {})
        target[column.path[-1]] = value
    return Record(row, None if problems else profile, tuple(problems))


def _typed(column: _Column, cell: Any) -> Any:
    kind = "text" if column.part in ("unit", "date") else column.field.type
    if kind in ("number", "integer", "lab"):
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            number = Decimal(str(cell))
        else:
            try:
                number = Decimal(str(cell).strip())
            except InvalidOperation:
                raise ValueError("not a number") from None
        if not number.is_finite():
            raise ValueError("not a finite number")
        if kind == "integer" or (number == number.to_integral_value() and "." not in str(cell) and "e" not in
                                 str(cell).lower()):
            if kind == "integer" and number != number.to_integral_value():
                raise ValueError("not an integer")
            return int(number)
        return float(number)
    if kind == "conditions":
        return [c.strip() for c in str(cell).split(LIST_SEPARATOR) if c.strip()]
    if kind in JSON_TYPES:
        if isinstance(cell, list):
            return cell
        try:
            value, problems = load_json(str(cell))
        except ValueError as error:
            raise ValueError(f"not a JSON array: {error}") from None
        if problems or not isinstance(value, list):
            raise ValueError("; ".join(rule for _, _, rule in problems) or "not a JSON array")
        return value
    return str(cell).strip()


def _parquet() -> Any:
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise UserError("Parquet cohorts need pyarrow: pip install 'cgkg[cohort]'") from None
    return parquet
