"""Guideline packages: a folder of data (ADR 0019). What a package is, how it is found and which are built.

A package is a folder with ``manifest.yaml`` and ``tables/`` (the table kinds of kg/model/table_specs.py, each
optional), and optionally ``ontology.ttl`` and ``shapes/`` (the terms and shapes only it needs, merged into the builds
that hold it: kg/model/ontology.py, ADR 0025). The manifest says who the package is and where its ids live::

    id: insomnia-aasm-2017                 # kebab-case, unique among installed packages
    kind: guideline                        # guideline | shared (a shared package holds no guideline statements)
                                           # | crosswalk (links two guidelines: requires both, built only into
                                           # the build that holds both; ADR 0022)
    title: ...
    version: 0.1.0                         # semver of the package's content
    namespace: https://w3id.org/cgkg/insomnia-aasm-2017/   # IRI base of the package's ids (ends with / or #)
    prefix: insomnia                       # the CURIE prefix of that namespace
    conditions: [chronic-insomnia]         # guideline: the condition ids it treats (its own conditions.tsv)
    guideline_source_id: aasm-2017-insomnia   # guideline: the source_id of the guideline document
    requires: [shared-drug-safety]         # packages whose ids its tables refer to
    default_for_profiles_without_conditions: true   # guideline, optional: a profile that names no conditions
                                           # has this guideline's (at most one installed package says so)

The installed packages are the folders of ``guidelines/`` (packaged with the wheel); ``select`` picks some of them
with everything they require, dependencies first. Nothing here knows any disease.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import URIRef

from kg.base.errors import UserError, shorten
from kg.base.input_limits import read_user_text
from kg.base.paths import GUIDELINES_DIR
from kg.base.yaml12 import load_yaml

MANIFEST_NAME = "manifest.yaml"
MAX_MANIFEST_BYTES = 64_000
TABLES_FOLDER = "tables"
ONTOLOGY_FRAGMENT_NAME = "ontology.ttl"  # the package's ontology fragment, merged into its builds (ADR 0025)
SHAPES_FOLDER = "shapes"  # its SHACL shapes: patient-*.ttl (of a profile), kg-*.ttl (of the built graph)
KINDS = ("guideline", "shared", "crosswalk")
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]*$")
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+$")
NAMESPACE_PATTERN = re.compile(r"^https?://[^\s<>\"{}|\\^`]+[/#]$")
REQUIRED = ("id", "kind", "title", "version", "namespace", "prefix")
LISTS = ("conditions", "requires")
DEFAULT_FLAG = "default_for_profiles_without_conditions"
# (no "not_covered_by_sources": a scope the sources do not cover is a cited row of scope_limits.tsv, ADR 0027; the
# key is refused as unknown rather than read as if it did something)
KNOWN = (*REQUIRED, *LISTS, "guideline_source_id", "description", "conflicts_with", DEFAULT_FLAG)


PACKAGE_BASE = "https://w3id.org/cgkg/package/"  # IRIs of the packages themselves (not of their content)


def package_node(package_id: str) -> URIRef:
    """``https://w3id.org/cgkg/package/<id>``: the package, whatever its version (content nodes are dcterms:isPartOf
    it; the build's header names the version)."""
    return URIRef(f"{PACKAGE_BASE}{package_id}")


@dataclass(frozen=True)
class Package:
    """One guideline package (or the shared package), as its manifest declares it."""

    id: str
    kind: str
    title: str
    version: str
    namespace: str
    prefix: str
    folder: Path
    conditions: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    guideline_source_id: str = ""
    description: str = ""
    default_for_profiles_without_conditions: bool = False

    @property
    def tables_dir(self) -> Path:
        return self.folder / TABLES_FOLDER

    @property
    def is_guideline(self) -> bool:
        return self.kind == "guideline"


