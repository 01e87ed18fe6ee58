"""Read the curated tables and validate them strictly: one error listing every problem.

Checks: exact headers (no unknown or missing columns), required cells, id syntax and global
uniqueness, enumerated values (from the vocabularies of the ontology the packages are built with: the core and their
fragments, kg/model/ontology.py), numbers, references to ids of the right kind, population rules (their quantities
from that ontology too), the packages' ontology fragments and shapes, and a few named table rules
(``TableSpec.extras``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path

from rdflib import Graph, URIRef

from kg.base.errors import Problem, ValidationError
from kg.base.input_limits import UTF8_BOM
from kg.model import population as population_rules
from kg.model.identifiers import IdSpace
from kg.model.namespaces import MAPPING_PREFIXES
from kg.model.ontology import (
    Quantities,
    declared,
    fragment_file,
    merge,
    ontology_graph,
    read_fragments,
    show,
    vocabularies_in,
)
from kg.model.packages import TABLES_FOLDER, Package, packages_at, select
from kg.model.table_specs import MAPPING_PREDICATES, TABLES, TableSpec
from kg.profile import fields as profile_fields

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CURIE_PATTERN = re.compile(r"^([A-Z0-9]+):(\S+)$")
YEAR_PATTERN = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Row:
    """A validated table row: its cells and the line it came from."""

    table: str
    line: int
    cells: Mapping[str, str]
    package: str = ""  # the id of the package the row comes from
    namespace: str = ""  # that package's namespace: where the row's id lives
    file: str = ""  # the file as problems name it: <package folder>/tables/<table>.tsv

    def __getitem__(self, column: str) -> str:
        return self.cells[column]

    def values(self, column: str) -> list[str]:
        """The pipe-separated values of a multi-valued cell."""
        return [v.strip() for v in self.cells[column].split("|") if v.strip()]


class Tables(dict[str, list[Row]]):
    """table name -> its rows, from every package read (in dependency order), which packages those are, and the
    ontology they are read with (the core and those packages' fragments, kg/model/ontology.py)."""

    def __init__(self, rows: Mapping[str, list[Row]] | None = None, packages: tuple[Package, ...] = (),
                 ontology: Graph | None = None) -> None:
        super().__init__(rows or {})
        self.packages = packages
        self._ontology = ontology

    @property
    def ontology(self) -> Graph:
        """The core ontology with the packages' fragments (do not change it)."""
        if self._ontology is None:
            self._ontology = ontology_graph(self.packages)
        return self._ontology

    @cached_property
    def vocabularies(self) -> dict[URIRef, dict[str, URIRef]]:
        """For each vocabulary class of the ontology: notation -> term."""
        return vocabularies_in(self.ontology)

    @cached_property
    def quantities(self) -> Quantities:
        """The patient quantities of the ontology."""
        return Quantities.of(self.ontology)


TableSource = Path | Sequence[Package] | None


def read_table(path: Path, spec: TableSpec, problems: list[Problem], file: str | None = None,
               package: Package | None = None, optional: bool = False) -> list[Row] | None:
    """Read one TSV; a file-level problem (missing, not a file, not UTF-8) or a header problem is reported and
    stops reading that file: None, so that nothing cascades from a table that could not be read. A package need not
    hold every kind of table: with ``optional`` a missing file is no rows."""
    name = file or path.name
    if not path.exists():
        if optional:
            return []
        problems.append(Problem(name, 0, "", "", "file is missing"))
        return None
    if not path.is_file():
        problems.append(Problem(name, 0, "", "", "not a file (a folder or a special file): give the table as a file"))
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(name, 0, "", "", f"cannot be read ({error.strerror})"))
        return None
    try:
        text = data.decode("utf-8").removeprefix(UTF8_BOM)  # the one BOM rule (kg/input_limits.py)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        problems.append(Problem(name, line, "", repr(data[error.start:error.start + 1]),
                                f"not UTF-8 text (byte {error.start}); save the file as UTF-8"))
        return None
    lines = [(n, line.rstrip("\r\n")) for n, line in enumerate(io.StringIO(text, newline=""), start=1)]
    lines = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not lines:
        problems.append(Problem(name, 0, "", "", "file has no header row"))
        return None
    header_line, header_text = lines[0]
    try:
        header = next(csv.reader([header_text], delimiter="\t", quoting=csv.QUOTE_NONE))
    except csv.Error as error:
        problems.append(Problem(name, header_line, "", "", f"cannot be read: {error}"))
        return None
    expected = [c.name for c in spec.columns]
    unknown = [h for h in header if h not in expected]
    missing = [c for c in expected if c not in header]
    for column in unknown:
        problems.append(Problem(name, header_line, column, "", "unknown column"))
    for column in missing:
        problems.append(Problem(name, header_line, column, "", "missing column"))
    if unknown or missing or len(set(header)) != len(header):
        if len(set(header)) != len(header):
            problems.append(Problem(name, header_line, "", "", "duplicate column in header"))
        return None
    rows = []
    for line_no, text in lines[1:]:
        try:
            cells = next(csv.reader([text], delimiter="\t", quoting=csv.QUOTE_NONE))
        except csv.Error as error:  # e.g. a cell larger than csv.field_size_limit()
            problems.append(Problem(name, line_no, "", "", f"cannot be read: {error}"))
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(name, line_no, "", "", f"has {len(cells)} cells, header has {len(header)}")
            )
            continue
        rows.append(Row(spec.name, line_no, dict(zip(header, (c.strip() for c in cells), strict=True)),
                        package.id if package else "", package.namespace if package else "", name))
    return rows


