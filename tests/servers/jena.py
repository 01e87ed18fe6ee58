"""Jena ARQ, a third SPARQL engine, offline: Debian's libapache-jena-java jars (no Fuseki there, and Maven
Central is out of reach; ADR 0012) run every query file on the built graph in one JVM
(``jena/RunQueries.java``, started with the single-file source launcher, which needs a JDK).

Debian's jars need one repair (tech-notes pitfall 18): the Xerces message bundles sit under
``org/apache/jena/ext/xerces/`` while the classes moved to ``xerces.*``; they are copied into a folder put
first on the class path, otherwise ``JenaSystem.init`` fails with "internal error"."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

JARS = Path("/usr/share/java")
JENA_JARS = ("jena-arq", "jena-base", "jena-core", "jena-iri", "jena-dboe-base", "jena-dboe-index",
             "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction", "jena-tdb", "jena-tdb2",
             "jena-rdfconnection", "jena-shacl", "jena-shex", "jena-cmds")
DEPENDENCIES = ("caffeine", "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io",
                "commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-annotations",
                "jackson-core", "jackson-databind", "jakarta.json-api", "jsonld-java", "protobuf", "thrift",
                "titanium-json-ld", "slf4j-api", "slf4j-nop")
BUNDLES = "org/apache/jena/ext/xerces/"
RUNNER = Path(__file__).parent / "jena" / "RunQueries.java"


def class_path(fix_dir: Path) -> str:
    """Debian's Jena jars and their dependencies, after a folder with the repaired Xerces bundles."""
    jars = [JARS / f"{name}.jar" for name in JENA_JARS + DEPENDENCIES]
    missing = [jar.name for jar in jars if not jar.is_file()]
    if missing or shutil.which("javac") is None:
        raise RuntimeError(f"Jena ARQ needs Debian's libapache-jena-java and a JDK (.ci/run installs them); "
                           f"missing: {', '.join(missing) or 'javac'}")
    with zipfile.ZipFile(JARS / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(BUNDLES) and name.endswith(".properties"):
                target = fix_dir / "xerces" / name[len(BUNDLES):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return ":".join([str(fix_dir), *map(str, jars)])


def run_with_arq(data: Path, named: tuple[Path, str], queries: list[Path], work: Path) -> list[dict]:
    """Each query's SPARQL JSON results from Jena ARQ on ``data`` (default graph) and ``named`` (a file and the
    named graph it becomes), in the order given."""
    (work / "fix").mkdir(exist_ok=True)
    out = work / "results"
    out.mkdir(exist_ok=True)
    subprocess.run(["java", "-cp", class_path(work / "fix"), str(RUNNER), str(data), str(named[0]), named[1],
                    str(out), *map(str, queries)], check=True, capture_output=True, timeout=600)
    return [json.loads((out / f"{i}.json").read_text(encoding="utf-8")) for i in range(len(queries))]
