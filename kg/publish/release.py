"""``kg release --out DIR``: every registered export of the checked build in one folder, with checksums.

The folder holds one file (or folder) per format of :data:`kg.export.FORMATS` under its default name, a VoID/DCAT
description of the dataset and its distributions (``void.ttl``), a manifest (``release.json``: version, graph
hash, each format's files with sizes and SHA-256) and ``SHA256SUMS`` (``sha256sum -c`` reads it). It is written
all or nothing (``kg.export.write``) and deterministically: no timestamps; the same build gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import DCTERMS, OWL, RDF, XSD, Graph, Literal, Namespace, URIRef

from kg import __version__
from kg.base.progress import steps
from kg.core.build.header import (
    CODE_LICENSE_SPDX,
    DATA_IRI,
    DATA_LICENSE,
    DATA_LICENSE_SPDX,
    DATA_TITLE,
    data_version_iri,
)
from kg.export import FORMATS, ExportSource, source_from_build, write_format
from kg.export.shared import shared_between_formats
from kg.export.write import check_target, write_atomically
from kg.model.namespaces import CG, PREFIXES

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
MANIFEST_NAME = "release.json"
CHECKSUMS_NAME = "SHA256SUMS"
VOID_NAME = "void.ttl"
RELEASE_KIND = "release"
PROJECT_NAME = "cgkg"  # release.json's "name": what marks a release folder as this tool's


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # relative to the release folder, POSIX
    bytes: int
    sha256: str


def _files(root: Path, under: Path) -> list[ReleaseFile]:
    paths = [under] if under.is_file() else sorted(p for p in under.rglob("*") if p.is_file())
    return [ReleaseFile(p.relative_to(root).as_posix(), p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in paths]


def is_previous_release(folder: Path) -> bool:
    """A release folder this tool wrote before links were used: its release.json names this project and lists
    every file the folder holds (nothing else would be lost by replacing it)."""
    try:
        recorded = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(recorded, dict) or recorded.get("name") != PROJECT_NAME \
            or not isinstance(recorded.get("formats"), list):
        return False
    listed = {MANIFEST_NAME, CHECKSUMS_NAME, VOID_NAME}
    for entry in recorded["formats"]:
        files = entry.get("files") if isinstance(entry, dict) else None
        listed |= {f.get("path") for f in files if isinstance(f, dict)} if isinstance(files, list) else set()
    held = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()}
    return held <= listed


def describe(source: ExportSource, formats: dict[str, list[ReleaseFile]]) -> Graph:
    """The VoID/DCAT description of this version of the dataset and its distributions (one per format)."""
    graph = Graph()
    for prefix, iri in {**PREFIXES, "void": str(VOID), "dcat": str(DCAT), "spdx": str(SPDX)}.items():
        graph.bind(prefix, iri, override=True)
    dataset = data_version_iri()
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(DATA_TITLE)))
    graph.add((dataset, DCTERMS.isVersionOf, DATA_IRI))
    graph.add((dataset, DCAT.version, Literal(__version__)))
    graph.add((dataset, OWL.versionInfo, Literal(__version__)))
    graph.add((dataset, DCTERMS.license, DATA_LICENSE))
    graph.add((dataset, VOID.triples, Literal(len(source.graph), datatype=XSD.integer)))
    graph.add((dataset, VOID.uriSpace, Literal(f"{DATA_IRI}/")))
    graph.add((dataset, VOID.vocabulary, URIRef(str(CG._NS))))
    for schema in source.graph.objects(DATA_IRI, DCTERMS.conformsTo):
        graph.add((dataset, DCTERMS.conformsTo, schema))
    for document in source.provenance.sources:
        graph.add((dataset, DCTERMS.source, URIRef(document)))
    for name, files in sorted(formats.items()):
        fmt = FORMATS[name]
        distribution = URIRef(f"{dataset}#{name}")
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(f"{name}: {fmt.summary}")))
        graph.add((distribution, DCTERMS.identifier, Literal(fmt.default_name)))
        graph.add((distribution, DCTERMS.license, DATA_LICENSE))
        graph.add((distribution, DCAT.byteSize, Literal(sum(f.bytes for f in files), datatype=XSD.nonNegativeInteger)))
        if len(files) == 1:
            checksum = URIRef(f"{dataset}#{name}-sha256")
            graph.add((distribution, SPDX.checksum, checksum))
            graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            graph.add((checksum, SPDX.checksumValue, Literal(files[0].sha256, datatype=XSD.hexBinary)))
    return graph


def _serialize(graph: Graph) -> bytes:
    from kg.core.build.pipeline import serialize

    return serialize(graph, {prefix: str(namespace) for prefix, namespace in graph.namespaces()})


def manifest(source: ExportSource, formats: dict[str, list[ReleaseFile]], build: dict[str, object]) -> dict:
    return {
        "name": PROJECT_NAME,
        "version": __version__,
        "data_iri": str(DATA_IRI),
        "version_iri": str(data_version_iri()),
        "license": {"data": DATA_LICENSE_SPDX, "data_url": str(DATA_LICENSE), "code": CODE_LICENSE_SPDX},
        "graph_sha256": source.provenance.graph_sha256,
        "triples": len(source.graph),
        "generated_by": source.provenance.generated_by,
        "build": build,
        "formats": [{"name": name, "summary": FORMATS[name].summary, "opens_with": FORMATS[name].opens_with,
                     "path": FORMATS[name].default_name, "files": [vars(f) for f in files]}
                    for name, files in sorted(formats.items())],
    }


def _build_origin(build_dir: Path | None) -> dict[str, object]:
    from kg.core.build.verify import open_build

    recorded = open_build(build_dir).report
    return {key: recorded[key] for key in ("graph_sha256", "inferred_sha256", "origin") if key in recorded}


def release(out: Path, source: ExportSource | None = None, build_dir: Path | None = None) -> list[ReleaseFile]:
    """Write every registered export of *source* (default: the build in *build_dir*, else the packaged build)
    into the folder *out*, with ``void.ttl``, ``release.json`` and ``SHA256SUMS``; return the files written."""
    out = Path(out)
    check_target(out, True, RELEASE_KIND, is_previous_release)
    build = _build_origin(build_dir) if source is None else {}
    source = source_from_build(build_dir) if source is None else source
    written: list[ReleaseFile] = []

    def write(folder: Path) -> None:
        formats: dict[str, list[ReleaseFile]] = {}
        with steps(len(FORMATS) + 1, "release") as step, shared_between_formats():
            for name in sorted(FORMATS):
                step(name)
                target = write_format(source, name, folder / FORMATS[name].default_name)
                formats[name] = _files(folder, target)
            step("checksums")
            (folder / VOID_NAME).write_bytes(_serialize(describe(source, formats)))
            text = json.dumps(manifest(source, formats, build), indent=2, sort_keys=True) + "\n"
            (folder / MANIFEST_NAME).write_text(text, encoding="utf-8")
            files = _files(folder, folder)
            sums = "".join(f"{f.sha256}  {f.path}\n" for f in files)
            (folder / CHECKSUMS_NAME).write_text(sums, encoding="utf-8")
        written.extend(_files(folder, folder))

    write_atomically(out, True, write, RELEASE_KIND, is_previous_release)
    return written
