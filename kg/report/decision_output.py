"""A Decision as JSON (schema: kg/schemas/decision.schema.json), as a terminal report, or as
Turtle (the decision as RDF with PROV-O links, so decisions can be queried and exported)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core.decide.decision import Decision
from kg.model.namespaces import CG, PREFIXES, PROV
from kg.report.cross_guideline import cross_guideline_ids, multimorbidity_data
from kg.report.options import classes_with_members
from kg.report.summary import build_summary
from kg.report.text import to_text
from kg.report.why import why_lines

SCHEMA_ID = "https://w3id.org/cgkg/schemas/decision.schema.json"


def _id(term: Node | None) -> str | None:
    if term is None:
        return None
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _number(term: Node | None) -> float | None:
    return None if term is None else float(term)  # type: ignore[arg-type]


def _integer(term: Node | None) -> int | None:
    return None if term is None else int(term)  # type: ignore[call-overload]


def _sources(term: Node | None) -> list[str]:
    return sorted(s for s in str(term or "").split("|") if s)


def to_json_data(decision: Decision) -> dict[str, Any]:
    """The decision as plain data; the structure is documented by kg/schemas/decision.schema.json."""
    decision.require_full("the full decision document")
    reasons = {
        _id(option): [
            {
                "effect": _text(r["effect"]), "applies": _text(r["applies"]), "kind": _text(r["kind"]),
                "statement": _id(r["statement"]) if str(r["kind"]) != "past-trial" else None,
                "text": _text(r["text"]), "direction": _text(r["direction"]), "strength": _text(r["strength"]),
                "certainty": _text(r["certainty"]), "evidence_basis": _text(r["basis"]),
                "certainty_basis": _text(r["certaintyBasis"]), "severity": _text(r["severity"]),
                "population": _id(r["population"]), "population_label": _text(r["populationLabel"]),
                "issuer": _id(r["issuer"]), "safety_rank": _integer(r["safetyRank"]), "sources": _sources(r["sources"]),
            }
            for r in rows
        ]
        for option, rows in decision.reasons.items()
    }
    data = {
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
             "classes": [_text(r["classA"]), _text(r["classB"])],
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
    data.update(multimorbidity_data(decision) or {})  # several guidelines: options by guideline, cross-guideline links
    if decision.profile.input_report is not None:  # a FHIR input: what each record gave (kg/profile/fhir/)
        data["input"] = decision.profile.input_report
    data["summary"] = build_summary(data, decision, classes_with_members(decision))
    return data


def compact_data(decision: Decision) -> dict[str, Any]:
    """The compact decision (a cohort's record, kg/cohort/decide.py): the patient, each option's status and line,
    the actions, dose checks and interactions by id, the current algorithm step, and the ids of the cross-guideline
    conflicts and concordances listed; texts, sources and evidence are in the full decision (``to_json_data``)."""
    links = cross_guideline_ids(decision)
    return {
        "patient_id": _id(decision.profile.patient),
        "options": [{"option": _id(r["option"]), "status": _text(r["status"]), "line_of_therapy": _text(r["line"])}
                    for r in decision.options],
        "actions": [{"kind": _text(r["kind"]), "target": _text(r["targetId"])} for r in decision.actions],
        "dose_checks": [{"kind": _text(r["kind"]), "drug": _id(r["drug"])} for r in decision.dose_checks],
        "interactions": sorted({_id(r["interaction"]) for r in decision.interactions}),  # type: ignore[type-var]
        "algorithm_step": _first_int(decision.algorithm, "current"),
        "conflicts": links["conflicts"],
        "concordances": links["concordances"],
    }


def _first_int(rows: list, key: str) -> int | None:
    value = rows[0][key] if rows else None
    return None if value is None else int(value)  # type: ignore[arg-type]


def to_json(decision: Decision) -> str:
    return json.dumps(to_json_data(decision), indent=2, ensure_ascii=False)


def to_turtle(decision: Decision, now: dt.datetime | None = None) -> str:
    """The patient, the inferred populations, the reasons and the assessments, plus a PROV-O
    activity that used the patient and generated every assessment."""
    decision.require_full("the decision as Turtle")
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


def to_report(decision: Decision, explain: bool = False, width: int = 150, why: str | None = None) -> str:
    """The clinician-first text report (summary, options by group, algorithm); --explain keeps everything."""
    data = to_json_data(decision)
    return to_text(data, decision, explain, width, why_lines(data, decision, why) if why else None)


def render(decision: Decision, output: str, explain: bool = False, why: str | None = None) -> str:
    """The decision in one output format: table (text report), html, json or ttl."""
    if output == "json":
        return to_json(decision)
    if output == "ttl":
        return to_turtle(decision)
    if output == "html":
        from kg.report.html import to_html  # imported for this format only (a cold ``kg decide`` prints a table)

        return to_html(to_json_data(decision), decision, explain, why)
    return to_report(decision, explain, why=why)
