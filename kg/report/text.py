"""The report as plain text for a terminal: summary first (it opens with the one-line next step), then options by
group, then the algorithm and a legend of the evidence tags; --explain adds every reason, the merged actions and dose
checks, populations and hidden groups."""

from __future__ import annotations

import textwrap
from typing import Any

from kg.core.decide.decision import Decision
from kg.report.cross_guideline import tagged_statements
from kg.report.options import option_groups
from kg.report.summary import OTHER, algorithm_documents, by_kind, patient_description, section_key
from kg.report.vocabulary import Vocabulary, legend

LABEL_WIDTH = 16


def tag(basis: list[str] | str | None, sources: list[str], most: int | None = None) -> str:
    """[basis · sources] after a sentence; at most `most` sources (all when None), then a count."""
    bases = [basis] if isinstance(basis, str) else list(basis or [])
    most = len(sources) if most is None else most
    shown = ", ".join(sources[:most]) + (f" +{len(sources) - most}" if len(sources) > most else "")
    inside = " · ".join(x for x in (", ".join(bases), shown) if x)
    return f" [{inside}]" if inside else ""


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


def summary_lines(summary: dict[str, list[dict[str, Any]]], vocabulary: Vocabulary, width: int) -> list[str]:
    """One line (wrapped) per finding kind, under its section's label; empty sections say so."""
    sections = [(section_key(t.notation), t.label) for t in vocabulary.ordered("SummarySection")]
    sections += [(OTHER, "Other")] if summary.get(OTHER) else []
    lines = []
    for key, label in sections:
        items = summary.get(key, [])
        head = f"{label.upper():<{LABEL_WIDTH}}"
        if not items:
            lines.append(head + "nothing")
            continue
        for label, entries in by_kind(items):
            text = f"{label}: " + "; ".join(f"{subjects + ': ' if subjects else ''}{text}{tag(bases, sources, 1)}"
                                            for subjects, text, bases, sources in entries)
            lines += _wrap(text, width, head, " " * LABEL_WIDTH)
            head = " " * LABEL_WIDTH
    return lines


def option_lines(groups: list[dict[str, Any]], width: int, explain: bool) -> list[str]:
    lines = []
    for group in groups:
        if group["hidden"]:
            continue
        lines.append(f"{group['label'].upper()} ({group['count']})")
        for row in group["rows"]:
            facts = " · ".join(x for x in (row["status_label"], row["grade"], row["line"]) if x)
            reasons = [f"{r['effect'] + ': ' if explain else ''}{r['text']}"
                       f"{tag(r['evidence_basis'], r['sources'], None if explain else 3)}"
                       for r in row["reasons"]]
            if not reasons and not row["gate"]:
                reasons = ["no current statement applies to this patient"]
            if row["more"] and reasons:
                reasons[-1] += f" (+{row['more']} more)"
            names = ", ".join(row["options"])
            if row["gate"]:
                names = f"if {row['gate']} — {names}"
            if explain:
                lines += _wrap(f"{names} — {facts}", width, "  ", "    ")
                for reason in reasons:
                    lines += _wrap(reason, width, "      ", "        ")
            else:
                lines += _wrap(" — ".join(x for x in (names, facts, " | ".join(reasons)) if x), width, "  ", "      ")
    hidden = [g for g in groups if g["hidden"]]
    for group in hidden:
        lines.append(f"{group['count']} option(s) {group['label']} not shown; --explain shows them, every reason and "
                     "the drug-class rows.")
    return lines


def cross_guideline_lines(data: dict[str, Any], width: int) -> list[str]:
    """A decision on several guidelines: the conflicts between them (each side's guideline, statements with their
    tags, the side's tags and sources; the link; what to do), then the concordances, each shown once."""
    links = data.get("cross_guideline")
    if links is None:
        return []
    lines = [f"CROSS-GUIDELINE CONFLICTS ({len(links['conflicts'])})"]
    for link in links["conflicts"]:
        lines += _wrap(f"{link['conflict']} ({link['kind']}): {' '.join((link['mechanism'] or '').split())}",
                       width, "  ", "      ")
        for side in link["sides"].values():
            statements = tagged_statements(side)
            who = side["guideline"] or "link"
            lines += _wrap(f"{who}: {', '.join(side['agents'])}{' — ' if side['agents'] and statements else ''}"
                           f"{statements}{tag(side['evidence_basis'], side['sources'])}", width, "    ", "        ")
            for action in side["statement_actions"]:  # what the side's statements themselves say to do
                lines += _wrap(f"says {action}", width, "      ", "          ")
        lines += _wrap(f"do: {link['action']}", width, "    ", "        ")
    lines.append(f"CONCORDANCES ({len(links['concordances'])}): both guidelines disfavour; shown once, not as "
                 "conflicts")
    for link in links["concordances"]:
        sides = " / ".join(f"{side['guideline']}: {', '.join(s['statement'] for s in side['statements'])}"
                           f"{tag(side['evidence_basis'], side['sources'], 3)}"
                           for name, side in link["sides"].items() if name != "link")
        lines += _wrap(f"{link['conflict']}: {sides}", width, "  ", "      ")
    return lines


