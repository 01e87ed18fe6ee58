"""A build set (ADR 0019, "Build sets"): one checked build per guideline selection, and ``builds.json`` saying which.

``kg build --out DIR`` writes::

    DIR/builds.json                                   the set manifest (below)
    DIR/<selection>/kg.ttl, kg-inferred.ttl, build-report.json     one build folder per selection
                                                      (kg/model/selections.py: one guideline, a+b...)

``builds.json`` names each build's guidelines (version, and the conditions each treats: id -> IRI), its packages
(id -> version) and the SHA-256 of its build report; each build report records the same guidelines and packages (its
``selection``) and the SHA-256 of its graph files (ADR 0013). ``open_set`` checks that chain: the manifest is one, each
entry is named after its guidelines, its report hashes to what the entry says and records the same selection, and one
build holds every guideline of the set (the one used when none is named). Which build a patient needs: the guidelines
that treat the patient's conditions (``guidelines_treating``), exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kg.base.errors import UserError
from kg.base.paths import BUILD_REPORT_NAME, BUILD_SET_MANIFEST_NAME
from kg.model.packages import ID_PATTERN, discover
from kg.model.selections import SEPARATOR, selection_name

SET_FORMAT = "cgkg-build-set/1"
# in a guideline's record: its conditions are those of a profile that names none
DEFAULT_FLAG = "default_for_profiles_without_conditions"
SELECTION_KEYS = ("guidelines", "packages")  # what a build report and its manifest entry both record
Record = dict[str, Any]


def set_manifest(builds: Mapping[str, tuple[Record, bytes]]) -> bytes:
    """``builds.json`` for builds by name: (selection record, the bytes of its build report)."""
    entries = {name: {**record, "report_sha256": hashlib.sha256(report).hexdigest()}
               for name, (record, report) in sorted(builds.items())}
    return (json.dumps({"format": SET_FORMAT, "builds": entries}, indent=2, sort_keys=True) + "\n").encode("utf-8")


def is_build_set(folder: Path) -> bool:
    return (folder / BUILD_SET_MANIFEST_NAME).is_file()


@dataclass(frozen=True)
class BuildSet:
    """A build set's manifest, read (and verified unless asked not to)."""

    folder: Path
    builds: dict[str, Record]  # selection name -> its entry
    where: str  # how messages name the folder (``--build DIR``)

    @cached_property
    def guidelines(self) -> dict[str, dict[str, Any]]:
        """Every guideline of the set, by id: its version and the conditions it treats."""
        return {g: info for entry in self.builds.values() for g, info in entry["guidelines"].items()}

    @property
    def complete(self) -> str:
        """The name of the build that holds every guideline of the set."""
        return selection_name(self.guidelines)

    def member(self, guidelines: Collection[str] | None = None) -> Path:
        """The folder of the build of exactly *guidelines* (None: of all of them); a UserError naming the command
        that makes it when the set has none."""
        name = self.complete if guidelines is None else selection_name(guidelines)
        if name not in self.builds:
            raise UserError(f"{self.where}: no build of the guidelines {name} in this build set (it holds: "
                            f"{', '.join(sorted(self.builds))}); make one with: {make_command(name.split(SEPARATOR))}")
        return self.folder / name


def guidelines_treating(guidelines: Mapping[str, Mapping[str, Any]], conditions: Collection[str],
                        where: str) -> frozenset[str]:
    """The ids of the guidelines (id -> its record, with the ``conditions`` it treats) that treat any of
    *conditions*; a UserError naming the build (*where*) and the command that makes the build needed when a
    condition is treated by none of them."""
    if not conditions:
        raise UserError(f"{where}: the profile names no condition (and no installed guideline is the default for a "
                        "profile naming none): give its conditions")
    treating = {c: {g for g, info in guidelines.items() if c in info["conditions"]} for c in conditions}
    untreated = sorted(c for c, found in treating.items() if not found)
    if untreated:
        installed = {c: p.id for p in discover().values() if p.is_guideline for c in p.conditions}
        needed = {g for found in treating.values() for g in found} | {installed[c] for c in untreated if c in installed}
        treated = ", ".join(f"{c} ({g})" for g, info in sorted(guidelines.items()) for c in info["conditions"])
        raise UserError(f"{where}: no guideline in this build treats {', '.join(untreated)} (it treats: {treated})"
                        + (f"; make a build of the guidelines the patient needs with: {make_command(needed)}"
                           if needed else ""))
    return frozenset(g for found in treating.values() for g in found)


