"""A seeded synthetic cohort (``kg cohort synth``; issue 17 item 4): profiles drawn from documented distributions,
as benchmark input and test fixture.

The fields are the installed packages' profile fields (profile_fields.tsv), read through their declarations; what
each field's values look like comes from the packages' own ``synthetic-cohort.yaml`` (SYNTHETIC, NOT EPIDEMIOLOGY:
shares chosen to reach every rule, no prevalence) over the type defaults of ``kg/cohort/synthetic-defaults.yaml``.
Drugs and doses come from the build: current medications and past trials are drawn from the agents that have a
maximum daily dose (queries/cq/dosing.rq), at a fraction of that maximum (some above it, to reach the dose checks).
Nothing here is read by a decision. Every generated profile passes the profile checks (a profile that did not would
be a bug here, raised, never written).

Keys of a field's entry: ``omitted`` (share left out), ``when`` (field -> allowed values, or [low, high] for a
number: otherwise omitted), ``choices`` (value -> share), ``yes`` (tri-state share of yes, with ``unknown``),
``normal`` / ``lognormal`` (number, with ``minimum``/``maximum``; ``children``: share drawn uniformly from
``child_ages``), ``count`` (list length -> share), ``of_maximum`` ([low, high] fraction of the drug's maximum
daily dose), ``unlisted`` (share of medications the build does not know), ``adequate_stated`` (share of trials with
the clinician's adequacy judgement).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDFS

from kg.base.errors import UserError
from kg.base.paths import GUIDELINES_DIR
from kg.base.yaml12 import load_yaml
from kg.core.build.knowledge import Knowledge
from kg.core.query.library import load_query, run_query
from kg.model.packages import packages_at
from kg.profile.drug_names import resolve
from kg.profile.fields import TRI_STATE_TYPES, UNKNOWN, Declarations, FieldDeclaration, declarations, named_conditions
from kg.profile.reader import validate_profile

DEFAULTS_FILE = Path(__file__).with_name("synthetic-defaults.yaml")
PACKAGE_FILE = "synthetic-cohort.yaml"
UNLISTED_DRUG = "synthetic-unlisted-drug"  # a name no build knows: an unrecognised medication
KEYS = {"omitted", "when", "choices", "yes", "unknown", "normal", "lognormal", "minimum", "maximum", "children",
        "child_ages", "count", "of_maximum", "unlisted", "adequate_stated"}


@dataclass(frozen=True)
class Distributions:
    defaults: dict[str, float]
    fields: dict[str, dict[str, Any]]  # field name -> its entry, in declaration order
    condition_shares: dict[str, float]  # condition id -> share


def _yaml(path: Path) -> dict[str, Any]:
    data, problems = load_yaml(path.read_text(encoding="utf-8"))  # YAML 1.2: "yes" is a string, as in profiles
    if problems:
        line, value, rule = problems[0]
        raise UserError(f"{path}: line {line}: {rule}" + (f" ({value!r})" if value else ""))
    data = data or {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: must be a mapping")
    return data


def distributions(root: Path = GUIDELINES_DIR, decl: Declarations | None = None) -> Distributions:
    """The defaults and every installed package's field entries; a UserError naming the file, the field and the rule
    for a field that is not declared or a key that is not known."""
    decl = decl or declarations(root)
    defaults = _yaml(DEFAULTS_FILE)
    entries: dict[str, dict[str, Any]] = {}
    shares: dict[str, float] = {}
    for package in packages_at(root):
        path = package.folder / PACKAGE_FILE
        if not path.is_file():
            continue
        data = _yaml(path)
        if package.is_guideline and "condition_share" in data:
            shares.update((c, float(data["condition_share"])) for c in package.conditions)
        for name, entry in (data.get("fields") or {}).items():
            if name not in decl.by_name:
                raise UserError(f"{path}: field {name!r} is not a profile field of the installed packages")
            unknown = set(entry) - KEYS
            if unknown:
                raise UserError(f"{path}: field {name!r}: unknown key(s) {', '.join(sorted(unknown))}; allowed: "
                                f"{', '.join(sorted(KEYS))}")
            entries[name] = entry
    ordered = {f.name: entries.get(f.name, {}) for f in decl.fields}
    return Distributions(defaults, ordered, shares)


def dose_limits(knowledge: Knowledge) -> dict[str, float]:
    """Drug name -> the lowest maximum daily dose in mg the build gives it (queries/cq/dosing.rq). The name is the
    drug's label, as a profile names it and as the build's name index reads it back to the same drug (a table id such
    as ``gabapentin-enacarbil`` is not a name a profile may use: it would be an unrecognised medication)."""
    limits: dict[str, float] = {}
    for row in run_query(load_query("cq/dosing"), knowledge.store):
        agent, maximum, unit = row.get("agent"), row.get("maxDaily"), row.get("unit")
        name = _name(knowledge, agent)
        if name is not None and maximum is not None and str(unit) == "mg":
            limits[name] = min(float(maximum), limits.get(name, math.inf))
    return dict(sorted(limits.items()))


def _name(knowledge: Knowledge, agent: object) -> str | None:
    """The agent's label, if the name index reads it back to that agent (else None: the agent is left out)."""
    labels = knowledge.store.quads_for_pattern(ox.NamedNode(str(agent)), ox.NamedNode(str(RDFS.label)), None,
                                               ox.DefaultGraph())
    for label in sorted(quad.object.value for quad in labels):
        if resolve(label, knowledge.agents) == agent:
            return label
    return None