def read_manifest(folder: Path) -> Package:
    """The package in *folder*; a UserError naming the file, the field, the value and the rule otherwise."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise UserError(f"{path}: no {MANIFEST_NAME}: a guideline package is a folder with {MANIFEST_NAME} and "
                        f"{TABLES_FOLDER}/ (see docs/write-a-guideline-package.md)")
    return _package(folder, read_user_text(path, "manifest", MAX_MANIFEST_BYTES))


@lru_cache(maxsize=256)
def _package(folder: Path, text: str) -> Package:
    """The package of the manifest *text* in *folder*, made once per text (a cold ``kg decide`` reads the installed
    manifests three times); a UserError, never remembered, for a manifest that is not one."""
    path = folder / MANIFEST_NAME
    data, problems = load_yaml(text)
    if problems:
        line, value, rule = problems[0]
        raise UserError(f"{path}:{line}: {shorten(value)!r}: {rule}")
    if not isinstance(data, Mapping):
        raise UserError(f"{path}: must be a mapping of fields ({', '.join(REQUIRED)})")
    errors = _manifest_problems(data)
    if errors:
        raise UserError(f"{path}: " + "; ".join(errors))
    return Package(
        id=data["id"], kind=data["kind"], title=str(data["title"]), version=str(data["version"]),
        namespace=data["namespace"], prefix=data["prefix"], folder=folder,
        conditions=tuple(data.get("conditions") or ()), requires=tuple(data.get("requires") or ()),
        guideline_source_id=str(data.get("guideline_source_id") or ""),
        description=" ".join(str(data.get("description") or "").split()),
        default_for_profiles_without_conditions=data.get(DEFAULT_FLAG) is True,
    )


def _manifest_problems(data: Mapping[str, Any]) -> list[str]:
    errors = [f"{key}: missing (required: {', '.join(REQUIRED)})" for key in REQUIRED if key not in data]
    errors += [f"{key}: unknown field (known: {', '.join(KNOWN)})" for key in data if key not in KNOWN]

    def bad(key: str, pattern: re.Pattern[str], rule: str) -> None:
        value = data.get(key)
        if key in data and not (isinstance(value, str) and pattern.match(value)):
            errors.append(f"{key}: {shorten(str(value))!r}: {rule}")

    bad("id", ID_PATTERN, "must be lower-case kebab-case")
    bad("prefix", PREFIX_PATTERN, "must be a lower-case CURIE prefix (letters and digits)")
    bad("version", VERSION_PATTERN, "must be a semantic version (1.2.3)")
    bad("namespace", NAMESPACE_PATTERN, "must be an http(s) IRI ending with / or #")
    if "kind" in data and data["kind"] not in KINDS:
        errors.append(f"kind: {shorten(str(data['kind']))!r}: must be one of {', '.join(KINDS)}")
    for key in LISTS:
        value = data.get(key, [])
        if not (isinstance(value, list) and all(isinstance(v, str) and ID_PATTERN.match(v) for v in value)):
            errors.append(f"{key}: {shorten(str(value))!r}: must be a list of kebab-case ids")
    if data.get("kind") == "guideline" and not data.get("conditions"):
        errors.append("conditions: a guideline package names the condition ids it treats")
    if data.get("kind") == "guideline" and not data.get("guideline_source_id"):
        errors.append("guideline_source_id: a guideline package names the source_id of its guideline document")
    if data.get("kind") == "crosswalk" and len(data.get("requires") or ()) < 2:
        errors.append("requires: a crosswalk package requires the (two or more) guideline packages it links")
    if DEFAULT_FLAG in data and data[DEFAULT_FLAG] not in (True, False):
        errors.append(f"{DEFAULT_FLAG}: {shorten(str(data[DEFAULT_FLAG]))!r}: must be true or false")
    if data.get(DEFAULT_FLAG) is True and data.get("kind") != "guideline":
        errors.append(f"{DEFAULT_FLAG}: only a guideline package treats the conditions of a profile that names none")
    return errors


def discover(root: Path = GUIDELINES_DIR) -> dict[str, Package]:
    """The packages installed in *root* (each sub-folder with a manifest), by id."""
    if not root.is_dir():
        raise UserError(f"--packages {root}: not a folder of guideline packages")
    found: dict[str, Package] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / MANIFEST_NAME).is_file()):
        package = read_manifest(folder)
        if package.id in found:
            raise UserError(f"{folder / MANIFEST_NAME}: id {package.id!r} is also the id of {found[package.id].folder}")
        found[package.id] = package
    if not found:
        raise UserError(f"--packages {root}: holds no guideline package (a folder with {MANIFEST_NAME})")
    _check_namespaces(found.values())
    _check_one_default(found.values())
    return found


def _check_namespaces(packages: Iterable[Package]) -> None:
    by_prefix: dict[str, Package] = {}
    for package in packages:
        other = by_prefix.get(package.prefix)
        if other is not None and other.namespace != package.namespace:
            raise UserError(f"{package.folder / MANIFEST_NAME}: prefix {package.prefix!r} names "
                            f"{package.namespace} here and {other.namespace} in {other.id}: one prefix, one namespace")
        by_prefix[package.prefix] = package


def _check_one_default(packages: Iterable[Package]) -> None:
    flagged = [p for p in packages if p.default_for_profiles_without_conditions]
    if len(flagged) > 1:
        raise UserError(f"{flagged[1].folder / MANIFEST_NAME}: {DEFAULT_FLAG}: true here and in {flagged[0].id}: at "
                        "most one package treats the conditions of a profile that names none")


def treated_conditions(packages: Iterable[Package]) -> tuple[str, ...]:
    """The condition ids the guideline packages treat (a profile's ``conditions`` takes these), sorted."""
    return tuple(sorted({c for p in packages if p.is_guideline for c in p.conditions}))


def default_conditions(packages: Iterable[Package]) -> tuple[str, ...]:
    """The conditions of a profile that names none: those of the package flagged
    ``default_for_profiles_without_conditions``; none when no package is."""
    return next((p.conditions for p in packages if p.default_for_profiles_without_conditions), ())


def select(installed: Mapping[str, Package], wanted: Sequence[str] | None = None) -> list[Package]:
    """*wanted* (all installed when None or empty) with everything they require, dependencies first, then by id."""
    names = sorted(installed) if not wanted else list(wanted)
    ordered: list[Package] = []
    visiting: list[str] = []

    def visit(name: str, needed_by: str | None) -> None:
        if any(p.id == name for p in ordered):
            return
        if name not in installed:
            where = f"required by {needed_by}" if needed_by else "--guideline"
            known = ", ".join(sorted(installed))
            raise UserError(f"{where}: {name!r} is not an installed package (installed: {known})")
        if name in visiting:
            raise UserError(f"packages require one another in a cycle: {' -> '.join([*visiting, name])}")
        visiting.append(name)
        for dependency in sorted(installed[name].requires):
            visit(dependency, name)
        visiting.pop()
        ordered.append(installed[name])

    for name in names:
        visit(name, None)
    return ordered


def packages(root: Path = GUIDELINES_DIR, wanted: Sequence[str] | None = None) -> list[Package]:
    """The packages a build reads: *wanted* (default: all installed in *root*) and what they require."""
    return select(discover(root), wanted)


def packages_at(path: Path | None = None) -> list[Package]:
    """The packages a folder names: None, every installed package; a package folder (with a manifest), that package
    with what it requires from the installed ones; a folder of packages, all of them (with their requirements)."""
    return select(*available_at(path))


def installed() -> tuple[Package, ...]:
    """Every installed package, dependencies first (none when no package folder is installed): what a decision reads
    beside its build (the profile's fields, the patient shapes, ADR 0019 and 0025)."""
    return tuple(packages_at()) if GUIDELINES_DIR.is_dir() else ()


def available_at(path: Path | None = None) -> tuple[dict[str, Package], list[str] | None]:
    """The packages a folder makes available, by id, and those it names (None: all of them): see ``packages_at``."""
    if path is None:
        return discover(), None
    if (path / MANIFEST_NAME).is_file():
        own = read_manifest(path)
        return {**(discover() if GUIDELINES_DIR.is_dir() else {}), own.id: own}, [own.id]
    return discover(path), None
