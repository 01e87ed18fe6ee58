"""Which builds a build set holds (ADR 0019, "Build sets"): one per guideline alone, one for all together.

A patient's decision uses exactly the guidelines that treat the patient's conditions: another guideline's statements
in the same graph would add options and reasons. So ``kg build`` makes, from the guidelines it is given, one build per
guideline (with the packages it requires) and, when there are several, one of all of them together, with every
package that relates guidelines (a crosswalk: a package that is not a guideline and requires guidelines) whose
guidelines are all there. A selection is named by its guideline ids, sorted and joined with ``+``.

>>> from pathlib import Path
>>> def pkg(id_, kind="guideline", requires=()):
...     return Package(id_, kind, id_, "1.0.0", f"https://example.org/{id_}/", "x", Path(id_), ("c-" + id_,), requires)
>>> pool = {p.id: p for p in (pkg("shared", "shared"), pkg("a", requires=("shared",)), pkg("b", requires=("shared",)),
...                           pkg("a-b-crosswalk", "crosswalk", ("a", "b")))}
>>> [(s.name, [p.id for p in s.packages]) for s in build_selections(pool)]  # doctest: +NORMALIZE_WHITESPACE
[('a', ['shared', 'a']), ('b', ['shared', 'b']), ('a+b', ['shared', 'a', 'b', 'a-b-crosswalk'])]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kg.base.errors import UserError
from kg.model.packages import Package, select

SEPARATOR = "+"  # between the guideline ids of a selection's name


def selection_name(guidelines: Iterable[str]) -> str:
    """``a-2017+b-2024``: the guideline ids, sorted, joined with ``+``."""
    return SEPARATOR.join(sorted(set(guidelines)))


@dataclass(frozen=True)
class Selection:
    """The packages one build of a set reads, and the guidelines among them."""

    packages: tuple[Package, ...]  # dependencies first

    @property
    def guidelines(self) -> tuple[Package, ...]:
        return tuple(sorted((p for p in self.packages if p.is_guideline), key=lambda p: p.id))

    @property
    def name(self) -> str:
        return selection_name(p.id for p in self.guidelines)


def selection_of(pool: Mapping[str, Package], guidelines: Collection[str]) -> Selection:
    """The guidelines *guidelines* with what they require and the crosswalks between them (packages that are not
    guidelines and require only guidelines among *guidelines*), dependencies first."""
    crosswalks = sorted(p.id for p in pool.values() if not p.is_guideline
                        and (needs := _guidelines_required(pool, p)) and needs <= set(guidelines))
    return Selection(tuple(select(pool, [*sorted(guidelines), *crosswalks])))


def _guidelines_required(pool: Mapping[str, Package], package: Package) -> set[str]:
    return {p.id for p in select(pool, [package.id]) if p.is_guideline}


def build_selections(pool: Mapping[str, Package], wanted: Sequence[str] | None = None) -> list[Selection]:
    """The selections of a build set: each guideline of *wanted* (all guidelines of *pool* when None or empty, or
    those the named packages require) alone, then all of them together when there are several."""
    chosen = select(pool, wanted)
    guidelines = sorted(p.id for p in chosen if p.is_guideline)
    if not guidelines:
        named = ", ".join(wanted) if wanted else "the packages"
        raise UserError(f"--guideline {named}: no guideline package among them (kind: guideline in manifest.yaml); a "
                        "build holds at least one guideline")
    selections: dict[str, Selection] = {}
    for group in [[g] for g in guidelines] + ([guidelines] if len(guidelines) > 1 else []):
        selection = selection_of(pool, group)
        selections.setdefault(selection.name, selection)  # a guideline that requires another: one build of both
    return list(selections.values())
