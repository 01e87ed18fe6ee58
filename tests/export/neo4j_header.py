"""A checker for the CSV header grammar of ``neo4j-admin database import`` (Neo4j Operations Manual, "Import header
format"): each field is ``<name>:<field_type>``; node files need exactly one ``:ID`` (``name:ID`` also stores it,
``:ID(group)`` names an id space) and may have ``:LABEL``; relationship files need exactly one each of ``:START_ID``,
``:END_ID`` and ``:TYPE``; property types are int, long, float, double, boolean, byte, short, char, string, point,
date, localtime, time, localdatetime, datetime, duration, each optionally an array (``[]``); ``:IGNORE`` skips."""

from __future__ import annotations

import re

PROPERTY_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point", "date",
                  "localtime", "time", "localdatetime", "datetime", "duration"}
_FIELD = re.compile(r"^(?P<name>[^:]*)(?::(?P<kind>[A-Za-z_]+)(?P<array>\[\])?(?:\((?P<group>[^()]+)\))?)?$")
_KEYS = {"ID", "START_ID", "END_ID", "TYPE", "LABEL", "IGNORE"}


def header_errors(fields: list[str], kind: str) -> list[str]:
    """Problems with one file's header; *kind* is "nodes" or "relationships"."""
    errors, seen, counts = [], set(), {k: 0 for k in _KEYS}
    for field in fields:
        match = _FIELD.match(field)
        if not match:
            errors.append(f"{field!r}: not <name>:<field_type>")
            continue
        name, field_type, array, group = match["name"], match["kind"], match["array"], match["group"]
        if field_type in _KEYS:
            counts[field_type] += 1
            if array:
                errors.append(f"{field!r}: {field_type} cannot be an array")
            if group and field_type not in ("ID", "START_ID", "END_ID"):
                errors.append(f"{field!r}: only ID fields take an id group")
            if field_type in ("START_ID", "END_ID", "TYPE", "LABEL") and name:
                errors.append(f"{field!r}: {field_type} takes no name")
        elif field_type is None or field_type in PROPERTY_TYPES:
            if not name:
                errors.append(f"{field!r}: a property needs a name")
            if group:
                errors.append(f"{field!r}: a property takes no id group")
        else:
            errors.append(f"{field!r}: unknown type {field_type!r}")
        if name and field_type not in ("START_ID", "END_ID", "TYPE", "LABEL", "IGNORE"):
            if name in seen:
                errors.append(f"{field!r}: property {name!r} twice")
            seen.add(name)
    required = {"nodes": {"ID": 1}, "relationships": {"START_ID": 1, "END_ID": 1, "TYPE": 1}}[kind]
    for key, count in required.items():
        if counts[key] != count:
            errors.append(f"{kind} file needs exactly one :{key} (found {counts[key]})")
    forbidden = {"nodes": ("START_ID", "END_ID", "TYPE"), "relationships": ("ID", "LABEL")}[kind]
    errors += [f"{kind} file must not have :{key}" for key in forbidden if counts[key]]
    return errors


def parse_cell(text: str, field_type: str | None, array: bool, delimiter: str) -> object:
    """A cell's value as the import tool reads it (only the types the exports write)."""
    if text == "":
        return None
    convert = {"long": int, "int": int, "double": float, "float": float,
               "boolean": lambda v: {"true": True, "false": False}[v]}.get(field_type or "string", str)
    return [convert(v) for v in text.split(delimiter)] if array else convert(text)


def split_field(field: str) -> tuple[str, str | None, bool]:
    match = _FIELD.match(field)
    assert match, field
    return match["name"], match["kind"], bool(match["array"])