class TableReader:
    """``read_table`` that reads each file once and gives the same rows and problems every time it is asked (a build
    set validates a package's tables in every build that holds it, from one reading)."""

    def __init__(self) -> None:
        self._read: dict[tuple[Path, str, str], tuple[list[Row] | None, list[Problem]]] = {}

    def __call__(self, package: Package, spec: TableSpec, file: str, problems: list[Problem]) -> list[Row] | None:
        key = (package.tables_dir, spec.name, package.id)
        if key not in self._read:
            found: list[Problem] = []
            rows = read_table(package.tables_dir / f"{spec.name}.tsv", spec, found, file, package, optional=True)
            self._read[key] = (rows, found)
        rows, found = self._read[key]
        problems.extend(found)
        return None if rows is None else list(rows)


def load_tables(source: TableSource = None, reader: TableReader | None = None) -> Tables:
    """Read and validate the curated tables of the packages *source* names (default: every installed package;
    a package folder: it and what it requires; a folder of packages: all of them; or a list of packages), as one
    set of tables whose ids are unique across the packages, with the ontology of the core and the packages'
    fragments; raise ValidationError listing every problem. ``reader`` reads the files (default: each read afresh)."""
    chosen = packages_of(source)
    read_file = reader or TableReader()
    ontology, problems = merge(chosen)  # the fragments' problems first; their terms count in the tables all the same
    read: dict[str, list[Row] | None] = {spec.name: [] for spec in TABLES}
    for package in chosen:
        for spec in TABLES:
            file = f"{package.folder.name}/{TABLES_FOLDER}/{spec.name}.tsv"
            # a package holds the kinds of table it needs: a missing file is no rows (the QC checks see the gaps)
            rows = read_file(package, spec, file, problems)
            current = read[spec.name]
            read[spec.name] = None if rows is None or current is None else current + rows
    tables = Tables({name: rows or [] for name, rows in read.items()}, packages=tuple(chosen), ontology=ontology)
    unread = {spec.id_kind for spec in TABLES if read[spec.name] is None and spec.id_kind}  # no follow-on problems
    ids = _collect_ids(tables, problems)
    _fragment_terms_are_not_rows(tables, problems)
    for spec in TABLES:
        for row in tables[spec.name]:
            _check_cells(spec, row, ids, tables.vocabularies, tables.quantities, problems, unread)
        for rule in spec.extras:
            if rule in TABLES_RULES:
                TABLES_RULES[rule](tables, ids, problems, unread)
            elif rule in ROW_RULES:
                for row in tables[spec.name]:
                    ROW_RULES[rule](row, problems)
            else:
                for package in chosen:
                    TABLE_RULES[rule]([r for r in tables[spec.name] if r.package == package.id], problems)
    _treated_conditions_declared(tables, problems)
    if problems:
        raise ValidationError(problems)
    return tables


