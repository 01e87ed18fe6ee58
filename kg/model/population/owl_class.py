"""OWL backend of the population grammar: a rule becomes an OWL 2 DL class expression.

A rule such as ``age < 18 or condition copd`` becomes
``Patient and (ageYears some decimal[< 18] or hasCondition some copd)``,
which a DL reasoner evaluates on patient individuals; its "possible" class accepts every fact the
patient may lack (ADR 0005).
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Node, URIRef
from rdflib.collection import Collection

from kg.base.literals import decimal_literal
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG
from kg.model.ontology import Quantities
from kg.model.population.grammar import And, Expr, Not, Or, Resolver, Threshold

FACETS: dict[str, URIRef] = {
    "<": XSD.maxExclusive,
    "<=": XSD.maxInclusive,
    ">": XSD.minExclusive,
    ">=": XSD.minInclusive,
}


def compile_rule(graph: Graph, expr: Expr, ids: IdSpace, quantities: Quantities, possible: bool = False,
                 resolve: Resolver | None = None) -> Node:
    """Add the OWL class expression for ``expr`` to ``graph``; return its node.

    With ``possible=True`` every fact the patient may lack counts as satisfiable: a threshold on a
    lab also accepts "lab unknown", a condition also accepts "possibly has condition", a failed
    trial also accepts "possibly failed", taking a drug, class or substance also accepts "possibly
    takes" (ADR 0015), and a population reference uses that population's
    possible class (three-valued membership, ADR 0005). A reference to another population is
    inlined (its rule is compiled in place, through ``resolve``): same semantics as naming the
    class, and it avoids an internal error of Pellet 2.3 on nested named datatype classes. *quantities* maps a
    threshold's quantity to its datatype property and "value unknown" class (the build's ontology, ADR 0025).
    """
    if isinstance(expr, (And, Or)):
        node = BNode()
        members = [compile_rule(graph, item, ids, quantities, possible, resolve) for item in expr.items]
        head = BNode()
        Collection(graph, head, members)
        graph.add((node, RDF.type, OWL.Class))
        graph.add((node, OWL.intersectionOf if isinstance(expr, And) else OWL.unionOf, head))
        return node
    if isinstance(expr, Not):  # closed world only where the profile says "absent" (cg:lacksCondition)
        lacks = _restriction(graph, CG.lacksCondition, OWL.someValuesFrom, ids.absent(expr.item.target))
        if not possible:
            return lacks
        maybe = _restriction(graph, CG.possiblyHasCondition, OWL.someValuesFrom, ids[expr.item.target])
        return _union(graph, [lacks, maybe])
    if isinstance(expr, Threshold):
        datatype, facet, facets = BNode(), BNode(), BNode()
        graph.add((datatype, RDF.type, RDFS.Datatype))
        graph.add((datatype, OWL.onDatatype, XSD.decimal))
        graph.add((facet, FACETS[expr.op], decimal_literal(expr.value)))
        Collection(graph, facets, [facet])
        graph.add((datatype, OWL.withRestrictions, facets))
        known = _restriction(graph, quantities[expr.quantity], OWL.someValuesFrom, datatype)
        return _union(graph, [known, quantities.unknown_class(expr.quantity)]) if possible else known
    target = ids[expr.target]
    if expr.keyword == "condition":
        has = _restriction(graph, CG.hasCondition, OWL.someValuesFrom, target)
        if not possible:
            return has
        return _union(graph, [has, _restriction(graph, CG.possiblyHasCondition, OWL.someValuesFrom, target)])
    if expr.keyword in ("takes", "takes-class"):
        prop = CG.takesAgent if expr.keyword == "takes" else CG.takesDrugOfClass
        takes = _restriction(graph, prop, OWL.hasValue, target)
        if not possible:
            return takes
        # a substance of unknown use, or a medication list that is omitted or names an unknown drug (ADR 0015)
        return _union(graph, [takes, _restriction(graph, CG.possiblyTakesAgent, OWL.hasValue, target)])
    if expr.keyword == "failed-class":
        trial = BNode()
        head = BNode()
        trial_class = CG.PossiblyFailedTrial if possible else CG.FailedTrial
        Collection(graph, head, [trial_class, _restriction(graph, CG.trialOfDrugClass, OWL.hasValue, target)])
        graph.add((trial, RDF.type, OWL.Class))
        graph.add((trial, OWL.intersectionOf, head))
        had = _restriction(graph, CG.hadTrial, OWL.someValuesFrom, trial)
        # an omitted trial history means any failed trial may exist (three-valued membership, ADR 0005)
        return _union(graph, [had, CG.TrialHistoryUnknown]) if possible else had
    if resolve is None:  # "population" without a resolver: refer to the named class
        return ids.possible(expr.target) if possible else target
    return compile_rule(graph, resolve(expr.target), ids, quantities, possible, resolve)


def _union(graph: Graph, members: list[Node]) -> BNode:
    node, head = BNode(), BNode()
    Collection(graph, head, members)
    graph.add((node, RDF.type, OWL.Class))
    graph.add((node, OWL.unionOf, head))
    return node



def _restriction(graph: Graph, prop: URIRef, kind: URIRef, value: Node) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, OWL.Restriction))
    graph.add((node, OWL.onProperty, prop))
    graph.add((node, kind, value))
    return node


def define_population(graph: Graph, population_id: str, expr: Expr, ids: IdSpace, quantities: Quantities,
                      resolve: Resolver | None = None) -> URIRef:
    """population owl:equivalentClass (Patient and <rule>), and its possible class; returns the latter."""
    population, possible = ids[population_id], ids.possible(population_id)
    for cls, is_possible in ((population, False), (possible, True)):
        head, node = BNode(), BNode()
        Collection(graph, head, [CG.Patient, compile_rule(graph, expr, ids, quantities, is_possible, resolve)])
        graph.add((node, RDF.type, OWL.Class))
        graph.add((node, OWL.intersectionOf, head))
        graph.add((cls, OWL.equivalentClass, node))
    graph.add((possible, RDF.type, OWL.Class))
    graph.add((possible, CG.possibleMembershipOf, population))
    return possible
