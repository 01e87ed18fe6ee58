"""FHIR R4 input: the records of a Bundle (collection, searchset, transaction...), of a single resource, or of a CDS
Hooks prefetch object, each validated with the ``fhir.resources`` R4B models (fhir-cdshooks-omop.md §1.3: there
is no R4 package; R4B parses the US Core R4 examples).

A structural error names the resource (``Observation/lab-1``, or its place in the Bundle) and the element
(a FHIRPath such as ``valueQuantity.value`` or ``dosageInstruction[0].doseQuantity``) and is a ValidationError
(exit 2). Records are kept as the plain JSON objects they came as: the mapping reads them by element name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from kg.base.errors import MAX_VALUE_CHARS, Problem, ValidationError, shorten

BUNDLE = "Bundle"
OPERATION_OUTCOME = "OperationOutcome"
WHAT = "FHIR input"


@dataclass(frozen=True)
class Record:
    """One resource of the input: its JSON object and where it is (``Bundle.entry[3]``, ``prefetch.patient``)."""

    resource: Mapping[str, Any]
    place: str
    full_url: str = ""  # Bundle.entry.fullUrl (e.g. urn:uuid:...), what references inside a Bundle may use

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def reference(self) -> str:
        """``Observation/lab-1`` (or the place in the input, for a resource without an id)."""
        rid = self.resource.get("id")
        return f"{self.type}/{rid}" if rid else f"{self.type} at {self.place}"


@cache
def resource_types() -> frozenset[str]:
    """The FHIR R4 (R4B models) resource type names."""
    from fhir.resources.R4B import fhirtypes
    from fhir.resources.R4B.resource import Resource

    names = set()
    for name in dir(fhirtypes):
        if name.endswith("Type") and name != "ResourceType":
            try:
                model = fhirtypes.__dict__[name].get_model_klass()
            except (AttributeError, ImportError, ValueError):
                continue
            if isinstance(model, type) and issubclass(model, Resource):
                names.add(name.removesuffix("Type"))
    return frozenset(names)


def is_fhir(data: Any) -> bool:
    """True for a FHIR resource (a JSON object with ``resourceType``), the way the input is told from a profile."""
    return isinstance(data, Mapping) and "resourceType" in data


def records(data: Mapping[str, Any], place: str = "") -> list[Record]:
    """The resources of a Bundle (entry[].resource, nested Bundles too) or a single resource, in input order."""
    return list(_walk(data, place or str(data.get("resourceType", "input"))))


def _walk(data: Mapping[str, Any], place: str, full_url: str = "") -> Iterator[Record]:
    if data.get("resourceType") != BUNDLE:
        yield Record(data, place, full_url)
        return
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise _error(place, "entry", entries, "must be a list of entries")
    for index, entry in enumerate(entries):
        where = f"{place}.entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if resource is None:
            continue  # a transaction entry with a request only (e.g. DELETE): nothing to read
        if not is_fhir(resource):
            raise _error(where, "resource", resource, "must be a FHIR resource (an object with resourceType)")
        yield from _walk(resource, where, str(entry.get("fullUrl", "")))


def validate(record: Record) -> list[Problem]:
    """Every structural problem of one resource under the R4B model of its type, each naming the resource and the
    element (FHIRPath)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError as ModelError

    if record.type not in resource_types():
        return [Problem(element(record, "resourceType"), 0, "", shorten(record.type, MAX_VALUE_CHARS),
                        "not a FHIR R4 resource type")]
    try:
        get_fhir_model_class(record.type).model_validate(dict(record.resource))
    except ModelError as error:
        return [Problem(element(record, fhirpath(e["loc"])), 0, "", _shown(e.get("input")), e["msg"])
                for e in error.errors()]
    return []


def element(record: Record, path: str) -> str:
    """How a problem names where it is: ``Observation/lab-1 (Bundle.entry[2]) element valueQuantity.value``."""
    return f"{record.reference} ({record.place}) element {path}"


def checked(found: list[Record], types: frozenset[str]) -> list[Record]:
    """*found*, after validating every record of the *types* read; ValidationError listing every problem."""
    problems = [p for record in found if record.type in types for p in validate(record)]
    if problems:
        raise ValidationError(problems, what=WHAT)
    return found


def fhirpath(location: tuple[Any, ...]) -> str:
    """A pydantic error location as a FHIRPath: ('dosageInstruction', 0, 'doseQuantity') ->
    ``dosageInstruction[0].doseQuantity``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(resource)"


def _shown(value: Any) -> str:
    return shorten(repr(value) if not isinstance(value, str) else value, 80)


def _error(place: str, path: str, value: Any, rule: str) -> ValidationError:
    return ValidationError([Problem(f"{place} element {path}", 0, "", _shown(value), rule)], what=WHAT)
