"""Structured-criteria backend of the population grammar: a rule becomes a tree of criterion nodes that a
SPARQL user reads without walking OWL lists (ADR 0010).

``population adult and ( age >= 65 or condition copd )`` becomes::

    ex:p cg:criterion c .  c a cg:AllOfCriterion ; cg:operand c/1 , c/2 .
    c/1 a cg:ReferenceCriterion ; cg:criterionKeyword "population" ; cg:criterionTarget ex:adult .
    c/2 a cg:AnyOfCriterion ; cg:operand c/2/1 , c/2/2 .
    c/2/1 a cg:ThresholdCriterion ; cg:onQuantity cg:ageYears ; cg:comparator ">=" ; cg:thresholdValue 65 .
    ...

with ``ex:`` the namespace of the population's package, ``c = ex:criterion/<population id>`` and every threshold
also linked from the population (``cg:thresholdCriterion``). It reads the same IR (kg/model/population/grammar.py)
as the OWL backend (kg/model/population/owl_class.py), so the two cannot read a rule differently.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from kg.base.literals import decimal_literal
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG
from kg.model.ontology import Quantities
from kg.model.population.grammar import And, Expr, Not, Or, Reference, Threshold

KIND_OF = {And: CG.AllOfCriterion, Or: CG.AnyOfCriterion, Not: CG.NotCriterion,
           Threshold: CG.ThresholdCriterion, Reference: CG.ReferenceCriterion}


def emit_criteria(graph: Graph, population_id: str, expr: Expr, ids: IdSpace, quantities: Quantities) -> URIRef:
    """Add the criterion tree of ``expr`` for population *population_id*; return its root (*quantities*: the
    build's, ADR 0025)."""
    population = ids[population_id]
    root = ids.criterion(population_id)
    graph.add((population, CG.criterion, root))
    _emit(graph, population, root, expr, ids, quantities)
    return root


def _emit(graph: Graph, population: URIRef, node: URIRef, expr: Expr, ids: IdSpace, quantities: Quantities) -> None:
    graph.add((node, RDF.type, KIND_OF[type(expr)]))
    graph.add((node, RDFS.label, Literal(describe(expr))))
    if isinstance(expr, (And, Or, Not)):
        items = expr.items if isinstance(expr, (And, Or)) else (expr.item,)
        for index, item in enumerate(items, start=1):
            child = URIRef(f"{node}/{index}")
            graph.add((node, CG.operand, child))
            graph.add((child, CG.operandIndex, Literal(index, datatype=XSD.integer)))
            _emit(graph, population, child, item, ids, quantities)
    elif isinstance(expr, Threshold):
        graph.add((population, CG.thresholdCriterion, node))
        graph.add((node, CG.onQuantity, quantities[expr.quantity]))
        graph.add((node, CG.comparator, Literal(expr.op)))
        graph.add((node, CG.thresholdValue, decimal_literal(expr.value)))
    else:
        graph.add((node, CG.criterionKeyword, Literal(expr.keyword)))
        graph.add((node, CG.criterionTarget, ids[expr.target]))


def describe(expr: Expr) -> str:
    """The rule text of a (sub)expression, normalised: ``age >= 65``, ``( a or b )``.

    >>> from kg.model.population.grammar import parse
    >>> describe(parse("population adult and (age >= 65 or condition copd)"))
    'population adult and ( age >= 65 or condition copd )'
    """
    if isinstance(expr, (And, Or)):
        joiner = " and " if isinstance(expr, And) else " or "
        return joiner.join(f"( {describe(i)} )" if isinstance(i, (And, Or)) else describe(i) for i in expr.items)
    if isinstance(expr, Not):
        return f"not {describe(expr.item)}"
    if isinstance(expr, Threshold):
        return f"{expr.quantity} {expr.op} {expr.value}"
    return f"{expr.keyword} {expr.target}"
