"""CDS Hooks 2.0 cards from a decision (its JSON, kg/schemas/decision.schema.json): the presentation only, every
finding and reason comes from the decision (fhir-cdshooks-omop.md §2.4).

* patient-view: one card per summary section that has findings (stop or change, safety, ask or measure, now), its
  detail the findings in Markdown with their evidence labels and sources; what to measure as ServiceRequest
  suggestions (the test named as the decision names it, no code added).
* order-select / order-sign: for each drafted medication, a card when its option status is contraindicated,
  recommended against, failed before or undetermined, when a dose check or an interaction involves it; none when
  the order is fine. The recommended options of the same line of therapy are offered as alternatives (delete the
  draft, create a draft of the alternative with its RxNorm code from the graph's mappings).

Indicator (§2.4, design): contraindicated -> critical; recommended against, a caution, a dose or an interaction ->
warning; undetermined, what to ask or measure, the algorithm step -> info. JSON rules: no null, empty string, list
or object; summary under 140 characters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import URIRef

from kg.profile.drug_names import resolve

MAX_SUMMARY = 139
SOURCE_LABEL = "cgkg guideline knowledge graph"
# summary section -> (card title, indicator); a finding kind that is more severe than its section overrides it
SECTIONS = {
    "stop_or_change": ("Stop or change", "warning"),
    "safety": ("Safety", "warning"),
    "ask_or_measure": ("Ask or measure first", "info"),
    "now": ("Now", "info"),
}
CRITICAL_KINDS = frozenset({"contraindication", "current-drug-contraindicated"})
MEASURE_KIND = "measure"
NEXT_STEP_KIND = "next-step"  # its text is the now card's summary
STATUS_INDICATOR = {"contraindicated": "critical", "recommended-against": "warning", "failed-before": "warning",
                    "undetermined": "info"}
DOSE_INDICATOR = {"above-maximum": "warning", "above-usual-range": "info", "caution": "warning",
                  "duplicate-therapy": "warning"}
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
MAX_ALTERNATIVES = 3  # recommended options of the drafted drug's line of therapy offered instead
NO_LINE = "not-applicable"


def _short(text: str) -> str:
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1].rstrip() + "…"


def _evidence(bases: Iterable[str | None], sources: Iterable[str]) -> str:
    shown = ", ".join(dict.fromkeys(b for b in bases if b)) or "none stated"
    listed = ", ".join(sources)
    return f"evidence {shown}" + (f"; sources {listed}" if listed else "")


def _finding(item: Mapping[str, Any]) -> str:
    """One summary finding as a Markdown list item, with its evidence labels and sources when it has any."""
    subject = f": {item['subject']}" if item["subject"] else ""
    text = f": {item['text']}" if item["text"] else ""
    cited = f" *({_evidence(item['evidence_basis'], item['sources'])})*" if item["evidence_basis"] or item["sources"] \
        else ""
    return f"- **{item['label']}**{subject}{text}{cited}"


def _card(summary: str, indicator: str, detail: str, source: str, **extra: Any) -> dict[str, Any]:
    card = {"uuid": str(uuid.uuid4()), "summary": _short(summary), "indicator": indicator,
            "source": {"label": source}}
    if detail:
        card["detail"] = detail
    card.update({k: v for k, v in extra.items() if v})
    if card.get("suggestions"):
        card["selectionBehavior"] = extra.get("selectionBehavior") or "any"
    return card


def patient_view_cards(data: Mapping[str, Any], patient_id: str) -> list[dict[str, Any]]:
    cards = []
    for section, (title, indicator) in SECTIONS.items():
        items = data["summary"].get(section) or []
        if not items:
            continue
        level = "critical" if any(i["kind"] in CRITICAL_KINDS for i in items) else indicator
        headline = next((i["text"] for i in items if i["kind"] == NEXT_STEP_KIND), None)
        subjects = headline or ", ".join(dict.fromkeys(i["subject"] or i["label"] for i in items))
        detail = "\n".join(_finding(i) for i in items)
        bases = sorted({b for i in items for b in i["evidence_basis"]})
        suggestions = [_measure_suggestion(i, patient_id) for i in items if i["kind"] == MEASURE_KIND]
        cards.append(_card(f"{title}: {subjects}", level, detail,
                           f"{SOURCE_LABEL}: {title.lower()} ({_evidence(bases, [])})", suggestions=suggestions))
    return cards


def _measure_suggestion(item: Mapping[str, Any], patient_id: str) -> dict[str, Any]:
    test = item["subject"] or item["text"]
    return {"label": _short(f"Order {test}"), "uuid": str(uuid.uuid4()), "actions": [{
        "type": "create", "description": f"Draft an order: {item['text']}",
        "resource": {"resourceType": "ServiceRequest", "status": "draft", "intent": "proposal",
                     "code": {"text": item["text"]}, "subject": {"reference": f"Patient/{patient_id}"}}}]}


def drafted_agents(drafts: list[dict[str, Any]], agents: Mapping[str, URIRef]) -> list[tuple[dict[str, Any], str]]:
    """(draft order, the local id of the drug it orders) for each draft whose RxNorm code names a drug of the graph."""
    found = []
    for order in drafts:
        codings = (order.get("medicationCodeableConcept") or {}).get("coding", [])
        iris = {resolve(f"RXNORM:{c.get('code')}", dict(agents)) for c in codings if c.get("system") == RXNORM_SYSTEM}
        iris.discard(None)
        if len(iris) == 1:
            found.append((order, str(iris.pop()).rsplit("/", 1)[-1]))
    return found


def order_cards(data: Mapping[str, Any], drafts: list[dict[str, Any]], agents: Mapping[str, URIRef],
                rxnorm_of: Mapping[str, str]) -> list[dict[str, Any]]:
    """Cards for the drafted medications (the decision was made with them as current drugs)."""
    options = {o["option"]: o for o in data["options"]}
    cards = []
    for order, agent in drafted_agents(drafts, agents):
        option = options.get(agent)
        label = option["label"] if option else agent
        if option and option["status"] in STATUS_INDICATOR:
            cards.append(_status_card(option, order, data, rxnorm_of))
        for check in (c for c in data["dose_checks"] if c["drug"] == agent and c["kind"] in DOSE_INDICATOR):
            cards.append(_dose_card(label, check))
        for interaction in (i for i in data["interactions"] if agent in i["drugs"]):
            other = next((d for d in interaction["drugs"] if d != agent), agent)
            cards.append(_card(f"{label} interacts with {other} ({interaction['severity']})", "warning",
                               f"{interaction['effect']}\n\n**Management:** {interaction['management']} "
                               f"*({_evidence([interaction['evidence_basis']], interaction['sources'])})*",
                               _statement_source(interaction["interaction"], interaction["evidence_basis"])))
    return cards


def _dose_card(label: str, check: Mapping[str, Any]) -> dict[str, Any]:
    numbers = check["current"] and check["limit"]
    shown = f" ({check['current']:g} mg/day, sourced {check['limit']:g})" if numbers else ""
    evidence = _evidence([check["evidence_basis"]], check["sources"])
    return _card(f"{label}: {check['kind'].replace('-', ' ')}{shown}", DOSE_INDICATOR[check["kind"]],
                 f"{check['text'] or check['rule'] or ''} *({evidence})*",
                 _statement_source(check["statement"], check["evidence_basis"]))


def _reason_line(reason: Mapping[str, Any]) -> str:
    evidence = _evidence([reason["evidence_basis"]], reason["sources"])
    return f"- **{reason['effect']}** ({reason['kind']}): {reason['text']} *({evidence})*"


def _status_card(option: Mapping[str, Any], order: Mapping[str, Any], data: Mapping[str, Any],
                 rxnorm_of: Mapping[str, str]) -> dict[str, Any]:
    reasons = [r for r in option["reasons"] if r["effect"] not in ("for", "note")] or option["reasons"]
    first = reasons[0] if reasons else {}
    detail = "\n".join(_reason_line(r) for r in reasons)
    alternatives = [o for o in data["options"] if o["status"] == "recommended" and o["option"] in rxnorm_of
                    and o["line_of_therapy"] == option["line_of_therapy"] != NO_LINE]
    suggestions = [_alternative(order, o, rxnorm_of[o["option"]]) for o in alternatives[:MAX_ALTERNATIVES]]
    return _card(f"{option['label']}: {option['status'].replace('-', ' ')} for this patient",
                 STATUS_INDICATOR[option["status"]], detail,
                 _statement_source(first.get("statement"), first.get("evidence_basis")),
                 suggestions=suggestions, selectionBehavior="at-most-one")


def _statement_source(statement: str | None, basis: str | None) -> str:
    return f"{SOURCE_LABEL}: {statement or 'decision'} (evidence {basis or 'none stated'})"


def _alternative(order: Mapping[str, Any], option: Mapping[str, Any], rxnorm: str) -> dict[str, Any]:
    draft = {"resourceType": "MedicationRequest", "status": "draft", "intent": "proposal",
             "medicationCodeableConcept": {"coding": [{"system": RXNORM_SYSTEM, "code": rxnorm,
                                                       "display": option["label"]}]},
             "subject": order.get("subject") or {}}
    actions = [{"type": "create", "description": f"Draft an order of {option['label']} (recommended for this patient)",
                "resource": {k: v for k, v in draft.items() if v}}]
    if order.get("id"):
        actions.insert(0, {"type": "delete", "description": "Remove the drafted order",
                           "resourceId": f"{order['resourceType']}/{order['id']}"})
    return {"label": _short(f"Order {option['label']} instead"), "uuid": str(uuid.uuid4()), "actions": actions}
