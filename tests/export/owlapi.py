"""Run tests/owlapi/OwlProfileCheck.java (the OWL API of Debian's libowlapi-java) on OWL files: one JVM for all."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHECKER = Path(__file__).resolve().parents[1] / "owlapi" / "OwlProfileCheck.java"
PACKAGE = "libowlapi-java"
LOGGING_BINDINGS = ("slf4j-", "jcl-over-slf4j", "log4j-over-slf4j", "jul-to-slf4j")


@dataclass(frozen=True)
class OwlApiReport:
    document_format: str
    axioms: int
    logical_axioms: int
    unparsed_triples: int
    violations: int
    axioms_sha256: str
    violation_texts: tuple[str, ...]


def classpath() -> str:
    """The jars of libowlapi-java and of the packages it depends on (Debian keeps them in /usr/share/java),
    without the logging bindings (several bindings make slf4j fail)."""
    depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", PACKAGE], capture_output=True, text=True)
    if depends.returncode != 0 or not shutil.which("javac"):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PACKAGE} and javac are required in CI (.ci/run installs them)")
        pytest.skip(f"{PACKAGE} or javac is not installed on this machine (.ci/run installs them)")
    packages = [PACKAGE] + [re.sub(r"\(.*?\)", "", alt.split("|")[0]).strip() for alt in depends.stdout.split(",")]
    jars: set[str] = set()
    for package in packages:
        listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout.splitlines()
        jars |= {f for f in listed if f.startswith("/usr/share/java/") and f.endswith(".jar")}
    kept = {j for j in jars if "slf4j-api" in j or not Path(j).name.startswith(LOGGING_BINDINGS)}
    return os.pathsep.join(sorted(kept))


def check(java: str, files: list[Path], work: Path) -> dict[Path, OwlApiReport]:
    """Compile the checker against the OWL API and run it once on every file."""
    jars = classpath()
    classes = work / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    subprocess.run(["javac", "-nowarn", "-d", str(classes), "-cp", jars, str(CHECKER)], check=True,
                   capture_output=True, text=True)
    done = subprocess.run([java, "-cp", os.pathsep.join([str(classes), jars]), "OwlProfileCheck",
                           *map(str, files)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    reports: dict[Path, OwlApiReport] = {}
    violations: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        kind, name, *rest = line.split("\t")
        if kind == "violation":
            violations.setdefault(name, []).append(rest[0])
    for line in done.stdout.splitlines():
        kind, name, *rest = line.split("\t")
        if kind == "ontology":
            fmt, axioms, logical, unparsed, count, digest = rest
            reports[Path(name)] = OwlApiReport(fmt, int(axioms), int(logical), int(unparsed), int(count), digest,
                                               tuple(violations.get(name, ())))
    return reports
