"""The input report of a FHIR input: what each record gave, what was not used and why, what was ambiguous, and which
fields no record states (left unknown). Nothing is dropped silently: every record read is in ``used`` or
``not_used``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class InputReport:
    as_of: dt.date
    used: list[dict[str, Any]] = field(default_factory=list)  # record, field, value, date, mapping
    not_used: list[dict[str, str]] = field(default_factory=list)  # record, reason
    ambiguous: list[dict[str, Any]] = field(default_factory=list)  # field, records, reason (field left unknown)
    notes: list[dict[str, str]] = field(default_factory=list)  # field, record, note (a conversion, a partial dose)
    unstated: list[dict[str, str]] = field(default_factory=list)  # field, reason (no record: left unknown)

    def use(self, record: str, name: str, value: Any, mapping: str, date: str | None = None) -> None:
        item = {"record": record, "field": name, "value": value, "mapping": mapping}
        item = {**item, "date": date} if date else item
        if not any(u["record"] == record and u["field"] == name and u["value"] == value for u in self.used):
            self.used.append(item)

    def skip(self, record: str, reason: str) -> None:
        self.not_used.append({"record": record, "reason": reason})

    def conflict(self, name: str, records: list[str], reason: str) -> None:
        self.ambiguous.append({"field": name, "records": sorted(set(records)), "reason": reason})

    def note(self, name: str, record: str, text: str) -> None:
        self.notes.append({"field": name, "record": record, "note": text})

    def as_data(self) -> dict[str, Any]:
        """The report as plain data (the decision JSON's ``input`` section)."""
        return {
            "format": "FHIR R4",
            "as_of": self.as_of.isoformat(),
            "used": self.used,
            "not_used": self.not_used,
            "ambiguous": self.ambiguous,
            "notes": self.notes,
            "unstated": self.unstated,
        }



def report_lines(data: dict[str, Any]) -> list[str]:
    """An input report (``InputReport.as_data``) as short lines for a terminal."""
    out = [f"FHIR input as of {data['as_of']}: {len(data['used'])} value(s) used"]
    out += [f"  used: {u['record']} -> {u['field']} = {u['value']}" + (f" ({u['date']})" if u.get("date") else "")
            for u in data["used"]]
    out += [f"  AMBIGUOUS {a['field']}: {a['reason']} ({', '.join(a['records'])}): left unknown"
            for a in data["ambiguous"]]
    out += [f"  note {n['field']} ({n['record']}): {n['note']}" for n in data["notes"]]
    out += [f"  not used: {n['record']}: {n['reason']}" for n in data["not_used"]]
    out += [f"  unknown: {u['field']}: {u['reason']}" for u in data["unstated"]]
    return out