class Generator:
    def __init__(self, dist: Distributions, limits: Mapping[str, float], decl: Declarations, seed: int) -> None:
        if not limits:
            raise UserError("the build gives no drug a maximum daily dose in mg: nothing to draw medications from")
        self.dist, self.limits, self.decl = dist, limits, decl
        self.drugs = sorted(limits)
        self.random = random.Random(seed)

    def profile(self, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in self.decl.fields:
            entry = self.dist.fields.get(field.name, {})
            if field.type == "object" or not self._applies(entry, out) or not self._condition_named(field, out):
                continue
            if field.name != "patient_id" and not field.required and \
                    self.random.random() < entry.get("omitted", self.dist.defaults["omitted"]):
                continue
            value = self._value(field, entry, index)
            if value is not None:
                _put(out, field.name, value)
        return out

    def _condition_named(self, field: FieldDeclaration, out: Mapping[str, Any]) -> bool:
        """A guideline's field only in a profile naming that guideline's condition (else the profile checks refuse
        it: fields_without_their_condition)."""
        return not field.needs_a_condition_from(set(named_conditions(out, self.decl)))

    def _applies(self, entry: Mapping[str, Any], out: Mapping[str, Any]) -> bool:
        for name, allowed in (entry.get("when") or {}).items():
            value = _get(out, name)
            if value is None:
                return False
            if isinstance(value, list):  # a list field (conditions): one of its items
                if not set(value) & set(allowed):
                    return False
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                if not allowed[0] <= value <= allowed[1]:
                    return False
            elif str(value) not in {str(a) for a in allowed}:
                return False
        return True

    def _choice(self, shares: Mapping[Any, float]) -> Any:
        keys = list(shares)
        return self.random.choices(keys, weights=[shares[k] for k in keys])[0]

    def _value(self, field: FieldDeclaration, entry: Mapping[str, Any], index: int) -> Any:
        r, kind = self.random, field.type
        if kind == "identifier":
            return f"synthetic-{index}"
        if kind == "conditions":
            return self._conditions(field)
        if "choices" in entry:
            value = self._choice(entry["choices"])
            return int(value) if kind == "integer" else value
        if kind in TRI_STATE_TYPES:
            if r.random() < entry.get("unknown", self.dist.defaults["unknown"]):
                return UNKNOWN
            return "yes" if r.random() < entry.get("yes", self.dist.defaults["yes"]) else "no"
        if kind == "enum" or (kind == "integer" and field.values):
            return r.choice(list(field.values))
        if kind in ("number", "integer"):
            return self._number(field, entry)
        if kind == "lab":
            value = self._number(field, entry)
            return None if value is None else {"value": value, "unit": field.units[0]}
        if kind in ("medications", "trials"):
            return [self._drug(kind, entry) for _ in range(int(self._choice(entry.get("count", {"1": 1}))))]
        return None

    def _number(self, field: FieldDeclaration, entry: Mapping[str, Any]) -> float | int | None:
        r = self.random
        if r.random() < entry.get("children", 0):
            low, high = entry["child_ages"]
            return r.randint(low, high)
        if "normal" in entry:
            value = r.gauss(entry["normal"]["mean"], entry["normal"]["sd"])
        elif "lognormal" in entry:
            value = r.lognormvariate(math.log(entry["lognormal"]["median"]), entry["lognormal"]["sigma"])
        else:
            return None
        low = entry.get("minimum", field.minimum)
        high = entry.get("maximum", field.maximum)
        value = max(float(low), value) if low is not None else value
        value = min(float(high), value) if high is not None else value
        return round(value) if field.type in ("number", "integer") and "normal" in entry else round(value, 1)

    def _drug(self, kind: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        r = self.random
        if kind == "medications" and r.random() < entry.get("unlisted", 0):
            return {"drug": UNLISTED_DRUG}
        drug = r.choice(self.drugs)
        low, high = entry.get("of_maximum", [0.2, 1.2])
        dose = round(self.limits[drug] * r.uniform(low, high), 2)
        if kind == "medications":
            return {"drug": drug, "daily_dose_mg": dose, "doses_per_day": r.randint(1, 3)}
        trial: dict[str, Any] = {"drug": drug, "max_daily_dose_mg": dose,
                                 "outcome": r.choice(["inadequate-response", "not-tolerated", "augmentation",
                                                      "response"])}
        if r.random() < entry.get("adequate_stated", 0):
            trial["adequate"] = r.random() < 0.5
        return trial

    def _conditions(self, field: FieldDeclaration) -> list[str]:
        shares = {c: self.dist.condition_shares.get(c, 0.0) for c in field.conditions}
        while True:
            chosen = sorted(c for c, share in shares.items() if self.random.random() < share)
            if chosen or not any(shares.values()):
                return chosen or list(field.conditions[:1])


def _get(data: Mapping[str, Any], name: str) -> Any:
    for key in name.split("."):
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _put(data: dict[str, Any], name: str, value: Any) -> None:
    *parents, key = name.split(".")
    for parent in parents:
        data = data.setdefault(parent, {})
    data[key] = value


def synthesize(n: int, seed: int, knowledge: Knowledge, root: Path = GUIDELINES_DIR) -> Iterator[dict[str, Any]]:
    """*n* synthetic profiles, the same ones for the same seed, build and packages; each passes the profile checks."""
    if n < 0:
        raise UserError(f"--n {n}: must be 0 or more")
    decl = declarations(root)
    generator = Generator(distributions(root, decl), dose_limits(knowledge), decl, seed)
    for index in range(n):
        profile = generator.profile(index)
        problems = validate_profile(profile, f"synthetic profile {index}")
        if problems:  # a bug in the distributions or here, never a user's input
            raise AssertionError(f"synthetic profile {index} does not pass the profile checks: {problems}\n"
                                 f"{json.dumps(profile)}")
        yield profile
