"""Patient profiles: read (JSON, YAML or Turtle), validate strictly, convert to RDF.

Validation reports every problem at once, naming the field, the value and the rule (JSON Schema
``kg/schemas/patient-profile.schema.json``, generated from kg/tables/profile_fields.tsv, plus lab dates and
the contradictions of kg/tables/profile_implications.tsv; Turtle input is checked with the SHACL shapes
``ontology/shapes/patient-*.ttl`` and those of the installed packages). Conversion is data only: no clinical
rule here; what each field and value asserts is declared in those two tables and interpreted by
``kg/profile/fields.py``.
Missing facts are left missing (or marked "possibly" when the profile says "unknown"); the
closed-world rules in ``queries/decision/derive/`` and the reasoner decide what follows.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import OWL, RDF, XSD, Graph, Literal, Namespace, URIRef

from kg.base.errors import MAX_VALUE_CHARS, Problem, UserError, ValidationError, shorten
from kg.base.input_limits import MAX_PROFILE_BYTES, MAX_PROFILE_NESTING, read_user_text
from kg.base.literals import decimal_literal
from kg.base.small_graph import small_graph
from kg.base.yaml12 import ReadProblem, load_json, load_yaml
from kg.model.identifiers import IdSpace, UnknownId
from kg.model.namespaces import CG, NAMED_INDIVIDUAL, RDF_TYPE
from kg.profile.drug_names import resolve, typing_hint
from kg.profile.fhir import is_fhir, profile_from_fhir
from kg.profile.fields import (
    TRIAL_OUTCOMES,
    contradictions,
    declarations,
    facts,
    fields_without_their_condition,
    installed_ids,
    normalise_tri_states,
    stated,
    with_implied_values,
)
from kg.profile.isolation import (
    KnowledgeNodes,
    knowledge_nodes,
    offending_triples,
    patient_shapes,
    read_turtle_profile,
    show_triple,
    turtle_profile_problems,
)
from kg.profile.schema_gen import SCHEMA_FILE

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema import ValidationError as SchemaError

PATIENTS = Namespace("https://w3id.org/cgkg/patient/")
# The profile's fields, what each value means and implies: kg/tables/profile_fields.tsv and
# profile_implications.tsv, interpreted by kg/profile/fields.py (TRI_STATE_VALUES normalises tri-states).
CONDITION_LINKS = {"has-condition": CG.hasCondition, "possibly-has-condition": CG.possiblyHasCondition}
AGENT_LINKS = {"takes-agent": CG.takesAgent, "possibly-takes-agent": CG.possiblyTakesAgent}


@dataclass
class Profile:
    """A validated profile: the raw data, the resolved drugs, and the patient as RDF."""

    data: dict[str, Any]
    patient: URIRef
    graph: Graph
    drugs: dict[str, URIRef] = field(default_factory=dict)  # as written in the profile -> agent IRI
    input_report: dict[str, Any] | None = None  # for a FHIR input: what each record gave (kg/profile/fhir/report.py)


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _schema_validator() -> Draft202012Validator:
    # imported on first use: a cold ``kg decide`` starts loading its build meanwhile (kg/core/decide/build_choice.py)
    from jsonschema import Draft202012Validator, FormatChecker, validators

    from kg.profile.schema_verdict import is_strict_integer

    strict = Draft202012Validator.TYPE_CHECKER.redefine("integer", lambda _, value: is_strict_integer(value))
    return validators.extend(Draft202012Validator, type_checker=strict)(_schema(), format_checker=FormatChecker())


@cache
def _schema_verdict() -> Callable[[Any], bool] | None:
    """The schema compiled to a verdict (kg/profile/schema_verdict.py: True only when jsonschema finds no error, tens
    of times faster); None if the schema uses a keyword it does not compile (then jsonschema alone decides)."""
    from kg.profile.schema_verdict import UnsupportedSchema, compile_verdict

    try:
        return compile_verdict(_schema())
    except UnsupportedSchema:
        return None


def read_yaml(text: str, name: str = "profile") -> Any:
    """Parse YAML exactly (YAML 1.2 core scalars, no duplicate keys, bounded aliases: kg/base/yaml12.py);
    a reading problem is a ValidationError listing all of them."""
    data, problems = load_yaml(text)
    _raise_reading_problems(name, problems)
    return data


def _raise_reading_problems(name: str, problems: list[ReadProblem]) -> None:
    if problems:
        raise ValidationError([Problem(name, line, "", value, rule) for line, value, rule in problems],
                              what="patient profile")


def read_profile_file(path: Path) -> dict[str, Any] | Graph:
    """Parse a profile file (size, encoding and reading limits: kg/base/input_limits.py); a syntax error or a
    reading problem is a ValidationError naming the file."""
    try:
        found = path.is_file()
    except OSError as error:  # e.g. a name too long for the file system
        raise UserError(f"patient profile {shorten(str(path), MAX_VALUE_CHARS)}: cannot be read "
                        f"({error.strerror})") from None
    if not found:
        raise ValidationError([Problem(path.name, 0, "", "", "file not found")], what="patient profile")
    text = read_user_text(path, "patient profile", MAX_PROFILE_BYTES)
    problems: list[ReadProblem] = []
    try:
        if path.suffix in (".ttl", ".turtle"):
            return read_turtle_profile(text, path.name)
        data, problems = load_json(text) if path.suffix == ".json" else load_yaml(text)
    except ValidationError:
        raise
    except RecursionError:
        raise ValidationError([Problem(path.name, 0, "", "", "nested too deeply to read (lists, mappings or "
                                       f"brackets more than {MAX_PROFILE_NESTING} deep): not a profile")],
                              what="patient profile") from None
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


def _structure_problems(data: Any, source: str) -> list[Problem]:
    """Values no profile field can hold, found without recursion: lists and mappings nested deeper than
    MAX_PROFILE_NESTING, and text with a lone surrogate (not a Unicode character: no RDF literal can hold it)."""
    problems: list[Problem] = []
    pending: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while pending:
        path, value = pending.pop()
        if len(path) > MAX_PROFILE_NESTING:
            return [Problem(source, 0, _field(path[:MAX_PROFILE_NESTING]), "",
                            f"nested more than {MAX_PROFILE_NESTING} lists or mappings deep: not a profile")]
        if isinstance(value, dict):
            pending += [((*path, key), item) for key, item in value.items()]
        elif isinstance(value, list):
            pending += [((*path, index), item) for index, item in enumerate(value)]
        if isinstance(value, str) and _has_surrogate(value):
            problems.append(Problem(source, 0, _field(path), value.encode("utf-8", "backslashreplace").decode()[:80],
                                    "holds a lone surrogate (\\ud800-\\udfff), which is not a Unicode character"))
    return problems


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_VALIDATED: dict[tuple[str, dt.date], tuple[Problem, ...]] = {}  # (a profile's text, the day) -> its problems
MAX_VALIDATED = 256  # profiles remembered (a cohort's record is checked, then chosen a build for, then read)


def validate_profile(data: dict[str, Any], source: str = "profile", today: dt.date | None = None) -> list[Problem]:
    """Every problem of a profile: schema and plausibility. Drug names are never a problem: a name
    the graph does not know becomes an unrecognised medication (``to_rdf``). The same profile (the same JSON text)
    on the same day has the same problems: the last ``MAX_VALIDATED`` are remembered, each given the *source* it is
    asked for (its only use in a problem is the problem's ``file``)."""
    today = today or dt.date.today()
    try:
        key = (json.dumps(data, sort_keys=True, allow_nan=True), today)
    except (TypeError, ValueError):  # not JSON data (the checks below say what): not remembered
        return _problems(data, source, today)
    found = _VALIDATED.get(key)
    if found is None:
        if len(_VALIDATED) >= MAX_VALIDATED:
            _VALIDATED.clear()
        found = _VALIDATED[key] = tuple(_problems(data, "", today))
    return [dataclasses.replace(problem, file=source) for problem in found]


def _problems(data: dict[str, Any], source: str, today: dt.date) -> list[Problem]:
    unreadable = _structure_problems(data, source)
    if unreadable:  # the schema and the checks below would recurse into it or fail on it: stop here
        return unreadable
    verdict = _schema_verdict()  # a valid profile (nearly every one) is not walked by jsonschema: it has no messages
    errors = [] if verdict is not None and verdict(data) else \
        sorted(_schema_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    problems = [Problem(source, 0, _field(e.absolute_path), json.dumps(e.instance, default=str)[:80], _rule(e))
                for e in errors]
    if not isinstance(data, dict):
        return problems
    data = normalise_tri_states(_without_invalid_parts(data, errors))  # later checks assume the schema's shape
    for lab in (f for f in declarations().fields if f.type == "lab"):
        date = (stated(data, lab.name) or {}).get("date")
        if date and dt.date.fromisoformat(date) > today:
            problems.append(Problem(source, 0, f"{lab.name}.date", date, "date is in the future"))
    problems += [Problem(source, 0, name, value, rule) for name, value, rule in contradictions(data)]
    problems += [Problem(source, 0, name, json.dumps(data[name], default=str)[:80], rule)
                 for name, rule in fields_without_their_condition(data)]
    return problems


def _rule(error: SchemaError) -> str:
    """The schema's message, or for a condition no guideline treats, which conditions the installed ones treat."""
    path = list(error.absolute_path)
    if error.validator == "enum" and len(path) == 2 and isinstance(path[1], int):
        declared = declarations().by_name.get(str(path[0]))
        if declared is not None and declared.type == "conditions":
            return (f"not a condition that an installed guideline package treats (manifest.yaml conditions): "
                    f"{', '.join(declared.conditions)}")
    return error.message


def _without_invalid_parts(data: dict[str, Any], errors: list[SchemaError]) -> dict[str, Any]:
    """``data`` without the parts the schema rejected (a copy; itself when it has none), so that every other check can
    run in the same pass: an invalid value is removed from its object, and a list item with any error is replaced by
    None (indices stay those of the profile). Unknown keys and a missing top-level key are left (the checks read known
    keys with defaults)."""
    if not errors:  # nothing to remove: the checks after it only read the profile
        return data
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


def to_rdf(data: dict[str, Any], agents: dict[str, URIRef], ids: IdSpace | None = None) -> tuple[URIRef, Graph]:
    """The profile as RDF: one cg:Patient individual with its facts, field by field as the packages'
    profile_fields.tsv and profile_implications.tsv declare them; *ids* says where the ids they name live
    (default: the installed packages)."""
    ids = installed_ids() if ids is None else ids
    decl = declarations()
    data = with_implied_values(normalise_tri_states(data), decl)
    patient = PATIENTS[data.get("patient_id", "patient")]
    graph = small_graph()
    counter = itertools.count(1)
    known_agents = set(agents.values())
    trials: list[dict[str, Any]] = []  # trials the declarations imply, after those the profile lists
    listed: list[dict[str, Any]] = []  # the trials the profile lists

    def individual(kind: str, *types: URIRef) -> URIRef:
        node = URIRef(f"{patient}/{kind}/{next(counter)}")
        for rdf_type in (NAMED_INDIVIDUAL, *types):
            graph.add((node, RDF_TYPE, rdf_type))
        return node

    def fact(effect: str, target: str) -> None:
        if target not in ids:  # a condition or agent of a package the build does not hold: none of its rules reads it
            return
        if effect in CONDITION_LINKS:
            graph.add((patient, CONDITION_LINKS[effect], individual("condition", ids[target])))
        elif effect == "lacks-condition":  # stated absent: the only way 'not condition X' can hold (closed world)
            graph.add((patient, CG.lacksCondition, individual("condition", ids.absent(target))))
        elif effect in AGENT_LINKS:
            graph.add((patient, AGENT_LINKS[effect], ids[target]))
        elif effect == "failed-adequate-trial":
            agent = ids[target] if ids[target] in known_agents else None
            trials.append({"drug": target, "agent": agent, "outcome": "inadequate-response", "adequate": True})

    def unrecognised(name: str, link: URIRef) -> None:  # a drug the graph does not know: name only
        medication = individual("unrecognised-medication", CG.UnrecognisedMedication)
        graph.add((patient, link, medication))
        graph.add((medication, CG.nameAsGiven, Literal(name)))
        hint = typing_hint(name, agents)
        if hint:
            graph.add((medication, CG.possibleIntendedName, Literal(hint)))

    def medications(items: list[dict[str, Any]]) -> None:
        for item in items:
            agent = resolve(item["drug"], agents)
            if agent is None:
                unrecognised(item["drug"], CG.takesUnrecognisedMedication)
                continue
            graph.add((patient, CG.takesAgent, agent))
            use = individual("medication", CG.MedicationUse)
            graph.add((patient, CG.hasMedicationUse, use))
            graph.add((use, CG.useOf, agent))
            if "daily_dose_mg" in item:
                graph.add((use, CG.currentDailyDose, decimal_literal(item["daily_dose_mg"])))
            if "doses_per_day" in item:
                graph.add((use, CG.currentDosesPerDay, decimal_literal(item["doses_per_day"])))

    def past_trials(items: list[dict[str, Any]]) -> None:
        for item in items:
            agent = item["agent"] if "agent" in item else resolve(item["drug"], agents)
            if agent is None:
                unrecognised(item["drug"], CG.hadTrialOfUnrecognisedMedication)
                continue
            trial = individual("trial", CG.TreatmentTrial)
            graph.add((patient, CG.hadTrial, trial))
            graph.add((trial, CG.trialOf, agent))
            graph.add((trial, CG.trialOutcome, TRIAL_OUTCOMES[item["outcome"]]))
            if "max_daily_dose_mg" in item:
                graph.add((trial, CG.doseReachedDaily, decimal_literal(item["max_daily_dose_mg"])))
            if "adequate" in item:
                graph.add((trial, CG.adequateTrial, Literal(bool(item["adequate"]))))

    graph.add((patient, RDF.type, CG.Patient))
    graph.add((patient, RDF.type, OWL.NamedIndividual))
    for declared in decl.fields:
        value = stated(data, declared.name)
        if value is None and declared.omitted_class is not None:  # omitted list: unknown, never "none" (fail safe)
            graph.add((patient, RDF.type, declared.omitted_class))
        if declared.type == "number" and declared.quantity_property is not None and value is not None:
            graph.add((patient, declared.quantity_property, decimal_literal(value)))
        elif declared.type == "lab" and value is not None and declared.quantity_property is not None:
            graph.add((patient, declared.quantity_property, decimal_literal(value["value"])))
            if "date" in value and declared.date_property_iri is not None:
                graph.add((patient, declared.date_property_iri,
                           Literal(f"{value['date']}T00:00:00", datatype=XSD.dateTime)))
        elif declared.type == "medications":
            medications(value or [])
        elif declared.type == "trials":
            listed.extend(value or [])
        for effect, target in facts(declared, data, decl):
            fact(effect, target)
    past_trials([*listed, *trials])  # after every field: a field of any package may imply a trial
    return patient, graph


def load_profile(
    source: Path | dict[str, Any] | Graph,
    agents: dict[str, URIRef],
    today: dt.date | None = None,
    knowledge_graph: Graph | KnowledgeNodes | None = None,
    *,
    ids: IdSpace | None = None,
) -> Profile:
    """Read, validate and convert a profile; raise ValidationError listing every problem.

    A Turtle profile is validated with the patient SHACL shapes against ``knowledge_graph`` (the
    built graph, so that references to its agents and conditions resolve)."""
    name = source.name if isinstance(source, Path) else "profile"
    content = read_profile_file(source) if isinstance(source, Path) else source
    if isinstance(content, Graph):
        return _profile_from_turtle(content, name, knowledge_graph)
    input_report = None
    if is_fhir(content):  # a FHIR R4 Bundle or resource: the profile its records give (kg/profile/fhir/)
        read = profile_from_fhir(content, agents, today or dt.date.today())
        content, input_report = read.profile, read.report.as_data()
        name = f"profile read from {name}"
    problems = validate_profile(content, name, today)
    if problems:
        raise ValidationError(problems, what="patient profile")
    try:
        patient, graph = to_rdf(content, agents, ids)
    except UnknownId as missing:  # a build of other packages than the installed ones, whose fields name it
        raise UserError(f"the build does not declare {missing.args[0]!r}, which the installed packages' profile "
                        "fields name: decide with a build of the installed guideline packages") from None
    if knowledge_graph is not None:
        _check_conversion(graph, patient, knowledge_graph)
    drugs = {item["drug"]: agent for section in ("current_medications", "past_trials")
             for item in content.get(section, []) if (agent := resolve(item["drug"], agents)) is not None}
    return Profile(content, patient, graph, drugs, input_report)


def _check_conversion(graph: Graph, patient: URIRef, knowledge_graph: Graph | KnowledgeNodes) -> None:
    """The conversion writes only what the patient shapes allow (one allow-list for JSON, YAML and
    Turtle); a triple outside it is a project bug (the decision would drop it), said loudly."""
    outside = offending_triples(graph, patient, knowledge_nodes(knowledge_graph))
    if outside:
        listed = "; ".join(f"{show_triple(t)} ({why})" for t, why in outside[:5])
        raise RuntimeError(f"profile conversion wrote triples outside the patient shapes: {listed}")


def _profile_from_turtle(graph: Graph, name: str, knowledge_graph: Graph | KnowledgeNodes | None) -> Profile:
    from kg.model.ontology import ontology_graph
    from kg.model.packages import installed
    from kg.model.shacl import validate_graph

    context = knowledge_graph if knowledge_graph is not None else ontology_graph(installed())
    patient, problems = turtle_profile_problems(graph, name, context)  # the allow-list (ADR 0006)
    if problems or patient is None:
        raise ValidationError(problems, what="patient profile")
    shape_context = knowledge_nodes(context).shape_context  # what sh:class and sh:in read of the graph
    result = validate_graph(graph + shape_context, patient_shapes())
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
