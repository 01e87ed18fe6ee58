"""The clinical-level difference between two builds (``kg diff OLD NEW``).

Each query of ``queries/diff/`` reads one kind of content from a graph as rows ``?item ?label ?attribute ?value``
(one row per attribute value: what a statement says, a population's rule, a regimen's limits, a node's codes...).
Both graphs are queried the same way; the rows are grouped by item IRI and compared as sets: an item only in NEW
is added, only in OLD removed, in both with other values for some attribute changed. What counts as clinical
content is the queries' choice, not this module's: a new kind is one new ``.rq`` file.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kg.base.errors import UserError
from kg.base.paths import BUILT_GRAPH_NAME, QUERIES_DIR
from kg.core.query.library import Query, parse_query_file, run_query
from kg.model.curies import compact

DIFF_DIR = QUERIES_DIR / "diff"
Values = tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """One item added, removed or changed; ``attributes``: name -> (old values, new values), changed ones only."""

    kind: str  # the diff query's name, e.g. "statements"
    item: str  # CURIE or IRI
    label: str
    change: str  # "added" | "removed" | "changed"
    attributes: dict[str, tuple[Values, Values]]

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "item": self.item, "label": self.label, "change": self.change,
                "attributes": {name: {"old": list(old), "new": list(new)} for name, (old, new) in
                               self.attributes.items()}}


@cache
def diff_queries() -> tuple[Query, ...]:
    return tuple(parse_query_file(path) for path in sorted(DIFF_DIR.glob("*.rq")))


def load_store(path: Path, role: str, guidelines: Collection[str] | None = None) -> ox.Store:
    """A build folder's graph (of a build set: its build of exactly *guidelines*, default all of them; verified
    against its build report, kg/core/build/verify.py) or a graph file (read by the one graph-file reader,
    kg/base/graph_files.py) in a store; UserError (exit 2) when neither can be read."""
    from kg.base.graph_files import read_graph_file
    from kg.core.build.build_set import is_build_set
    from kg.core.build.verify import open_build

    path = Path(path)
    if path.is_dir():
        if not (path / BUILT_GRAPH_NAME).is_file() and not is_build_set(path):
            raise UserError(f"{role} {path}: a folder without {BUILT_GRAPH_NAME}; give a build folder or a graph file")
        store = ox.Store()
        store.load(open_build(path, role=role, guidelines=guidelines).graph, format=ox.RdfFormat.TURTLE)
        return store
    if guidelines:
        raise UserError(f"{role} {path}: --guideline picks a build of a build set; this is a graph file")
    if not path.exists():
        raise UserError(f"{role} {path}: no such file or folder; give a build folder (kg build --out) or a graph file")
    return read_graph_file(path, role).store()


Content = dict[str, tuple[str, dict[str, frozenset[str]]]]  # item -> (label, attribute -> values)


def content(query: Query, store: ox.Store) -> Content:
    """The query's rows grouped by item: its label and each attribute's set of values (as CURIEs or text)."""
    items: Content = {}
    for row in run_query(query, store):
        item = compact(row["item"])
        label, attributes = items.setdefault(item, (compact(row.get("label")), {}))
        name = str(row["attribute"])
        attributes[name] = attributes.get(name, frozenset()) | {compact(row["value"])}
    return items


def _values(attributes: dict[str, frozenset[str]], name: str) -> Values:
    return tuple(sorted(attributes.get(name, frozenset())))


def compare(kind: str, old: Content, new: Content) -> list[Difference]:
    """Items added, removed and changed between two contents of one kind, sorted by item."""
    differences = []
    for item in sorted(old.keys() | new.keys()):
        before, after = old.get(item), new.get(item)
        if before is None or after is None:
            label, attributes = after or before  # type: ignore[misc]
            change = "added" if before is None else "removed"
            listed = {name: ((), _values(attributes, name)) if before is None else (_values(attributes, name), ())
                      for name in sorted(attributes)}
            differences.append(Difference(kind, item, label, change, listed))
            continue
        changed = {name: (_values(before[1], name), _values(after[1], name))
                   for name in sorted(before[1].keys() | after[1].keys())
                   if before[1].get(name) != after[1].get(name)}
        if changed:
            differences.append(Difference(kind, item, after[0] or before[0], "changed", changed))
    return differences


def diff_stores(old: ox.Store, new: ox.Store) -> list[Difference]:
    """Every clinical difference between two graphs, kind by kind (the queries of queries/diff/)."""
    differences: list[Difference] = []
    for query in diff_queries():
        kind = query.name.removeprefix("diff/")
        differences += compare(kind, content(query, old), content(query, new))
    return differences


def diff_builds(old: Path, new: Path, guidelines: Collection[str] | None = None) -> list[Difference]:
    """``kg diff OLD NEW``: two build folders or graph files (of build sets: their builds of exactly *guidelines*,
    default all of them)."""
    return diff_stores(load_store(old, "OLD", guidelines), load_store(new, "NEW", guidelines))

