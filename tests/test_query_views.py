"""The query-friendly views of the build (ADR 0010), each checked against the tables it comes from: structured
population criteria (the same parsed rule as the OWL definition), FHIR codings of the mappings, DOI and PubMed
IRIs, and provenance through the document an unretrieved reference was read in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.core.build.knowledge import default_knowledge
from kg.core.query.library import load_query, run_query
from kg.model.identifiers import CRITERION
from kg.model.namespaces import CG, CODE_SYSTEMS, DOI_IRI_BASE, MAPPING_PREFIXES, PROV, PUBMED_IRI_BASE
from kg.model.ontology import Quantities
from kg.model.population import parse
from kg.model.population.criteria import describe
from kg.model.population.grammar import And, Expr, Not, Or, Reference, Threshold, walk
from kg.model.table_specs import TABLES
from tests.package_namespaces import RLS


@pytest.fixture(scope="module")
def built_knowledge():  # type: ignore[no-untyped-def]
    """The packaged build, with the reasoner's entailments (tests/test_packaged_build.py fails while it is stale)."""
    return default_knowledge()


def _tree(graph: Graph, node: URIRef) -> str:
    """Read a criterion tree back into rule text (operands in cg:operandIndex order)."""
    kind = graph.value(node, RDF.type)
    operands = sorted(graph.objects(node, CG.operand), key=lambda o: int(graph.value(o, CG.operandIndex)))
    if kind in (CG.AllOfCriterion, CG.AnyOfCriterion):
        joiner = " and " if kind == CG.AllOfCriterion else " or "
        parts = [(f"( {_tree(graph, o)} )" if graph.value(o, RDF.type) in (CG.AllOfCriterion, CG.AnyOfCriterion)
                  else _tree(graph, o)) for o in operands]
        return joiner.join(parts)
    if kind == CG.NotCriterion:
        return f"not {_tree(graph, operands[0])}"
    if kind == CG.ThresholdCriterion:
        notation = {v: k for k, v in Quantities.of(graph).properties.items()}[graph.value(node, CG.onQuantity)]
        value = format(Decimal(str(graph.value(node, CG.thresholdValue))).normalize(), "f")
        return f"{notation} {graph.value(node, CG.comparator)} {value}"
    target = graph.value(node, CG.criterionTarget)
    return f"{graph.value(node, CG.criterionKeyword)} {graph.value(target, DCTERMS.identifier)}"


def _thresholds(expr: Expr) -> list[Threshold]:
    if isinstance(expr, (And, Or)):
        return [t for item in expr.items for t in _thresholds(item)]
    return [expr] if isinstance(expr, Threshold) else _thresholds(expr.item) if isinstance(expr, Not) else []


def test_every_population_has_its_rule_as_a_criterion_tree(real_graph, real_tables):
    for row in real_tables["populations"]:
        expr = parse(row["definition_expr"])
        population = URIRef(row.namespace + row["population_id"])  # each package's ids live in its namespace
        root = real_graph.value(population, CG.criterion)
        assert root == URIRef(row.namespace + CRITERION + row["population_id"])
        assert _tree(real_graph, root) == describe(expr), row["population_id"]
        assert real_graph.value(root, RDFS.label) == Literal(describe(expr))
        listed = {(real_graph.value(c, CG.onQuantity), str(real_graph.value(c, CG.comparator)),
                   Decimal(str(real_graph.value(c, CG.thresholdValue))))
                  for c in real_graph.objects(population, CG.thresholdCriterion)}
        assert listed == {(Quantities.of(real_graph)[t.quantity], t.op, t.value) for t in _thresholds(expr)}


def test_lab_thresholds_answers_every_threshold_on_a_lab(built_knowledge, real_tables):
    """Each population's own lab thresholds and those of every population its rule names, at any depth."""
    rules = {row["population_id"]: parse(row["definition_expr"]) for row in real_tables["populations"]}
    graph = built_knowledge.graph  # the quantities of the build: the core's and the packages' (ADR 0025)
    labs = {notation for notation, prop in Quantities.of(graph).properties.items()
            if any(str(m).startswith(MAPPING_PREFIXES["LOINC"]) for m in graph.objects(prop, None))}

    def named(pid: str) -> set[str]:
        found = {pid}
        for node in walk(rules[pid]):
            if isinstance(node, Reference) and node.keyword == "population":
                found |= named(node.target)
        return found

    expected = {(pid, owner, t.op, t.value) for pid in rules for owner in named(pid)
                for t in _thresholds(rules[owner]) if t.quantity in labs}
    rows = run_query(load_query("cq/lab-thresholds"), built_knowledge.store)
    assert {(str(r["population"])[len(RLS):], str(r["definedIn"])[len(RLS):], str(r["comparator"]),
             Decimal(str(r["value"]))) for r in rows} == expected
    assert all(r["unit"] is not None and r["loinc"] is not None for r in rows)


def test_every_mapping_in_a_code_system_with_a_canonical_uri_has_its_coding(real_graph, real_tables):
    checked = 0
    for row in real_tables["mappings"]:
        prefix, code = row["object_id"].split(":", 1)
        if prefix in CODE_SYSTEMS:
            target = URIRef(MAPPING_PREFIXES[prefix] + code)
            assert real_graph.value(target, CG.codeSystem) == URIRef(CODE_SYSTEMS[prefix]), row["object_id"]
            assert real_graph.value(target, CG.code) == Literal(code)
            checked += 1
    assert checked > 50


def test_every_doi_and_pmid_is_also_an_iri(real_graph, real_tables):
    for row in real_tables["sources"]:
        source = URIRef(row.namespace + row["source_id"])
        for column, predicate, base in (("doi", CG.doiIri, DOI_IRI_BASE), ("pmid", CG.pubmedIri, PUBMED_IRI_BASE)):
            expected = {URIRef(base + row[column])} if row[column] else set()
            assert set(real_graph.objects(source, predicate)) == expected, (row["source_id"], column)


def test_a_row_citing_an_unretrieved_reference_is_derived_from_the_document_it_was_read_in(real_graph, real_tables):
    cited_in = {row["source_id"]: row["cited_in"] for row in real_tables["sources"] if row["cited_in"]}
    assert cited_in
    rows = 0
    for row_node, source in real_graph.subject_objects(PROV.wasDerivedFrom):
        document = cited_in.get(str(source)[len(RLS):])
        if document is not None:
            assert (row_node, CG.readInDocument, RLS[document]) in real_graph
            rows += 1
    assert rows > 20


def test_ai_only_provenance_lists_exactly_the_rows_whose_sources_are_all_ai(built_knowledge, real_tables):
    ai = {row["source_id"] for row in real_tables["sources"] if row["publication_type"] == "ai-generated-summary"}
    read_in = {row["source_id"]: row["cited_in"] for row in real_tables["sources"] if row["cited_in"]}
    expected = set()
    for spec in TABLES:  # rows that become individuals with an evidence basis (population classes cite dcterms:source)
        if spec.id_column is None or spec.is_class or "basis" not in {c.name for c in spec.columns}:
            continue
        for row in real_tables[spec.name]:
            if {read_in.get(s, s) for s in row.values("source_ids")} <= ai:
                expected.add(row[spec.id_column.name])
    listed = {str(built_knowledge.graph.value(r["row"], DCTERMS.identifier))
              for r in run_query(load_query("cq/ai-only-provenance"), built_knowledge.store)}
    assert expected and listed == expected
