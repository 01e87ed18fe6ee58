"""tables + ontology -> the knowledge graph, checked, then written deterministically.

Order (data flows one way): load + validate tables -> transform -> merge with the ontology ->
SHACL -> QC violation queries -> DL reasoner -> write. Nothing is written unless every step
passes; the output folder is swapped in as a whole with one rename (``write``). ``build_set`` does
this for every guideline selection of a build set (kg/model/selections.py) and writes them together,
with their manifest (kg/core/build/build_set.py), swapped in with one rename too (``write_set``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDF, SKOS, Graph

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import canonical_graph
from kg.base.paths import (
    BUILD_REPORT_NAME,
    BUILD_SET_MANIFEST_NAME,
    BUILT_GRAPH_NAME,
    DECISION_TABLES_NAME,
    INFERRED_GRAPH_NAME,
)
from kg.base.progress import steps
from kg.base.tempdirs import fresh_dir
from kg.core.build.build_set import DEFAULT_FLAG, is_build_set, set_manifest
from kg.core.build.checks import CheckResult, run_checks
from kg.core.build.header import add_data_header
from kg.core.build.knowledge import build_store
from kg.core.build.materialise import materialise
from kg.core.build.origin import build_origin
from kg.core.build.stored_tables import encode
from kg.core.build.tables import TableReader, Tables, TableSource, id_space, load_tables
from kg.core.build.transform import add_codings, new_graph, transform
from kg.core.build.verify import HASHED_FILES
from kg.model.namespaces import CG, PREFIXES
from kg.model.packages import Package, available_at
from kg.model.reasoning import ReasonerResult, check_consistency
from kg.model.selections import build_selections
from kg.model.shacl import ShaclResult, load_shapes, validate_graph


class BuildFailed(UserError):
    """The built graph failed SHACL, a QC check or the reasoner."""


@dataclass
class BuildResult:
    graph: Graph
    tables: Tables
    shacl: ShaclResult | None = None
    checks: list[CheckResult] = field(default_factory=list)
    reasoner: ReasonerResult | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def inferred(self) -> Graph:
        """What the DL reasoner entailed (types of individuals, class subsumptions); empty without it."""
        return Graph() if self.reasoner is None else self.reasoner.inferred

    def summary(self) -> dict[str, object]:
        """Counts for the build report (deterministic: no timestamps)."""
        statements = Counter(str(t).rsplit("#", 1)[-1] for t in self.graph.objects(None, RDF.type)
                             if str(t).startswith(str(CG._NS)))
        basis = Counter(
            str(self.graph.value(b, SKOS.notation))
            for b in self.graph.objects(None, CG.evidenceBasis)
        )
        return {
            "triples": len(self.graph),
            "rows_per_table": {name: len(rows) for name, rows in sorted(self.tables.items())},
            "typed_nodes": dict(sorted(statements.items())),
            "statements_per_evidence_basis": dict(sorted(basis.items())),
            "shacl_conforms": None if self.shacl is None else self.shacl.conforms,
            "checks": {c.name: len(c.rows) for c in self.checks},
            "reasoner": None if self.reasoner is None else self.reasoner.as_dict(),
            "inferred_triples": len(self.inferred),
            "selection": selection_record(self.tables),
        }


def selection_record(tables: Tables) -> dict[str, Any]:
    """What a build holds, for its report and the set manifest: its guidelines (version; the conditions each treats,
    id -> IRI; whether its conditions are those of a profile that names none) and every package it was built from
    (id -> version)."""
    ids = id_space(tables)
    guidelines = sorted((p for p in tables.packages if p.is_guideline), key=lambda p: p.id)
    return {
        "guidelines": {p.id: {"version": p.version, "conditions": {c: str(ids[c]) for c in sorted(p.conditions)},
                              **({DEFAULT_FLAG: True} if p.default_for_profiles_without_conditions else {})}
                       for p in guidelines},
        "packages": {p.id: p.version for p in tables.packages},
    }


@dataclass
class BuildSetResult:
    """The builds of a build set, by selection name (kg/model/selections.py), and the set's own files written (each
    build's are in its ``files``)."""

    builds: dict[str, BuildResult]
    files: list[Path] = field(default_factory=list)


def build_graph(tables: Tables | None = None) -> tuple[Graph, Tables]:
    """Validated tables + ontology (the core and the packages' fragments, ADR 0025) -> one merged graph with the
    build-time closures (no checks, nothing written)."""
    tables = load_tables() if tables is None else tables
    graph = new_graph(tables)
    graph += tables.ontology
    graph += transform(tables)
    add_data_header(graph, tables.packages)
    return materialise(add_codings(graph)), tables