def make_command(guidelines: Collection[str]) -> str:
    """The command that makes a build set whose complete build holds exactly *guidelines*, and how to use it."""
    name = selection_name(guidelines)
    wanted = " ".join(f"--guideline {g}" for g in sorted(guidelines))
    return f"kg build --out build-{name} {wanted}, then give --build build-{name}"


def open_set(folder: Path, verify: bool = True, role: str = "--build") -> BuildSet:
    """The build set in *folder*, its manifest checked against every build's report unless ``verify`` is False."""
    where = f"{role} {folder}"
    rebuild = f"rebuild it with: kg build --out {folder}"
    try:
        manifest = json.loads((folder / BUILD_SET_MANIFEST_NAME).read_bytes())
    except OSError as error:
        raise UserError(f"{where}: {BUILD_SET_MANIFEST_NAME} cannot be read ({error.strerror})") from None
    except (ValueError, RecursionError):
        manifest = None
    builds = manifest.get("builds") if isinstance(manifest, dict) and manifest.get("format") == SET_FORMAT else None
    if not (isinstance(builds, dict) and builds and all(_well_formed(name, entry) for name, entry in builds.items())):
        raise UserError(f"{where}: {BUILD_SET_MANIFEST_NAME} is not a build set manifest ({SET_FORMAT}: a build per "
                        f"selection, named after its guidelines, with its guidelines, packages and report_sha256); "
                        f"{rebuild}")
    found = BuildSet(folder, builds, where)
    if found.complete not in builds:
        raise UserError(f"{where}: {BUILD_SET_MANIFEST_NAME} has no build of all its guidelines ({found.complete}); "
                        f"{rebuild}")
    if verify:
        for name, entry in builds.items():
            _check_member(folder / name, entry, where, rebuild)
    return found


def _well_formed(name: object, entry: object) -> bool:
    if not (isinstance(entry, dict) and isinstance(entry.get("guidelines"), dict) and entry["guidelines"]
            and isinstance(entry.get("packages"), dict) and isinstance(entry.get("report_sha256"), str)):
        return False
    guidelines = entry["guidelines"]
    return (all(isinstance(g, str) and ID_PATTERN.match(g) for g in guidelines)
            and name == selection_name(guidelines)
            and all(isinstance(info, dict) and isinstance(info.get("conditions"), dict)
                    for info in guidelines.values()))


def _check_member(folder: Path, entry: Record, where: str, rebuild: str) -> None:
    """The build's report is the one the manifest names (by hash) and records the same selection."""
    report_file = folder / BUILD_REPORT_NAME
    try:
        report = report_file.read_bytes()
    except OSError:
        raise UserError(f"{where}: {folder.name}/{BUILD_REPORT_NAME} is missing or unreadable; {rebuild}") from None
    if hashlib.sha256(report).hexdigest() != entry["report_sha256"]:
        raise UserError(f"{where}: {folder.name}/{BUILD_REPORT_NAME} does not match the report_sha256 of "
                        f"{BUILD_SET_MANIFEST_NAME} (edited or from another build); {rebuild}")
    try:
        recorded = json.loads(report).get("selection", {})
    except (ValueError, AttributeError, RecursionError):
        recorded = None
    if recorded != {key: entry[key] for key in SELECTION_KEYS}:
        raise UserError(f"{where}: {BUILD_SET_MANIFEST_NAME} says {folder.name} holds other guidelines or packages "
                        f"than its {BUILD_REPORT_NAME} records (edited); {rebuild}")
