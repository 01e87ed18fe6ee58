"""Patient profiles: read (JSON, YAML or Turtle), validate strictly, convert to RDF.

Validation reports every problem at once, naming the field, the value and the rule (JSON Schema
``kg/schemas/patient-profile.schema.json`` plus the checks below; Turtle input is checked with the
SHACL shapes ``ontology/shapes/patient-*.ttl``). Conversion is data only: no clinical rule here.
Missing facts are left missing (or marked "possibly" when the profile says "unknown"); the
closed-world rules in ``queries/decision/derive/`` and the reasoner decide what follows.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import itertools
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema import ValidationError as SchemaError
from rdflib import OWL, RDF, XSD, Graph, Literal, Namespace, URIRef

from kg.errors import Problem, ValidationError
from kg.input_limits import MAX_PROFILE_BYTES, read_user_text
from kg.literals import decimal_literal
from kg.namespaces import CG, RLS
from kg.paths import PACKAGE_DIR, SHAPES_DIR
from kg.patient_isolation import (
    knowledge_nodes,
    offending_triples,
    read_turtle_profile,
    show_triple,
    turtle_profile_problems,
)
from kg.yaml12 import ReadProblem, load_json, load_yaml

SCHEMA_FILE = PACKAGE_DIR / "schemas" / "patient-profile.schema.json"
PATIENTS = Namespace("https://w3id.org/cgkg/patient/")
OUTCOMES = {
    "inadequate-response": CG.OutcomeInadequateResponse,
    "not-tolerated": CG.OutcomeNotTolerated,
    "augmentation": CG.OutcomeAugmentation,
    "response": CG.OutcomeResponse,
}
MAX_SUGGESTIONS = 3


@dataclass
class Profile:
    """A validated profile: the raw data, the resolved drugs, and the patient as RDF."""

    data: dict[str, Any]
    patient: URIRef
    graph: Graph
    drugs: dict[str, URIRef] = field(default_factory=dict)  # as written in the profile -> agent IRI


@cache
def _schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # "integer" means a number written as an integer: 2.0 is not a trimester or a number of doses
    strict = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return validators.extend(Draft202012Validator, type_checker=strict)(schema, format_checker=FormatChecker())


def read_yaml(text: str, name: str = "profile") -> Any:
    """Parse YAML exactly (YAML 1.2 core scalars, no duplicate keys, bounded aliases: kg/yaml12.py);
    a reading problem is a ValidationError listing all of them."""
    data, problems = load_yaml(text)
    _raise_reading_problems(name, problems)
    return data


def _raise_reading_problems(name: str, problems: list[ReadProblem]) -> None:
    if problems:
        raise ValidationError([Problem(name, line, "", value, rule) for line, value, rule in problems],
                              what="patient profile")


def read_profile_file(path: Path) -> dict[str, Any] | Graph:
    """Parse a profile file (size, encoding and reading limits: kg/input_limits.py); a syntax error or a
    reading problem is a ValidationError naming the file."""
    if not path.is_file():
        raise ValidationError([Problem(path.name, 0, "", "", "file not found")], what="patient profile")
    text = read_user_text(path, "patient profile", MAX_PROFILE_BYTES)
    problems: list[ReadProblem] = []
    try:
        if path.suffix in (".ttl", ".turtle"):
            return read_turtle_profile(text, path.name)
        data, problems = load_json(text) if path.suffix == ".json" else load_yaml(text)
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 - any parser error is the user's syntax error
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValidationError([Problem(path.name, 0, "", "", f"cannot be parsed: {first}")],
                              what="patient profile") from None
    _raise_reading_problems(path.name, problems)
    if not isinstance(data, dict):
        raise ValidationError([Problem(path.name, 0, "", "", "must be a mapping of fields")], what="patient profile")
    return data


def _field(path: Any) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in path]
    return ".".join(parts).replace(".[", "[") or "(profile)"


def validate_profile(data: dict[str, Any], agents: dict[str, URIRef], source: str = "profile",
                     today: dt.date | None = None) -> list[Problem]:
    """Every problem of a profile: schema, plausibility and drug names."""
    errors = sorted(_schema_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    problems = [Problem(source, 0, _field(e.absolute_path), json.dumps(e.instance, default=str)[:80], e.message)
                for e in errors]
    if not isinstance(data, dict):
        return problems
    data = _without_invalid_parts(data, errors)  # the checks below assume the schema's shape
    today = today or dt.date.today()
    for lab in ("ferritin", "tsat"):
        date = data.get("labs", {}).get(lab, {}).get("date")
        if date and dt.date.fromisoformat(date) > today:
            problems.append(Problem(source, 0, f"labs.{lab}.date", date, "date is in the future"))
    pregnancy = data.get("pregnancy", {})
    if pregnancy.get("status") == "pregnant" and data.get("sex") == "male":
        problems.append(Problem(source, 0, "pregnancy.status", "pregnant", "implausible with sex 'male'"))
    if "trimester" in pregnancy and pregnancy.get("status") != "pregnant":
        problems.append(Problem(source, 0, "pregnancy.trimester", str(pregnancy["trimester"]),
                                "a trimester needs pregnancy.status 'pregnant'"))
    if data.get("dialysis") is True and data.get("esrd") is False:
        problems.append(Problem(source, 0, "esrd", "false", "contradicts dialysis: true (dialysis implies ESRD)"))
    for section in ("current_medications", "past_trials"):
        for index, item in enumerate(data.get(section, [])):
            if item is None:  # invalid: reported by the schema
                continue
            name = item["drug"]
            if normalise_name(name) not in agents:
                problems.append(Problem(source, 0, f"{section}[{index}].drug", name, _unknown_drug_rule(name, agents)))
    return problems


def _without_invalid_parts(data: dict[str, Any], errors: list[SchemaError]) -> dict[str, Any]:
    """A copy of ``data`` without the parts the schema rejected, so that every other check can run in
    the same pass: an invalid value is removed from its object, and a list item with any error is
    replaced by None (indices stay those of the profile). Unknown keys and a missing top-level key
    are left (the checks read known keys with defaults)."""
    pruned = copy.deepcopy(data)
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" or not path:
            continue
        first_index = next((i for i, part in enumerate(path) if isinstance(part, int)), None)
        cut = path[: first_index + 1] if first_index is not None else path
        parent: Any = pruned
        for part in cut[:-1]:
            inside = isinstance(parent, dict) and part in parent or isinstance(parent, list) and part < len(parent)
            parent = parent[part] if inside else None
        if isinstance(parent, list) and cut[-1] < len(parent):
            parent[cut[-1]] = None
        elif isinstance(parent, dict):
            parent.pop(cut[-1], None)
    return pruned


def normalise_name(name: str) -> str:
    return " ".join(name.strip().lower().split())


def _unknown_drug_rule(name: str, agents: dict[str, URIRef]) -> str:
    close = difflib.get_close_matches(normalise_name(name), list(agents), n=MAX_SUGGESTIONS, cutoff=0.6)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    return f"unknown drug (use a name, brand, RXNORM:<code> or ATC:<code> known to the graph){hint}"


def to_rdf(data: dict[str, Any], agents: dict[str, URIRef]) -> tuple[URIRef, Graph]:
    """The profile as RDF: one cg:Patient individual with its facts."""
    patient = PATIENTS[data.get("patient_id", "patient")]
    graph = Graph()
    counter = itertools.count(1)

    def individual(kind: str, *types: URIRef) -> URIRef:
        node = URIRef(f"{patient}/{kind}/{next(counter)}")
        for rdf_type in (OWL.NamedIndividual, *types):
            graph.add((node, RDF.type, rdf_type))
        return node

    def condition(condition_id: str, state: Any) -> None:
        if state is True:
            graph.add((patient, CG.hasCondition, individual("condition", RLS[condition_id])))
        elif state == "unknown" or state is None:
            graph.add((patient, CG.possiblyHasCondition, individual("condition", RLS[condition_id])))

    graph.add((patient, RDF.type, CG.Patient))
    graph.add((patient, RDF.type, OWL.NamedIndividual))
    condition("restless-legs-syndrome", True)
    if "age_years" in data:
        graph.add((patient, CG.ageYears, decimal_literal(data["age_years"])))
    labs = (("ferritin", CG.ferritinNgPerMl, CG.ferritinDate), ("tsat", CG.tsatPercent, CG.tsatDate))
    for lab, prop, date_prop in labs:
        value = data.get("labs", {}).get(lab)
        if value is not None:
            graph.add((patient, prop, decimal_literal(value["value"])))
            if "date" in value:
                graph.add((patient, date_prop, Literal(f"{value['date']}T00:00:00", datatype=XSD.dateTime)))
    # kidney
    dialysis, esrd = data.get("dialysis", "unknown"), data.get("esrd", "unknown")
    if dialysis is True:
        condition("esrd-on-dialysis", True)
    else:
        condition("end-stage-renal-disease", esrd)
        if esrd is not False and dialysis == "unknown":
            condition("esrd-on-dialysis", "unknown")
    # pregnancy and lactation
    pregnancy = data.get("pregnancy", {"status": "not-pregnant" if data.get("sex") == "male" else "unknown"})
    status, trimester = pregnancy["status"], pregnancy.get("trimester")
    if status == "pregnant" and trimester:
        condition(f"pregnancy-{('first', 'second', 'third')[trimester - 1]}-trimester", True)
    elif status == "pregnant":
        condition("pregnancy", True)
        for which in ("first", "second", "third"):
            condition(f"pregnancy-{which}-trimester", "unknown")
    elif status == "unknown":
        for which in ("first", "second", "third"):
            condition(f"pregnancy-{which}-trimester", "unknown")
    condition("lactation", data.get("lactating", False if data.get("sex") == "male" else "unknown"))
    # breathing and heart
    osa = data.get("obstructive_sleep_apnea", "unknown")
    if osa == "untreated":
        condition("untreated-obstructive-sleep-apnea", True)
    elif osa == "treated":
        condition("treated-obstructive-sleep-apnea", True)
    elif osa == "unknown":
        condition("untreated-obstructive-sleep-apnea", "unknown")
    condition("central-sleep-apnea", data.get("central_sleep_apnea", "unknown"))
    condition("copd", data.get("copd", "unknown"))
    condition("valvular-heart-disease", data.get("valvular_heart_disease", "unknown"))
    condition("dopaminergic-augmentation", data.get("augmentation_signs", "unknown"))
    # substances
    for substance in ("alcohol", "caffeine"):
        if data.get(substance) == "yes":
            graph.add((patient, CG.takesAgent, RLS[substance]))
    # medications and trials
    for item in data.get("current_medications", []):
        agent = agents[normalise_name(item["drug"])]
        graph.add((patient, CG.takesAgent, agent))
        use = individual("medication", CG.MedicationUse)
        graph.add((patient, CG.hasMedicationUse, use))
        graph.add((use, CG.useOf, agent))
        if "daily_dose_mg" in item:
            graph.add((use, CG.currentDailyDose, decimal_literal(item["daily_dose_mg"])))
        if "doses_per_day" in item:
            graph.add((use, CG.currentDosesPerDay, decimal_literal(item["doses_per_day"])))
    trials = list(data.get("past_trials", []))
    if data.get("oral_iron_failed") is True:
        trials.append({"drug": "ferrous sulfate", "outcome": "inadequate-response", "adequate": True})
    for item in trials:
        trial = individual("trial", CG.TreatmentTrial)
        graph.add((patient, CG.hadTrial, trial))
        graph.add((trial, CG.trialOf, agents[normalise_name(item["drug"])]))
        graph.add((trial, CG.trialOutcome, OUTCOMES[item["outcome"]]))
        if "max_daily_dose_mg" in item:
            graph.add((trial, CG.doseReachedDaily, decimal_literal(item["max_daily_dose_mg"])))
        if "adequate" in item:
            graph.add((trial, CG.adequateTrial, Literal(bool(item["adequate"]))))
    return patient, graph


def load_profile(
    source: Path | dict[str, Any] | Graph,
    agents: dict[str, URIRef],
    today: dt.date | None = None,
    knowledge_graph: Graph | None = None,
) -> Profile:
    """Read, validate and convert a profile; raise ValidationError listing every problem.

    A Turtle profile is validated with the patient SHACL shapes against ``knowledge_graph`` (the
    built graph, so that references to its agents and conditions resolve)."""
    name = source.name if isinstance(source, Path) else "profile"
    content = read_profile_file(source) if isinstance(source, Path) else source
    if isinstance(content, Graph):
        return _profile_from_turtle(content, name, knowledge_graph)
    problems = validate_profile(content, agents, name, today)
    if problems:
        raise ValidationError(problems, what="patient profile")
    patient, graph = to_rdf(content, agents)
    if knowledge_graph is not None:
        _check_conversion(graph, patient, knowledge_graph)
    drugs = {item["drug"]: agents[normalise_name(item["drug"])]
             for section in ("current_medications", "past_trials") for item in content.get(section, [])}
    return Profile(content, patient, graph, drugs)


def _check_conversion(graph: Graph, patient: URIRef, knowledge_graph: Graph) -> None:
    """The conversion writes only what the patient shapes allow (one allow-list for JSON, YAML and
    Turtle); a triple outside it is a project bug (the decision would drop it), said loudly."""
    outside = offending_triples(graph, patient, knowledge_nodes(knowledge_graph))
    if outside:
        listed = "; ".join(f"{show_triple(t)} ({why})" for t, why in outside[:5])
        raise RuntimeError(f"profile conversion wrote triples outside ontology/shapes/patient-shapes.ttl: {listed}")


def _profile_from_turtle(graph: Graph, name: str, knowledge_graph: Graph | None) -> Profile:
    from kg.shacl import load_shapes, validate_graph
    from kg.vocabulary import ontology_graph

    context = knowledge_graph if knowledge_graph is not None else ontology_graph()
    patient, problems = turtle_profile_problems(graph, name, context)  # the allow-list (ADR 0006)
    if problems or patient is None:
        raise ValidationError(problems, what="patient profile")
    shape_context = knowledge_nodes(context).shape_context  # what sh:class and sh:in read of the graph
    result = validate_graph(graph + shape_context, load_shapes("patient-*.ttl", SHAPES_DIR))
    if not result.conforms:
        problems = [Problem(name, 0, str(path), str(value), str(message))
                    for path, value, message in _shacl_results(result.report)]
        raise ValidationError(problems, what="patient profile")
    return Profile({"patient_id": str(patient).rsplit("/", 1)[-1]}, patient, graph)


def _shacl_results(report: Graph) -> list[tuple[object, object, object]]:
    sh = Namespace("http://www.w3.org/ns/shacl#")
    return sorted(
        (report.value(r, sh.resultPath), report.value(r, sh.value), report.value(r, sh.resultMessage))
        for r in report.subjects(RDF.type, sh.ValidationResult)
    )
