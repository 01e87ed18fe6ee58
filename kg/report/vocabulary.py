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


def legend(vocabulary: Vocabulary) -> str:
    """What the evidence tags in brackets mean (cg:EvidenceBasis in the ontology, ADR 0003)."""
    return "; ".join(f"{term.notation} = {term.label if term.label != term.notation else term.get('definition')}"
                     for term in vocabulary.ordered("EvidenceBasis"))


def ordered_reasons(vocabulary: Vocabulary, reasons: list[dict[str, Any]], status: str | None) -> list[dict[str, Any]]:
    """An option's reasons, the one that decided its status first (ADR 0016): the reasons whose effect decides the
    option's status (cg:decidesStatus: a caution for allowed-with-caution, a later line for not-yet-indicated...), then
    the others; within each, by effect, by safety rank (cg:safetyRank: a contraindication or a boxed-warning
    interaction the patient has before a generic precaution such as an opioid treatment agreement), by whether the
    reason surely applies, then by strength, certainty and evidence basis (ranks from the ontology)."""
    return sorted(reasons, key=lambda reason: reason_order(vocabulary, reason, status))


def reason_order(vocabulary: Vocabulary, reason: dict[str, Any], status: str | None = None) -> tuple:
    effect = vocabulary.term("ReasonEffect", reason["effect"])
    decided = effect is not None and status is not None and status in effect.properties.get("decides", ())
    safety = reason.get("safety_rank")
    return (
        not decided,
        vocabulary.rank("ReasonEffect", reason["effect"]),
        UNRANKED if safety is None else safety,
        reason["applies"] != "yes",
        vocabulary.rank("Strength", reason["strength"]),
        vocabulary.rank("Certainty", reason["certainty"]),
        vocabulary.rank("EvidenceBasis", reason["evidence_basis"]),
        reason["statement"] or "",
    )
