"""Options grouped for the report (use now, ask first, later, avoid, not covered: cg:ReportGroup, by
decision status), with the grade of the best recommendation and the decisive reasons as sentences."""

from __future__ import annotations

from typing import Any

from kg.core.decide.decision import Decision
from kg.report.summary import shorten
from kg.report.vocabulary import Vocabulary, reason_order

SILENT_LINE = "not-applicable"  # a line of therapy the report does not print


def classes_with_members(decision: Decision) -> set[str]:
    """Drug-class options that have assessed member options (their members carry the detail)."""
    return {str(r["class"]).rsplit("/", 1)[-1] for r in decision.report.get("option-members", [])}


def grade(vocabulary: Vocabulary, reasons: list[dict[str, Any]]) -> str:
    """Strength and certainty of the most decisive recommendation that carries a grade."""
    for reason in sorted(reasons, key=lambda r: reason_order(vocabulary, r)):
        if reason["strength"] is not None:
            strength = vocabulary.label("Strength", reason["strength"])
            certainty = vocabulary.label("Certainty", reason["certainty"])
            return strength if strength == certainty else f"{strength}, {certainty} certainty"
    return ""


def shown_reasons(vocabulary: Vocabulary, reasons: list[dict[str, Any]], explain: bool) -> list[dict[str, Any]]:
    """All reasons (explain), else the most decisive one."""
    ordered = sorted(reasons, key=lambda r: reason_order(vocabulary, r))
    return ordered if explain else ordered[:1]


def reason_line(vocabulary: Vocabulary, reason: dict[str, Any], explain: bool) -> dict[str, Any]:
    effect = vocabulary.label("ReasonEffect", reason["effect"])
    text = " ".join((reason["text"] or "").split()) if explain else shorten(reason["text"], 85)
    if reason["applies"] == "possibly":
        text = f"if a missing fact applies: {text}"
    return {"effect": effect, "text": text or reason["statement"] or reason["kind"],
            "statement": reason["statement"], "evidence_basis": reason["evidence_basis"],
            "sources": reason["sources"], "grade": grade(vocabulary, [reason]) if explain else ""}


def option_groups(data: dict[str, Any], decision: Decision, explain: bool) -> list[dict[str, Any]]:
    vocabulary = Vocabulary.of(decision)
    hide_classes = set() if explain else classes_with_members(decision)
    groups: dict[str, dict[str, Any]] = {}
    for term in vocabulary.ordered("ReportGroup"):
        groups[term.notation] = {"notation": term.notation, "label": term.label, "rows": [], "count": 0,
                                 "hidden": not explain and term.get("hidden") == "true"}
    for option in data["options"]:
        if option["option"] in hide_classes:
            continue
        group = vocabulary.group_of_status(option["status"])
        key = group.notation if group else option["status"]
        target = groups.setdefault(key, {"notation": key, "label": key, "rows": [], "count": 0, "hidden": False})
        target["count"] += 1
        reasons = shown_reasons(vocabulary, option["reasons"], explain)
        row = {"options": [option["label"]], "ids": [option["option"]], "status": option["status"],
               "status_label": vocabulary.label("DecisionStatus", option["status"]),
               "grade": grade(vocabulary, option["reasons"]), "line": "" if option["line_of_therapy"] == SILENT_LINE
               else vocabulary.label("LineOfTherapy", option["line_of_therapy"]),
               "reasons": [reason_line(vocabulary, r, explain) for r in reasons],
               "more": len(option["reasons"]) - len(reasons)}
        same = next((r for r in target["rows"] if not explain and _same(r, row)), None)
        if same is None:
            target["rows"].append(row)
        else:
            same["options"] += row["options"]
            same["ids"] += row["ids"]
            same["more"] = max(same["more"], row["more"])
    return [g for g in groups.values() if g["count"]]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("status", "grade", "line")
    return all(a[k] == b[k] for k in keys) and \
        [r["statement"] for r in a["reasons"]] == [r["statement"] for r in b["reasons"]]
