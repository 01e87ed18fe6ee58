"""The facts a batch of patients' population rules read, as numpy columns: the batch form of ``PatientFacts``
(compiled.py), for the batch classifier (batch.py).

A yes/no fact is an *atom*, (kind, IRI); ``patient_atoms`` lists every atom of one patient, which are exactly the
``PatientFacts`` questions it answers yes to, term for term:

- ``HAS`` / ``POSSIBLY_HAS`` / ``LACKS`` c: c is a type, or a superclass of one, of a node the patient has under
  cg:hasCondition / cg:possiblyHasCondition / cg:lacksCondition (``has_condition``, ``possibly_has_condition``,
  ``lacks_condition`` with c the condition's "absent" class);
- ``TAKES`` / ``POSSIBLY_TAKES`` a: a is an object of cg:takesAgent / cg:possiblyTakesAgent (``takes``,
  ``possibly_takes``);
- ``TAKES_CLASS`` g: g is a drug class (cg:fallsUnder) of an agent taken (``takes_class``);
- ``FAILED`` / ``POSSIBLY_FAILED`` g: g is a drug class of the agent of a trial (cg:hadTrial) that the defined
  classes found a cg:FailedTrial / cg:PossiblyFailedTrial (``failed_class``);
- ``TYPED`` c: c is an asserted type of the patient (``value_unknown``, ``trial_history_unknown``).

A quantity (``value``) is kept as each patient's exact Decimal (or None). A threshold compares integers: each
value's rank among the batch's distinct values, sorted, against where the threshold falls among them (``bisect``),
which answers exactly what comparing the Decimals answers (``COMPARE``), for the whole batch in one numpy step.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

import numpy as np
from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.base.triple_index import TripleIndex
from kg.model.namespaces import CG, RDF_TYPE
from kg.model.population.evaluate import COMPARE

HAS, POSSIBLY_HAS, LACKS = "has", "possibly-has", "lacks"
TAKES, POSSIBLY_TAKES, TAKES_CLASS = "takes", "possibly-takes", "takes-class"
FAILED, POSSIBLY_FAILED, TYPED = "failed", "possibly-failed", "typed"
Atom = tuple[str, Node | None]  # None: an id the build does not know (a fact no patient has, as in PatientFacts)
CONDITION_LINKS = ((HAS, CG.hasCondition), (POSSIBLY_HAS, CG.possiblyHasCondition), (LACKS, CG.lacksCondition))
TRIAL_KINDS = ((FAILED, CG.FailedTrial), (POSSIBLY_FAILED, CG.PossiblyFailedTrial))
# operator -> (where the threshold falls among the sorted distinct values, how a value's rank compares with that):
# value < t: rank < bisect_left(t); value <= t: rank < bisect_right(t); value > t: rank >= bisect_right(t); ...
RANK_TESTS: dict[str, tuple[Callable[[list[Decimal], Decimal], int], np.ufunc]] = {
    "<": (bisect_left, np.less), "<=": (bisect_right, np.less),
    ">": (bisect_right, np.greater_equal), ">=": (bisect_left, np.greater_equal),
}
assert RANK_TESTS.keys() == COMPARE.keys(), "every operator of the grammar has its rank test"


def patient_atoms(indexed: TripleIndex, patient: Node, ancestors: Mapping[Node, frozenset[Node]],
                  drug_classes: Mapping[Node, frozenset[Node]], trial_types: Mapping[Node, set[URIRef]]
                  ) -> Iterator[Atom]:
    """Every atom of the patient (repeats possible); *trial_types*: the defined classes found of its nodes."""
    for kind, link in CONDITION_LINKS:
        for node in indexed.objects(patient, link):
            for cls in indexed.objects(node, RDF_TYPE):
                for sup in ancestors.get(cls, (cls,)):
                    yield kind, sup
    for agent in indexed.objects(patient, CG.takesAgent):
        yield TAKES, agent
        for group in drug_classes.get(agent, ()):
            yield TAKES_CLASS, group
    for agent in indexed.objects(patient, CG.possiblyTakesAgent):
        yield POSSIBLY_TAKES, agent
    for trial in indexed.objects(patient, CG.hadTrial):
        for kind, trial_class in TRIAL_KINDS:
            if trial_class in trial_types.get(trial, ()):
                for agent in indexed.objects(trial, CG.trialOf):
                    for group in drug_classes.get(agent, ()):
                        yield kind, group
    for cls in indexed.objects(patient, RDF_TYPE):
        yield TYPED, cls


def patient_value(indexed: TripleIndex, patient: Node, prop: URIRef) -> Decimal | None:
    """The patient's value of a quantity's property, as ``PatientFacts.value`` reads it."""
    value = indexed.value(patient, prop)
    return value.toPython() if isinstance(value, Literal) and isinstance(value.toPython(), Decimal) else None


class FactTable:
    """The facts of a batch of *size* patients: a boolean row per atom of *rows* (atom -> row; other atoms are not
    kept), each patient a column; and each quantity of *quantities* (name -> property) per patient."""

    def __init__(self, rows: Mapping[Atom, int], quantities: Mapping[str, URIRef], size: int) -> None:
        self.rows, self.quantities = rows, quantities
        self.atoms = np.zeros((len(rows), size), dtype=bool)
        self.values: dict[str, list[Decimal | None]] = {name: [None] * size for name in quantities}
        self._ranked: dict[str, tuple[list[Decimal], np.ndarray]] = {}

    def fill(self, index: int, indexed: TripleIndex, patient: Node, ancestors: Mapping[Node, frozenset[Node]],
             drug_classes: Mapping[Node, frozenset[Node]], trial_types: Mapping[Node, set[URIRef]]) -> None:
        """Column *index*: the patient's facts."""
        rows = self.rows
        found = [rows[atom] for atom in patient_atoms(indexed, patient, ancestors, drug_classes, trial_types)
                 if atom in rows]
        self.atoms[found, index] = True
        for name, prop in self.quantities.items():
            self.values[name][index] = patient_value(indexed, patient, prop)

    def atom(self, row: int) -> np.ndarray:
        """Which patients have the atom of *row* (a view: not to be written)."""
        return self.atoms[row]

    def compare(self, quantity: str, op: str, threshold: Decimal) -> np.ndarray:
        """Which patients have a value of *quantity* that compares *op* to *threshold* (``COMPARE``, exactly)."""
        distinct, ranks = self._ranks(quantity)
        where, test = RANK_TESTS[op]
        return (ranks >= 0) & test(ranks, where(distinct, threshold))

    def _ranks(self, quantity: str) -> tuple[list[Decimal], np.ndarray]:
        """The distinct values of *quantity* in the batch, sorted, and each patient's value's index among them (-1:
        none). Equal Decimals (``1`` and ``1.0``) are one value, as they compare."""
        if quantity not in self._ranked:
            values = self.values[quantity]
            distinct = sorted({value for value in values if value is not None})
            rank = {value: index for index, value in enumerate(distinct)}
            ranks = np.fromiter((-1 if value is None else rank[value] for value in values), dtype=np.int64,
                                count=len(values))
            self._ranked[quantity] = distinct, ranks
        return self._ranked[quantity]
