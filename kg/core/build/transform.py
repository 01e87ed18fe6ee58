"""Validated rows -> RDF triples, driven by the column dictionary (kg/model/table_specs.py).

Pure functions: rows in, triples out, no files. Each row becomes one node ``<package namespace><id>``
(an individual, or an OWL class for conditions and populations) that carries its id (``dcterms:identifier``)
and records the table it came from and the sources it was derived from (ADR 0019).
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef

from kg.base.literals import decimal_literal
from kg.core.build.tables import Row, Tables, id_space
from kg.model import population as population_rules
from kg.model.identifiers import IdSpace
from kg.model.namespaces import CG, CODE_SYSTEMS, MAPPING_PREFIXES, PREFIXES
from kg.model.ontology import Quantities, quantities, vocabularies
from kg.model.packages import package_node
from kg.model.population.criteria import emit_criteria
from kg.model.population.grammar import Resolver
from kg.model.table_specs import CLASS_KINDS, MAPPING_PREDICATES, OWL_TYPE_OF_KIND, TABLES, Column, TableSpec

IRI_SAFE = "/:;()._-~!$&'*+,=@"  # characters kept as they are when an identifier becomes an IRI
ROOT_CLASS_OF_KIND = {"condition": CG.Condition, "population": CG.GuidelinePopulation}


def new_graph(tables: Tables | None = None) -> Graph:
    """An empty graph with the project's prefixes and those of the packages *tables* were read from."""
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
    for package in tables.packages if tables is not None else ():
        graph.bind(package.prefix, package.namespace, override=True)
    return graph


def expand_curie(curie: str) -> URIRef:
    """'RXNORM:25480' -> <http://purl.bioontology.org/ontology/RXNORM/25480>."""
    prefix, local = curie.split(":", 1)
    return URIRef(MAPPING_PREFIXES[prefix] + local)


def transform(tables: Tables) -> Graph:
    """All tables -> one graph (the ABox, plus the population and condition classes)."""
    graph = new_graph(tables)
    kinds = _id_kinds(tables)
    ids = id_space(tables)
    rules = {row["population_id"]: population_rules.parse(row["definition_expr"]) for row in tables["populations"]}
    for spec in (spec for spec in TABLES if spec.in_graph):
        for row in tables[spec.name]:
            if spec.id_kind is None:
                add_mapping(graph, row, ids)
            else:
                add_row(graph, spec, row, kinds, ids, rules.__getitem__, tables.vocabularies, tables.quantities)
    for package in {row.package for row in tables["algorithm"]}:
        _link_algorithm_steps(graph, [row for row in tables["algorithm"] if row.package == package], ids)
    return graph


def _id_kinds(tables: Tables) -> dict[str, str]:
    kinds = {}
    for spec in TABLES:
        if spec.id_column is not None:
            for row in tables[spec.name]:
                kinds[row[spec.id_column.name]] = spec.id_kind or ""
    return kinds


def add_row(
    graph: Graph, spec: TableSpec, row: Row, kinds: dict[str, str], ids: IdSpace, resolve: Resolver | None = None,
    vocabs: dict[URIRef, dict[str, URIRef]] | None = None, quants: Quantities | None = None,
) -> URIRef:
    """One row -> triples about its node ``<namespace><id>``; its enumerated values and quantities are those of
    *vocabs* and *quants* (the ontology of the packages built; default: the core's)."""
    vocabs = vocabularies() if vocabs is None else vocabs
    quants = quantities() if quants is None else quants
    assert spec.id_column is not None
    node = ids[row[spec.id_column.name]]
    graph.add((node, DCTERMS.identifier, Literal(row[spec.id_column.name])))
    if row.package:  # which package the row comes from (ADR 0019), e.g. to group options by guideline
        graph.add((node, DCTERMS.isPartOf, package_node(row.package)))
    graph.add((node, RDF.type, OWL_TYPE_OF_KIND[spec.is_class]))
    if spec.rdf_type is not None:
        graph.add((node, RDF.type, spec.rdf_type))
    root = ROOT_CLASS_OF_KIND.get(spec.id_kind or "")
    if root is not None and not row.cells.get("parent_id"):
        graph.add((node, RDFS.subClassOf, root))
    label = row[spec.label_column] if spec.label_column else row[spec.id_column.name]
    graph.add((node, RDFS.label, Literal(label)))
    graph.add((node, CG.sourceTable, Literal(spec.name)))
    for column in spec.columns:
        if row[column.name]:
            _add_cell(graph, node, column, row, kinds, ids, vocabs)
    if spec.id_kind == "condition":
        add_absence_class(graph, row["condition_id"], label, row.values("parent_id"), ids)
    if spec.id_kind == "population":
        expr = population_rules.parse(row["definition_expr"])
        possible = population_rules.define_population(graph, row["population_id"], expr, ids, quants, resolve)
        emit_criteria(graph, row["population_id"], expr, ids, quants)
        for kind, target in population_rules.references(expr):
            if kind == "condition":
                graph.add((node, CG.ruleMentions, ids[target]))
        for target in population_rules.required_populations(expr):
            graph.add((node, CG.requiresPopulation, ids[target]))
        graph.add((possible, RDFS.label, Literal(f"possibly: {label}")))
    return node


