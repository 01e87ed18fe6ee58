"""The patient profile's declarations, read once from the installed packages' profile_fields.tsv and
profile_implications.tsv (ADR 0019: each package declares the fields it needs), and the generic interpreter of them.

A field declaration says a field's name, type, unit, allowed values, what an omitted field means (a
value, or for a list a class the patient is typed with: omitted is unknown, never "none"), what it maps
to (a condition, an agent, a patient quantity) and what an unknown value asserts (``if_unknown``
``possibly``: the condition or agent as possible). A field's ``agent`` is the intervention whose
``profile_field`` (interventions.tsv) names the field: the two are checked against each other. An
implication says what a field value implies: another field's value (``field-value``: filled in when that
field is omitted, a contradicting stated value is a problem) or a fact about the patient
(``has-condition``, ``possibly-has-condition``, ``lacks-condition``, ``failed-adequate-trial``). The tables
are validated with every other table by ``kg.load_tables`` (rule ``profile_declarations``, whose checks
are :func:`declaration_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, Graph, URIRef

from kg.base.errors import UserError
from kg.base.paths import GUIDELINES_DIR
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG, PREFIXES
from kg.model.ontology import Quantities, quantities
from kg.model.packages import TABLES_FOLDER, Package, default_conditions, packages_at, treated_conditions
from kg.model.table_specs import CONDITION, INTERVENTION, TABLES

FIELDS_TABLE = "profile_fields"
IMPLICATIONS_TABLE = "profile_implications"
FIELD_TYPES = ("identifier", "number", "integer", "enum", "tri-state", "tri-state-or-none", "object", "lab",
               "conditions", "medications", "trials")
TRI_STATE_TYPES = ("tri-state", "tri-state-or-none")
OMITTED_CLASS_TYPES = ("medications", "trials")  # an omitted list may type the patient (if_omitted: a cg: class)
IF_UNKNOWN = ("possibly",)  # unknown (stated or omitted) asserts the condition or agent as possible
CONDITION_EFFECTS = ("has-condition", "possibly-has-condition", "lacks-condition")
EFFECTS = ("field-value", *CONDITION_EFFECTS, "failed-adequate-trial")
KINDS = ("definitional", "convention")
ON_CONTRADICTION = ("reject-conclusion", "reject-premise")
UNKNOWN = "unknown"
TRI_STATE_WORDS = ("yes", "no", UNKNOWN)
# Tri-state answers (README, "Patient profile"), normalised here and nowhere else. "none" is kept for
# the tri-state-or-none fields (alcohol, caffeine).
TRI_STATE_VALUES: dict[Any, bool | str] = {
    True: True, "yes": True, False: False, "no": False, "none": False, "unknown": "unknown",
}
TRIAL_OUTCOMES = {
    "inadequate-response": CG.OutcomeInadequateResponse,
    "not-tolerated": CG.OutcomeNotTolerated,
    "augmentation": CG.OutcomeAugmentation,
    "response": CG.OutcomeResponse,
}
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
CONDITION_TEST = re.compile(r"^([a-z0-9_.]+)=([a-z0-9-]+(?:\|[a-z0-9-]+)*)$")


@dataclass(frozen=True)
class FieldDeclaration:
    """One row of profile_fields.tsv."""

    name: str
    type: str
    values: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    required: bool = False
    if_omitted: str = ""
    if_unknown: str = ""
    conditions: tuple[str, ...] = ()
    agent: str = ""
    quantity: str = ""  # the notation of a patient quantity (the core's or one a package's ontology.ttl declares)
    date_property: str = ""  # a CURIE (cg:, or the prefix of a package)
    description: str = ""
    # the conditions of the guideline package that declares the field (none: the shared package's): a profile
    # that gives the field names one of them (kg/profile/reader.py)
    guideline_conditions: tuple[str, ...] = ()
    # the properties the field maps to, by IRI, resolved against the ontology of the packages read (``declarations``)
    quantity_property: URIRef | None = None
    date_property_iri: URIRef | None = None

    @property
    def parent(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def key(self) -> str:
        return self.name.rpartition(".")[2]

    def needs_a_condition_from(self, named: set[str] | frozenset[str]) -> bool:
        """True when this top-level field of a guideline package would be ignored for a profile naming the conditions
        *named*: none of them is a condition of the guideline that declares it."""
        return bool(self.guideline_conditions) and not self.parent and not named & set(self.guideline_conditions)

    @property
    def omitted_class(self) -> URIRef | None:
        """The class an omitted list types the patient with (``if_omitted`` a cg: class), else None."""
        return term_iri(self.if_omitted) if self.type in OMITTED_CLASS_TYPES and self.if_omitted else None

    def words(self) -> tuple[str, ...]:
        """The values a premise may test this field for (omitted reads as if_omitted)."""
        if self.type in TRI_STATE_TYPES:
            return TRI_STATE_WORDS
        return (*self.values, UNKNOWN) if self.values else ()


@dataclass(frozen=True)
class Implication:
    """One row of profile_implications.tsv."""

    id: str
    premise: tuple[tuple[str, tuple[str, ...]], ...]  # (field, any of these values), all must hold
    effect: str
    target: str
    kind: str
    on_contradiction: str = ""
    problem: str = ""
    rationale: str = ""

    @property
    def field(self) -> str:
        """The field the implication belongs to (the first it tests): its facts follow that field's."""
        return self.premise[0][0]

    @property
    def conclusion(self) -> tuple[str, str]:
        name, _, value = self.target.partition("=")
        return name, value


