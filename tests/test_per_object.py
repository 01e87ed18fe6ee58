"""A value made once per object and dropped with it (kg/base/per_object.py), as the batch plans use it."""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import dataclass, field, replace

from kg.base.per_object import PerObject


@dataclass(frozen=True)
class _Tables:  # as a build's tables: frozen, holding a dict, so not a dictionary key
    rows: dict[str, int] = field(default_factory=dict)


class _Plan:
    def __init__(self, tables: _Tables) -> None:
        self.rows = dict(tables.rows)


def test_made_once_per_object_and_once_for_an_equal_object_of_its_own():
    made: list[_Tables] = []
    plan_of = PerObject(lambda t: made.append(t) or _Plan(t))
    tables = _Tables({"a": 1})
    assert plan_of(tables) is plan_of(tables) and len(made) == 1
    twin = replace(tables)
    assert twin == tables and plan_of(twin) is not plan_of(tables) and len(made) == 2


def test_the_value_goes_with_its_object():
    plan_of = PerObject(_Plan)
    tables = _Tables({"a": 1})
    plan = weakref.ref(plan_of(tables))
    del tables
    gc.collect()
    assert plan() is None and not plan_of._held


def test_threads_asking_at_once_get_one_value():
    calls = []
    plan_of = PerObject(lambda t: calls.append(1) or _Plan(t))
    tables, found = _Tables({"a": 1}), []
    threads = [threading.Thread(target=lambda: found.append(plan_of(tables))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(plan is found[0] for plan in found)
