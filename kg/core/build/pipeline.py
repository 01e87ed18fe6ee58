"""tables + ontology -> the knowledge graph, checked, then written deterministically.

Order (data flows one way): load + validate tables -> transform -> merge with the ontology ->
SHACL -> QC violation queries -> DL reasoner -> write. Nothing is written unless every step
passes; the output folder is swapped in as a whole with one rename (``write``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, SKOS, Graph

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import canonical_graph
from kg.base.paths import BUILD_REPORT_NAME, BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME, ONTOLOGY_FILE
from kg.base.progress import steps
from kg.base.tempdirs import fresh_dir
from kg.core.build.checks import CheckResult, run_checks
from kg.core.build.header import add_data_header
from kg.core.build.materialise import materialise
from kg.core.build.origin import build_origin
from kg.core.build.tables import Tables, TableSource, load_tables
from kg.core.build.transform import add_codings, new_graph, transform
from kg.model.namespaces import CG, PREFIXES
from kg.model.reasoning import ReasonerResult, check_consistency
from kg.model.shacl import ShaclResult, validate_graph


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
        }


def build_graph(tables: Tables | None = None, ontology_file: Path = ONTOLOGY_FILE) -> tuple[Graph, Tables]:
    """Validated tables + ontology -> one merged graph with the build-time closures (no checks, nothing written)."""
    tables = load_tables() if tables is None else tables
    graph = new_graph(tables)
    graph.parse(ontology_file)
    graph += transform(tables)
    add_data_header(graph, tables.packages)
    return materialise(add_codings(graph)), tables


def build(
    out_dir: Path | None = None,
    *,
    source: TableSource = None,
    reason: bool = True,
    reasoner: str = "hermit",
) -> BuildResult:
    """Build, check and (if ``out_dir``) write the graph. Raises UserError on any failure."""
    with steps(5 if reason else 4, "build") as step:
        step("validating tables")
        tables = load_tables(source)
        step("transforming rows to RDF")
        graph, _ = build_graph(tables)
        result = BuildResult(graph=graph, tables=tables)
        step("SHACL shapes")
        result.shacl = validate_graph(graph)
        step("QC violation queries")
        result.checks = run_checks(graph)
        if reason:
            step(f"DL reasoner ({reasoner})")
            result.reasoner = check_consistency(graph, reasoner=reasoner, hermit_taxonomy=True)
    _raise_on_failure(result)
    if out_dir is not None:
        result.files = write(result, Path(out_dir))
    return result


def _raise_on_failure(result: BuildResult) -> None:
    messages = []
    if result.shacl is not None and not result.shacl.conforms:
        messages.append("SHACL: the graph does not conform:\n" + result.shacl.text)
    for check in result.checks:
        if check.rows:
            messages.append(f"QC check {check.name} returned {len(check.rows)} row(s):\n{check.render()}")
    if result.reasoner is not None and not result.reasoner.ok:
        messages.append(result.reasoner.describe())
    if messages:
        raise BuildFailed("The build failed; nothing was written.\n\n" + "\n\n".join(messages))


def serialize(graph: Graph, prefixes: Mapping[str, str] | None = None) -> bytes:
    """Deterministic Turtle: RDFC-1.0 canonical blank-node labels, sorted output, same bytes every time; the
    project's prefixes unless *prefixes* are given."""
    canonical = canonical_graph(graph)
    for prefix, iri in (PREFIXES if prefixes is None else prefixes).items():
        canonical.bind(prefix, iri, override=True)
    return canonical.serialize(format="turtle", encoding="utf-8")


def write(result: BuildResult, out_dir: Path) -> list[Path]:
    """Write the graph and the build report, swapped in as a whole with ONE rename (ADR 0006).

    ``out_dir`` is a symbolic link to a sibling folder ``.<name>.kg-<pid>-<random>`` holding both
    files; a new build writes a fresh sibling and replaces the link atomically (``os.replace``), so a
    reader that resolves the link once sees the old build or the new one, never a mix, whenever the
    build is interrupted. Folders left by a killed build are swept by the next one."""
    out_dir = Path(out_dir)
    _check_out(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out_dir.name}.kg-"
    current = out_dir.parent / os.readlink(out_dir) if out_dir.is_symlink() else None
    version = fresh_dir(out_dir.parent, prefix, keep=current)
    try:
        graph, inferred = serialize(result.graph), serialize(result.inferred)
        _write_synced(version / BUILT_GRAPH_NAME, graph)
        _write_synced(version / INFERRED_GRAPH_NAME, inferred)
        # the inferences are tied to the graph they were made from (HermiT's output is not byte-stable, ADR 0007)
        hashes = {"graph_sha256": hashlib.sha256(graph).hexdigest(),
                  "inferred_sha256": hashlib.sha256(inferred).hexdigest()}
        report = json.dumps(result.summary() | hashes | {"origin": build_origin()}, indent=2, sort_keys=True) + "\n"
        _write_synced(version / BUILD_REPORT_NAME, report.encode("utf-8"))
        previous = _swap_in(version, out_dir, prefix)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return [out_dir / name for name in OUTPUT_NAMES]


OUTPUT_NAMES = (BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME, BUILD_REPORT_NAME)


def _check_out(out_dir: Path) -> None:
    if out_dir.is_symlink():
        return
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: is an existing file, not a folder; choose another --out")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not _is_previous_build(out_dir):
        raise UserError(f"--out {out_dir}: a folder that is not empty and not a previous build of kg (its "
                        f"{', '.join(sorted(OUTPUT_NAMES))}, matching the report's hashes); kg replaces only what it "
                        "wrote: choose a new folder, an empty one or a previous build's")


def _is_previous_build(folder: Path) -> bool:
    """A plain build folder of an older kg: exactly a build's files, which its report verifies."""
    from kg.core.build.verify import open_build

    if {p.name for p in folder.iterdir()} != set(OUTPUT_NAMES):
        return False
    try:
        open_build(folder)
    except UserError:
        return False
    return True


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
