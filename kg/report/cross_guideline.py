"""A decision on several guidelines (issue 19 item 5; ADR 0022): the options grouped by the guideline whose
recommendations are about them (queries/decision/report-option-guidelines.rq), and the cross-guideline links that
concern the patient, as conflicts and concordances (each shown once), each with both sides' guideline, statements,
evidence tags and sources, the rows that make the link and what to do (the rows of cq/cross-guideline-conflicts.rq
that queries/decision/cross-guideline.rq selects). A decision on one guideline has neither: its output is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from kg.core.decide.decision import Decision, Row

SIDES = ("A", "B", "link")
TAGGED = re.compile(r"^(?P<id>.*) \[(?P<basis>[^\[\]]*)\]$")  # "aasm2017-temazepam [S]" (the query's statement form)
SECTION_OF_LISTING = {"conflict": "conflicts", "concordance": "concordances"}  # cg:ConflictListing notations


def _text(term: Any) -> str | None:
    return None if term is None else str(term)


def _split(term: Any) -> list[str]:
    return sorted({part for part in str(term or "").split("|") if part})


def _statements(term: Any) -> list[dict[str, str]]:
    statements = []
    for part in sorted({p for p in str(term or "").split("|") if p}):
        match = TAGGED.match(part)
        statements.append({"statement": match["id"], "evidence_basis": match["basis"]} if match
                          else {"statement": part, "evidence_basis": ""})
    return statements


def _side(row: Row) -> dict[str, Any]:
    return {"guideline": _text(row["guideline"]), "guideline_title": _text(row["guidelineTitle"]),
            "agents": _split(row["agents"]), "statements": _statements(row["statements"]),
            "evidence_basis": _split(row["basis"]), "sources": _split(row["sources"]),
            "statement_actions": sorted({a for a in str(row["statementActions"] or "").split(" | ") if a})}


def tagged_statements(side: dict[str, Any]) -> str:
    """A side's statements, each with its own evidence tag: "aasm2017-temazepam [S], aasm2017-triazolam [S]"."""
    return ", ".join(f"{s['statement']} [{s['evidence_basis']}]" for s in side["statements"])


def cross_guideline_links(decision: Decision) -> dict[str, list[dict[str, Any]]]:
    """The links that concern the patient, by section (``conflicts``, ``concordances``), in the query's order."""
    links: dict[str, dict[str, Any]] = {}
    for row in decision.cross_guideline:
        link = links.setdefault(str(row["id"]), {
            "conflict": str(row["id"]), "kind": _text(row["kind"]), "listing": _text(row["listing"]),
            "mechanism": _text(row["mechanism"]), "action": _text(row["action"]), "sides": {}})
        link["sides"][str(row["side"])] = _side(row)
    sections: dict[str, list[dict[str, Any]]] = {section: [] for section in SECTION_OF_LISTING.values()}
    for link in links.values():
        link["sides"] = {side: link["sides"][side] for side in SIDES if side in link["sides"]}
        sections[_section(link["listing"])].append(link)
    return sections


def cross_guideline_ids(decision: Decision) -> dict[str, list[str]]:
    """The ids of ``cross_guideline_links``'s links, by section, in the same order (a compact decision's), without
    making their sides."""
    listings: dict[str, str | None] = {}
    for row in decision.cross_guideline:
        listings.setdefault(str(row["id"]), _text(row["listing"]))
    sections: dict[str, list[str]] = {section: [] for section in SECTION_OF_LISTING.values()}
    for link, listing in listings.items():
        sections[_section(listing)].append(link)
    return sections


def _section(listing: str | None) -> str:
    """The section of a link by its listing (a cg:ConflictListing notation); none or another: a conflict."""
    return SECTION_OF_LISTING.get(listing or "", "conflicts")


def guideline_groups(decision: Decision) -> list[dict[str, Any]]:
    """Each guideline with the options (ids from dcterms:identifier, in the decision's order) its recommendations are
    about; an option two guidelines address is under both, one no guideline's recommendation is about under none."""
    groups: dict[str, dict[str, Any]] = {}
    members: dict[str, dict[str, str]] = {}  # guideline -> option IRI -> option id
    for row in decision.report.get("option-guidelines", []):
        guideline = str(row["guideline"])
        groups.setdefault(guideline, {"guideline": guideline, "title": str(row["title"]), "options": []})
        members.setdefault(guideline, {})[str(row["option"])] = str(row["optionId"])
    for row in decision.options:
        for guideline, group in groups.items():
            if str(row["option"]) in members[guideline]:
                group["options"].append(members[guideline][str(row["option"])])
    return [group for group in groups.values() if group["options"]]


def multimorbidity_data(decision: Decision) -> dict[str, Any] | None:
    """The JSON parts of a decision on several guidelines (``guidelines``, ``cross_guideline``); None on one."""
    groups = guideline_groups(decision)
    if len(groups) < 2:
        return None
    return {"guidelines": groups, "cross_guideline": cross_guideline_links(decision)}
