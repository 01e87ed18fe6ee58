"""The summary that opens the report: every finding of a decision (due algorithm steps with their
sourced doses, actions, dose checks, interactions, statuses of drugs the patient takes, undetermined
options), one per target and kind with sources merged, placed in a summary section by its kind
(cg:FindingKind in the ontology). A kind the vocabulary does not know goes to "other", never dropped."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from kg.core.decide.decision import Decision, Row
from kg.report.vocabulary import Term, Vocabulary, ordered_reasons

Item = dict[str, Any]
OTHER = "other"
# finding kinds the summary composes itself (cg:FindingKind notations in the ontology)
NEXT_STEP, DOSE, WHEN_STOPPING = "next-step", "dose", "when-stopping"
DUE_NOW = "due-now"  # the cg:AlgorithmStepState of a step due now
SENTENCE_END = re.compile(r"(?<=[a-z0-9)%\]])[.;]\s+(?=[A-Z\"(])")
PARENTHESES = re.compile(r"\s*\([^()]*\)")


def patient_description(data: dict[str, Any]) -> str:
    """'58 y, female' from the profile facts (empty when neither is given)."""
    facts = data["patient"]["facts"]
    age = facts.get("age_years")
    parts = (f"{age:g} y" if isinstance(age, int | float) else "", str(facts.get("sex") or ""))
    return ", ".join(x for x in parts if x)


def algorithm_documents(decision: Decision) -> str:
    """' (seed)': the documents the algorithm's steps are read from, for a heading after the word "algorithm"
    (queries/decision/report-algorithm-documents.rq); empty when there are none."""
    documents = [str(r["document"]) for r in decision.report.get("algorithm-documents", [])]
    return f" ({', '.join(documents)})" if documents else ""


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
          sources: list[str] | set[str], ids: list[str] | tuple[str, ...] = ()) -> Item:
    return {"kind": kind, "label": vocabulary.label("FindingKind", kind), "subject": subject, "text": text,
            "evidence_basis": sorted({b for b in bases if b}, key=lambda b: vocabulary.rank("EvidenceBasis", b)),
            "sources": sorted({s for s in sources if s}), "subject_ids": list(dict.fromkeys(i for i in ids if i))}


def _number(value: float | str | None) -> str:
    return "" if value is None else f"{float(value):g}"


def _local(term: object) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


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


def _shows_dose(vocabulary: Vocabulary, option: dict[str, Any] | None) -> bool:
    """Whether the summary gives a dose for a drug (an option, or None: not an option) by cg:summaryShowsDose of the
    report group it is listed under (``report_group``: a drug outside the guideline's sources shows none)."""
    group = report_group(vocabulary, option) if option is not None else None
    return option is None or (group is not None and group.get("showsDose") == "true")


def _dose_items(data: dict[str, Any], decision: Decision, steps: list[int], vocabulary: Vocabulary,
                dose_lines: set[str]) -> list[Item]:
    """Per due step, the drugs it uses that the patient takes (else every drug it uses), when their report group
    shows doses and no dose finding already gives the drug its one dose line: the best sourced regimen for this
    patient (population-specific first, then with a dose range, then by evidence basis), and the best sourced
    maximum."""
    options = {o["option"]: o for o in data["options"]}
    rows = [r for r in decision.report.get("step-doses", []) if int(r["step"]) in steps  # type: ignore[arg-type]
            and _shows_dose(vocabulary, options.get(_local(r["drug"])))]
    items, seen = [], set(dose_lines)
    for step in steps:
        mine = [r for r in rows if int(r["step"]) == step]  # type: ignore[arg-type]
        taken = [r for r in mine if str(r["taken"]) == "true"]
        by_drug: dict[str, list[Row]] = defaultdict(list)
        for r in taken or mine:
            by_drug[_local(r["drug"])].append(r)
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
            items.append(_item("sourced-dose", vocabulary, f"{best['drugLabel']} (step {step})", text,
                               [str(r["basis"]) for r in used],
                               [s for r in used for s in str(r["sources"] or "").split("|")], [drug]))
    return items


def _algorithm_items(data: dict[str, Any], decision: Decision, vocabulary: Vocabulary,
                     dose_lines: set[str]) -> list[Item]:
    algorithm = data["algorithm"]
    current = algorithm["current_step"]
    shown = []
    for step in algorithm["steps"]:
        state = vocabulary.step_state(step["due"], step["done"])
        if state is not None and state.get("section"):
            shown.append((step, state))
    shown.sort(key=lambda pair: (pair[0]["step"] != current, pair[0]["step"]))
    items = []
    for step, state in shown:
        if step["step"] == current:
            subject = f"step {step['step']} of {len(algorithm['steps'])} (current, {state.label})"
            items.append(_item("algorithm-step", vocabulary, subject, step["instruction"] or step["label"], [], []))
    others = [(step, state) for step, state in shown if step["step"] != current]
    for label in dict.fromkeys(state.label for _, state in others):  # the other steps by state, numbers only
        numbers = ", ".join(str(step["step"]) for step, state in others if state.label == label)
        items.append(_item("algorithm-step", vocabulary, f"also {label}", f"step {numbers}", [], []))
    dosed = [step["step"] for step, state in shown if state.notation == DUE_NOW or step["step"] == current]
    return items + _dose_items(data, decision, dosed, vocabulary, dose_lines)


def merged_actions(data: dict[str, Any], vocabulary: Vocabulary, kinds_left_out: tuple[str, ...] = ()) -> list[Item]:
    """One item per action kind and target; short instructions, routes or tests, bases and sources merged (longer
    advice is in the JSON actions and in --explain)."""
    merged: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for action in data["actions"]:
        if action["kind"] not in kinds_left_out:
            merged[(action["kind"], action["target"] or action["label"])].append(action)
    items = []
    for (kind, target), rows in merged.items():
        notes = sorted({shorten(r["instruction"], 40) for r in rows if r["instruction"]})
        instructions = [n for n in notes if not n.endswith("…")]  # short directives; longer advice is counted
        via = list(dict.fromkeys(r["via_label"] for r in rows if r["via_label"] and r["via_label"] != r["label"]))
        text = "; ".join(instructions) or ", ".join(via)
        if instructions and via and len(notes) > len(instructions):
            text += f" (via {', '.join(via)})"
        items.append(_item(kind, vocabulary, rows[0]["label"] or rows[0]["target"], text,
                           [r["evidence_basis"] for r in rows], [s for r in rows for s in r["sources"]], [target]))
    return items


def _current_dose(decision: Decision, drug: str) -> str:
    """The patient's current daily dose of a drug (summed over its rows) and doses a day, as entered."""
    rows = [r for r in decision.report.get("current-drugs", []) if str(r["drugId"]) == drug]
    doses = [float(r["dailyDose"]) for r in rows if r["dailyDose"] is not None]  # type: ignore[arg-type]
    per_day = [float(r["dosesPerDay"]) for r in rows if r["dosesPerDay"] is not None]  # type: ignore[arg-type]
    text = f"now {sum(doses):g} mg/day" if doses else "now"
    if len(rows) == 1 and per_day:
        text += f" in {per_day[0]:g} dose{'s' if per_day[0] != 1 else ''}"
    return text


def merged_dose_checks(data: dict[str, Any], decision: Decision, vocabulary: Vocabulary) -> list[Item]:
    """One dose line per drug (cg:FindingCurrentDose): the current dose and every dose finding with its sourced number;
    checks of other kinds (a caution on a current drug) one item per drug and kind, statement texts merged."""
    dose_section = vocabulary.section_of_kind(DOSE)
    by_drug: dict[str, list[dict[str, Any]]] = defaultdict(list)
    other: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for check in data["dose_checks"]:
        if check["current"] is not None and vocabulary.section_of_kind(check["kind"]) == dose_section:
            by_drug[check["drug"]].append(check)
        else:
            other[(check["drug"], check["kind"])].append(check)
    items = []
    for drug, rows in by_drug.items():
        kinds = list(dict.fromkeys(r["kind"] for r in rows))
        findings = []
        for kind in kinds:
            limits = sorted({r["limit"] for r in rows if r["kind"] == kind and r["limit"] is not None})
            findings.append(f"{vocabulary.label('FindingKind', kind)} (sourced {', '.join(map(_number, limits))})")
        text = f"{_current_dose(decision, drug)}: {'; '.join(findings)}"
        item = _item(DOSE, vocabulary, rows[0]["label"] or drug, text, [r["evidence_basis"] for r in rows],
                     [s for r in rows for s in r["sources"]], [drug])
        item["_phrases"] = [term.get("nextStepPhrase") for kind in kinds
                            if (term := vocabulary.term("FindingKind", kind))]
        items.append(item)
    for (drug, kind), rows in other.items():
        rows.sort(key=lambda r: vocabulary.rank("EvidenceBasis", r["evidence_basis"]))
        texts = list(dict.fromkeys(shorten(r["text"], 80) for r in rows if r["text"]))
        items.append(_item(kind, vocabulary, rows[0]["label"] or drug, texts[0] if texts else rows[0]["rule"] or "",
                           [r["evidence_basis"] for r in rows], [s for r in rows for s in r["sources"]], [drug]))
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
                           [str(row["basis"])], str(row["sources"] or "").split("|"),
                           [_local(row["drugA"]), _local(row["drugB"])]))
    return items