def _treated_conditions_declared(tables: Tables, problems: list[Problem]) -> None:
    """A guideline's manifest names the conditions it treats from its own conditions.tsv (a profile's
    ``conditions`` and the choice of build read them)."""
    own = {(row.package, row["condition_id"]) for row in tables["conditions"]}
    for package in tables.packages:
        for condition in package.conditions:
            if (package.id, condition) not in own:
                problems.append(Problem(f"{package.folder.name}/manifest.yaml", 0, "conditions", condition,
                                        f"not a condition_id of {package.folder.name}/{TABLES_FOLDER}/conditions.tsv"))


def _fragment_terms_are_not_rows(tables: Tables, problems: list[Problem]) -> None:
    """A term a package's fragment declares in the package's namespace is neither the node of a row
    (``<namespace><id>``) nor a class generated below the namespace (``absent/``, ``possible/``, ``criterion/``): the
    tables own those."""
    rows = set(id_space(tables).values())
    fragments, _ = read_fragments(tables.packages)  # reading problems: reported by the merge
    for package in tables.packages:
        for term in sorted(declared(fragments.get(package.id, Graph()))):
            local = str(term)[len(package.namespace):] if str(term).startswith(package.namespace) else None
            if local is not None and (term in rows or "/" in local):
                problems.append(Problem(fragment_file(package), 0, "", show(term, tables.packages),
                                        "the IRI of a row of the tables or of a class generated from one: a fragment "
                                        "declares terms the tables do not"))


def packages_of(source: TableSource) -> list[Package]:
    """The packages a table source names (see ``load_tables``)."""
    return packages_at(source) if source is None or isinstance(source, Path) else list(source)


def id_space(tables: Tables) -> IdSpace:
    """Where every id of the tables lives (the namespace of the package of its row)."""
    return IdSpace({row[spec.id_column.name]: row.namespace
                    for spec in TABLES if spec.id_column is not None for row in tables[spec.name]})


def _collect_ids(tables: Tables, problems: list[Problem]) -> dict[str, str]:
    """id -> kind, reporting bad syntax and duplicates across all tables."""
    ids: dict[str, str] = {}
    where: dict[str, str] = {}
    for spec in TABLES:
        id_column = spec.id_column
        if id_column is None:
            continue
        for row in tables[spec.name]:
            value = row[id_column.name]
            if not value:
                continue  # reported as a missing required cell
            file = row.file
            if not ID_PATTERN.match(value):
                problems.append(
                    Problem(file, row.line, id_column.name, value, "id must be lower-case kebab-case")
                )
            if value in ids:
                problems.append(
                    Problem(file, row.line, id_column.name, value, f"duplicate id (also {where[value]})")
                )
                continue
            ids[value] = spec.id_kind or ""
            where[value] = f"{file}:{row.line}"
    return ids


def _check_cells(
    spec: TableSpec,
    row: Row,
    ids: dict[str, str],
    vocabs: dict[URIRef, dict[str, URIRef]],
    quantities: Quantities,
    problems: list[Problem],
    unread: set[str] = frozenset(),  # type: ignore[assignment]  # kinds of ids whose table could not be read
) -> None:
    file = row.file

    def report(column: str, value: str, rule: str) -> None:
        problems.append(Problem(file, row.line, column, value, rule))

    for column in spec.columns:
        value = row[column.name]
        if not value:
            if column.required:
                report(column.name, "", "required value is empty")
            continue
        kind = column.kind
        if kind in ("enum", "enums"):
            allowed = vocabs.get(column.vocabulary, {})  # type: ignore[arg-type]
            for item in row.values(column.name) if kind == "enums" else [value]:
                if item not in allowed:
                    report(column.name, item, f"not one of: {', '.join(sorted(allowed))}")
        elif kind == "mapping_predicate":
            if value not in MAPPING_PREDICATES:
                report(column.name, value, f"not one of: {', '.join(MAPPING_PREDICATES)}")
        elif kind in ("number", "integer"):
            _check_number(value, kind, lambda rule, c=column.name, v=value: report(c, v, rule))
        elif kind == "year" and not YEAR_PATTERN.match(value):
            report(column.name, value, "year must have 4 digits")
        elif kind in ("ref", "refs"):
            values = row.values(column.name) if kind == "refs" else [value]
            for target in values:
                found = ids.get(target)
                if found is None and unread & set(column.targets):
                    continue  # the table that would declare it could not be read: reported once, there
                if found is None:
                    report(column.name, target, "refers to an unknown id")
                elif found not in column.targets:
                    report(
                        column.name, target,
                        f"refers to a {found}; expected {' or '.join(column.targets)}",
                    )
        elif kind == "curie":
            match = CURIE_PATTERN.match(value)
            if not match or match.group(1) not in MAPPING_PREFIXES:
                report(column.name, value, f"must be a CURIE with prefix {', '.join(MAPPING_PREFIXES)}")
        elif kind == "expr":
            try:
                expr = population_rules.parse(value)
            except population_rules.RuleError as error:
                report(column.name, value, f"population rule: {error}")
                continue
            for quantity in population_rules.unknown_quantities(expr, quantities):
                report(column.name, quantity, f"population rule: not a patient quantity of the ontology (known: "
                                              f"{', '.join(quantities)}; a package declares its own in its "
                                              "ontology.ttl)")
            for target_kind, target in population_rules.references(expr):
                if ids.get(target) != target_kind and target_kind not in unread:
                    report(column.name, target, f"population rule refers to an unknown {target_kind}")