def options_by_guideline(data: dict[str, Any], decision: Decision, explain: bool, width: int) -> list[str]:
    """The options by report group; on several guidelines, under each guideline in turn."""
    if "guidelines" not in data:
        return option_lines(option_groups(data, decision, explain), width, explain)
    lines = []
    for group in data["guidelines"]:
        members = set(group["options"])
        lines.append(f"OPTIONS OF {group['title'].upper()} ({group['guideline']})")
        subset = {**data, "options": [o for o in data["options"] if o["option"] in members]}
        lines += option_lines(option_groups(subset, decision, explain), width, explain)
    return lines


def algorithm_lines(data: dict[str, Any], vocabulary: Vocabulary, width: int, explain: bool,
                    documents: str = "") -> list[str]:
    """Every step with its state (due now, possibly due, done, not needed); one line each with --explain. Nothing
    when the build has no algorithm."""
    algorithm = data["algorithm"]
    if not algorithm["steps"]:
        return []
    marked = []
    for step in algorithm["steps"]:
        state = vocabulary.step_state(step["due"], step["done"])
        mark = state.label if state else f"due {step['due']}"
        marked.append((step, mark))
    head = f"ALGORITHM{documents}, current step {algorithm['current_step'] or '-'}:"
    if explain:
        return [head] + [f"  {step['step']}. {mark:<13} {step['instruction']}" for step, mark in marked]
    return _wrap(head + " " + " · ".join(f"{step['step']} {step['label']} [{mark}]" for step, mark in marked),
                 width, "", "  ")


def detail_lines(data: dict[str, Any], vocabulary: Vocabulary, width: int) -> list[str]:
    """--explain only: every action, dose check and interaction row, and the populations."""
    lines = ["ACTIONS"]
    for a in data["actions"]:
        via = f" via {a['via_label']}" if a["via_label"] and a["via_label"] != a["label"] else ""
        instruction = f": {a['instruction']}" if a["instruction"] else ""
        lines += _wrap(f"{vocabulary.label('FindingKind', a['kind'])}: {a['label']}{via}{instruction}"
                       f"{tag(a['evidence_basis'], a['sources'])}", width, "  ", "    ")
    lines.append("CURRENT REGIMENS")
    for check in data["dose_checks"]:
        numbers = f" {check['current']:g} vs {check['limit']:g}:" if check["current"] is not None else ""
        lines += _wrap(f"{check['label']} · {vocabulary.label('FindingKind', check['kind'])}:{numbers} "
                       f"{' '.join((check['text'] or check['statement'] or '').split())}"
                       f"{tag(check['evidence_basis'], check['sources'])}", width, "  ", "    ")
    lines.append("INTERACTIONS")
    for i in data["interactions"]:
        lines += _wrap(f"{' + '.join(i['drugs'])} ({i['severity']}): {i['effect']} Management: {i['management']}"
                       f"{tag(i['evidence_basis'], i['sources'])}", width, "  ", "    ")
    lines.append("POPULATIONS")
    for p in data["populations"]:
        text = f"{p['membership']}: {p['label']} ({p['rule']}){tag(p['evidence_basis'], [])}"
        lines += _wrap(text, width, "  ", "    ")
    return lines


def to_text(data: dict[str, Any], decision: Decision, explain: bool = False, width: int = 150,
            why: list[str] | None = None) -> str:
    vocabulary = Vocabulary.of(decision)
    who = patient_description(data)
    title = f"TREATMENT REPORT · patient {data['patient']['id']}{f' ({who})' if who else ''}"
    rule = "=" * min(width, 100)
    lines = [f"{title} · reasoner {decision.reasoner} · a curation exercise, not for patient care", rule]
    lines += cross_guideline_lines(data, width)
    lines += summary_lines(data["summary"], vocabulary, width)
    lines.append("=" * min(width, 100))
    lines += options_by_guideline(data, decision, explain, width)
    lines += algorithm_lines(data, vocabulary, width, explain, algorithm_documents(decision))
    lines += _wrap(f"TAGS [basis · sources]: {legend(vocabulary)}", width, "", "  ")
    if explain:
        lines += detail_lines(data, vocabulary, width)
    for line in why or []:
        lines += _wrap(line, width, "", "      ")
    return "\n".join(line.rstrip() for line in lines)
