"""FHIRPath backend of the population grammar: a rule becomes a FHIRPath boolean over a patient's FHIR R4 data.

The expression is evaluated with a ``Bundle`` of one patient's resources as its context (``%context``):
the ``Patient``, lab ``Observation``\\ s, ``Condition``\\ s and ``MedicationRequest``/``MedicationStatement``\\ s.
It is true when the patient is certainly in the population: the population class of the OWL backend, not its
"possible" class (ADR 0005). A fact the Bundle lacks makes the term false, so "undetermined" patients are not
flagged as applicable. Term by term (``Terminology`` holds the codes, read from the graph by the exporter):

* ``<lab> <= 75`` (a lab quantity): the patient's most recent final Observation with one of the quantity's
  LOINC codes has a UCUM ``valueQuantity`` in one of the quantity's units and a value ``<= 75``;
* ``age >= 18``: ``Patient.birthDate <= today() - 18 years`` (exact for whole-year thresholds; others are refused);
* ``condition X``: an active, not unconfirmed Condition coded with a code that implies X (X's or a narrower
  condition's exact, close or narrower codes), or, where the terminology says a condition is recorded as an
  Observation (pregnancy status), the most recent such Observation with the stated value;
* ``not condition X``: a Condition whose ``verificationStatus`` is ``refuted`` coded with a code X or a broader
  condition implies (the profile's "stated absent");
* ``takes X`` / ``takes-class C``: an active MedicationRequest or MedicationStatement coded with the RxNorm
  ingredient code of X or of every drug falling under C (clinical-drug codes must be rolled up to ingredients);
* ``population P``: P's rule in place.

A term that cannot be expressed faithfully (no code, a non-whole-year age, a failed trial, whose adequacy needs
the dosing tables) raises :class:`NotComputable` naming it: never a silently wrong condition.

>>> t = Terminology(quantities={"lab": LabQuantity((Coding("https://example.org/codes", "x"),), ("%",))})
>>> compile_rule(Threshold("lab", "<", Decimal(20)), t, {}.__getitem__)  # doctest: +NORMALIZE_WHITESPACE
"entry.resource.ofType(Observation).where(status in ('amended' | 'corrected' | 'final') and
code.coding.where(system = 'https://example.org/codes' and code = 'x').exists()).aggregate(iif($total.empty() or
$this.effective.ofType(dateTime) > $total.effective.ofType(dateTime), $this,
$total)).value.ofType(Quantity).where(system = 'http://unitsofmeasure.org' and code = '%' and value < 20).exists()"
>>> compile_rule(parse("condition lactation"), t, {}.__getitem__)
Traceback (most recent call last):
...
kg.model.population.fhirpath.NotComputable: condition lactation: no code that implies it
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kg.model.population.grammar import And, Expr, Not, Or, Reference, Resolver, Threshold, parse

LANGUAGE = "text/fhirpath"  # the Expression.language of the compiled rules
UCUM = "http://unitsofmeasure.org"
# Status codes of the FHIR R4 resources (the required value sets of the elements, as the fhir.resources R4B
# models list them): which records count as current facts.
OBSERVATION_FINAL = ("final", "amended", "corrected")
CONDITION_ACTIVE = ("active", "recurrence", "relapse")
CONDITION_NOT_CERTAIN = ("unconfirmed", "provisional", "differential", "refuted", "entered-in-error")
CONDITION_REFUTED = "refuted"
MEDICATION_ACTIVE = "active"
AGE_OPERATORS = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}  # age OP n  <=>  birthDate OP' today() - n years


class NotComputable(ValueError):
    """A rule term that has no faithful FHIRPath form; the message names the term and the reason."""

    def __init__(self, term: str, reason: str) -> None:
        super().__init__(f"{term}: {reason}")
        self.term, self.reason = term, reason


@dataclass(frozen=True, order=True)
class Coding:
    system: str
    code: str


@dataclass(frozen=True)
class LabQuantity:
    """A quantity measured by a lab Observation: its codes and the UCUM units its thresholds are stated in."""

    codes: tuple[Coding, ...]
    units: tuple[str, ...]


@dataclass(frozen=True)
class AgeQuantity:
    """A quantity computed from ``Patient.birthDate`` (whole years)."""


@dataclass(frozen=True)
class ObservedValue:
    """A condition recorded as an Observation: its code and the value that means "present"."""

    code: Coding
    value: Coding | bool


@dataclass
class Terminology:
    """The codes the backend needs, by the grammar's identifiers; a missing entry is :class:`NotComputable`."""

    quantities: dict[str, LabQuantity | AgeQuantity] = field(default_factory=dict)
    condition_codes: dict[str, tuple[Coding, ...]] = field(default_factory=dict)  # codes implying the condition
    absence_codes: dict[str, tuple[Coding, ...]] = field(default_factory=dict)  # codes whose refutation implies absence
    condition_observations: dict[str, tuple[ObservedValue, ...]] = field(default_factory=dict)
    agent_codes: dict[str, tuple[Coding, ...]] = field(default_factory=dict)  # RxNorm ingredient codes
    class_members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # drug class -> agents falling under it
    uncomputable: dict[str, str] = field(default_factory=dict)  # "keyword id" -> why it cannot be computed


def _string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _one_of(values: tuple[str, ...] | list[str]) -> str:
    items = sorted(set(values))
    return f"= {_string(items[0])}" if len(items) == 1 else "in (" + " | ".join(_string(v) for v in items) + ")"