def _check_number(value: str, kind: str, report: Callable[[str], None]) -> None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        report("not a number")
        return
    if not number.is_finite() or number < 0:
        report("must be a non-negative number")
    elif kind == "integer" and number != number.to_integral_value():
        report("must be a whole number")


# ---- named table rules (TableSpec.extras) --------------------------------------------------


def _pmid_digits(row: Row, problems: list[Problem]) -> None:
    if row["pmid"] and not row["pmid"].isdigit():
        problems.append(Problem(row.file, row.line, "pmid", row["pmid"], "PMID must be digits only"))


def _unconfirmed_certainty_basis(row: Row, problems: list[Problem]) -> None:
    if row["certainty"] == "unconfirmed" and row["certainty_basis"] != "UNCONFIRMED":
        problems.append(
            Problem(row.file, row.line, "certainty_basis", row["certainty_basis"],
                "an unconfirmed certainty must have certainty_basis UNCONFIRMED",
            )
        )


def _population_or_comedication(row: Row, problems: list[Problem]) -> None:
    if not row["population_id"] and not row["co_medication_id"]:
        problems.append(
            Problem(row.file, row.line, "population_id", "", "population_id or co_medication_id is required")
        )


def _ordered_ranges(row: Row, problems: list[Problem]) -> None:
    for low, high in (
        ("target_daily_min", "target_daily_max"),
        ("titration_interval_days_min", "titration_interval_days_max"),
    ):
        try:
            if row[low] and row[high] and Decimal(row[low]) > Decimal(row[high]):
                problems.append(
                    Problem(row.file, row.line, low, row[low], f"is greater than {high} ({row[high]})")
                )
        except InvalidOperation:
            pass  # reported as "not a number"


def _no_max_reason_without_maximum(row: Row, problems: list[Problem]) -> None:
    """A "no sourced maximum" row states an absence: it cannot also give a maximum."""
    if row["no_max_reason"] and row["max_daily"]:
        problems.append(Problem(row.file, row.line, "no_max_reason", row["no_max_reason"][:40],
                                "a row with a sourced maximum (max_daily) cannot give a reason for having none"))


def _prevailing_is_involved(row: Row, problems: list[Problem]) -> None:
    for prevailing in row.values("prevailing_id"):
        if prevailing not in row.values("statement_ids"):
            problems.append(
                Problem(row.file, row.line, "prevailing_id", prevailing, "must be one of statement_ids")
            )


def _claim_status_consistent(row: Row, problems: list[Problem]) -> None:
    status, encoded, reason = row["status"], row["encoded_as"], row["reason"]
    if status != "encoded" and not reason:
        problems.append(Problem(row.file, row.line, "reason", "", f"required when status is {status}"))
    if status in ("encoded", "partly-encoded") and not encoded:
        problems.append(Problem(row.file, row.line, "encoded_as", "", f"required when status is {status}"))


def _acyclic_parents(rows: list[Row], problems: list[Problem]) -> None:
    if not rows:
        return
    id_column = next(c for c in rows[0].cells if c.endswith("_id") and c != "parent_id")
    parents = {row[id_column]: row.values("parent_id") for row in rows}

    def reaches(start: str, goal: str) -> bool:
        stack, seen = list(parents.get(start, [])), set()
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(parents.get(node, []))
        return False

    for row in rows:
        if reaches(row[id_column], row[id_column]):
            problems.append(
                Problem(row.file, row.line, "parent_id", row["parent_id"], "parent chain has a cycle")
            )


