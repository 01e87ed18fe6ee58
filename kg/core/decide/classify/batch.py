"""The compiled classifier for a batch of patients at once (issue 17: cohort decisions "vectorised over columns").

The same types as ``classify_patient`` (compiled.py) for every patient, made in three steps: per patient, the
ontology's other defined classes of its nodes (the same predicates, owl_fragment.py) and its facts, into one
column of the batch's FactTable (fact_table.py); for the whole batch at once, every population rule as numpy
boolean columns (rule_columns.py, compiled once per CompiledKnowledge); per patient again, the ``rdf:type`` triples
its graph does not already state. tests/test_batch_classify.py checks it equals the per-patient classifier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.base.per_object import PerObject
from kg.base.triple_index import TripleIndex
from kg.core.decide.classify.compiled import CompiledKnowledge, defined_types, new_type_triples
from kg.core.decide.classify.fact_table import FactTable
from kg.core.decide.classify.rule_columns import Evaluation, RulePlan, compile_rules

# the rules of a CompiledKnowledge compiled for batches, once per object (frozen, but holding dicts: by identity), and
# dropped with it
rule_plan: PerObject[CompiledKnowledge, RulePlan] = PerObject(compile_rules)


def classify_batch(kb: CompiledKnowledge, patients: Sequence[tuple[URIRef, Graph]]) -> list[Graph]:
    """For each (patient, its graph after the derivation rules), the graph ``classify_patient`` gives, in order."""
    plan = rule_plan(kb)
    table = FactTable(plan.atoms, plan.quantities, len(patients))
    indexes: list[TripleIndex] = []
    found: list[dict[Node, set[URIRef]]] = []
    for index, (patient, graph) in enumerate(patients):
        indexed = TripleIndex.live(graph)  # the graph is not changed before its types are returned
        types = defined_types(kb, indexed, patient)
        table.fill(index, indexed, patient, kb.ancestors, kb.drug_classes, types)
        indexes.append(indexed)
        found.append(types)
    add_populations(plan, Evaluation(plan, table), patients, found)
    return [new_type_triples(types, indexed) for types, indexed in zip(found, indexes, strict=True)]


def add_populations(plan: RulePlan, evaluation: Evaluation, patients: Sequence[tuple[URIRef, Graph]],
                     found: list[dict[Node, set[URIRef]]]) -> None:
    """Each patient's populations (member: the class and its possible class; possible member: the possible class)."""
    populations = plan.populations
    if not populations or not patients:
        return
    member = np.stack([evaluation.population(p, False) for p in populations], axis=1)  # patient x population
    maybe = member | np.stack([evaluation.population(p, True) for p in populations], axis=1)
    for index, column in zip(*(axis.tolist() for axis in np.nonzero(member)), strict=True):
        found[index][patients[index][0]].add(populations[column])
    for index, column in zip(*(axis.tolist() for axis in np.nonzero(maybe)), strict=True):
        found[index][patients[index][0]].add(plan.possible[populations[column]])