def coding_match(codes: tuple[Coding, ...]) -> str:
    """``coding.where(...)`` matching any of *codes* (grouped by system, sorted: deterministic text)."""
    systems = sorted({c.system for c in codes})
    parts = [f"system = {_string(s)} and code {_one_of([c.code for c in codes if c.system == s])}" for s in systems]
    inner = parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)
    return f"coding.where({inner}).exists()"


def _latest_observation(codes: tuple[Coding, ...]) -> str:
    return (f"entry.resource.ofType(Observation).where(status {_one_of(OBSERVATION_FINAL)} and "
            f"code.{coding_match(codes)}).aggregate(iif($total.empty() or $this.effective.ofType(dateTime) > "
            "$total.effective.ofType(dateTime), $this, $total))")


def _threshold(expr: Threshold, terminology: Terminology) -> str:
    term = f"{expr.quantity} {expr.op} {expr.value}"
    quantity = terminology.quantities.get(expr.quantity)
    if quantity is None:
        raise NotComputable(term, f"no FHIR binding for the quantity {expr.quantity!r}")
    if isinstance(quantity, AgeQuantity):
        if expr.value != expr.value.to_integral_value():
            raise NotComputable(term, "an age threshold that is not a whole number of years")
        return (f"entry.resource.ofType(Patient).where(birthDate {AGE_OPERATORS[expr.op]} today() - "
                f"{int(expr.value)} years).exists()")
    if not quantity.codes or not quantity.units:
        raise NotComputable(term, f"the quantity {expr.quantity!r} has no LOINC code or no unit")
    return (f"{_latest_observation(quantity.codes)}.value.ofType(Quantity).where(system = {_string(UCUM)} and "
            f"code {_one_of(quantity.units)} and value {expr.op} {_number(expr.value)}).exists()")


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _has_condition(target: str, terminology: Terminology) -> str:
    codes = terminology.condition_codes.get(target, ())
    observed = terminology.condition_observations.get(target, ())
    if not codes and not observed:
        raise NotComputable(f"condition {target}", terminology.uncomputable.get(target, "no code that implies it"))
    parts = []
    if codes:
        parts.append(f"entry.resource.ofType(Condition).where(code.{coding_match(codes)} and "
                     f"clinicalStatus.coding.where(code {_one_of(CONDITION_ACTIVE)}).exists() and "
                     f"verificationStatus.coding.where(code {_one_of(CONDITION_NOT_CERTAIN)}).empty()).exists()")
    for item in sorted(observed, key=lambda o: (o.code, str(o.value))):
        if isinstance(item.value, bool):
            value = f"value.ofType(boolean) = {'true' if item.value else 'false'}"
        else:
            value = f"value.ofType(CodeableConcept).{coding_match((item.value,))}"
        parts.append(f"{_latest_observation((item.code,))}.where({value}).exists()")
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def _lacks_condition(target: str, terminology: Terminology) -> str:
    codes = terminology.absence_codes.get(target, ())
    if not codes:
        raise NotComputable(f"not condition {target}", "no code whose refutation states the condition absent")
    return (f"entry.resource.ofType(Condition).where(code.{coding_match(codes)} and "
            f"verificationStatus.coding.where(code = {_string(CONDITION_REFUTED)}).exists()).exists()")


def _takes(codes: tuple[Coding, ...]) -> str:
    return ("(entry.resource.ofType(MedicationRequest) | entry.resource.ofType(MedicationStatement))"
            f".where(status = {_string(MEDICATION_ACTIVE)} and medication.ofType(CodeableConcept)."
            f"{coding_match(codes)}).exists()")


def _agent_codes(term: str, agent: str, terminology: Terminology) -> tuple[Coding, ...]:
    codes = terminology.agent_codes.get(agent, ())
    if not codes:
        why = terminology.uncomputable.get(agent, "no RxNorm ingredient code")
        raise NotComputable(term, f"{agent}: {why}" if term != f"takes {agent}" else why)
    return codes


def compile_rule(expr: Expr, terminology: Terminology, resolve: Resolver) -> str:
    """The FHIRPath boolean for ``expr``; raise :class:`NotComputable` for a term it cannot express."""
    if isinstance(expr, (And, Or)):
        joiner = " and " if isinstance(expr, And) else " or "
        return "(" + joiner.join(compile_rule(item, terminology, resolve) for item in expr.items) + ")"
    if isinstance(expr, Not):
        return _lacks_condition(expr.item.target, terminology)
    if isinstance(expr, Threshold):
        return _threshold(expr, terminology)
    assert isinstance(expr, Reference)
    term = f"{expr.keyword} {expr.target}"
    if expr.keyword == "condition":
        return _has_condition(expr.target, terminology)
    if expr.keyword == "takes":
        return _takes(_agent_codes(term, expr.target, terminology))
    if expr.keyword == "takes-class":
        members = terminology.class_members.get(expr.target, ())
        if not members:
            raise NotComputable(term, "no drug falls under the class")
        codes = tuple(sorted({c for m in members for c in _agent_codes(term, m, terminology)}))
        return _takes(codes)
    if expr.keyword == "failed-class":
        raise NotComputable(term, "a failed trial depends on the adequacy of the dose reached (dosing tables) and on "
                                  "its outcome, which FHIR R4 records with no standard code")
    return compile_rule(resolve(expr.target), terminology, resolve)  # "population": the referenced rule, in place


__all__ = ["LANGUAGE", "AgeQuantity", "Coding", "LabQuantity", "NotComputable", "ObservedValue", "Terminology",
           "coding_match", "compile_rule", "parse"]
