"""The package's architecture (ADR 0017): every module in a layer, no import up the layers, no import cycle.

``LAYERS`` below is the one declaration of the layer order (lowest first). A module belongs to the layer of the
longest prefix that names it; a module may import modules of its own layer and of the layers before it, never of
a later one. Every import statement counts: at module level, inside a function and under ``TYPE_CHECKING``
alike, since a lazy import is still a dependency. The package's own ``kg/__init__.py`` is the public API (a
facade above every layer): a module may import only ``__version__`` from it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Mapping
from pathlib import Path

import pytest

import kg

LAYERS: tuple[tuple[str, ...], ...] = (  # layer 1 first
    ("kg.base",),  # utilities that know no ontology
    ("kg.model",),  # the ontology and the tables' schema as Python
    ("kg.profile",),  # reading a patient profile
    ("kg.core",),  # build, query, decide: siblings that may import one another
    ("kg.report", "kg.export", "kg.publish", "kg.cohort"),  # renderers, exports, a build leaving the project, cohorts
    ("kg.cli", "kg.__main__"),  # the command line
)
FACADE_NAMES = frozenset({"__version__"})  # what a module may import from kg/__init__.py
PACKAGE_DIR = Path(kg.__file__).parent

Graph = dict[str, set[str]]  # module -> the modules of the package it imports


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(root: Path) -> tuple[Graph, dict[str, set[str]]]:
    """The import graph of the package in folder ``root``, and the names each module imports from its
    ``__init__`` (the facade) that are not modules."""
    paths = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    package = root.name
    graph: Graph = {name: set() for name in paths}
    facade: dict[str, set[str]] = {}

    def target(name: str) -> str | None:  # the module of the package that ``name`` is or lies in
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            found: list[str] = []
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
                facade_names = {"*" for alias in node.names if alias.name == package}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                found = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base for alias in node.names]
                facade_names = {alias.name for alias in node.names if base == package
                                and f"{base}.{alias.name}" not in paths}
            else:
                continue
            for imported in found:
                module = target(imported) if imported.split(".")[0] == package else None
                if module is not None and module != name:
                    graph[name].add(module)
            if facade_names:
                facade.setdefault(name, set()).update(facade_names)
    return graph, facade


def layer_of(module: str, layers: tuple[tuple[str, ...], ...]) -> int | None:
    """Index of the module's layer (longest matching prefix), or None when no layer names it."""
    best: tuple[int, int] | None = None
    for index, layer in enumerate(layers):
        for prefix in layer:
            if (module == prefix or module.startswith(f"{prefix}.")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return None if best is None else best[0]


def upward_imports(graph: Graph, layers: tuple[tuple[str, ...], ...], facade: str) -> list[str]:
    """Every import of a module in a later layer than the importer's, as 'importer -> imported'."""
    found = []
    for module, imported in sorted(graph.items()):
        if module == facade:
            continue
        for other in sorted(imported):
            if other == facade:
                continue
            here, there = layer_of(module, layers), layer_of(other, layers)
            if here is not None and there is not None and there > here:
                found.append(f"{module} (layer {here + 1}) -> {other} (layer {there + 1})")
    return found


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


@pytest.fixture(scope="module")
def kg_imports() -> tuple[Graph, dict[str, set[str]]]:
    return read_imports(PACKAGE_DIR)


def test_every_module_is_in_a_layer(kg_imports):
    graph, _ = kg_imports
    assert len(graph) > 50
    assert [m for m in sorted(graph) if m != "kg" and layer_of(m, LAYERS) is None] == []


def test_no_import_points_up_the_layers(kg_imports):
    graph, _ = kg_imports
    assert upward_imports(graph, LAYERS, "kg") == []


def test_no_import_cycle(kg_imports):
    graph, _ = kg_imports
    assert cycles(graph) == []


def test_modules_take_only_the_version_from_the_public_api(kg_imports):
    _, facade = kg_imports
    assert {module: names - FACADE_NAMES for module, names in facade.items() if names - FACADE_NAMES} == {}


def test_no_module_shadows_a_public_callable():
    """``kg.build``, ``kg.decide``, ``kg.sparql``... stay the functions once every module is imported: no
    ``kg/<name>.py`` or ``kg/<name>/`` has a public API name, except the callable package ``kg.export``."""
    shadowing = [name for name in kg.__all__ if (PACKAGE_DIR / f"{name}.py").exists() or (PACKAGE_DIR / name).is_dir()]
    assert shadowing == ["export"]
    for module in ("kg.core.build.pipeline", "kg.core.decide.decision", "kg.core.query.execute", "kg.cli"):
        importlib.import_module(module)
    for name in ("build", "decide", "decide_many", "sparql", "load_tables", "export"):
        assert callable(getattr(kg, name)), name
    assert [n for n in kg.__all__ if n != "export" and inspect.ismodule(getattr(kg, n))] == []


# The checks can fail: a package with an upward import and a cycle hidden in a function and under TYPE_CHECKING.
BAD_PACKAGE = {
    "__init__.py": "__version__ = '1'\n",
    "low/__init__.py": "",
    "low/util.py": "def helper():\n    from bad.high.app import run  # lazy, still upward\n    return run\n",
    "low/other.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bad.low.third import T\n",
    "low/third.py": "from bad.low import other\nT = int\n",
    "high/__init__.py": "",
    "high/app.py": "from bad import __version__\nfrom bad.low.util import helper\nfrom . import view\nrun = helper\n",
    "high/view.py": "from bad import app_name\n",
    "lost.py": "",
}
BAD_LAYERS = (("bad.low",), ("bad.high",))


def test_the_checks_find_what_a_bad_package_hides(tmp_path):
    for name, text in BAD_PACKAGE.items():
        (tmp_path / "bad" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "bad" / name).write_text(text, encoding="utf-8")
    graph, facade = read_imports(tmp_path / "bad")
    assert graph["bad.high.app"] == {"bad", "bad.low.util", "bad.high.view"}
    assert upward_imports(graph, BAD_LAYERS, "bad") == ["bad.low.util (layer 1) -> bad.high.app (layer 2)"]
    assert cycles(graph) == [["bad.high.app", "bad.low.util"], ["bad.low.other", "bad.low.third"]]
    assert {m: n - FACADE_NAMES for m, n in facade.items() if n - FACADE_NAMES} == {"bad.high.view": {"app_name"}}
    assert [m for m in sorted(graph) if m != "bad" and layer_of(m, BAD_LAYERS) is None] == ["bad.lost"]


def test_the_longest_prefix_decides_the_layer():
    layers = (("kg.core.profile",), ("kg.core",))
    assert layer_of("kg.core.profile.reader", layers) == 0
    assert layer_of("kg.core.query.library", layers) == 1
    assert layer_of("kg.corex", layers) is None
