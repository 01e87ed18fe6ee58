"""A value made once per object and dropped with it, for objects that cannot be a dictionary key: a build's decision
tables and its compiled classifier knowledge are frozen dataclasses holding dicts (no hash), and each batch
evaluation compiles a plan from one of them (kg/core/decide/compiled/batch_plan.py, kg/core/decide/classify/batch.py).
Two equal objects get a value each; a value does not outlive its object."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class PerObject(Generic[Key, Value]):
    """``make(obj)``, made on the first call for *obj* and kept while *obj* lives (by identity, thread-safe)."""

    def __init__(self, make: Callable[[Key], Value]) -> None:
        self._make = make
        self._held: dict[int, tuple[weakref.ref[Key], Value]] = {}  # type: ignore[type-var]
        self._lock = threading.Lock()

    def __call__(self, obj: Key) -> Value:
        key = id(obj)
        with self._lock:
            held = self._held.get(key)
            if held is not None and held[0]() is obj:
                return held[1]
            value = self._make(obj)
            # dropped when obj is: its id may then be another object's
            self._held[key] = (weakref.ref(obj, lambda _, key=key: self._held.pop(key, None)), value)  # type: ignore[misc,type-var]
            return value
