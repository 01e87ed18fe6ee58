"""A Decision as JSON (schema: kg/schemas/decision.schema.json), as a terminal report, or as
Turtle (the decision as RDF with PROV-O links, so decisions can be queried and exported)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.term import Node
from rich.markup import escape
from rich.table import Table

from kg.decision import Decision
from kg.formatting import text_console
from kg.namespaces import CG, PREFIXES, PROV

SCHEMA_ID = "https://w3id.org/cgkg/schemas/decision.schema.json"
STATUS_STYLE = {
    "contraindicated": "bold red", "recommended-against": "red", "undetermined": "yellow",
    "allowed-with-caution": "cyan", "recommended": "bold green", "not-yet-indicated": "magenta",
    "not-indicated": "dim",
}


def _id(term: Node | None) -> str | None:
    if term is None:
        return None
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _number(term: Node | None) -> float | None:
    return None if term is None else float(term)  # type: ignore[arg-type]


def _sources(term: Node | None) -> list[str]:
    return sorted(s for s in str(term or "").split("|") if s)


def to_json_data(decision: Decision) -> dict[str, Any]:
    """The decision as plain data; the structure is documented by kg/schemas/decision.schema.json."""
    reasons = {
        _id(option): [
            {
                "effect": _text(r["effect"]), "applies": _text(r["applies"]), "kind": _text(r["kind"]),
                "statement": _id(r["statement"]) if str(r["kind"]) != "past-trial" else None,
                "text": _text(r["text"]), "direction": _text(r["direction"]), "strength": _text(r["strength"]),
                "certainty": _text(r["certainty"]), "evidence_basis": _text(r["basis"]),
                "certainty_basis": _text(r["certaintyBasis"]), "severity": _text(r["severity"]),
                "population": _id(r["population"]), "issuer": _id(r["issuer"]), "sources": _sources(r["sources"]),
            }
            for r in rows
        ]
        for option, rows in decision.reasons.items()
    }
    return {
        "$schema": SCHEMA_ID,
        "patient": {"id": _id(decision.profile.patient), "facts": decision.profile.data},
        "reasoner": decision.reasoner,
        "options": [
            {
                "option": _id(r["option"]), "label": _text(r["label"]), "status": _text(r["status"]),
                "allowed": _text(r["allowed"]), "line_of_therapy": _text(r["line"]),
                "reasons": reasons.get(_id(r["option"]), []),
            }
            for r in decision.options
        ],
        "populations": [
            {"population": _id(r["population"]), "label": _text(r["label"]), "membership": _text(r["membership"]),
             "rule": _text(r["rule"]), "evidence_basis": _text(r["basis"])}
            for r in decision.populations
        ],
        "actions": [
            {"kind": _text(r["kind"]), "target": _text(r["targetId"]), "label": _text(r["targetLabel"]),
             "via": _id(r["via"]), "via_label": _text(r["viaLabel"]), "instruction": _text(r["instruction"]),
             "evidence_basis": _text(r["basis"]), "sources": _sources(r["sources"])}
            for r in decision.actions
        ],
        "dose_checks": [
            {"kind": _text(r["kind"]), "drug": _id(r["drug"]), "label": _text(r["drugLabel"]),
             "current": _number(r["current"]), "limit": _number(r["limit"]), "rule": _text(r["rule"]),
             "statement": _id(r["statement"]), "text": _text(r["text"]), "evidence_basis": _text(r["basis"]),
             "sources": _sources(r["sources"])}
            for r in decision.dose_checks
        ],
        "interactions": [
            {"interaction": _id(r["interaction"]), "drugs": [_id(r["drugA"]), _id(r["drugB"])],
             "severity": _text(r["severity"]), "effect": _text(r["effect"]), "management": _text(r["management"]),
             "evidence_basis": _text(r["basis"]), "sources": _sources(r["sources"])}
            for r in decision.interactions
        ],
        "algorithm": {
            "current_step": _first_int(decision.algorithm, "current"),
            "next_step": _first_int(decision.algorithm, "next"),
            "steps": [
                {"step": int(r["step"]), "label": _text(r["label"]), "instruction": _text(r["instruction"]),  # type: ignore[arg-type]
                 "due": _text(r["due"]), "done": str(r["done"]) == "true", "population": _id(r["population"])}
                for r in decision.algorithm
            ],
        },
    }


def _first_int(rows: list, key: str) -> int | None:
    value = rows[0][key] if rows else None
    return None if value is None else int(value)  # type: ignore[arg-type]


def to_json(decision: Decision) -> str:
    return json.dumps(to_json_data(decision), indent=2, ensure_ascii=False)


def to_turtle(decision: Decision, now: dt.datetime | None = None) -> str:
    """The patient, the inferred populations, the reasons and the assessments, plus a PROV-O
    activity that used the patient and generated every assessment."""
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    graph.bind("patient", str(decision.profile.patient) + "/")
    graph += decision.graph
    activity = URIRef(f"{decision.profile.patient}/decision")
    graph.add((activity, RDF.type, CG.Decision))
    graph.add((activity, CG.forPatient, decision.profile.patient))
    graph.add((activity, PROV.used, decision.profile.patient))
    graph.add((activity, PROV.startedAtTime,
               Literal((now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    for assessment in decision.graph.subjects(RDF.type, CG.OptionAssessment):
        graph.add((assessment, PROV.wasGeneratedBy, activity))
    return graph.serialize(format="turtle")


def to_report(decision: Decision, explain: bool = False, width: int = 150) -> str:
    data = to_json_data(decision)
    console, buffer = text_console(width)
    console.print(f"[bold]Patient {data['patient']['id']}[/bold] (reasoner: {decision.reasoner})")
    members = [p for p in data["populations"] if p["membership"] == "yes"]
    maybe = [p for p in data["populations"] if p["membership"] == "possibly"]
    console.print(escape("Populations: " + ", ".join(p["label"] for p in members)))
    if maybe:
        console.print(escape("Undetermined (a fact is missing): " + ", ".join(p["label"] for p in maybe)))

    table = Table(title="Treatment options", expand=True, show_lines=explain)
    for column in ("option", "status", "allowed", "line", "why (strongest reasons)"):
        table.add_column(column, overflow="fold")
    for option in data["options"]:
        table.add_row(*map(escape, (option["label"], option["status"], option["allowed"], option["line_of_therapy"],
                                    _why(option["reasons"], explain))))
    console.print(table)

    if data["actions"]:
        actions = Table(title="Do first", expand=True)
        for column in ("action", "target", "via", "instruction", "basis", "sources"):
            actions.add_column(column, overflow="fold")
        for a in data["actions"]:
            actions.add_row(*map(escape, (a["kind"], a["label"], a["via_label"] or "", a["instruction"] or "",
                                          a["evidence_basis"] or "", ", ".join(a["sources"]))))
        console.print(actions)
    if data["dose_checks"]:
        checks = Table(title="Current regimens", expand=True)
        for column in ("drug", "check", "current", "limit", "statement", "basis", "sources"):
            checks.add_column(column, overflow="fold")
        for c in data["dose_checks"]:
            checks.add_row(*map(escape, (c["label"], c["kind"], _fmt(c["current"]), _fmt(c["limit"]),
                                         (c["text"] or c["statement"] or "")[:160], c["evidence_basis"] or "",
                                         ", ".join(c["sources"]))))
        console.print(checks)
    if data["interactions"]:
        interactions = Table(title="Interaction warnings", expand=True)
        for column in ("drugs", "severity", "effect", "management", "sources"):
            interactions.add_column(column, overflow="fold")
        for i in data["interactions"]:
            interactions.add_row(*map(escape, (" + ".join(i["drugs"]), i["severity"], i["effect"], i["management"],
                                               ", ".join(i["sources"]))))
        console.print(interactions)
    algorithm = data["algorithm"]
    console.print(f"[bold]Algorithm[/bold] (seed): current step {algorithm['current_step']}, "
                  f"next step {algorithm['next_step'] or '-'}")
    for step in algorithm["steps"]:
        mark = "done" if step["done"] else step["due"]
        console.print(escape(f"  {step['step']}. [{mark}] {step['instruction']}"))
    return buffer.getvalue().rstrip()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _why(reasons: list[dict[str, Any]], explain: bool) -> str:
    if not reasons:
        return "no current statement applies to this patient"
    shown = reasons if explain else reasons[:2]
    lines = []
    for r in shown:
        grade = "/".join(x for x in (r["strength"], r["certainty"]) if x and x != "not-graded")
        label = r["statement"] or "past trial not tolerated"
        possibly = " (possibly applies)" if r["applies"] == "possibly" else ""
        details = ", ".join(x for x in (grade, f"basis {r['evidence_basis']}" if r["evidence_basis"] else "",
                                        "; ".join(r["sources"])) if x)
        lines.append(f"{r['effect']}{possibly}: {label}" + (f" [{details}]" if details else ""))
        if explain and r["text"]:
            lines.append(f"    {r['text']}")
    if not explain and len(reasons) > 2:
        lines.append(f"... {len(reasons) - 2} more (--explain)")
    return "\n".join(lines)


def render(decision: Decision, output: str, explain: bool = False) -> str:
    if output == "json":
        return to_json(decision)
    if output == "ttl":
        return to_turtle(decision)
    return to_report(decision, explain)
