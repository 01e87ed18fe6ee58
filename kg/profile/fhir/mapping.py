"""The FHIR mapping of the profile fields: the packages' ``profile_fhir.tsv`` rows, read once, and their checks.

A row says which FHIR R4 record fills which profile field: the resource type(s), the element that carries the
codes (a simple FHIRPath: dotted element names), the codes it must carry (CURIEs of ``CODE_SYSTEMS``; ``RXNORM:*``
any RxNorm code, resolved to a drug through the graph's mappings), which records count (``status``), an optional
``where`` test, the value element and value codes of an Observation, and how the field value is made (``reads``).
guidelines/TABLES.md documents the columns; kg/profile/fhir/reading.py interprets them (no per-field code).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from kg.base.paths import GUIDELINES_DIR
from kg.model.namespaces import CODE_SYSTEMS
from kg.model.packages import packages_at
from kg.profile.fields import TRIAL_OUTCOMES, FieldDeclaration, read_rows

TABLE = "profile_fhir"
ANY_CODE = "*"  # RXNORM:* - any code of the system, resolved through the graph's mappings
# How a row makes the field value from the record (TABLES.md, profile_fhir.tsv ``reads``).
READS = ("value", "age", "token", "id", "quantity", "medication", "trial")
# Which records count (kg/profile/fhir/statuses.py says what each means per resource type).
STATUSES = ("current", "refuted")
# The field types each way of reading fills.
READS_TYPES: dict[str, tuple[str, ...]] = {
    "value": ("enum", "tri-state", "tri-state-or-none", "conditions"),
    "age": ("number",),
    "token": ("enum",),
    "id": ("identifier",),
    "quantity": ("lab",),
    "medication": ("medications",),
    "trial": ("trials",),
}
ELEMENT = re.compile(r"^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$")
WHERE_TEST = re.compile(r"^([a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*)=([A-Za-z0-9-]+)$")
BOOLEAN_VALUES = ("true", "false")
TRIAL_OUTCOME_WORDS = tuple(TRIAL_OUTCOMES)


@dataclass(frozen=True)
class Code:
    """One coding a row matches: the FHIR system URI and the code (``*``: any code of the system)."""

    prefix: str
    code: str

    @property
    def system(self) -> str:
        return CODE_SYSTEMS[self.prefix]

    def __str__(self) -> str:
        return f"{self.prefix}:{self.code}"


@dataclass(frozen=True)
class FhirMapping:
    """One row of profile_fhir.tsv."""

    id: str
    field: str
    resources: tuple[str, ...]
    element: str
    codes: tuple[Code, ...]
    status: str
    where: tuple[tuple[str, str], ...]
    value_element: str
    value_codes: tuple[str, ...]  # CURIEs, or true/false for a boolean value
    reads: str
    value: str
    units: tuple[tuple[str, Decimal], ...]  # (UCUM code, factor to the field's first unit)
    lookback_days: int | None
    basis: str
    source_ids: tuple[str, ...]
    section: str
    note: str = ""

    @property
    def any_code(self) -> bool:
        return any(c.code == ANY_CODE for c in self.codes)

    def token_values(self) -> dict[str, str]:
        """For ``reads`` token: FHIR code -> field value (``field_value`` ``female=female|male=male``)."""
        return dict(pair.split("=", 1) for pair in _split(self.value))


def _split(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in cell.split("|") if v.strip())


def parse_code(curie: str) -> Code:
    """``SNOMEDCT:46177005`` -> Code; ValueError when the prefix is not a code system with a FHIR URI."""
    prefix, sep, code = curie.partition(":")
    if not sep or prefix not in CODE_SYSTEMS or not code or code != code.strip():
        raise ValueError(f"{curie!r} is not PREFIX:code with a prefix of {', '.join(CODE_SYSTEMS)}")
    return Code(prefix, code)


def parse_where(cell: str) -> tuple[tuple[str, str], ...]:
    """``type=intolerance & category=medication`` -> ((type, intolerance), (category, medication))."""
    tests = []
    for part in (p.strip() for p in cell.split("&") if p.strip()):
        match = WHERE_TEST.match(part)
        if not match:
            raise ValueError(f"{part!r} is not element=code")
        tests.append((match.group(1), match.group(2)))
    return tuple(tests)


def parse_units(cell: str) -> tuple[tuple[str, Decimal], ...]:
    """``ng/mL=1|ug/L=1`` -> ((ng/mL, 1), (ug/L, 1)); ValueError when a factor is not a positive number."""
    units = []
    for pair in _split(cell):
        unit, sep, factor = pair.rpartition("=")
        try:
            number = Decimal(factor)
        except InvalidOperation:
            number = Decimal(0)
        if not sep or not unit or not number.is_finite() or number <= 0:
            raise ValueError(f"{pair!r} is not UCUM-code=factor (a positive number)")
        units.append((unit, number))
    return tuple(units)


def mapping_from_row(row: Mapping[str, str]) -> FhirMapping:
    return FhirMapping(
        id=row["mapping_id"], field=row["field"], resources=_split(row["resource"]), element=row["element"],
        codes=tuple(parse_code(c) for c in _split(row["codes"])), status=row["status"],
        where=parse_where(row["where"]), value_element=row["value_element"],
        value_codes=_split(row["value_codes"]), reads=row["reads"], value=row["field_value"],
        units=parse_units(row["units"]),
        lookback_days=int(row["lookback_days"]) if row["lookback_days"] else None,
        basis=row["basis"], source_ids=_split(row["source_ids"]), section=row["section"], note=row["note"])


@cache
def mappings(root: Path = GUIDELINES_DIR) -> tuple[FhirMapping, ...]:
    """The FHIR mappings of the packages in *root* (as ``kg.profile.fields.declarations`` reads them), read once."""
    found: list[FhirMapping] = []
    for package in packages_at(root):
        path = package.tables_dir / f"{TABLE}.tsv"
        if path.is_file():
            found.extend(mapping_from_row(row) for _, row in read_rows(path))
    return tuple(found)


# ---- checking the rows (the table rule profile_fhir_mappings) ---------------------------------------------------


def mapping_problems(
    rows: Sequence[tuple[int, str, Mapping[str, str]]],
    fields: Mapping[str, tuple[str, FieldDeclaration]],
    visible: Mapping[str, Collection[str]],
    resource_types: Collection[str],
    treats: Mapping[str, Collection[str]] | None = None,
) -> list[tuple[int, str, str, str]]:
    """(row key, column, value, rule) for every problem of profile_fhir rows beyond the column rules.

    *rows*: (key, package id, cells); *fields*: field name -> (declaring package, declaration); *visible*: package
    -> the packages it may refer to (itself and what it requires); *resource_types*: the FHIR R4 resource types;
    *treats*: package -> the conditions it treats (a row filling the ``conditions`` list belongs in the guideline
    package that treats the condition it fills in, whoever declares the field)."""
    treats = treats or {}
    problems: list[tuple[int, str, str, str]] = []
    reads_of: dict[str, str] = {}
    for key, package, row in rows:
        def report(column: str, value: str, rule: str, key: int = key,
                   problems: list[tuple[int, str, str, str]] = problems) -> None:
            problems.append((key, column, value, rule))
        name, reads = row["field"], row["reads"]
        declared = fields.get(name)
        if declared is None or declared[0] not in visible.get(package, ()):
            report("field", name, "names a field profile_fields.tsv of this package (or one it requires) does not "
                                  "declare")
        elif declared[1].type == "conditions":
            if row["field_value"] not in treats.get(package, ()):
                report("field_value", row["field_value"], "a conditions row fills in a condition its own guideline "
                                                          "package treats (manifest conditions)")
        elif declared[0] != package:
            report("field", name, f"the row belongs in the package that declares the field ({declared[0]})")
        for resource in _split(row["resource"]):
            if resource not in resource_types:
                report("resource", resource, "not a FHIR R4 resource type")
        for column in ("element", "value_element"):
            if row[column] and not ELEMENT.match(row[column]):
                report(column, row[column], "a simple FHIRPath: element names joined by '.'")
        codes: list[Code] = []
        for curie in _split(row["codes"]):
            try:
                codes.append(parse_code(curie))
            except ValueError as error:
                report("codes", curie, str(error))
        if any(c.code == ANY_CODE for c in codes) and reads not in ("medication", "trial"):
            report("codes", row["codes"], "PREFIX:* (any code, resolved through the graph) only for a drug "
                                          "(reads medication or trial)")
        for value in _split(row["value_codes"]):
            if value not in BOOLEAN_VALUES:
                try:
                    parse_code(value)
                except ValueError as error:
                    report("value_codes", value, f"true, false or a code: {error}")
        if row["value_codes"] and not row["value_element"]:
            report("value_codes", row["value_codes"], "needs value_element (the element the value codes are in)")
        if row["status"] and row["status"] not in STATUSES:
            report("status", row["status"], f"not one of: {', '.join(STATUSES)}")
        try:
            parse_where(row["where"])
        except ValueError as error:
            report("where", row["where"], str(error))
        try:
            parse_units(row["units"])
        except ValueError as error:
            report("units", row["units"], str(error))
        if reads_of.setdefault(name, reads) != reads:
            report("reads", reads, f"every row of field {name!r} reads it the same way ({reads_of[name]})")
        if reads not in READS:
            report("reads", reads, f"not one of: {', '.join(READS)}")
        elif declared is not None:
            problems += [(key, c, v, r) for c, v, r in _reads_problems(row, declared[1])]
    return problems


def _reads_problems(row: Mapping[str, str], field: FieldDeclaration) -> list[tuple[str, str, str]]:
    """(column, value, rule): the way of reading fits the field's type, and its value is one the field takes."""
    reads, value = row["reads"], row["field_value"]
    problems: list[tuple[str, str, str]] = []
    if field.type not in READS_TYPES[reads]:
        problems.append(("reads", reads, f"cannot fill field {field.name!r} of type {field.type} "
                                         f"(reads {reads} fills: {', '.join(READS_TYPES[reads])})"))
        return problems
    allowed = set(field.conditions) if field.type == "conditions" else set(field.words())
    if reads == "value" and value not in allowed and field.type != "conditions":  # conditions: checked above
        problems.append(("field_value", value, f"not a value of {field.name}: {', '.join(sorted(allowed))}"))
    if reads == "token":
        for pair in _split(value):
            fhir_code, sep, mapped = pair.partition("=")
            if not sep or not fhir_code or mapped not in allowed:
                problems.append(("field_value", pair, f"FHIR-code=value with a value of {field.name}: "
                                                f"{', '.join(sorted(allowed))}"))
    if reads == "trial" and value not in TRIAL_OUTCOME_WORDS:
        problems.append(("field_value", value, f"a trial outcome: {', '.join(TRIAL_OUTCOME_WORDS)}"))
    if reads in ("value", "quantity", "medication", "trial") and not row["codes"]:
        problems.append(("codes", "", f"required for reads {reads} (which records the row reads)"))
    if reads == "quantity":
        units = {u for u, _ in parse_units_or_empty(row["units"])}
        if not units:
            problems.append(("units", "", "required for reads quantity: UCUM-code=factor to the field's unit"))
        if not field.units:
            problems.append(("field", field.name, "reads quantity needs a field with a unit"))
    if reads == "value" and row["lookback_days"] and not row["value_element"]:
        problems.append(("lookback_days", row["lookback_days"], "only for a record with a dated value "
                                                                "(an Observation: value_element)"))
    return problems


def parse_units_or_empty(cell: str) -> tuple[tuple[str, Decimal], ...]:
    try:
        return parse_units(cell)
    except ValueError:
        return ()

