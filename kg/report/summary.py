"""The summary that opens the report: every finding of a decision (due algorithm steps with their
sourced doses, actions, dose checks, interactions, statuses of drugs the patient takes, undetermined
options), one per target and kind with sources merged, placed in a summary section by its kind
(cg:FindingKind in the ontology). A kind the vocabulary does not know goes to "other", never dropped."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from kg.decision import Decision, Row
from kg.report.vocabulary import Vocabulary, reason_order

Item = dict[str, Any]
OTHER = "other"
SENTENCE_END = re.compile(r"(?<=[a-z0-9)%\]])[.;]\s+(?=[A-Z\"(])")
PARENTHESES = re.compile(r"\s*\([^()]*\)")


def patient_description(data: dict[str, Any]) -> str:
    """'58 y, female' from the profile facts (empty when neither is given)."""
    facts = data["patient"]["facts"]
    age = facts.get("age_years")
    parts = (f"{age:g} y" if isinstance(age, int | float) else "", str(facts.get("sex") or ""))
    return ", ".join(x for x in parts if x)


def section_key(notation: str) -> str:
    return notation.replace("-", "_")


def shorten(text: str | None, limit: int = 110) -> str:
    """The first sentence of a statement text, cut at a word boundary when still longer than limit."""
    text = " ".join((text or "").split())
    first = SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".")
    if len(first) > limit:  # asides in parentheses (nested ones too) go first
        while PARENTHESES.search(first):
            first = PARENTHESES.sub("", first)
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _item(kind: str, vocabulary: Vocabulary, subject: str, text: str, bases: list[str] | set[str],
          sources: list[str] | set[str]) -> Item:
    return {"kind": kind, "label": vocabulary.label("FindingKind", kind), "subject": subject, "text": text,
            "evidence_basis": sorted({b for b in bases if b}, key=lambda b: vocabulary.rank("EvidenceBasis", b)),
            "sources": sorted({s for s in sources if s})}


def _number(value: float | str | None) -> str:
    return "" if value is None else f"{float(value):g}"


def dose_text(regimen: Row) -> str:
    """A dosing regimen in words: start, target range per day, doses per day, timing."""
    unit = str(regimen["unit"] or "")
    parts = []
    start, low, high = (_number(regimen[k]) for k in ("startDose", "targetMin", "targetMax"))
    if low or high:
        if start and start != low:
            parts.append(f"start {start} {unit}")
        parts.append(f"{low if low == high or not high else f'{low}-{high}'} {unit}/day".replace(" /", "/"))
    elif start:
        parts.append(f"{start} {unit}")
    if regimen["maxDaily"] is not None:
        parts.append(f"max {_number(regimen['maxDaily'])} {unit}/day")
    if regimen["dosesPerDay"] is not None:
        parts.append(f"{_number(regimen['dosesPerDay'])}x daily")
    if regimen["timing"]:
        parts.append(shorten(str(regimen["timing"]).split(";")[0], 50))
    return ", ".join(parts)


def _shows_dose(vocabulary: Vocabulary, status: str | None) -> bool:
    """Whether the summary gives a dose for a drug with this status (cg:summaryShowsDose of its report group)."""
    group = vocabulary.group_of_status(status) if status else None
    return status is None or (group is not None and group.get("showsDose") == "true")


def _dose_items(data: dict[str, Any], decision: Decision, steps: list[int], vocabulary: Vocabulary) -> list[Item]:
    """Per due step, the drugs it uses that the patient takes (else every drug it uses), when their report group
    shows doses: the best sourced regimen for this patient (population-specific first, then with a dose range,
    then by evidence basis), and the best sourced maximum."""
    status = {o["option"]: o["status"] for o in data["options"]}
    rows = [r for r in decision.report.get("step-doses", []) if int(r["step"]) in steps  # type: ignore[arg-type]
            and _shows_dose(vocabulary, status.get(str(r["drug"]).rsplit("/", 1)[-1]))]
    items, seen = [], set()
    for step in steps:
        mine = [r for r in rows if int(r["step"]) == step]  # type: ignore[arg-type]
        taken = [r for r in mine if str(r["taken"]) == "true"]
        by_drug: dict[str, list[Row]] = defaultdict(list)
        for r in taken or mine:
            by_drug[str(r["drugLabel"])].append(r)
        for drug, regimens in by_drug.items():
            if drug in seen:
                continue
            seen.add(drug)
            regimens.sort(key=lambda r: (str(r["specific"]) != "true",
                                         r["targetMin"] is None and r["startDose"] is None, int(r["basisRank"])))  # type: ignore[arg-type]
            best = regimens[0]
            used = [best]
            text = dose_text(best)
            if best["maxDaily"] is None:
                capped = min((r for r in regimens if r["maxDaily"] is not None), default=None,
                             key=lambda r: (str(r["specific"]) != "true", int(r["basisRank"])))  # type: ignore[arg-type]
                if capped is not None:
                    used.append(capped)
                    text += f"; max {_number(capped['maxDaily'])} {capped['unit'] or ''}/day ({capped['basis']})"
            items.append(_item("sourced-dose", vocabulary, f"{drug} (step {step})", text,
                               [str(r["basis"]) for r in used],
                               [s for r in used for s in str(r["sources"] or "").split("|")]))
    return items


def _algorithm_items(data: dict[str, Any], decision: Decision, vocabulary: Vocabulary) -> list[Item]:
    algorithm = data["algorithm"]
    current = algorithm["current_step"]
    shown = []
    for step in algorithm["steps"]:
        state = vocabulary.step_state(step["due"], step["done"])
        if state is not None and state.get("section"):
            shown.append((step, state))
    shown.sort(key=lambda pair: (pair[0]["step"] != current, pair[0]["step"]))
    items = []
    for step, _state in shown:
        if step["step"] == current:
            subject, text = f"step {step['step']} of {len(algorithm['steps'])} (current)", step["instruction"]
            items.append(_item("algorithm-step", vocabulary, subject, text or step["label"], [], []))
    others = [(step, state) for step, state in shown if step["step"] != current]
    for label in dict.fromkeys(state.label for _, state in others):  # the other steps by state, numbers only
        numbers = ", ".join(str(step["step"]) for step, state in others if state.label == label)
        items.append(_item("algorithm-step", vocabulary, f"also {label}", f"step {numbers}", [], []))
    return items + _dose_items(data, decision, [s["step"] for s, _ in shown], vocabulary)


def merged_actions(data: dict[str, Any], vocabulary: Vocabulary) -> list[Item]:
    """One item per action kind and target; instructions, routes or tests, bases and sources merged."""
    merged: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for action in data["actions"]:
        merged[(action["kind"], action["target"] or action["label"])].append(action)
    items = []
    for (kind, _), rows in merged.items():
        notes = sorted({shorten(r["instruction"], 40) for r in rows if r["instruction"]})
        instructions = [n for n in notes if not n.endswith("…")]  # short directives; longer advice is counted
        via = list(dict.fromkeys(r["via_label"] for r in rows if r["via_label"] and r["via_label"] != r["label"]))
        text = "; ".join(instructions) or ", ".join(via)
        if instructions and via and len(notes) > len(instructions):
            text += f" (via {', '.join(via)})"
        if len(notes) > len(instructions):
            text += f" (+{len(notes) - len(instructions)} note{'s' if len(notes) - len(instructions) > 1 else ''})"
        items.append(_item(kind, vocabulary, rows[0]["label"] or rows[0]["target"], text,
                           [r["evidence_basis"] for r in rows], [s for r in rows for s in r["sources"]]))
    return items


def merged_dose_checks(data: dict[str, Any], vocabulary: Vocabulary) -> list[Item]:
    """One item per drug and check kind; statement texts, bases and sources merged."""
    merged: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for check in data["dose_checks"]:
        merged[(check["drug"], check["kind"])].append(check)
    items = []
    for (_, kind), rows in merged.items():
        rows.sort(key=lambda r: vocabulary.rank("EvidenceBasis", r["evidence_basis"]))
        numbers = next(((r["current"], r["limit"]) for r in rows if r["current"] is not None), None)
        texts = list(dict.fromkeys(shorten(r["text"], 80) for r in rows if r["text"]))
        if numbers is not None:
            text = f"{_number(numbers[0])} (sourced {_number(numbers[1])})"
        else:
            text = texts[0] if texts else rows[0]["rule"] or ""
            texts = texts[1:]
        if texts and numbers is None:
            text += f" (+{len(texts)} more)"
        items.append(_item(kind, vocabulary, rows[0]["label"] or rows[0]["drug"], text,
                           [r["evidence_basis"] for r in rows], [s for r in rows for s in r["sources"]]))
    return items


def _as_class(row: Any, side: str) -> str:
    """'mirtazapine (serotonergic drugs)': the drug, and the class through which it triggers the interaction."""
    drug, cls = str(row[f"label{side}"]), str(row[f"class{side}"])
    return drug if cls == drug else f"{drug} ({cls})"


def _interaction_items(decision: Decision, vocabulary: Vocabulary) -> list[Item]:
    items = []
    for row in decision.interactions:
        severity = vocabulary.label("InteractionSeverity", str(row["severity"]))
        items.append(_item("interaction", vocabulary, f"{_as_class(row, 'A')} + {_as_class(row, 'B')}",
                           f"{severity}: {shorten(str(row['effect']), 60)}; {shorten(str(row['management']), 90)}",
                           [str(row["basis"])], str(row["sources"] or "").split("|")))
    return items


def main_reason(vocabulary: Vocabulary, reasons: list[dict[str, Any]]) -> dict[str, Any] | None:
    return min(reasons, key=lambda r: reason_order(vocabulary, r), default=None)


def _status_items(data: dict[str, Any], decision: Decision, vocabulary: Vocabulary) -> list[Item]:
    """Drugs the patient takes whose status has a finding kind when taken; other options by the kind when not taken."""
    taken = {str(r["drugId"]) for r in decision.report.get("current-drugs", [])}
    items = []
    for option in data["options"]:
        term = vocabulary.term("DecisionStatus", option["status"])
        kind = term.get("ifTaken" if option["option"] in taken else "ifNotTaken") if term else None
        if not kind:
            continue
        reason = main_reason(vocabulary, option["reasons"])
        text = term.label if term else option["status"]
        if reason is not None:
            text += f": {shorten(reason['text'], 80)}"
        items.append(_item(kind, vocabulary, option["label"], text,
                           [reason["evidence_basis"]] if reason else [], reason["sources"] if reason else []))
    return items


def _undetermined_items(data: dict[str, Any], vocabulary: Vocabulary, hidden: set[str]) -> list[Item]:
    options = [o for o in data["options"] if o["option"] not in hidden
               and (group := vocabulary.group_of_status(o["status"])) is not None and group.notation == "ask-first"]
    if not options:
        return []
    possible = {p["population"]: p["label"] for p in data["populations"] if p["membership"] == "possibly"}
    depends = sorted({possible[r["population"]] for o in options for r in o["reasons"] if r["population"] in possible})
    text = "undetermined" + (f"; depends on: {', '.join(depends)}" if depends else "")
    return [_item("undetermined-option", vocabulary, ", ".join(o["label"] for o in options), text, [], [])]


def build_summary(data: dict[str, Any], decision: Decision,
                  hidden_options: set[str] | None = None) -> dict[str, list[Item]]:
    """Summary sections (keys from the ontology's cg:SummarySection notations, plus "other") -> items."""
    vocabulary = Vocabulary.of(decision)
    summary: dict[str, list[Item]] = {section_key(t.notation): [] for t in vocabulary.ordered("SummarySection")}
    summary[OTHER] = []
    findings = (_algorithm_items(data, decision, vocabulary) + merged_actions(data, vocabulary)
                + _status_items(data, decision, vocabulary) + merged_dose_checks(data, vocabulary)
                + _interaction_items(decision, vocabulary)
                + _undetermined_items(data, vocabulary, hidden_options or set()))
    for item in findings:
        section = vocabulary.section_of_kind(item["kind"])
        summary[section_key(section) if section else OTHER].append(item)
    return summary


def by_kind(items: list[Item]) -> list[tuple[str, list[tuple[str, str, list[str], list[str]]]]]:
    """Items of a section per kind (in order of appearance); items of one kind with the same text, bases and
    sources are merged, their subjects joined: [(kind label, [(subjects, text, bases, sources)])]."""
    kinds: dict[str, tuple[str, dict[tuple, list[str]]]] = {}
    for item in items:
        label, merged = kinds.setdefault(item["kind"], (item["label"], {}))
        key = (item["text"], tuple(item["evidence_basis"]), tuple(item["sources"]))
        merged.setdefault(key, []).append(item["subject"])
    return [(label, [(", ".join(subjects), text, list(bases), list(sources))
                     for (text, bases, sources), subjects in merged.items()])
            for label, merged in kinds.values()]
