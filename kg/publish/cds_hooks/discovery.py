"""The CDS Hooks 2.0 services this project offers (``GET /cds-services``), with prefetch templates made from the
packages' FHIR mapping (profile_fhir.tsv): every resource type a row reads, and for Observations the codes the rows
read (fhir-cdshooks-omop.md §2.1, §2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kg.profile.fhir.mapping import mappings

PATIENT_VIEW, ORDER_SELECT, ORDER_SIGN = "patient-view", "order-select", "order-sign"
PATIENT = "{{context.patientId}}"
# what a search for each resource type asks beyond the patient (a Condition of any status: a refuted one says "no")
SEARCH_FILTERS = {"MedicationRequest": "&status=active&_include=MedicationRequest:medication",
                  "MedicationStatement": "&status=active&_include=MedicationStatement:medication"}


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str

    def definition(self) -> dict[str, Any]:
        return {"hook": self.hook, "title": self.title, "description": self.description, "id": self.id,
                "prefetch": prefetch_templates()}


SERVICES = (
    Service("cgkg-patient-view", PATIENT_VIEW, "Guideline decision support (patient view)",
            "What to stop or change now, the safety findings, what to ask or measure and the current algorithm step, "
            "from the installed guideline packages' decision for this patient."),
    Service("cgkg-order-select", ORDER_SELECT, "Guideline check of a medication being ordered",
            "A card when a drafted medication order is contraindicated or recommended against for this patient, "
            "above a sourced maximum daily dose, or interacting with a current drug; no card when it is fine."),
    Service("cgkg-order-sign", ORDER_SIGN, "Guideline check of a medication order before signing",
            "The same checks as order-select, on the orders about to be signed."),
)
SERVICES_BY_ID = {s.id: s for s in SERVICES}


def prefetch_templates() -> dict[str, str]:
    """Prefetch key -> FHIR query template, one per resource type the mapping rows read."""
    codes: dict[str, set[str]] = {}
    for row in mappings():
        for resource in row.resources:
            found = codes.setdefault(resource, set())
            if resource == "Observation":
                found.update(f"{c.system}|{c.code}" for c in row.codes)
    templates = {}
    for resource in sorted(codes):
        if resource == "Patient":
            templates["patient"] = f"Patient/{PATIENT}"
            continue
        query = f"{resource}?patient={PATIENT}"
        if codes[resource]:
            query += "&code=" + ",".join(sorted(codes[resource]))
        templates[resource[0].lower() + resource[1:] + "s"] = query + SEARCH_FILTERS.get(resource, "")
    return templates


def discovery() -> dict[str, Any]:
    return {"services": [s.definition() for s in SERVICES]}
