"""The column dictionary for curators (guidelines/TABLES.md) matches the code's table specs."""

from __future__ import annotations

import re

from kg.base.paths import GUIDELINES_DIR
from kg.model.table_specs import TABLES


def _documented_columns() -> dict[str, list[str]]:
    text = (GUIDELINES_DIR / "TABLES.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    documented: dict[str, list[str]] = {}
    for section in sections:
        match = re.match(r"(\w+)\.tsv", section)
        if not match:
            continue
        names: list[str] = []
        for cell in re.findall(r"^\| ([^|]+?) \|", section, flags=re.M):
            if cell in ("column", "value") or set(cell) <= {"-"}:
                continue
            names += [n.strip() for n in re.split(r",|/", cell)]
        documented[match.group(1)] = names
    return documented


def test_every_table_is_documented_with_exactly_its_columns():
    documented = _documented_columns()
    assert set(documented) == {spec.name for spec in TABLES}
    for spec in TABLES:
        names = documented[spec.name]
        expanded: set[str] = set()
        for name in names:  # 'titration_interval_days_min / _max' is shorthand for two columns
            if name.startswith("_") and expanded:
                stem = max(expanded, key=len).rsplit("_", 1)[0]
                expanded.add(stem + name)
            else:
                expanded.add(name)
        assert expanded == {c.name for c in spec.columns}, spec.name