def build(
    out_dir: Path | None = None,
    *,
    source: TableSource = None,
    reason: bool = True,
    reasoner: str = "hermit",
    name: str = "",
    reader: TableReader | None = None,
) -> BuildResult:
    """Build, check and (if ``out_dir``) write the graph of the packages *source* names (kg/core/build/tables.py) as
    one build folder. Raises UserError on any failure. ``name`` names the build in its progress bar and its failure;
    ``reader`` reads the table files (a build set reads each once for all its builds)."""
    with steps(5 if reason else 4, f"build {name}".strip()) as step:
        step("validating tables")
        tables = load_tables(source, reader=reader)
        step("transforming rows to RDF")
        graph, _ = build_graph(tables)
        result = BuildResult(graph=graph, tables=tables)
        step("SHACL shapes")
        result.shacl = validate_graph(graph, load_shapes("kg-*.ttl", tables.packages))
        step("QC violation queries")
        result.checks = run_checks(graph)
        if reason:
            step(f"DL reasoner ({reasoner})")
            result.reasoner = check_consistency(graph, reasoner=reasoner, hermit_taxonomy=True)
    _raise_on_failure(result, name)
    if out_dir is not None:
        result.files = write(result, Path(out_dir))
    return result


def build_set(
    out_dir: Path | None = None,
    *,
    source: Path | Sequence[Package] | None = None,
    guidelines: Sequence[str] | None = None,
    reason: bool = True,
    reasoner: str = "hermit",
) -> BuildSetResult:
    """Build and check one graph per guideline selection of *guidelines* (default: every guideline *source* names;
    kg/model/selections.py) and (if ``out_dir``) write them as one build set, all or nothing. Each build runs every
    check; what is read once for all of them is the table files."""
    if out_dir is not None:
        _check_out(Path(out_dir))  # before any work (and again when writing)
    if source is None or isinstance(source, Path):
        pool, named = available_at(source)
    else:
        pool, named = {p.id: p for p in source}, None
    reader = TableReader()
    results = {s.name: build(source=list(s.packages), reason=reason, reasoner=reasoner, name=s.name, reader=reader)
               for s in build_selections(pool, guidelines or named)}
    result = BuildSetResult(results)
    if out_dir is not None:
        result.files = write_set(result, Path(out_dir))
    return result


def _raise_on_failure(result: BuildResult, name: str = "") -> None:
    messages = []
    if result.shacl is not None and not result.shacl.conforms:
        messages.append("SHACL: the graph does not conform:\n" + result.shacl.text)
    for check in result.checks:
        if check.rows:
            messages.append(f"QC check {check.name} returned {len(check.rows)} row(s):\n{check.render()}")
    if result.reasoner is not None and not result.reasoner.ok:
        messages.append(result.reasoner.describe())
    if messages:
        named = f" {name}" if name else ""
        raise BuildFailed(f"The build{named} failed; nothing was written.\n\n" + "\n\n".join(messages))


def serialize(graph: Graph, prefixes: Mapping[str, str] | None = None) -> bytes:
    """Deterministic Turtle: RDFC-1.0 canonical blank-node labels, sorted output, same bytes every time; the
    project's prefixes unless *prefixes* are given."""
    canonical = canonical_graph(graph)
    for prefix, iri in (PREFIXES if prefixes is None else prefixes).items():
        canonical.bind(prefix, iri, override=True)
    return canonical.serialize(format="turtle", encoding="utf-8")


def write(result: BuildResult, out_dir: Path) -> list[Path]:
    """Write the graph and the build report as one build folder, swapped in as a whole with ONE rename (ADR 0006).

    ``out_dir`` is a symbolic link to a sibling folder ``.<name>.kg-<pid>-<random>`` holding the files; a new
    build writes a fresh sibling and replaces the link atomically (``os.replace``), so a reader that resolves
    the link once sees the old build or the new one, never a mix, whenever the build is interrupted. Folders
    left by a killed build are swept by the next one."""
    _publish(Path(out_dir), lambda version: _write_build(result, version))
    return [Path(out_dir) / name for name in OUTPUT_NAMES]


def write_set(result: BuildSetResult, out_dir: Path) -> list[Path]:
    """Write a build set: one build folder per selection and the manifest (kg/core/build/build_set.py), swapped
    in as a whole with ONE rename like a single build (``write``)."""
    def fill(version: Path) -> None:
        written = {}
        for name, built in result.builds.items():
            (version / name).mkdir()
            written[name] = (selection_record(built.tables), _write_build(built, version / name))
        _write_synced(version / BUILD_SET_MANIFEST_NAME, set_manifest(written))

    out_dir = Path(out_dir)
    _publish(out_dir, fill)
    for name, built in result.builds.items():
        built.files = [out_dir / name / file for file in OUTPUT_NAMES]
    return [out_dir / BUILD_SET_MANIFEST_NAME]