def add_absence_class(graph: Graph, condition_id: str, label: str, parents: list[str], ids: IdSpace) -> None:
    """The class of "condition stated absent" individuals for a condition. Absence runs the other way
    from the condition hierarchy: no ESRD implies not on dialysis, so absent(ESRD) is a subclass of
    absent(ESRD on dialysis) (ADR 0005, 'not condition')."""
    absent = ids.absent(condition_id)
    graph.add((absent, RDF.type, OWL.Class))
    graph.add((absent, RDFS.label, Literal(f"no {label} (stated absent)")))
    definition = f"A patient's record that {label} is absent, as stated by the profile."
    graph.add((absent, SKOS.definition, Literal(definition)))
    graph.add((absent, CG.absenceOf, ids[condition_id]))
    graph.add((absent, RDFS.subClassOf, CG.StatedAbsence))
    for parent in parents:
        graph.add((ids.absent(parent), RDFS.subClassOf, absent))


def _add_cell(graph: Graph, node: URIRef, column: Column, row: Row, kinds: dict[str, str], ids: IdSpace,
              vocabs: dict[URIRef, dict[str, URIRef]]) -> None:
    value = row[column.name]
    kind = column.kind
    if kind == "id":
        return
    if kind in ("ref", "refs"):
        for target in row.values(column.name) if kind == "refs" else [value]:
            is_class = kinds.get(target) in CLASS_KINDS
            predicate = column.class_predicate if is_class and column.class_predicate else column.predicate
            if predicate is not None:
                graph.add((node, predicate, ids[target]))
        return
    if column.predicate is None:
        return
    if kind in ("enum", "enums"):
        for item in row.values(column.name) if kind == "enums" else [value]:
            graph.add((node, column.predicate, vocabs[column.vocabulary][item]))  # type: ignore[index]
    elif kind == "number":
        graph.add((node, column.predicate, decimal_literal(value)))
    elif kind in ("integer", "year"):
        graph.add((node, column.predicate, Literal(int(value), datatype=XSD.integer)))
    elif kind == "texts":
        for text in row.values(column.name):
            graph.add((node, column.predicate, Literal(text, datatype=column.datatype)))
    else:  # text, expr
        graph.add((node, column.predicate, Literal(value, datatype=column.datatype)))
        if column.iri_predicate is not None and column.iri_base is not None:
            graph.add((node, column.iri_predicate, URIRef(column.iri_base + quote(value, safe=IRI_SAFE))))


def add_mapping(graph: Graph, row: Row, ids: IdSpace) -> None:
    """A mapping row: subject skos:*Match object, with an OWL axiom annotation for its sources."""
    subject = ids[row["subject_id"]]
    predicate = MAPPING_PREDICATES[row["predicate"]]
    target = expand_curie(row["object_id"])
    graph.add((subject, predicate, target))
    axiom = BNode()
    graph.add((axiom, RDF.type, OWL.Axiom))
    graph.add((axiom, OWL.annotatedSource, subject))
    graph.add((axiom, OWL.annotatedProperty, predicate))
    graph.add((axiom, OWL.annotatedTarget, target))
    for source in row.values("source_ids"):
        graph.add((axiom, DCTERMS.source, ids[source]))
    if row["note"]:
        graph.add((axiom, URIRef("http://www.w3.org/2004/02/skos/core#note"), Literal(row["note"])))


def add_codings(graph: Graph) -> Graph:
    """Every terminology code the graph maps to (a skos:*Match object, from the tables or the ontology) in a
    code system with a canonical URI also gets ``cg:codeSystem <system>`` and ``cg:code "<code>"``: the
    FHIR Coding (system + code) that joins with FHIR resources and Wikidata's identifier properties (ADR 0010)."""
    bases = [(MAPPING_PREFIXES[prefix], URIRef(system)) for prefix, system in CODE_SYSTEMS.items()]
    for predicate in set(MAPPING_PREDICATES.values()):
        for target in set(graph.objects(None, predicate)):
            for base, system in bases:
                if isinstance(target, URIRef) and target.startswith(base) and len(target) > len(base):
                    graph.add((target, CG.codeSystem, system))
                    graph.add((target, CG.code, Literal(target[len(base):])))
    return graph


def _link_algorithm_steps(graph: Graph, rows: list[Row], ids: IdSpace) -> None:
    """The steps of one package's algorithm, in order."""
    ordered = sorted(rows, key=lambda r: int(r["step"]))
    for current, following in zip(ordered, ordered[1:], strict=False):
        graph.add((ids[current["step_id"]], CG.nextStep, ids[following["step_id"]]))
