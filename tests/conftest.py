"""Shared fixtures: the real tables and graph, the frozen fixture tables, golden files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from kg.build import build_graph
from kg.load import Tables, load_tables
from kg.oxigraph_bridge import to_store

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "fixtures"
FIXTURE_TABLES = FIXTURES / "tables"
BROKEN_TABLES = FIXTURES / "broken-tables"
GOLDEN = TESTS_DIR / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="Rewrite tests/golden/* from the current code instead of comparing.",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def java() -> str:
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
def real_reasoned(real_graph: Graph, java: str):  # type: ignore[no-untyped-def]
    """HermiT on the real build, once per session."""
    from kg.reasoning import check_consistency

    return check_consistency(real_graph)


@pytest.fixture(scope="session")
def real_store(real_graph: Graph):  # type: ignore[no-untyped-def]
    return to_store(real_graph)


@pytest.fixture(scope="session")
def fixture_tables() -> Tables:
    return load_tables(FIXTURE_TABLES)


@pytest.fixture(scope="session")
def fixture_graph(fixture_tables: Tables) -> Graph:
    return build_graph(fixture_tables)[0]
