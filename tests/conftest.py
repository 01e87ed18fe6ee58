"""Shared fixtures: the real tables and graph, the frozen fixture tables, golden files."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.term import Node

from kg.base.oxigraph_bridge import to_store
from kg.base.paths import GUIDELINES_DIR
from kg.core.build.pipeline import build_graph
from kg.core.build.tables import Tables, load_tables
from kg.core.query.library import Query
from kg.model.curies import compact
from tests.servers.cds_hooks import cds_service  # noqa: F401 - session fixtures, shared by every test file
from tests.servers.misbehaving import misbehaving  # noqa: F401
from tests.servers.oxigraph import oxigraph_server  # noqa: F401
from tests.servers.oxigraph_store import oxigraph_store  # noqa: F401 - an empty, writable one (kg push)
from tests.servers.virtuoso import virtuoso  # noqa: F401

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "fixtures"
FIXTURE_TABLES = FIXTURES / "rls-fixture"  # a guideline package folder (manifest.yaml + tables/)
BROKEN_TABLES = FIXTURES / "broken-fixture"
GOLDEN = TESTS_DIR / "golden"
GROUP_CONCAT = re.compile(r'GROUP_CONCAT\s*\([^;()]*;\s*separator\s*=\s*"([^"]+)"\s*\)\s+AS\s+\?(\w+)', re.I)


NO_JVM = "--no-jvm: this test starts Java (the DL reasoner); mark it @pytest.mark.reasoner"


class JavaForbidden(RuntimeError):
    """Under --no-jvm, where a test would start Java. Not a UserError: no caller may take it for a clean one."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="Rewrite tests/golden/* from the current code instead of comparing.",
    )
    parser.addoption(
        "--no-jvm", action="store_true", default=False,
        help="Fail any test that starts Java (make check): proves that the unmarked tests need no JVM.",
    )


def pytest_configure(config: pytest.Config) -> None:
    """--no-jvm, for the whole session: kg.model.reasoning.require_java raises JavaForbidden in this process, and
    subprocesses (the CLI, notebook kernels) find a `java` on PATH that exits with the same message."""
    if not config.getoption("--no-jvm"):
        return
    import kg.model.reasoning

    require_java = kg.model.reasoning.require_java

    def forbidden(reasoner: str = "hermit") -> str:
        require_java(reasoner)  # no Java at all is still reported as such (tests of that message keep passing)
        raise JavaForbidden(NO_JVM)

    stub_dir = Path(tempfile.mkdtemp(prefix="kg-no-jvm-"))
    stub = stub_dir / "java"
    stub.write_text(f"#!/bin/sh\necho '{NO_JVM}' >&2\nexit 3\n")
    stub.chmod(0o755)
    patch = pytest.MonkeyPatch()
    patch.setattr(kg.model.reasoning, "require_java", forbidden)
    patch.setenv("PATH", f"{stub_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    config.add_cleanup(lambda: shutil.rmtree(stub_dir, ignore_errors=True))
    config.add_cleanup(patch.undo)


NOTEBOOK_MARKS: dict = {}  # nbmake items take no decorator: notebook name -> mark (e.g. pytest.mark.reasoner)


# What the quick loop (make check) leaves to make test, marked ``integration`` here (one list): whole areas by path,
# and every test that starts a SPARQL server (``server``). make check is the library's logic, the clinical cases, the
# queries and their goldens, the build and the profile reading: about 2 minutes on 2 cores, no JVM.
BEYOND_THE_QUICK_LOOP = {
    "tests/fuzz": "hostile and generated inputs, interrupted and concurrent runs, slow servers (the fuzz suite)",
    "tests/export": "every export format written twice and read back by its own validator",
    "tests/test_cli.py": "every command in a subprocess of the real CLI",
    "notebooks": "the notebooks, executed",
}
REPO = TESTS_DIR.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    integration = pytest.mark.integration
    for item in items:
        if item.path.name in NOTEBOOK_MARKS:
            item.add_marker(NOTEBOOK_MARKS[item.path.name])
        where = item.path.relative_to(REPO).as_posix() if item.path.is_relative_to(REPO) else ""
        if item.get_closest_marker("server") or any(where == area or where.startswith(f"{area}/")
                                                    for area in BEYOND_THE_QUICK_LOOP):
            item.add_marker(integration)


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def java(request: pytest.FixtureRequest) -> str:
    if request.config.getoption("--no-jvm"):
        raise JavaForbidden(NO_JVM)
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is required for the reasoner tests (make test installs it)")
    return java


@pytest.fixture(scope="session")
def real_tables() -> Tables:
    return load_tables()


@pytest.fixture(scope="session")
def real_graph(real_tables: Tables) -> Graph:
    return build_graph(real_tables)[0]


@pytest.fixture(scope="session")
def real_store(real_graph: Graph):  # type: ignore[no-untyped-def]
    return to_store(real_graph)


@pytest.fixture(scope="session")
def fixture_tables() -> Tables:
    return load_tables(FIXTURE_TABLES)


@pytest.fixture(scope="session")
def fixture_graph(fixture_tables: Tables) -> Graph:
    return build_graph(fixture_tables)[0]


def rendered_rows(query: Query, rows: list[dict[str, Node | None]]) -> list[str]:
    """Rows as sorted tab-separated lines, the same whatever the engine: IRIs as CURIEs, literals as their
    lexical form, unbound as empty, GROUP_CONCAT lists sorted (SPARQL leaves their order unspecified), and
    backslashes, tabs and newlines escaped so that a row is one line."""
    lists = {name: separator for separator, name in GROUP_CONCAT.findall(query.text)}

    def cell(name: str, value: Node | None) -> str:
        text = compact(value)
        if name in lists:
            text = lists[name].join(sorted(text.split(lists[name])))
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    return sorted("\t".join(cell(name, value) for name, value in row.items()) for row in rows)


def copy_package(package: Path, tmp_path: Path) -> Path:
    """A copy of a package folder in *tmp_path* (to change a table of it); returns the copy."""
    copy = tmp_path / package.name
    shutil.copytree(package, copy)
    return copy


def copy_packages(tmp_path: Path) -> Path:
    """A copy of the installed guideline packages (a folder of packages, for ``load_tables`` or ``--packages``)."""
    copy = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES_DIR, copy, ignore=shutil.ignore_patterns("_staging", "cases"))
    return copy


def table_holding(root: Path, table: str, text: str) -> Path:
    """The first file of *table* among the packages in *root* that holds *text* (to change a row wherever it
    lives)."""
    return next(p for p in sorted(root.glob(f"*/tables/{table}")) if text in p.read_text(encoding="utf-8"))
