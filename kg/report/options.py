"""Options grouped for the report (use now, ask first, later if, tried before, avoid, outside the sources, not covered:
cg:ReportGroup, by decision status, or by the reason effect that decided it: ADR 0027), with the grade of the best
recommendation, the reason that decided the status first (ADR 0016)
and, for a later line, the population (the gate) that opens it."""

from __future__ import annotations

from typing import Any

from kg.core.decide.decision import Decision
from kg.report.summary import report_group, shorten
from kg.report.vocabulary import Vocabulary, ordered_reasons

SILENT_LINE = "not-applicable"  # a line of therapy the report does not print
LATER_GROUP = "later"  # the report group (cg:ReportGroupLater) whose rows name the gate that opens them


def classes_with_members(decision: Decision) -> set[str]:
    """Drug-class options that have assessed member options (their members carry the detail)."""
    return {str(r["class"]).rsplit("/", 1)[-1] for r in decision.report.get("option-members", [])}


def grade(vocabulary: Vocabulary, reasons: list[dict[str, Any]], status: str | None = None) -> str:
    """Strength and certainty of the most decisive recommendation that carries a grade."""
    for reason in ordered_reasons(vocabulary, reasons, status):
        if reason["strength"] is not None:
            strength = vocabulary.label("Strength", reason["strength"])
            certainty = vocabulary.label("Certainty", reason["certainty"])
            return strength if strength == certainty else f"{strength}, {certainty} certainty"
    return ""


def shown_reasons(vocabulary: Vocabulary, option: dict[str, Any], explain: bool) -> list[dict[str, Any]]:
    """All reasons (explain), else the one that decided the option's status."""
    ordered = ordered_reasons(vocabulary, option["reasons"], option["status"])
    return ordered if explain else ordered[:1]


def gate(vocabulary: Vocabulary, option: dict[str, Any], line_gates: dict[str, str]) -> str:
    """For an option at a later line, what opens it: the algorithm step that opens its line
    (queries/decision/report-line-gates.rq), else the population of the reason that decided its status."""
    if option["line_of_therapy"] in line_gates:
        return line_gates[option["line_of_therapy"]]
    ordered = ordered_reasons(vocabulary, option["reasons"], option["status"])
    return (ordered[0].get("population_label") or ordered[0].get("population") or "") if ordered else ""


def line_gates(decision: Decision) -> dict[str, str]:
    """Later line -> the algorithm step that opens it, in words ("If alpha-2-delta ligands fail: low-dose opioids
    (step 5)")."""
    return {str(r["line"]): f"{_condition(str(r['label']))} (step {r['step']})"
            for r in decision.report.get("line-gates", [])}


def _condition(label: str) -> str:
    """A step label as the condition of "later, if ...": "If alpha-2-delta ligands fail: ..." -> "alpha-2-delta..."."""
    return label[3:] if label.lower().startswith("if ") else label


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
    gates = line_gates(decision)
    groups: dict[str, dict[str, Any]] = {}
    for term in vocabulary.ordered("ReportGroup"):
        groups[term.notation] = {"notation": term.notation, "label": term.label, "rows": [], "count": 0,
                                 "hidden": not explain and term.get("hidden") == "true"}
    for option in data["options"]:
        if option["option"] in hide_classes:
            continue
        group = report_group(vocabulary, option)
        key = group.notation if group else option["status"]
        target = groups.setdefault(key, {"notation": key, "label": key, "rows": [], "count": 0, "hidden": False})
        target["count"] += 1
        reasons = shown_reasons(vocabulary, option, explain)
        opened_by = gate(vocabulary, option, gates) if key == LATER_GROUP else ""
        if opened_by and not explain:  # a later line: the gate is the deciding reason; options it opens share a row
            reasons = []
        row = {"options": [option["label"]], "ids": [option["option"]], "status": option["status"],
               "status_label": vocabulary.label("DecisionStatus", option["status"]),
               "grade": "" if opened_by and not explain else grade(vocabulary, option["reasons"], option["status"]),
               "line": "" if option["line_of_therapy"] == SILENT_LINE
               else vocabulary.label("LineOfTherapy", option["line_of_therapy"]),
               "gate": opened_by,
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
    keys = ("status", "grade", "line", "gate")
    return all(a[k] == b[k] for k in keys) and \
        [r["statement"] for r in a["reasons"]] == [r["statement"] for r in b["reasons"]]
