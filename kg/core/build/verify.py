"""The one function that opens a build folder and verifies it (ADR 0013): every consumer (decide, query, reason,
serve, push, export, release, diff) reads a build through ``open_build``.

A build set (kg/core/build/build_set.py: one build per guideline selection) opens as the build of the guidelines asked
for (``guidelines``; None: the build of all of them), after its manifest is checked against the builds' reports; a
plain build folder opens as itself (when its report records its guidelines, they must be those asked for).

A build folder holds the graph, the reasoner's entailments, the decision tables (kg/core/build/stored_tables.py,
ADR 0028) and ``build-report.json``, which records the SHA-256 of the three other files. ``open_build`` reads them,
checks that the report is a JSON object naming the hashes and that each file's bytes hash to what it names: an
edited, truncated, emptied or missing file, or a report that is missing or not one, is a UserError naming the file
(exit 2). A report of an older kg names no decision tables: the build is used without them (the decision tables are
then compiled from the graph when loaded). ``verify=False`` (``--no-verify``) skips the comparison, for experiments,
and warns on stderr; the decision tables are then not read (they are compiled from the graph as it is).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.base.errors import UserError
from kg.base.paths import (
    BUILD_REPORT_NAME,
    BUILT_GRAPH_NAME,
    DECISION_TABLES_NAME,
    INFERRED_GRAPH_NAME,
    PACKAGED_BUILD_DIR,
)
from kg.core.build.build_set import is_build_set, make_command, open_set

TABLES_KEY = "decision_tables_sha256"
HASHED_FILES = {"graph_sha256": BUILT_GRAPH_NAME, "inferred_sha256": INFERRED_GRAPH_NAME,
                TABLES_KEY: DECISION_TABLES_NAME}  # report key -> the file whose SHA-256 it records
# what every build's report names (that of a kg before ADR 0028 names no decision tables)
REQUIRED_HASHES = tuple(key for key in HASHED_FILES if key != TABLES_KEY)


@dataclass(frozen=True)
class BuildFiles:
    """A build folder's files, read once (and verified unless asked not to)."""

    folder: Path
    graph: bytes
    inferred: bytes  # empty when --no-verify and the file is missing
    report: dict[str, object]  # empty when --no-verify and the report is missing or unreadable
    tables: bytes | None = None  # the decision tables; None: a build of an older kg, or --no-verify

    @property
    def graph_sha256(self) -> str:
        return hashlib.sha256(self.graph).hexdigest()

    @property
    def selection(self) -> dict[str, Any] | None:
        """The guidelines (with the conditions each treats) and packages the build holds, as its report records them
        (kg/core/build/build_set.py); None for a build of an older kg."""
        selection = self.report.get("selection")
        return selection if isinstance(selection, dict) and isinstance(selection.get("guidelines"), dict) else None

    @property
    def guidelines(self) -> frozenset[str] | None:
        return None if self.selection is None else frozenset(self.selection["guidelines"])


def build_folder(build_dir: Path | None = None, guidelines: Collection[str] | None = None, verify: bool = True,
                 role: str = "--build") -> Path:
    """The build folder to read: *build_dir* (default: the packaged build set, kg/built/) itself, or for a build set
    the build of exactly *guidelines* (None: of all its guidelines), its manifest verified unless ``verify`` is
    False."""
    folder = PACKAGED_BUILD_DIR if build_dir is None else Path(build_dir)
    if is_build_set(folder):
        return open_set(folder, verify, role).member(guidelines)
    return folder


def open_build(build_dir: Path | None = None, verify: bool = True, role: str = "--build",
               guidelines: Collection[str] | None = None) -> BuildFiles:
    """The files of a build folder (default: the packaged build set), checked against its build report; for a build
    set, those of its build of exactly *guidelines* (None: of all of them); ``role`` names the folder in messages
    (``--build``, ``OLD``...)."""
    given = PACKAGED_BUILD_DIR if build_dir is None else Path(build_dir)
    folder = build_folder(given, guidelines, verify, role)
    where = f"{role} {folder}"
    if not (folder / BUILT_GRAPH_NAME).is_file():
        raise UserError(f"{where}: no {BUILT_GRAPH_NAME} there; make one with: kg build --out {given}")
    if not verify:
        print(f"warning: --no-verify: the build {folder} is used without checking it against its "
              f"{BUILD_REPORT_NAME}", file=sys.stderr)
    report = _report(folder, where, required=verify)
    # the graph files; the decision tables when the report names them, and only to be verified (else not read)
    hashed = {key: name for key, name in HASHED_FILES.items() if key in REQUIRED_HASHES or (verify and key in report)}
    files = {name: _read(folder / name, where, required=verify or name == BUILT_GRAPH_NAME)
             for name in hashed.values()}
    if verify:
        for key, name in hashed.items():
            if report.get(key) != hashlib.sha256(files[name]).hexdigest():
                raise UserError(f"{where}: {name} does not match the {key} in its {BUILD_REPORT_NAME} (edited, "
                                f"truncated or from another build); rebuild it with: kg build --out {given}")
    built = BuildFiles(folder, files[BUILT_GRAPH_NAME], files[INFERRED_GRAPH_NAME], report,
                       files.get(DECISION_TABLES_NAME))
    if guidelines is not None and built.guidelines is not None and built.guidelines != frozenset(guidelines):
        raise UserError(f"{where}: holds the guidelines {', '.join(sorted(built.guidelines))}, not "
                        f"{', '.join(sorted(guidelines))}; make a build of those with: {make_command(guidelines)}")
    return built


def _read(path: Path, where: str, required: bool) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if required:
            raise UserError(f"{where}: no {path.name} there; rebuild it with: kg build --out {path.parent}") \
                from None
        return b""
    except OSError as error:
        raise UserError(f"{where}: {path.name} cannot be read ({error.strerror})") from None


def _report(folder: Path, where: str, required: bool) -> dict[str, object]:
    text = _read(folder / BUILD_REPORT_NAME, where, required)
    try:
        report = json.loads(text) if text else None
    except (ValueError, RecursionError):
        report = None
    if isinstance(report, dict) and all(isinstance(report.get(key), str) for key in REQUIRED_HASHES) \
            and isinstance(report.get(TABLES_KEY, ""), str):
        return report
    if required:
        raise UserError(f"{where}: {BUILD_REPORT_NAME} is not a build report (a JSON object with "
                        f"{' and '.join(REQUIRED_HASHES)}); rebuild it with: kg build --out {folder}")
    return report if isinstance(report, dict) else {}
