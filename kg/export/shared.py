"""What several formats make from one source, made once per release (``kg release`` writes every format of one
source: four write its canonical triples, three its OWL ontology, two its KGX records, two its property graph).

Only inside ``shared_between_formats()`` (kg/publish/release.py) is a result kept, for the one source it was made
from; a single export, and each release, computes its own. The writers only read what they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from kg.export.source import ExportSource

T = TypeVar("T")
_MADE: ContextVar[dict[tuple[str, int], tuple[ExportSource, Any]] | None] = ContextVar("kg_export_made", default=None)


@contextmanager
def shared_between_formats() -> Iterator[None]:
    """Within the block, each ``@shared`` function is computed once per source."""
    token = _MADE.set({})
    try:
        yield
    finally:
        _MADE.reset(token)


def shared(function: Callable[[ExportSource], T]) -> Callable[[ExportSource], T]:
    """``function(source)``, computed once per source inside ``shared_between_formats()``, else on every call."""

    @wraps(function)
    def once(source: ExportSource) -> T:
        made = _MADE.get()
        if made is None:
            return function(source)
        key = (function.__qualname__, id(source))
        if key not in made:
            made[key] = (source, function(source))  # the source kept with it: its id is not reused meanwhile
        return made[key][1]

    return once
