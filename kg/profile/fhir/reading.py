"""FHIR R4 records -> the project's patient profile (a dict, validated and decided like a YAML profile), driven by
the packages' ``profile_fhir.tsv`` rows (kg/profile/fhir/mapping.py): no field is named in this module.

For each record, the rows of its resource type say whether it fills a field (codes, ``where``, status, value
codes); then each field is made from its matching records by the row's ``reads``:

* ``value``: the row's value. Observations: the most recent dated one (within ``lookback_days`` when the row gives
  one) decides; Conditions: current or refuted. Two different values (the same day, or a current and a refuted
  record) are ambiguous: the field is left unknown and the report says why. A definite value beats ``unknown``.
* ``age``: whole years from the date element to the as-of date (a partial birthDate only when every day it allows
  gives the same age).
* ``token``: the element's code through the row's ``FHIR-code=value`` pairs.
* ``quantity``: the most recent final value with a known UCUM unit, converted by the row's factor (two different
  values the same day, a comparator, an unknown unit: left unknown).
* ``medication`` / ``trial``: the drug resolved through the graph's names and codes (``RXNORM:*``); an unknown
  code stays as written (an unrecognised medication); daily dose from R4 Dosage (kg/profile/fhir/dosage.py), summed
  over the records of the same drug.
* ``id``: the element as the profile's identifier when it is one (lower-case kebab-case).

Records about another patient, records dated after the as-of date and records of types no row reads are listed in
the report as not used, with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rdflib import URIRef

from kg.base.errors import UserError
from kg.model.namespaces import CODE_SYSTEMS
from kg.profile.drug_names import resolve
from kg.profile.fhir.dosage import dose_of
from kg.profile.fhir.mapping import ANY_CODE, BOOLEAN_VALUES, FhirMapping, mappings
from kg.profile.fhir.records import Record, checked, records
from kg.profile.fhir.report import InputReport
from kg.profile.fhir.statuses import status_problem, values_at
from kg.profile.fields import UNKNOWN, Declarations, FieldDeclaration, declarations

PREFIX_OF_SYSTEM = {system: prefix for prefix, system in CODE_SYSTEMS.items()}
MEDICATION = "Medication"  # read through a record's medicationReference
DOSAGE_ELEMENT = {"MedicationRequest": "dosageInstruction", "MedicationStatement": "dosage"}
PROFILE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_DOSES_PER_DAY = 24  # the profile schema's bound on doses_per_day


@dataclass(frozen=True)
class FhirProfile:
    """A FHIR input read: the profile dict and the input report."""

    profile: dict[str, Any]
    report: InputReport


@dataclass(frozen=True)
class Match:
    """A record a row reads: the row's value (None when the record's value is not one the row reads) and its date."""

    record: Record
    row: FhirMapping
    value: str | None
    date: dt.date | None
    codes: tuple[str, ...] = ()  # the matched codings, as CURIEs


def profile_from_fhir(data: Mapping[str, Any], agents: dict[str, URIRef], as_of: dt.date) -> FhirProfile:
    """The profile a FHIR R4 Bundle or resource gives at *as_of*, with its input report (module doc)."""
    rows = mappings()
    decl = declarations()
    by_type: dict[str, list[FhirMapping]] = defaultdict(list)
    for row in rows:
        for resource in row.resources:
            by_type[resource].append(row)
    found = checked(records(data), frozenset({*by_type, MEDICATION}))
    report = InputReport(as_of)
    reader = _Reader(found, agents, as_of, report)
    matches: dict[str, list[Match]] = defaultdict(list)
    for record in found:
        if record.type == MEDICATION:
            continue
        if not by_type.get(record.type):
            report.skip(record.reference, f"no profile field reads {record.type} records")
            continue
        other = reader.other_subject(record)
        if other:
            report.skip(record.reference, other)
            continue
        hits, reasons = [], []
        for row in by_type[record.type]:
            hit = reader.match(record, row)
            (hits if isinstance(hit, Match) else reasons).append(hit)
        for hit in hits:
            matches[hit.row.field].append(hit)
        if not hits:
            report.skip(record.reference, max(reasons, key=lambda r: r[0])[1])
    for medication in reader.unreferenced_medications():
        report.skip(medication.reference, "a Medication no medication record refers to")
    profile: dict[str, Any] = {}
    for declared in decl.fields:
        field_rows = [r for r in rows if r.field == declared.name]
        if not field_rows:
            continue
        value = READERS[field_rows[0].reads](reader, declared, matches.get(declared.name, []))
        if value is None:
            resources = sorted({t for r in field_rows for t in r.resources})
            if not any(u["field"] == declared.name for u in report.ambiguous):
                report.unstated.append({"field": declared.name, "reason": f"no {'/'.join(resources)} record "
                                        "states it: unknown (unless a profile implication fills it)"})
        else:
            _set(profile, declared.name, value)
    _check_required(profile, decl, report)
    return FhirProfile(profile, report)


def _set(data: dict[str, Any], name: str, value: Any) -> None:
    *parents, last = name.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def _check_required(profile: dict[str, Any], decl: Declarations, report: InputReport) -> None:
    missing = [f.name for f in decl.fields if f.required and not f.parent and f.name not in profile]
    if missing:
        said = "; ".join(u["reason"] for u in report.unstated if u["field"] in missing)
        raise UserError(f"FHIR input: no record gives the required field(s) {', '.join(missing)} ({said}); "
                        "a Patient resource is needed")


class _Reader:
    """Matching records to rows, and making field values from the matches."""

    def __init__(self, found: list[Record], agents: dict[str, URIRef], as_of: dt.date, report: InputReport) -> None:
        self.agents, self.as_of, self.report = agents, as_of, report
        patients = [r for r in found if r.type == "Patient"]
        ids = sorted({str(p.resource.get("id", "")) for p in patients})
        if len(ids) > 1:
            listed = ", ".join(p.reference for p in patients)
            raise UserError(f"FHIR input: {len(patients)} Patient resources ({listed}): one patient per decision")
        self.patient_id = ids[0] if ids else None
        self.patient_urls = {p.full_url for p in patients if p.full_url}
        self.by_reference = {r.reference: r for r in found if r.resource.get("id")}
        self.referenced: set[str] = set()

    # ---- matching ----------------------------------------------------------------------------------------

    def other_subject(self, record: Record) -> str | None:
        """Why a record is about another patient than the input's Patient, or None."""
        if self.patient_id is None or record.type == "Patient":
            return None
        refs = [v.get("reference") for key in ("subject", "patient") for v in values_at(record.resource, key)
                if isinstance(v, Mapping) and v.get("reference")]
        other = [ref for ref in refs
                 if ref.rsplit("/", 2)[-2:] != ["Patient", self.patient_id] and ref not in self.patient_urls]
        return f"about another patient ({other[0]}), not Patient/{self.patient_id}" if other else None

    def match(self, record: Record, row: FhirMapping) -> Match | tuple[int, str]:
        """The match of a record by a row, or (rank, why not): the reason shown is the one of the row that got
        furthest (a status beats an unknown code)."""
        codes: tuple[str, ...] = ()
        if row.codes:
            codings = self.codings(record, row.element)
            codes = tuple(c for c in codings if self.code_matches(c, row))
            if not codes:
                shown = ", ".join(codings) or "none"
                return 1, f"code(s) not recognised by any profile field: {shown}"
        for path, wanted in row.where:
            if wanted not in {str(v) for v in values_at(record.resource, path)}:
                return 2, f"{path} is not {wanted}"
        if row.status:
            problem = status_problem(record.resource, row.status)
            if problem:
                return 3, f"{', '.join(codes) or record.type}: {problem}"
        value: str | None = row.value
        if row.value_codes:
            given = self.value_codes(record, row.value_element)
            value = row.value if set(given) & set(row.value_codes) else None
        return Match(record, row, value, self.date(record), codes)

    def codings(self, record: Record, element: str) -> list[str]:
        """The codings at an element as CURIEs (``system|code`` for a system without a prefix); a medication
        element absent in favour of a ``medicationReference`` is read from the Medication's code."""
        values = values_at(record.resource, element)
        if not values and element == "medicationCodeableConcept":
            medication = self.medication(record)
            values = values_at(medication.resource, "code") if medication else []
        return [self.curie(c) for v in values if isinstance(v, Mapping) for c in v.get("coding", [])
                if isinstance(c, Mapping) and c.get("code")]

    @staticmethod
    def curie(coding: Mapping[str, Any]) -> str:
        prefix = PREFIX_OF_SYSTEM.get(str(coding.get("system", "")))
        return f"{prefix}:{coding['code']}" if prefix else f"{coding.get('system', '(no system)')}|{coding['code']}"

    @staticmethod
    def code_matches(curie: str, row: FhirMapping) -> bool:
        prefix = curie.partition(":")[0]
        return any(str(c) == curie or (c.code == ANY_CODE and c.prefix == prefix) for c in row.codes)

    def value_codes(self, record: Record, element: str) -> list[str]:
        values = values_at(record.resource, element)
        if values and all(isinstance(v, bool) for v in values):
            return [BOOLEAN_VALUES[0] if v else BOOLEAN_VALUES[1] for v in values]
        return [self.curie(c) for v in values if isinstance(v, Mapping) for c in v.get("coding", [])
                if isinstance(c, Mapping) and c.get("code")]

    @staticmethod
    def date(record: Record) -> dt.date | None:
        """The clinically relevant date of a record (Observation effective[x]), or None."""
        for path in ("effectiveDateTime", "effectiveInstant", "effectivePeriod.start"):
            found = values_at(record.resource, path)
            if found and isinstance(found[0], str) and len(found[0]) >= 10:
                return dt.date.fromisoformat(found[0][:10])
        return None

    def medication(self, record: Record) -> Record | None:
        """The Medication a record's medicationReference names (contained ``#id`` or in the input)."""
        reference = (record.resource.get("medicationReference") or {}).get("reference", "")
        if reference.startswith("#"):
            for contained in record.resource.get("contained", []):
                if contained.get("resourceType") == MEDICATION and contained.get("id") == reference[1:]:
                    return Record(contained, f"{record.reference}.contained")
            return None
        found = self.by_reference.get("/".join(reference.rsplit("/", 2)[-2:]))
        if found is not None:
            self.referenced.add(found.reference)
        return found

    def unreferenced_medications(self) -> list[Record]:
        return [r for ref, r in self.by_reference.items() if r.type == MEDICATION and ref not in self.referenced]

    # ---- making field values -------------------------------------------------------------------------------

    def dated(self, name: str, matches: list[Match]) -> list[Match]:
        """The matches with a date within the look-back and not after the as-of date; the others reported."""
        kept = []
        for match in matches:
            lookback = match.row.lookback_days
            if match.date is None:
                self.report.skip(match.record.reference, f"{name}: no effective date, so it cannot be told whether "
                                                          "it is the current value")
            elif match.date > self.as_of:
                self.report.skip(match.record.reference, f"{name}: dated {match.date} after the as-of date")
            elif lookback is not None and match.date < self.as_of - dt.timedelta(days=lookback):
                self.report.skip(match.record.reference, f"{name}: dated {match.date}, older than the "
                                                          f"{lookback}-day look-back")
            else:
                kept.append(match)
        return kept

    def latest(self, name: str, matches: list[Match]) -> list[Match]:
        """The matches of the most recent date (the older ones reported as superseded)."""
        kept = self.dated(name, matches)
        if not kept:
            return []
        last = max(m.date for m in kept if m.date is not None)
        for match in kept:
            if match.date != last:
                self.report.skip(match.record.reference, f"{name}: superseded by a more recent record ({last})")
        return [m for m in kept if m.date == last]

    def value(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        observed = [m for m in matches if m.row.value_element]
        chosen = self.latest(field.name, observed) + [m for m in matches if not m.row.value_element]
        unread = [m for m in chosen if m.value is None]
        for match in unread:
            given = ", ".join(self.value_codes(match.record, match.row.value_element)) or "none"
            self.report.skip(match.record.reference, f"{field.name}: its value is not one a mapping reads ({given})")
        if field.type == "conditions":
            values = [c for c in field.conditions if any(m.value == c for m in chosen)]
            for match in (m for m in chosen if m.value is not None):
                self.report.use(match.record.reference, field.name, match.value, match.row.id)
            return values or None
        if unread and observed and all(m.value is None for m in chosen if m.row.value_element):
            self.report.conflict(field.name, [m.record.reference for m in unread],
                                 "the most recent record's value is not one a mapping reads")
            return None
        definite = [m for m in chosen if m.value not in (None, UNKNOWN)]
        pool = definite or [m for m in chosen if m.value == UNKNOWN]
        values = sorted({m.value for m in pool if m.value is not None})
        if len(values) > 1:
            self.report.conflict(field.name, [m.record.reference for m in pool],
                                 f"records disagree ({', '.join(f'{m.record.reference}: {m.value}' for m in pool)})")
            return None
        if not values:
            return None
        for match in pool:
            self.report.use(match.record.reference, field.name, match.value, match.row.id,
                            match.date.isoformat() if match.date else None)
        return typed(field, values[0])

    def age(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        for match in matches:
            born = values_at(match.record.resource, match.row.element)
            if not born:
                continue
            text = str(born[0])
            first, last = _date_bounds(text)
            if first > self.as_of:
                self.report.skip(match.record.reference, f"{field.name}: born {text}, after the as-of date")
                return None
            youngest, oldest = _years(last, self.as_of), _years(first, self.as_of)
            if youngest != oldest:
                self.report.conflict(field.name, [match.record.reference],
                                     f"birthDate {text} allows ages {max(youngest, 0)} and {oldest} at {self.as_of}")
                return None
            self.report.use(match.record.reference, field.name, oldest, match.row.id)
            return oldest
        return None

    def token(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        for match in matches:
            found = values_at(match.record.resource, match.row.element)
            if not found:
                continue
            value = match.row.token_values().get(str(found[0]))
            if value is None:
                self.report.skip(match.record.reference, f"{field.name}: {match.row.element} {found[0]!r} is not a "
                                                         "code the mapping reads")
                return None
            self.report.use(match.record.reference, field.name, value, match.row.id)
            return value
        return None

    def identifier(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        for match in matches:
            found = values_at(match.record.resource, match.row.element)
            if found and PROFILE_ID.match(str(found[0])) and len(str(found[0])) <= 64:
                self.report.use(match.record.reference, field.name, str(found[0]), match.row.id)
                return str(found[0])
            if found:
                self.report.note(field.name, match.record.reference, f"{match.row.element} {found[0]!r} is not a "
                                 "profile identifier (lower-case kebab-case): the decision uses the default id")
        return None

    def quantity(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        latest, readable = self.latest(field.name, matches), []
        for match in latest:
            quantity = (values_at(match.record.resource, match.row.value_element) or [None])[0]
            unit = (quantity or {}).get("code") or (quantity or {}).get("unit")
            factors = dict(match.row.units)
            if not isinstance(quantity, Mapping) or quantity.get("value") is None:
                self.report.skip(match.record.reference, f"{field.name}: no {match.row.value_element} value")
            elif quantity.get("comparator"):
                self.report.skip(match.record.reference, f"{field.name}: {quantity['comparator']}{quantity['value']}"
                                                         " is not an exact value")
            elif unit not in factors:
                self.report.skip(match.record.reference, f"{field.name}: unit {unit!r} is not one the mapping "
                                 f"converts ({', '.join(factors)})")
            else:
                readable.append((match, Decimal(str(quantity["value"])) * factors[unit], unit))
        if len(readable) != len(latest):
            self.report.conflict(field.name, [m.record.reference for m in latest],
                                 "the most recent value cannot be read")
            return None
        values = sorted({value for _, value, _ in readable})
        if len(values) > 1:
            self.report.conflict(field.name, [m.record.reference for m, _, _ in readable],
                                 f"{len(values)} different values on {readable[0][0].date} "
                                 f"({', '.join(str(_number(v)) for v in values)} {field.units[0]})")
            return None
        if not values:
            return None
        match, value, unit = readable[0]
        if unit != field.units[0]:
            given = _number(value / dict(match.row.units)[unit])
            self.report.note(field.name, match.record.reference, f"{given} {unit} -> {_number(value)} {field.units[0]}")
        for used, _, _ in readable:
            self.report.use(used.record.reference, field.name, f"{_number(value)} {field.units[0]}", used.row.id,
                            match.date.isoformat() if match.date else None)
        return {"value": _number(value), "unit": field.units[0], "date": match.date.isoformat()}

    def drug(self, match: Match) -> tuple[str, bool]:
        """(the profile's drug name for a record, whether the graph knows it): the code that resolves, or the first
        code as written."""
        known = [c for c in match.codes if resolve(c, self.agents) is not None]
        agents = {resolve(c, self.agents) for c in known}
        if len(agents) == 1:
            return known[0], True
        if len(agents) > 1:
            self.report.note("", match.record.reference, f"codes {', '.join(known)} name different drugs: "
                                                         "kept as an unrecognised medication")
        return match.codes[0], False

    def medications(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        grouped: dict[str, list[Match]] = defaultdict(list)
        for match in matches:
            name, known = self.drug(match)
            if not known:
                self.report.note(field.name, match.record.reference, f"{name} is not a drug the graph knows: an "
                                                                     "unrecognised medication")
            grouped[name].append(match)
        items = []
        for name, group in grouped.items():
            item: dict[str, Any] = {"drug": name}
            daily, doses, problems = Fraction(0), Fraction(0), []
            as_needed = False
            for match in group:
                medication = self.medication(match.record)
                element = DOSAGE_ELEMENT.get(match.record.type, "dosage")
                dose = dose_of(values_at(match.record.resource, element), medication.resource if medication else None,
                               element)
                problems += [f"{match.record.reference} {p}" for p in dose.problems]
                as_needed = as_needed or dose.as_needed
                daily += dose.daily_mg or 0
                doses += dose.doses_per_day or 0
            if problems:
                self.report.note(field.name, ", ".join(m.record.reference for m in group),
                                 f"{name}: daily dose unknown: " + "; ".join(problems))
            else:
                if daily > 0:
                    item["daily_dose_mg"] = _number(daily)
                if as_needed:
                    self.report.note(field.name, ", ".join(m.record.reference for m in group),
                                     f"{name}: as needed: the daily dose is the maximum of maxDosePerPeriod; doses per "
                                     "day unknown")
                elif doses.denominator == 1 and 1 <= doses <= MAX_DOSES_PER_DAY:
                    item["doses_per_day"] = int(doses)
            items.append(item)
            for match in group:
                self.used(match, field.name, item)
        return items or None

    def used(self, match: Match, name: str, value: Any) -> None:
        """Report a record as used, and the Medication of the input it refers to (read through it)."""
        self.report.use(match.record.reference, name, value, match.row.id)
        medication = self.medication(match.record)
        if medication is not None and medication.reference in self.by_reference:
            self.report.use(medication.reference, name, f"read through {match.record.reference}", match.row.id)

    def trials(self, field: FieldDeclaration, matches: list[Match]) -> Any:
        items: list[dict[str, Any]] = []
        for match in matches:
            name, _ = self.drug(match)
            item = {"drug": name, "outcome": match.row.value}
            if item not in items:
                items.append(item)
            self.used(match, field.name, item)
        return items or None


READERS: dict[str, Callable[[_Reader, FieldDeclaration, list[Match]], Any]] = {
    "value": _Reader.value,
    "age": _Reader.age,
    "token": _Reader.token,
    "id": _Reader.identifier,
    "quantity": _Reader.quantity,
    "medication": _Reader.medications,
    "trial": _Reader.trials,
}


def typed(field: FieldDeclaration, value: str) -> Any:
    """A field value word as the profile writes it: tri-states as true/false/unknown."""
    if field.type in ("tri-state", "tri-state-or-none"):
        return {"yes": True, "no": False}.get(value, value)
    return int(value) if field.type == "integer" else value


def _number(value: Decimal | Fraction) -> int | float:
    """A number as the profile writes it: an integer when whole."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _date_bounds(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) allows."""
    parts = [int(p) for p in text[:10].split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def _years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