def main_reason(vocabulary: Vocabulary, option: dict[str, Any]) -> dict[str, Any] | None:
    """The reason that decided the option's status (ADR 0016)."""
    ordered = ordered_reasons(vocabulary, option["reasons"], option["status"])
    return ordered[0] if ordered else None


def _status_items(data: dict[str, Any], decision: Decision, vocabulary: Vocabulary) -> list[Item]:
    """Drugs the patient takes whose status has a finding kind when taken; other options by the kind when not taken.
    A reason effect with its own finding kind when taken (a note that the drug does not worsen the condition)
    replaces the status's: the drug is never listed under stop or change; so does the finding kind of the reason
    effect that decided the status, where it applies (``decisive_kind``: not covered by the guideline's sources)."""
    taken = {str(r["drugId"]) for r in decision.report.get("current-drugs", [])}
    items = []
    for option in data["options"]:
        term = vocabulary.term("DecisionStatus", option["status"])
        is_taken = option["option"] in taken
        kind = term.get("ifTaken" if is_taken else "ifNotTaken") if term else None
        reason = main_reason(vocabulary, option)
        decisive = decisive_kind(vocabulary, reason)
        noted = [(r, own) for r in option["reasons"] if is_taken
                 and (own := (vocabulary.term("ReasonEffect", r["effect"]) or Term("", "")).get("ifTaken"))]
        if decisive or noted:
            reason, kind = (reason, decisive) if decisive else noted[0]
            text = shorten(reason["text"], 80)  # type: ignore[index]
            if decisive and reason["population_label"]:  # type: ignore[index]
                text = f"{reason['population_label']}: {text}"  # type: ignore[index]
        elif not kind:
            continue
        else:
            text = term.label if term else option["status"]
            if reason is not None:
                text += f": {shorten(reason['text'], 80)}"
        items.append(_item(kind, vocabulary, option["label"], text,  # type: ignore[arg-type]
                           [reason["evidence_basis"]] if reason else [], reason["sources"] if reason else [],
                           [option["option"]]))
    return items