def _write_build(result: BuildResult, folder: Path) -> bytes:
    """The graph, the entailments, the decision tables and the build report in *folder*; returns the report's bytes.
    The decision tables (kg/core/build/stored_tables.py, ADR 0028) are compiled from the files as written, loaded as a
    decision loads them."""
    graph, inferred = serialize(result.graph), serialize(result.inferred)
    files = {BUILT_GRAPH_NAME: graph, INFERRED_GRAPH_NAME: inferred,
             DECISION_TABLES_NAME: encode(build_store(graph, inferred))}
    for name, data in files.items():
        _write_synced(folder / name, data)
    # the inferences are tied to the graph they were made from (HermiT's output is not byte-stable, ADR 0007), and
    # so are the decision tables
    hashes = {key: hashlib.sha256(files[name]).hexdigest() for key, name in HASHED_FILES.items()}
    report = json.dumps(result.summary() | hashes | {"origin": build_origin()}, indent=2, sort_keys=True) + "\n"
    _write_synced(folder / BUILD_REPORT_NAME, report.encode("utf-8"))
    return report.encode("utf-8")


def _publish(out_dir: Path, fill: Callable[[Path], None]) -> None:
    """Fill a fresh sibling folder of *out_dir*, then point *out_dir* at it with one rename; nothing is left of it
    when filling fails."""
    _check_out(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out_dir.name}.kg-"
    current = out_dir.parent / os.readlink(out_dir) if out_dir.is_symlink() else None
    version = fresh_dir(out_dir.parent, prefix, keep=current)
    with _PUBLISHING:
        _FILLING.add(version)
    try:
        fill(version)
        with _PUBLISHING:
            previous = _swap_in(version, out_dir, prefix)
            _FILLING.discard(version)
            orphans = _own_orphans(out_dir.parent, prefix, version)
    except BaseException:
        with _PUBLISHING:
            _FILLING.discard(version)
        shutil.rmtree(version, ignore_errors=True)
        raise
    for stale in ([previous] if previous is not None else []) + orphans:
        shutil.rmtree(stale, ignore_errors=True)


# this process's version folders being filled (several threads may publish at once), and the lock under which a
# version is swapped in and this process's orphans are listed
_FILLING: set[Path] = set()
_PUBLISHING = threading.Lock()


def _own_orphans(parent: Path, prefix: str, current: Path) -> list[Path]:
    """This process's earlier versions that no link points to any more: a process killed after pointing the link
    at its own version but before removing the one before leaves ours behind, and the sweep of dead processes'
    folders (kg/base/tempdirs.py) never takes a live process's. Not one another thread is filling."""
    return [path for path in parent.glob(f"{prefix}{os.getpid()}-*")
            if path != current and path not in _FILLING and path.is_dir() and not path.is_symlink()]


OUTPUT_NAMES = (*HASHED_FILES.values(), BUILD_REPORT_NAME)
OLDER_OUTPUT_NAMES = tuple(name for name in OUTPUT_NAMES if name != DECISION_TABLES_NAME)  # a kg's before ADR 0028


def _check_out(out_dir: Path) -> None:
    if out_dir.is_symlink():
        return
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: is an existing file, not a folder; choose another --out")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not _is_previous_build(out_dir):
        raise UserError(f"--out {out_dir}: a folder that is not empty and not a previous build of kg (its "
                        f"{', '.join(sorted(OUTPUT_NAMES))}, matching the report's hashes, or a build set: "
                        f"{BUILD_SET_MANIFEST_NAME} and its builds); kg replaces only what it wrote: choose a new "
                        "folder, an empty one or a previous build's")


def _is_previous_build(folder: Path) -> bool:
    """A plain build folder of an older kg (exactly a build's files, which its report verifies) or a build set
    (its manifest and exactly its builds, each verified)."""
    from kg.core.build.build_set import open_set
    from kg.core.build.verify import open_build

    names = {p.name for p in folder.iterdir()}
    try:
        if not is_build_set(folder):
            return _build_files(names) and bool(open_build(folder))
        builds = open_set(folder).builds
        return names == {BUILD_SET_MANIFEST_NAME, *builds} and all(
            _build_files({p.name for p in (folder / name).iterdir()}) and open_build(folder / name)
            for name in builds)
    except (UserError, OSError):
        return False


def _build_files(names: set[str]) -> bool:
    """Exactly the files of a build of this kg or of an older one."""
    return names in (set(OUTPUT_NAMES), set(OLDER_OUTPUT_NAMES))


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _swap_in(version: Path, out_dir: Path, prefix: str) -> Path | None:
    """Point ``out_dir`` at ``version`` with one rename; the previous build folder (to remove), if any."""
    previous = out_dir.parent / os.readlink(out_dir) if out_dir.is_symlink() else None
    if out_dir.is_dir() and not out_dir.is_symlink():  # a plain folder of an older kg: moved aside once
        previous = out_dir.parent / f"{prefix}{os.getpid()}-previous"
        out_dir.rename(previous)
    link = out_dir.parent / f"{prefix}{os.getpid()}-link"
    link.unlink(missing_ok=True)
    link.symlink_to(version.name, target_is_directory=True)
    os.replace(link, out_dir)  # the one rename that publishes the new build
    return previous if previous is not None and previous.name.startswith(prefix) else None
