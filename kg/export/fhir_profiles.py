"""The FHIR profiles the CPG export claims (``meta.profile``), and the check that a resource meets them.

The rules are data: ``kg/export/fhir-cpg-profiles.tsv``, one row per constraint a profile adds to its base, each with
the file it was read from (CPG IG 2.0.0 FSH, FHIR R4 core profiles). A profile's rules are its own rows and those of
its parent (``base`` row: a FHIR resource type, or another profile of the table). Rule kinds, on an element path
relative to the resource (``action.extension[<url>]``: the extensions of each top-level action with that url):

* ``min`` / ``max``: how many values the element has, counted within each instance of its parent element;
* ``pattern``: every value (a CodeableConcept) has a coding ``system#code``;
* ``target``: every value (a canonical) names a resource of the Bundle that meets one of the ``|``-separated profiles.

The exporter claims every profile of the table a resource meets (the most specific of each chain) and checks every
claim before anything is written; a profile not in the table is never claimed, because it cannot be checked.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kg.base.paths import FHIR_PROFILES_FILE
from kg.export.errors import ExportError

COLUMNS = ["profile", "element", "rule", "value", "source"]
RULE_KINDS = {"base", "min", "max", "pattern", "target"}
_SEGMENT = re.compile(r"([A-Za-z]+)(?:\[([^\]]+)\])?(?:\.|$)")

Resource = dict[str, Any]
Resolver = Callable[[str], Resource | None]


@dataclass(frozen=True)
class Rule:
    profile: str
    element: str
    kind: str
    value: str
    source: str


@dataclass(frozen=True)
class Profile:
    url: str
    base: str  # a FHIR resource type or the url of the parent profile
    rules: tuple[Rule, ...]


def read_profiles(path: Path = FHIR_PROFILES_FILE) -> dict[str, Profile]:
    """The profiles of the table, checked: known columns and rule kinds, a source on every row, one base per profile,
    every parent in the table."""
    problems: list[str] = []
    rows: list[Rule] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if reader.fieldnames != COLUMNS:
            raise ExportError(f"{path.name}: columns {reader.fieldnames}, expected {COLUMNS}")
        for line, row in enumerate(reader, start=2):
            rule = Rule(row["profile"], row["element"], row["rule"], row["value"], row["source"])
            if rule.kind not in RULE_KINDS:
                problems.append(f"line {line}: rule {rule.kind!r} not one of {sorted(RULE_KINDS)}")
            if not all((rule.profile, rule.element, rule.value, rule.source.strip())):
                problems.append(f"line {line}: profile, element, value and source are all required")
            if rule.kind in ("min", "max") and not rule.value.isdigit():
                problems.append(f"line {line}: {rule.kind} {rule.value!r} is not a number")
            if rule.kind != "base" and _SEGMENT.sub("", rule.element):
                problems.append(f"line {line}: element {rule.element!r} is not a path like action.extension[url]")
            rows.append(rule)
    profiles: dict[str, Profile] = {}
    for url in dict.fromkeys(r.profile for r in rows):
        bases = [r.value for r in rows if r.profile == url and r.kind == "base"]
        if len(bases) != 1:
            problems.append(f"profile {url}: {len(bases)} base rows, expected 1")
            continue
        profiles[url] = Profile(url, bases[0], tuple(r for r in rows if r.profile == url and r.kind != "base"))
    for profile in profiles.values():
        if "/" in profile.base and profile.base not in profiles:
            problems.append(f"profile {profile.url}: its parent {profile.base} is not in the table")
    if problems:
        raise ExportError(f"{path.name}: " + "; ".join(problems))
    return profiles


@cache
def packaged_profiles() -> dict[str, Profile]:
    return read_profiles()


def chain(profiles: dict[str, Profile], url: str) -> list[Profile]:
    """The profile and its ancestors in the table, most specific first."""
    found = [profiles[url]]
    while found[-1].base in profiles:
        found.append(profiles[found[-1].base])
    return found


def resource_type(profiles: dict[str, Profile], url: str) -> str:
    return chain(profiles, url)[-1].base


def _segments(element: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in _SEGMENT.finditer(element)]


def _children(node: Any, segment: tuple[str, str | None]) -> list[Any]:
    name, url = segment
    value = node.get(name) if isinstance(node, dict) else None
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [i for i in items if isinstance(i, dict) and i.get("url") == url] if url else items


def _instances(resource: Resource, segments: list[tuple[str, str | None]]) -> Iterator[tuple[str, Any]]:
    """(where, node) for every instance of the element path, e.g. ("action[2]", {...})."""
    nodes: list[tuple[str, Any]] = [("", resource)]
    for name, url in segments:
        nodes = [(f"{where}.{name}[{i}]".lstrip("."), child) for where, node in nodes
                 for i, child in enumerate(_children(node, (name, url)))]
    yield from nodes


def _broken(rule: Rule, resource: Resource, profiles: dict[str, Profile], resolve: Resolver) -> list[str]:
    segments = _segments(rule.element)
    if rule.kind in ("min", "max"):
        bound = int(rule.value)
        problems = []
        for where, parent in _instances(resource, segments[:-1]):
            count = len(_children(parent, segments[-1]))
            if (count < bound) if rule.kind == "min" else (count > bound):
                name, url = segments[-1]
                element = f"{where + '.' if where else ''}{name}{f'[{url}]' if url else ''}"
                problems.append(f"{element} has {count} value(s), {'at least' if rule.kind == 'min' else 'at most'} "
                                f"{bound} allowed")
        return problems
    values = list(_instances(resource, segments))
    if rule.kind == "pattern":
        system, _, code = rule.value.partition("#")
        return [f"{where} has no coding {rule.value}" for where, value in values
                if not any(c.get("system") == system and c.get("code") == code for c in value.get("coding", []))]
    allowed = [p for p in rule.value.split("|") if p in profiles]
    problems = []
    for where, canonical in values:
        target = resolve(str(canonical).split("|")[0])
        if target is None or not any(not violations(target, p, profiles, resolve) for p in allowed):
            problems.append(f"{where} = {canonical} names no resource that meets {rule.value.replace('|', ' or ')}")
    return problems


def violations(resource: Resource, url: str, profiles: dict[str, Profile], resolve: Resolver) -> list[str]:
    """Why *resource* does not meet profile *url* (empty: it meets every rule of the table for it)."""
    if url not in profiles:
        return [f"profile {url} has no rules in the table (rule: claim only profiles whose rules are checked)"]
    if resource.get("resourceType") != resource_type(profiles, url):
        return [f"a {resource.get('resourceType')} cannot meet a profile of {resource_type(profiles, url)}"]
    return [f"{problem} (rule: {rule.profile.rsplit('/', 1)[-1]}, {rule.source})"
            for profile in chain(profiles, url) for rule in profile.rules
            for problem in _broken(rule, resource, profiles, resolve)]


def conforming(resource: Resource, profiles: dict[str, Profile], resolve: Resolver) -> list[str]:
    """The profiles of the table *resource* meets, most specific of each chain only, sorted."""
    met = {url for url in profiles if not violations(resource, url, profiles, resolve)}
    ancestors = {p.url for url in met for p in chain(profiles, url)[1:]}
    return sorted(met - ancestors)


def bundle_resolver(bundle: dict[str, Any]) -> Resolver:
    by_url = {e["resource"].get("url"): e["resource"] for e in bundle.get("entry", []) if "resource" in e}
    return by_url.get


def claim_violations(bundle: dict[str, Any], profiles: dict[str, Profile] | None = None) -> list[str]:
    """Every claimed profile a resource of the Bundle does not meet, as 'Type/id claims <profile>: <why>'."""
    profiles = packaged_profiles() if profiles is None else profiles
    resolve = bundle_resolver(bundle)
    found = []
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        for url in resource.get("meta", {}).get("profile", []):
            found += [f"{resource.get('resourceType')}/{resource.get('id')} claims {url}: {problem}"
                      for problem in violations(resource, url, profiles, resolve)]
    return found