def _consecutive_steps(rows: list[Row], problems: list[Problem]) -> None:
    numbers = []
    for row in rows:
        try:
            numbers.append(int(row["step"]))
        except ValueError:
            return  # reported as "not a number"
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(Problem(rows[0].file, 0, "step", "", "steps must be numbered 1..n without gaps or repeats"))


ROW_RULES: dict[str, Callable[[Row, list[Problem]], None]] = {
    "pmid_digits": _pmid_digits,
    "unconfirmed_certainty_basis": _unconfirmed_certainty_basis,
    "population_or_comedication": _population_or_comedication,
    "ordered_ranges": _ordered_ranges,
    "no_max_reason_without_maximum": _no_max_reason_without_maximum,
    "prevailing_is_involved": _prevailing_is_involved,
    "claim_status_consistent": _claim_status_consistent,
}
def _acyclic_population_references(rows: list[Row], problems: list[Problem]) -> None:
    refs: dict[str, list[str]] = {}
    for row in rows:
        try:
            expr = population_rules.parse(row["definition_expr"])
        except population_rules.RuleError:
            continue  # reported by the cell check
        refs[row["population_id"]] = [t for kind, t in population_rules.references(expr) if kind == "population"]
    for row in rows:
        stack, seen = list(refs.get(row["population_id"], [])), set()
        while stack:
            node = stack.pop()
            if node == row["population_id"]:
                problems.append(Problem(row.file, row.line, "definition_expr", row["definition_expr"],
                                        "population rule refers to itself (directly or through others)"))
                break
            if node not in seen:
                seen.add(node)
                stack.extend(refs.get(node, []))


TABLE_RULES: dict[str, Callable[[list[Row], list[Problem]], None]] = {
    "acyclic_population_references": _acyclic_population_references,
    "acyclic_parents": _acyclic_parents,
    "consecutive_steps": _consecutive_steps,
}


def _profile_declarations(tables: Tables, ids: dict[str, str], problems: list[Problem], unread: set[str]) -> None:
    """The profile declarations: field types and nesting, premises, targets, agents against interventions.tsv
    profile_field (kg/profile/fields.py)."""
    keyed: dict[tuple[str, int], Row] = {}  # rows of several packages: each gets a unique key, mapped back below

    def numbered(table: str) -> list[tuple[int, Mapping[str, str]]]:
        for key, row in enumerate(tables[table], start=1):
            keyed[(f"{table}.tsv", key)] = row
        return [(key, row.cells) for key, row in enumerate(tables[table], start=1)]

    found = profile_fields.declaration_problems(
        numbered(profile_fields.FIELDS_TABLE), numbered(profile_fields.IMPLICATIONS_TABLE), ids,
        numbered("interventions"), tables.ontology, unread, profile_fields.package_prefixes(tables.packages),
    )
    for file, key, column, value, rule in found:
        row = keyed.get((file, key))
        problems.append(Problem(row.file if row else file, row.line if row else key, column, value, rule))


def _profile_fhir_mappings(tables: Tables, ids: dict[str, str], problems: list[Problem], unread: set[str]) -> None:
    """The FHIR mapping rows: each fills a field its own package declares, in a way that fits the field's type, with
    codes of known code systems (kg/profile/fhir/mapping.py)."""
    from kg.profile.fhir.mapping import TABLE, mapping_problems
    from kg.profile.fhir.records import resource_types

    declared = {row["field"]: (row.package, profile_fields.field_from_row(row.cells))
                for row in tables[profile_fields.FIELDS_TABLE]}
    loaded = {p.id: p for p in tables.packages}
    visible = {p.id: {q.id for q in select(loaded, [p.id])} for p in tables.packages}
    rows = tables[TABLE]
    found = mapping_problems([(key, row.package, row.cells) for key, row in enumerate(rows)], declared, visible,
                             resource_types(), {p.id: p.conditions for p in tables.packages if p.is_guideline})
    problems += [Problem(rows[key].file, rows[key].line, column, value, rule) for key, column, value, rule in found]


# Rules that read several tables and the ids they declare (none about the kinds of an unread table).
TABLES_RULES: dict[str, Callable[[Tables, dict[str, str], list[Problem], set[str]], None]] = {
    "profile_declarations": _profile_declarations,
    "profile_fhir_mappings": _profile_fhir_mappings,
}