def decisive_kind(vocabulary: Vocabulary, reason: dict[str, Any] | None) -> str | None:
    """The finding kind of the reason effect that decided an option's status (its main reason;
    cg:findingKindIfDecisive), when that reason applies (``yes``: where it only may, the status waits on a fact and
    stays with the undetermined ones)."""
    return _if_decisive(vocabulary, reason, "ifDecisive")


def report_group(vocabulary: Vocabulary, option: dict[str, Any]) -> Term | None:
    """The report group an option is listed under: that of the reason effect that decided its status
    (cg:reportGroupIfDecisive), when that reason applies as ``decisive_kind`` says, else its status's."""
    group = _if_decisive(vocabulary, main_reason(vocabulary, option), "groupIfDecisive")
    return vocabulary.term("ReportGroup", group) if group else vocabulary.group_of_status(option["status"])


def _if_decisive(vocabulary: Vocabulary, reason: dict[str, Any] | None, column: str) -> str | None:
    effect = vocabulary.term("ReasonEffect", reason["effect"]) if reason else None
    return effect.get(column) if effect and reason and reason["applies"] == "yes" else None


def _undetermined_items(data: dict[str, Any], vocabulary: Vocabulary, hidden: set[str]) -> list[Item]:
    options = [o for o in data["options"] if o["option"] not in hidden
               and not decisive_kind(vocabulary, main_reason(vocabulary, o))
               and (group := report_group(vocabulary, o)) is not None and group.notation == "ask-first"]
    if not options:
        return []
    possible = {p["population"]: p["label"] for p in data["populations"] if p["membership"] == "possibly"}
    depends = sorted({possible[r["population"]] for o in options for r in o["reasons"] if r["population"] in possible})
    text = "undetermined" + (f"; depends on: {', '.join(depends)}" if depends else "")
    return [_item("undetermined-option", vocabulary, ", ".join(o["label"] for o in options), text, [], [],
                  [o["option"] for o in options])]


def _attach_when_stopping(items: list[Item], data: dict[str, Any], vocabulary: Vocabulary) -> None:
    """How to stop or reduce a drug (a gradual taper) next to the first advice to stop or change that drug; advice
    for a drug the report does not advise changing stays in the JSON actions only."""
    stop_section = vocabulary.section_of_kind(WHEN_STOPPING)
    advice: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for action in data["actions"]:
        if action["kind"] == WHEN_STOPPING:
            advice[action["target"]].append(action)
    for item in items:
        if vocabulary.section_of_kind(item["kind"]) != stop_section or len(item["subject_ids"]) != 1:
            continue
        rows = advice.pop(item["subject_ids"][0], [])
        if rows:
            procedures = ", ".join(dict.fromkeys(r["via_label"] for r in rows if r["via_label"]))
            item["text"] += f"; if changed: {procedures}"
            bases = {*item["evidence_basis"], *(r["evidence_basis"] for r in rows if r["evidence_basis"])}
            item["evidence_basis"] = sorted(bases, key=lambda b: vocabulary.rank("EvidenceBasis", b))
            item["sources"] = sorted({*item["sources"], *(s for r in rows for s in r["sources"])})


