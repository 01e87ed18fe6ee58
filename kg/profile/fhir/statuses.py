"""Which FHIR R4 records count, per resource type: the FHIR status value sets, not a clinical rule.

``current``: a record of what holds now (an active, not refuted, not provisional Condition; a final, amended or
corrected Observation; an active MedicationRequest or MedicationStatement; an active, not refuted
AllergyIntolerance). ``refuted``: a Condition whose verificationStatus is refuted (ruled out), the only way FHIR
says a condition is absent; an absent record never means absent (fail safe: the field stays unknown).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# resource type -> (element, the codes that count, whether an absent element counts)
Test = tuple[str, frozenset[str], bool]
CURRENT: dict[str, tuple[Test, ...]] = {
    "Patient": (),
    "Condition": (("clinicalStatus", frozenset({"active", "recurrence", "relapse"}), False),
                  ("verificationStatus", frozenset({"confirmed"}), True)),
    "Observation": (("status", frozenset({"final", "amended", "corrected"}), False),),
    "MedicationRequest": (("status", frozenset({"active"}), False),),
    "MedicationStatement": (("status", frozenset({"active"}), False),),
    "AllergyIntolerance": (("clinicalStatus", frozenset({"active"}), True),
                           ("verificationStatus", frozenset({"confirmed"}), True)),
}
REFUTED: dict[str, tuple[Test, ...]] = {
    "Condition": (("verificationStatus", frozenset({"refuted"}), False),),
}
STATUS_TESTS = {"current": CURRENT, "refuted": REFUTED}


def values_at(data: Any, path: str) -> list[Any]:
    """The values at a simple FHIRPath (dotted element names), through lists, as FHIRPath navigates."""
    found = [data]
    for name in path.split("."):
        step: list[Any] = []
        for item in found:
            value = item.get(name) if isinstance(item, Mapping) else None
            if isinstance(value, list):
                step.extend(value)
            elif value is not None:
                step.append(value)
        found = step
    return found


def tokens(resource: Mapping[str, Any], path: str) -> set[str]:
    """The codes at an element: a code string, or the codes of a CodeableConcept or Coding (any system)."""
    return {str(code) for code in _codes(values_at(resource, path))}


def _codes(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, Mapping):
            yield from (c.get("code") for c in value.get("coding", [value]) if isinstance(c, Mapping) and c.get("code"))
        elif value is not None:
            yield value


def status_problem(resource: Mapping[str, Any], status: str) -> str | None:
    """None when the record counts for *status* (``current`` or ``refuted``), else why not (for the input report)."""
    tests = STATUS_TESTS[status].get(str(resource.get("resourceType")))
    if tests is None:
        return f"no {status} status is defined for {resource.get('resourceType')}"
    for path, allowed, absent_counts in tests:
        found = tokens(resource, path)
        if not found and absent_counts:
            continue
        if not found & allowed:
            shown = ", ".join(sorted(found)) or "absent"
            return f"{path} {shown} (counts as {status}: {', '.join(sorted(allowed))})"
    return None
