"""QC checks: every ``queries/checks/*-violation.rq`` must return zero rows on the built graph."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from kg.base.oxigraph_bridge import to_store
from kg.base.paths import CHECKS_DIR
from kg.core.query.library import Query, parse_query_file, run_query

MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class CheckResult:
    name: str
    summary: str
    rows: list[dict[str, Node | None]]

    def render(self) -> str:
        lines = [f"  {self.summary}"]
        for row in self.rows[:MAX_ROWS_SHOWN]:
            lines.append("  - " + ", ".join(f"{k}={v}" for k, v in row.items() if v is not None))
        if len(self.rows) > MAX_ROWS_SHOWN:
            lines.append(f"  ... and {len(self.rows) - MAX_ROWS_SHOWN} more")
        return "\n".join(lines)


def violation_queries(checks_dir: Path = CHECKS_DIR) -> list[Query]:
    return [parse_query_file(p, checks_dir) for p in sorted(checks_dir.glob("*-violation.rq"))]


def run_checks(data: Graph | ox.Store, checks_dir: Path = CHECKS_DIR) -> list[CheckResult]:
    store = data if isinstance(data, ox.Store) else to_store(data)
    return [CheckResult(q.name, q.summary, run_query(q, store)) for q in violation_queries(checks_dir)]