def _phrase(vocabulary: Vocabulary, item: Item) -> str | None:
    if "_phrases" in item:
        return ", ".join(p for p in item["_phrases"] if p) or None
    term = vocabulary.term("FindingKind", item["kind"])
    return term.get("nextStepPhrase") if term else None


def next_step_item(data: dict[str, Any], decision: Decision, vocabulary: Vocabulary,
                   findings: list[Item]) -> Item | None:
    """The report's one-line next step, from the algorithm: the current step, then the other steps due (or possibly
    due) now, each with what to do (cg:nextStepPhrase of a finding's kind) for the drugs, substances, conditions and
    measurements it concerns (queries/decision/report-step-agents.rq; a finding several due steps concern goes to the
    last of them, e.g. a sub-adequate gabapentin dose to step 4); findings no due step concerns follow (e.g. for a
    patient outside every step's population)."""
    concerns: dict[int, set[str]] = defaultdict(set)
    for row in decision.report.get("step-agents", []):
        concerns[int(row["step"])].add(str(row["agentId"]))  # type: ignore[arg-type]
    algorithm = data["algorithm"]
    steps = [(step, state) for step in algorithm["steps"]
             if (state := vocabulary.step_state(step["due"], step["done"])) is not None and state.get("section")]
    steps.sort(key=lambda pair: (pair[0]["step"] != algorithm["current_step"], pair[0]["step"]))
    by_step: dict[int | None, list[tuple[Item, str]]] = defaultdict(list)
    for item in findings:
        phrase = _phrase(vocabulary, item)
        if phrase:
            mine = [step["step"] for step, _ in steps if set(item["subject_ids"]) & concerns[step["step"]]]
            by_step[max(mine) if mine else None].append((item, phrase))
    parts = []
    for step, state in steps:
        detail = _targets(by_step[step["step"]])
        if state.notation != DUE_NOW and step["step"] != algorithm["current_step"] and not detail:
            continue  # a step that is only possibly due (e.g. trial history unknown) is in the ask-or-measure section
        possibly = f", {state.label}" if state.notation != DUE_NOW else ""
        parts.append(f"step {step['step']} {step['label']}{possibly}" + (f": {detail}" if detail else ""))
    if rest := _targets(by_step[None]):
        parts.append(("also " if parts else "") + rest)
    if not parts:
        return None
    selected = [item for pairs in by_step.values() for item, _ in pairs]
    return _item(NEXT_STEP, vocabulary, "", " · ".join(parts), [b for i in selected for b in i["evidence_basis"]],
                 [s for i in selected for s in i["sources"]])


def _targets(selected: list[tuple[Item, str]]) -> str:
    """'phrase: subject, subject; phrase: subject' for the findings of one step."""
    by_phrase: dict[str, list[str]] = defaultdict(list)
    for item, phrase in selected:
        if item["subject"] not in by_phrase[phrase]:
            by_phrase[phrase].append(item["subject"])
    return "; ".join(f"{phrase}: {', '.join(subjects)}" for phrase, subjects in by_phrase.items())


def build_summary(data: dict[str, Any], decision: Decision,
                  hidden_options: set[str] | None = None) -> dict[str, list[Item]]:
    """Summary sections (keys from the ontology's cg:SummarySection notations, plus "other") -> items; the first item
    of "now" is the one-line next step."""
    vocabulary = Vocabulary.of(decision)
    summary: dict[str, list[Item]] = {section_key(t.notation): [] for t in vocabulary.ordered("SummarySection")}
    summary[OTHER] = []
    doses = merged_dose_checks(data, decision, vocabulary)
    dose_lines = {i for item in doses if item["kind"] == DOSE for i in item["subject_ids"]}
    findings = (_algorithm_items(data, decision, vocabulary, dose_lines)
                + merged_actions(data, vocabulary, kinds_left_out=(WHEN_STOPPING,))
                + _status_items(data, decision, vocabulary) + doses
                + _interaction_items(decision, vocabulary)
                + _undetermined_items(data, vocabulary, hidden_options or set()))
    _attach_when_stopping(findings, data, vocabulary)
    next_step = next_step_item(data, decision, vocabulary, findings)
    for item in ([next_step] if next_step else []) + findings:
        item.pop("_phrases", None)
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
