"""Generate the patient profile's JSON Schema from the field declarations.

``python -m kg.profile.schema_gen`` writes ``kg/schemas/patient-profile.schema.json`` from
``kg/tables/profile_fields.tsv``; ``--check`` only says whether the committed file is stale (exit 1).
The field types (tri-state, lab, medication list...) are the core's and are defined here once; which
fields a profile has, their values, units, bounds and defaults are the declarations'.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from kg.base.paths import PACKAGE_DIR
from kg.profile.fields import TRIAL_OUTCOMES, Declarations, FieldDeclaration, declarations

SCHEMA_FILE = PACKAGE_DIR / "schemas" / "patient-profile.schema.json"
TRI_STATE_DEF = "#/$defs/triState"
MAX_LIST_ITEMS = 100

DEFS: dict[str, Any] = {
    "triState": {
        "enum": [True, False, "yes", "no", "unknown"],
        "description": "a yes/no fact: true or \"yes\", false or \"no\", or \"unknown\" (the default when omitted); "
                       "YAML and JSON spellings mean the same (kg.profile.fields.TRI_STATE_VALUES normalises them)",
    },
    "triStateOrNone": {
        "enum": [True, False, "yes", "no", "none", "unknown"],
        "description": "a tri-state (see triState) that also accepts \"none\", meaning no",
    },
    "drug": {
        "type": "string", "minLength": 1, "maxLength": 200,
        "description": "drug name, brand name, RXNORM:<ingredient code> or ATC:<code>; a name or code the graph "
                       "does not know is kept as an unrecognised medication (checks undetermined)",
    },
    "date": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}(?![\\s\\S])"},
}
MEDICATIONS: dict[str, Any] = {
    "type": "array", "maxItems": MAX_LIST_ITEMS,
    "items": {
        "type": "object", "additionalProperties": False, "required": ["drug"],
        "properties": {
            "drug": {"$ref": "#/$defs/drug"},
            "daily_dose_mg": {"type": "number", "exclusiveMinimum": 0},
            "doses_per_day": {"type": "integer", "minimum": 1, "maximum": 24},
        },
    },
}
TRIALS: dict[str, Any] = {
    "type": "array", "maxItems": MAX_LIST_ITEMS,
    "items": {
        "type": "object", "additionalProperties": False, "required": ["drug", "outcome"],
        "properties": {
            "drug": {"$ref": "#/$defs/drug"},
            "max_daily_dose_mg": {"type": "number", "exclusiveMinimum": 0, "description": "highest daily dose reached"},
            "outcome": {"enum": list(TRIAL_OUTCOMES)},
            "adequate": {
                "type": "boolean",
                "description": "clinician's judgement that the trial was adequate; overrides the dose-based rule",
            },
        },
    },
}
IDENTIFIER: dict[str, Any] = {"type": "string", "maxLength": 64, "pattern": "^[a-z0-9]+(-[a-z0-9]+)*(?![\\s\\S])"}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _bounds(field: FieldDeclaration) -> dict[str, Any]:
    bounds = {}
    if field.minimum is not None:
        bounds["minimum"] = _number(field.minimum)
    if field.maximum is not None:
        bounds["maximum"] = _number(field.maximum)
    return bounds


def field_schema(field: FieldDeclaration, decl: Declarations) -> dict[str, Any]:
    """The JSON Schema of one declared field."""
    schema: dict[str, Any]
    if field.type in ("tri-state", "tri-state-or-none"):
        schema = {"$ref": TRI_STATE_DEF + ("" if field.type == "tri-state" else "OrNone")}
    elif field.type == "enum":
        schema = {"enum": list(field.values)}
    elif field.type == "integer":
        schema = {"type": "integer", "enum": [int(v) for v in field.values]}
    elif field.type == "number":
        schema = {"type": "number", **_bounds(field)}
    elif field.type == "identifier":
        schema = dict(IDENTIFIER)
    elif field.type == "lab":
        schema = {
            "type": "object", "additionalProperties": False, "required": ["value", "unit"],
            "properties": {
                "value": {"type": "number", **_bounds(field)},
                "unit": {"enum": list(field.units)},
                "date": {"$ref": "#/$defs/date"},
            },
        }
    elif field.type == "conditions":
        schema = {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(field.conditions)}}
    elif field.type == "medications":
        schema = json.loads(json.dumps(MEDICATIONS))
    elif field.type == "trials":
        schema = json.loads(json.dumps(TRIALS))
    else:  # object
        schema = _object(decl.children(field.name), decl)
    if field.description:
        schema["description"] = field.description
    return schema


def _object(fields: tuple[FieldDeclaration, ...], decl: Declarations) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
    required = [f.key for f in fields if f.required]
    if required:
        schema["required"] = required
    schema["properties"] = {f.key: field_schema(f, decl) for f in fields}
    return schema


def profile_schema(decl: Declarations | None = None) -> dict[str, Any]:
    """The patient profile's JSON Schema, from the declarations."""
    decl = decl or declarations()
    conditions = next((f for f in decl.fields if f.type == "conditions"), None)
    default = f" (omitted: {conditions.if_omitted})" if conditions else ""
    body = _object(decl.children(""), decl)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://w3id.org/cgkg/schemas/patient-profile.schema.json",
        "title": "Patient profile for kg decide",
        "description": (
            "One patient. Generated by python -m kg.profile.schema_gen from kg/tables/profile_fields.tsv: edit "
            f"the declarations, not this file. `conditions` names the conditions the patient has{default}. "
            "Every field the decision depends on may be omitted or given as \"unknown\": omitted means unknown, "
            "and unknown facts never lead to a 'recommended' status for an option that depends on them (the "
            "option is 'undetermined' and the output says what to measure or ask). Drugs are named by common "
            "name, brand name (as listed in the graph), RxNorm ingredient code (RXNORM:25480) or ATC code "
            "(ATC:N02BF01, or a replaced code such as ATC:N03AX12); a drug the graph does not know is accepted "
            "as an unrecognised medication and the decision says that its checks are undetermined. Every yes/no "
            "field takes true/false, \"yes\"/\"no\" or \"unknown\"."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": body.get("required", []),
        "$defs": DEFS,
        "properties": body["properties"],
    }


def schema_text(decl: Declarations | None = None) -> str:
    return json.dumps(profile_schema(decl), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None, target: Path = SCHEMA_FILE) -> int:
    """Write the schema (or, with --check, exit 1 when the committed one is stale)."""
    args = sys.argv[1:] if argv is None else argv
    text = schema_text()
    if "--check" in args:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is stale: run python -m kg.profile.schema_gen", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
