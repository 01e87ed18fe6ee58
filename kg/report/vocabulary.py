"""The report vocabulary of one decision (rows of queries/decision/report-vocabulary.rq), as lookups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kg.core.decide.decision import Decision, Row

UNRANKED = 99  # a term without a rank (or an unknown notation) sorts last


@dataclass
class Term:
    notation: str
    label: str
    rank: int = UNRANKED
    properties: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def get(self, name: str) -> str | None:
        values = sorted(self.properties.get(name, ()))
        return values[0] if values else None


class Vocabulary:
    """scheme (e.g. DecisionStatus) -> notation -> Term."""

    def __init__(self, rows: list[Row]) -> None:
        self.schemes: dict[str, dict[str, Term]] = defaultdict(dict)
        for row in rows:
            scheme, notation = str(row["scheme"]), str(row["notation"])
            term = self.schemes[scheme].get(notation)
            if term is None:
                rank = row.get("rank")
                term = Term(notation, str(row["label"]), int(rank) if rank is not None else UNRANKED)  # type: ignore[arg-type]
                self.schemes[scheme][notation] = term
            for name, value in row.items():
                if name not in ("scheme", "notation", "label", "rank") and value is not None:
                    term.properties[name].add(str(value))

    @classmethod
    def of(cls, decision: Decision) -> Vocabulary:
        return cls(decision.report.get("vocabulary", []))

    def term(self, scheme: str, notation: str | None) -> Term | None:
        return self.schemes.get(scheme, {}).get(notation or "")

    def rank(self, scheme: str, notation: str | None) -> int:
        term = self.term(scheme, notation)
        return term.rank if term else UNRANKED

    def label(self, scheme: str, notation: str | None) -> str:
        term = self.term(scheme, notation)
        return term.label if term else (notation or "")

    def ordered(self, scheme: str) -> list[Term]:
        return sorted(self.schemes.get(scheme, {}).values(), key=lambda t: (t.rank, t.notation))

    def group_of_status(self, status: str | None) -> Term | None:
        term = self.term("DecisionStatus", status)
        return self.term("ReportGroup", term.get("group")) if term else None

    def section_of_kind(self, kind: str | None) -> str | None:
        term = self.term("FindingKind", kind)
        return term.get("section") if term else None

    def step_state(self, due: str | None, done: bool) -> Term | None:
        for term in self.ordered("AlgorithmStepState"):
            answers = term.properties
            if due in answers.get("dueAnswer", ()) and str(done).lower() in answers.get("doneAnswer", ()):
                return term
        return None


def reason_order(vocabulary: Vocabulary, reason: dict[str, Any]) -> tuple:
    """Most decisive first: effect, surely applies, strength, certainty, evidence basis (ranks from the ontology)."""
    return (
        vocabulary.rank("ReasonEffect", reason["effect"]),
        reason["applies"] != "yes",
        vocabulary.rank("Strength", reason["strength"]),
        vocabulary.rank("Certainty", reason["certainty"]),
        vocabulary.rank("EvidenceBasis", reason["evidence_basis"]),
        reason["statement"] or "",
    )
