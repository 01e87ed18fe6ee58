"""The cross-guideline links that concern one patient (queries/decision/cross-guideline.rq, compiled): from the
sides of each listed link (tables.py, queries/compile/cross-guideline-sides.rq), the patient's conditions and agents,
and the options in play in its compact decision. What each link says is the competency query
cq/cross-guideline-conflicts.rq, run once per build."""

from __future__ import annotations

from kg.core.decide.compiled.evaluate import Assessment, Facts
from kg.core.decide.compiled.tables import ConflictSide, DecisionTables, Iri


def concerning(tables: DecisionTables, facts: Facts, assessments: list[Assessment]) -> frozenset[Iri]:
    """The listed links both of whose sides concern the patient: a side naming conditions when the patient has one
    of them (or one under them); else when the patient takes one of its agents or an option under one is in play."""
    if not tables.conflict_sides:
        return frozenset()
    in_play = (g for a in assessments if a.status & tables.in_play for g in tables.falls_under.get(a.option, ()))
    agents = facts.takes_under | frozenset(in_play)

    def concerns(side: ConflictSide) -> bool:
        if side.condition_classes:
            return bool(side.condition_classes & facts.condition_types)
        return bool(side.agents & agents)

    return frozenset(link for link, sides in tables.conflict_sides.items()
                     if len(sides) == 2 and all(concerns(side) for side in sides.values()))