@dataclass(frozen=True)
class Declarations:
    fields: tuple[FieldDeclaration, ...]
    implications: tuple[Implication, ...]

    @cached_property
    def by_name(self) -> dict[str, FieldDeclaration]:
        return {f.name: f for f in self.fields}

    @cached_property
    def implications_of(self) -> dict[str, tuple[Implication, ...]]:
        """Field -> the implications that belong to it (that it is the first to test), in table order."""
        return {f.name: tuple(i for i in self.implications if i.field == f.name) for f in self.fields}

    def field(self, name: str) -> FieldDeclaration:
        return self.by_name[name]

    def children(self, parent: str) -> tuple[FieldDeclaration, ...]:
        return tuple(f for f in self.fields if f.parent == parent)


def parse_premise(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``field=a|b & other=c`` -> ((field, (a, b)), (other, (c,))); ValueError when malformed."""
    tests = []
    for part in text.split("&"):
        match = CONDITION_TEST.match(part.strip())
        if not match:
            raise ValueError(f"{part.strip()!r} is not field=value[|value...]")
        tests.append((match.group(1), tuple(match.group(2).split("|"))))
    return tuple(tests)


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a TSV with their line numbers (comments and blank lines skipped)."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [(n, line.rstrip("\r\n")) for n, line in enumerate(handle, start=1)]
    lines = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    header = lines[0][1].split("\t")
    return [(n, dict(zip(header, (c.strip() for c in line.split("\t")), strict=True))) for n, line in lines[1:]]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in cell.split("|") if v.strip())


def field_from_row(row: Mapping[str, str]) -> FieldDeclaration:
    return FieldDeclaration(
        name=row["field"], type=row["type"], values=_split(row["values"]), units=_split(row["unit"]),
        minimum=Decimal(row["minimum"]) if row["minimum"] else None,
        maximum=Decimal(row["maximum"]) if row["maximum"] else None,
        required=row["required"] == "yes", if_omitted=row["if_omitted"], if_unknown=row["if_unknown"],
        conditions=_split(row["condition"]),
        agent=row["agent"], quantity=row["quantity"], date_property=row["date_property"],
        description=row["description"])


def implication_from_row(row: Mapping[str, str]) -> Implication:
    return Implication(id=row["implication_id"], premise=parse_premise(row["if"]), effect=row["then"],
                       target=row["target"], kind=row["kind"], on_contradiction=row["on_contradiction"],
                       problem=row["problem"], rationale=row["rationale"])


@cache
def declarations(root: Path = GUIDELINES_DIR) -> Declarations:
    """The profile declarations of the packages in *root* (a folder of packages, or one package folder with what
    it requires), dependencies first, read once."""
    fields: list[FieldDeclaration] = []
    implications: list[Implication] = []
    packages = packages_at(root)
    known = quantities(tuple(packages))  # the core's quantities and the packages' (ADR 0025)
    prefixes = package_prefixes(packages)
    for package in packages:
        for table, into, convert in ((FIELDS_TABLE, fields, field_from_row),
                                     (IMPLICATIONS_TABLE, implications, implication_from_row)):
            path = package.tables_dir / f"{table}.tsv"
            if path.is_file():
                rows = [convert(row) for _, row in read_rows(path)]
                into.extend(_with_properties(replace(r, guideline_conditions=package.conditions)
                                             if package.is_guideline else r, package, known, prefixes)
                            if isinstance(r, FieldDeclaration) else r for r in rows)
    return Declarations(tuple(with_treated_conditions(f, packages) for f in fields), tuple(implications))


def package_prefixes(packages: Sequence[Package]) -> dict[str, str]:
    """The CURIE prefixes a profile field's properties are written with: the project's (cg:) and the packages'."""
    return {**PREFIXES, **{p.prefix: p.namespace for p in packages}}


def _with_properties(field: FieldDeclaration, package: Package, known: Quantities,
                     prefixes: Mapping[str, str]) -> FieldDeclaration:
    """The field with the properties it maps to, by IRI (checked by ``declaration_problems`` when the packages are
    validated; a UserError naming the field here, for installed packages that were not)."""
    try:
        return replace(field, quantity_property=known[field.quantity] if field.quantity else None,
                       date_property_iri=term_iri(field.date_property, prefixes) if field.date_property else None)
    except KeyError as error:
        raise UserError(f"{package.folder.name}/{TABLES_FOLDER}/{FIELDS_TABLE}.tsv field {field.name!r}: "
                        f"{error.args[0]} (kg validate lists every problem)") from None


def with_treated_conditions(field: FieldDeclaration, packages: Sequence[Package]) -> FieldDeclaration:
    """The ``conditions`` list takes the conditions the guideline packages' manifests treat; omitted, those of the
    package flagged ``default_for_profiles_without_conditions`` (required when none is). Other fields unchanged."""
    if field.type != "conditions":
        return field
    default = default_conditions(packages)
    return replace(field, conditions=treated_conditions(packages), if_omitted="|".join(default),
                   required=field.required or not default)



@cache
def installed_ids(root: Path = GUIDELINES_DIR) -> IdSpace:
    """Where the ids of the installed packages live (their tables' id columns), for reading a profile without a
    build at hand; a decision passes its build's own ids instead."""
    namespaces: dict[str, str] = {}
    for package in packages_at(root):
        for spec in (s for s in TABLES if s.id_column is not None):
            path = package.tables_dir / f"{spec.name}.tsv"
            if path.is_file():
                namespaces.update((row[spec.id_column.name], package.namespace)  # type: ignore[union-attr]
                                  for _, row in read_rows(path))
    return IdSpace(namespaces)


def term_iri(curie: str, prefixes: Mapping[str, str] = PREFIXES) -> URIRef:
    """``cg:ageYears`` -> its IRI, by the CURIE's prefix (the project's, or a package's among *prefixes*); a
    KeyError when the prefix is none of them. Whether the ontology declares the term is ``declaration_problems``'s
    check.

    >>> term_iri("cg:ageYears")
    rdflib.term.URIRef('https://w3id.org/cgkg/ontology#ageYears')
    """
    prefix, _, name = curie.partition(":")
    if prefix not in prefixes or not name:
        raise KeyError(f"{curie!r} is not a CURIE of a known prefix ({', '.join(sorted(prefixes))})")
    return URIRef(prefixes[prefix] + name)


# ---- reading a profile through the declarations ----------------------------------------------


def tri_state_fields(decl: Declarations | None = None) -> tuple[str, ...]:
    """The top-level fields declared as tri-states (yes/no/true/false/unknown), sorted."""
    decl = decl or declarations()
    return tuple(sorted(f.name for f in decl.fields if f.type in TRI_STATE_TYPES and not f.parent))


def normalise_tri_states(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a schema-valid profile with every tri-state as True, False or "unknown"."""
    names = tri_state_fields()
    return {key: TRI_STATE_VALUES[value] if key in names else value for key, value in data.items()}


def stated(data: Mapping[str, Any], name: str) -> Any:
    """The value the profile states for a (dotted) field, or None when it is omitted."""
    value: Any = data
    for key in _keys(name):
        if not (type(value) is dict or isinstance(value, Mapping)) or key not in value:  # a dict: no ABC check
            return None
        value = value[key]
    return value


@lru_cache(maxsize=1024)
def _keys(name: str) -> tuple[str, ...]:
    return tuple(name.split("."))


def word(value: Any) -> str:
    """A stated value as the word a premise tests: yes/no for tri-states, the value otherwise."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def value_word(data: Mapping[str, Any], decl: FieldDeclaration) -> str:
    value = stated(data, decl.name)
    return decl.if_omitted if value is None else word(value)


def holds(premise: tuple[tuple[str, tuple[str, ...]], ...], data: Mapping[str, Any], decl: Declarations) -> bool:
    """Every test of *premise* holds; a test of the ``conditions`` list holds when the list (omitted: the default
    conditions) names any of its values."""
    return all(any(c in values for c in _conditions_named(field, data)) if field.type == "conditions"
               else value_word(data, field) in values
               for field, values in ((decl.field(name), values) for name, values in premise))


def _set(data: dict[str, Any], name: str, value: Any) -> None:
    *parents, last = name.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def _typed(decl: FieldDeclaration, text: str) -> Any:
    if decl.type in TRI_STATE_TYPES:
        return TRI_STATE_VALUES[text]
    return int(text) if decl.type == "integer" else text


def with_implied_values(data: dict[str, Any], decl: Declarations | None = None) -> dict[str, Any]:
    """A copy of a normalised profile with every omitted field that a ``field-value`` implication
    concludes filled in (sex male and no pregnancy stated: not pregnant)."""
    decl = decl or declarations()
    filled = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    for implication in decl.implications:
        name, value = implication.conclusion
        if (implication.effect == "field-value" and stated(filled, name) is None
                and holds(implication.premise, filled, decl)):
            _set(filled, name, _typed(decl.field(name), value))
    return filled


def contradictions(data: Mapping[str, Any], decl: Declarations | None = None) -> list[tuple[str, str, str]]:
    """(field, value, problem) for every ``field-value`` implication a normalised profile contradicts.
    reject-conclusion: the concluded field states another known value; reject-premise: the premise
    holds but the concluded field states anything else (unknown too)."""
    decl = decl or declarations()
    found = []
    for implication in decl.implications:
        name, value = implication.conclusion
        given = stated(data, name)
        if implication.effect != "field-value" or given is None or word(given) == value:
            continue
        if not all(stated(data, n) is not None and word(stated(data, n)) in v for n, v in implication.premise):
            continue
        if implication.on_contradiction == "reject-conclusion" and word(given) != UNKNOWN:
            found.append((name, _shown(given), implication.problem))
        elif implication.on_contradiction == "reject-premise":
            found.append((implication.field, _shown(stated(data, implication.field)), implication.problem))
    return found


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else ("true" if value is True else "false" if value is False else str(value))


def fields_without_their_condition(data: Mapping[str, Any], decl: Declarations | None = None) \
        -> list[tuple[str, str]]:
    """(field, rule) for each top-level field a (schema-valid) profile gives that a guideline package declares while
    the profile's conditions name none of that guideline's conditions: the field would be silently ignored."""
    decl = decl or declarations()
    named = set(named_conditions(data, decl))
    shown = ", ".join(sorted(n for n in named if n)) or "none"  # a condition no package treats names none (None)
    return [(f.name, f"given, but the profile's conditions ({shown}) do not include "
                     f"{' or '.join(f.guideline_conditions)}, the condition of the guideline that declares this field, "
                     f"so it would be ignored: add {f.guideline_conditions[0]} to conditions or leave {f.name} out")
            for f in decl.fields if f.name in data and f.needs_a_condition_from(named)]


def named_conditions(data: Mapping[str, Any], decl: Declarations | None = None) -> tuple[str, ...]:
    """The conditions a (schema-valid) profile names in its conditions list; omitted, the default ones (those of
    the guideline package flagged default_for_profiles_without_conditions)."""
    decl = decl or declarations()
    return tuple(condition for field in decl.fields if field.type == "conditions"
                 for condition in _conditions_named(field, data))


@cache
def condition_fields(root: Path = GUIDELINES_DIR) -> tuple[str, ...]:
    """The names of the fields of type ``conditions`` as the packages' profile tables declare them, read without the
    rest of ``declarations`` (no ontology, no checks): those of ``declarations()``, for a guess made before it."""
    return tuple(row["field"] for package in packages_at(root) if (package.tables_dir / f"{FIELDS_TABLE}.tsv").is_file()
                 for _, row in read_rows(package.tables_dir / f"{FIELDS_TABLE}.tsv") if row["type"] == "conditions")


def stated_conditions(data: Mapping[str, Any], decl: Declarations | None = None) -> tuple[str, ...]:
    """The conditions a (schema-valid) profile states in its conditions list (none when it omits it)."""
    decl = decl or declarations()
    return tuple(c for field in decl.fields if field.type == "conditions" for c in stated(data, field.name) or ())


def _conditions_named(field: FieldDeclaration, data: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(stated(data, field.name) or _split(field.if_omitted))


def facts(field: FieldDeclaration, data: Mapping[str, Any], decl: Declarations) -> Iterator[tuple[str, str]]:
    """(effect, target) of one field for a profile with implied values filled in: its own mapping
    (a tri-state to its condition or agent, the conditions list), then its implications'."""
    if field.type == "conditions":
        for condition in _conditions_named(field, data):
            yield "has-condition", condition
    elif field.type in TRI_STATE_TYPES:
        state = value_word(data, field)
        possibly = field.if_unknown == "possibly"
        if field.conditions:
            effect = {"yes": "has-condition", "no": "lacks-condition"}.get(
                state, "possibly-has-condition" if possibly else "")
            if effect:
                yield effect, field.conditions[0]
        if field.agent:
            effect = {"yes": "takes-agent", UNKNOWN: "possibly-takes-agent" if possibly else ""}.get(state, "")
            if effect:
                yield effect, field.agent
    for implication in decl.implications_of.get(field.name, ()):
        if implication.effect != "field-value" and holds(implication.premise, data, decl):
            yield implication.effect, implication.target


# ---- checking the declarations (the table rule profile_declarations) ----------------------------


def declaration_problems(
    field_rows: list[tuple[int, Mapping[str, str]]],
    implication_rows: list[tuple[int, Mapping[str, str]]],
    ids: Mapping[str, str],
    intervention_rows: Sequence[tuple[int, Mapping[str, str]]],
    ontology: Graph,
    unread: Collection[str] = (),
    prefixes: Mapping[str, str] = PREFIXES,
) -> list[tuple[str, int, str, str, str]]:
    """(file, line, column, value, rule) for every problem of the declarations beyond the column rules:
    types, nesting, allowed values, premises and targets (conditions and agents the tables declare), the
    properties the fields map to (dates and classes of *ontology*: the core's and the packages' fragments, CURIEs of
    *prefixes*; a quantity is the column's enum of the ontology's quantities), and the agents of the fields against
    interventions.tsv ``profile_field`` (the one says what the other does). Nothing is said about ids of an ``unread``
    kind (a table that could not be read: no follow-on problems)."""
    problems: list[tuple[str, int, str, str, str]] = []

    def declares(curie: str, kind: URIRef) -> bool:
        try:
            return (term_iri(curie, prefixes), RDF.type, kind) in ontology
        except KeyError:
            return False

    ffile, ifile = f"{FIELDS_TABLE}.tsv", f"{IMPLICATIONS_TABLE}.tsv"
    declared: dict[str, FieldDeclaration] = {}
    for line, row in field_rows:
        def report(column: str, value: str, rule: str, line: int = line) -> None:
            problems.append((ffile, line, column, value, rule))
        name, kind = row["field"], row["type"]
        if not FIELD_NAME.match(name):
            report("field", name, "must be snake_case, one optional '.' for a field of an object")
        if name in declared:
            report("field", name, "declared twice")
        if kind not in FIELD_TYPES:
            report("type", kind, f"not one of: {', '.join(FIELD_TYPES)}")
        if row["required"] not in ("yes", "no"):
            report("required", row["required"], "not one of: yes, no")
        parent = name.rpartition(".")[0]
        if parent and (parent not in declared or declared[parent].type != "object"):
            report("field", name, f"its object {parent!r} must be declared (type object) before it")
        if kind in ("enum", "integer") and not row["values"]:
            report("values", "", f"required for type {kind}")
        if kind == "integer" and any(not v.isdigit() for v in _split(row["values"])):
            report("values", row["values"], "must be whole numbers for type integer")
        if kind == "lab" and not (row["unit"] and row["quantity"] and row["date_property"]):
            report("unit", row["unit"], "type lab needs unit, quantity and date_property")
        if row["date_property"] and not declares(row["date_property"], OWL.DatatypeProperty):
            report("date_property", row["date_property"], "must be a datatype property of the ontology (the core's or "
                                                          "one a package's ontology.ttl declares), as a CURIE")
        conditions = _split(row["condition"])
        if kind in TRI_STATE_TYPES and len(conditions) > 1:
            report("condition", row["condition"], "a tri-state maps to one condition")
        if kind == "conditions":
            for column in ("condition", "if_omitted"):
                if row[column]:
                    report(column, row[column], "leave empty: the conditions list takes the conditions the guideline "
                                                "packages' manifests treat (manifest.yaml conditions, and "
                                                "default_for_profiles_without_conditions for a profile naming none)")
        if conditions and kind not in TRI_STATE_TYPES and kind != "conditions":
            report("condition", row["condition"], "only a tri-state maps to a condition")
        if row["agent"] and kind not in TRI_STATE_TYPES:
            report("agent", row["agent"], "only a tri-state maps to an agent")
        if row["if_unknown"] and (row["if_unknown"] not in IF_UNKNOWN or not (conditions or row["agent"])):
            report("if_unknown", row["if_unknown"],
                   f"one of: {', '.join(IF_UNKNOWN)}, and only for a field that maps to a condition or an agent")
        if kind in OMITTED_CLASS_TYPES and row["if_omitted"] and not declares(row["if_omitted"], OWL.Class):
            report("if_omitted", row["if_omitted"], "for a list: a cg: class of the ontology the patient is typed "
                                                    "with when the list is omitted")
        if row["quantity"] and kind not in ("number", "lab"):
            report("quantity", row["quantity"], "only a number or a lab maps to a quantity")
        if kind in FIELD_TYPES and name not in declared:
            declared[name] = field_from_row(row)
    if INTERVENTION not in unread:
        problems += _agent_problems(field_rows, intervention_rows)
    for line, row in implication_rows:
        def flag(column: str, value: str, rule: str, line: int = line) -> None:
            problems.append((ifile, line, column, value, rule))
        try:
            premise = parse_premise(row["if"])
        except ValueError as error:
            flag("if", row["if"], str(error))
            premise = ()
        for name, values in premise:
            if name in declared and declared[name].type == "conditions":  # holds when the list names one of them
                for value in values:
                    if CONDITION not in unread and ids.get(value) != CONDITION:
                        flag("if", f"{name}={value}", "must be a condition id (conditions.tsv)")
                continue
            for value, rule in _field_value_problems(name, values, declared):
                flag("if", value, rule)
        effect, target = row["then"], row["target"]
        if effect not in EFFECTS:
            flag("then", effect, f"not one of: {', '.join(EFFECTS)}")
        if row["kind"] not in KINDS:
            flag("kind", row["kind"], f"not one of: {', '.join(KINDS)}")
        if effect in CONDITION_EFFECTS and CONDITION not in unread and ids.get(target) != CONDITION:
            flag("target", target, "must be a condition id (conditions.tsv)")
        if effect == "failed-adequate-trial" and INTERVENTION not in unread and ids.get(target) != INTERVENTION:
            flag("target", target, "must be an intervention id (interventions.tsv)")
        if effect == "field-value":
            name, _, value = target.partition("=")
            for _, rule in _field_value_problems(name, (value,), declared):
                flag("target", target, rule)
            if row["on_contradiction"] not in ON_CONTRADICTION:
                flag("on_contradiction", row["on_contradiction"], f"not one of: {', '.join(ON_CONTRADICTION)}")
            if not row["problem"]:
                flag("problem", "", "required for then field-value (the message of a contradiction)")
    return problems


def _agent_problems(field_rows: list[tuple[int, Mapping[str, str]]],
                    intervention_rows: Sequence[tuple[int, Mapping[str, str]]]) -> list[tuple[str, int, str, str, str]]:
    """A field's agent and the intervention whose profile_field names that field are the same, both ways."""
    reported_by = {row["profile_field"]: row["intervention_id"] for _, row in intervention_rows
                   if row.get("profile_field")}
    agents = {row["field"]: row["agent"] for _, row in field_rows if row["agent"]}
    problems = [(f"{FIELDS_TABLE}.tsv", line, "agent", row["agent"],
                 f"must be the intervention whose profile_field is {row['field']!r} (interventions.tsv)")
                for line, row in field_rows if row["agent"] and reported_by.get(row["field"]) != row["agent"]]
    problems += [("interventions.tsv", line, "profile_field", row["profile_field"],
                  f"must name a field of {FIELDS_TABLE}.tsv whose agent is {row['intervention_id']!r}")
                 for line, row in intervention_rows
                 if row.get("profile_field") and agents.get(row["profile_field"]) != row["intervention_id"]]
    return problems


def _field_value_problems(name: str, values: tuple[str, ...],
                          declared: Mapping[str, FieldDeclaration]) -> list[tuple[str, str]]:
    """(value, rule) for a field a declaration tests or concludes: declared, and each value one it takes."""
    if name not in declared:
        return [(name, "names a field profile_fields.tsv does not declare")]
    allowed = declared[name].words()
    return [(f"{name}={value}", f"not a value of {name}: {', '.join(allowed) or '(none to test)'}")
            for value in values if value not in allowed]
