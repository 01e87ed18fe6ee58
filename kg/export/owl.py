"""OWL exports for Protege and the OWL tools: one RDF/XML file holding ontology + knowledge, and the same
ontology in OWL functional syntax and OWL/XML (py-horned-owl: no JVM).

The OWL graph is the RDF export's graph (asserted graph + provenance triples, kg.export.provenance) made one
self-contained OWL 2 DL ontology: ontologies contained in the graph are merged into the one no other imports or
refers to (their ``owl:imports`` removed; an import of an ontology the graph does not hold is refused, never
fetched); IRIs used only as individuals get their ``owl:NamedIndividual`` declaration
(:func:`individual_declarations`); and it is refused unless every property and class is declared, nothing is
punned and every entity a user browses has a label (:func:`owl_problems`). ``tests/export/test_owl.py`` checks
the files with the OWL API (0 OWL 2 DL profile violations, the same axioms in the three syntaxes) and HermiT
(consistent).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate

from kg.export.errors import ExportError
from kg.export.provenance import provenance_graph, with_provenance
from kg.export.rdf import canonical_triples, rdfxml_bytes
from kg.export.shared import shared
from kg.export.source import ExportSource
from kg.model.namespaces import PREFIXES

RESERVED = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))  # the OWL 2 reserved vocabulary
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
LABELLED_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
MAX_SHOWN = 10


def owl_triples(source: ExportSource) -> list[ox.Triple]:
    """The graph and its provenance as one self-contained OWL 2 DL ontology (canonical triples), or an
    ExportError naming every problem."""
    parts = [source.graph, provenance_graph(source.provenance)]
    if (None, OWL.imports, None) in source.graph or len(set(source.graph.subjects(RDF.type, OWL.Ontology))) != 1:
        parts = [merge_ontologies(with_provenance(source))]
    parts.append(individual_declarations(ReadOnlyGraphAggregate(parts) if len(parts) > 1 else parts[0]))
    problems = owl_problems(ReadOnlyGraphAggregate(parts))
    if problems:
        shown = "; ".join(problems[:MAX_SHOWN])
        more = f"; and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        raise ExportError(f"the graph is not a complete OWL 2 DL ontology: {shown}{more}")
    return canonical_triples(*parts)


def merge_ontologies(graph: Graph) -> Graph:
    """One ontology: the root keeps its header; the other headers (imported by it or referred to) become plain
    IRIs with their annotations; owl:imports removed."""
    headers = sorted(o for o in graph.subjects(RDF.type, OWL.Ontology) if isinstance(o, URIRef))
    imported = set(graph.objects(None, OWL.imports))
    missing = sorted(str(o) for o in imported if o not in headers)
    if missing:
        raise ExportError(f"owl:imports {', '.join(missing)}: not in the graph, and an export never fetches one "
                          "(rule: every imported ontology is part of the exported graph)")
    roots = [o for o in headers if not _referenced(graph, o, headers)]
    if len(roots) != 1:
        raise ExportError(f"ontology headers {', '.join(map(str, roots)) or '(none)'}: an OWL export needs exactly "
                          "one owl:Ontology that no other imports or refers to (the one the others are merged into)")
    for triple in list(graph.triples((None, OWL.imports, None))):
        graph.remove(triple)
    for header in headers:
        if header != roots[0]:  # merged: its annotations stay as annotations of its IRI
            graph.remove((header, RDF.type, OWL.Ontology))
            graph.remove((header, OWL.versionIRI, None))
    return graph


def individual_declarations(graph: Graph) -> Graph:
    """``owl:NamedIndividual`` declarations of the IRIs the graph uses as individuals (typed with one of its
    classes, or linked by an object or data property) and declares as nothing: completing them is safe, an
    IRI in individual position can be nothing else. An IRI declared a class or a property stays undeclared
    as an individual and is refused by :func:`owl_problems` (nothing is punned)."""
    declared = _declared(graph)
    others = set().union(*(declared[k] for k in (*PROPERTY_KINDS, OWL.Class, RDFS.Datatype, OWL.NamedIndividual)))
    completed = Graph()
    for individual in _individuals(graph, declared) - others:
        completed.add((individual, RDF.type, OWL.NamedIndividual))
    return completed


def _declared(graph: Graph) -> dict[URIRef, set[URIRef]]:
    return {kind: {s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}
            for kind in (*PROPERTY_KINDS, OWL.Class, RDFS.Datatype, OWL.NamedIndividual)}


def _referenced(graph: Graph, header: URIRef, headers: list[URIRef]) -> bool:
    """Whether another header imports this one or refers to it or its version IRI (e.g. the data graph's
    ``dcterms:conformsTo`` the ontology version it was built on)."""
    names = {header, *graph.objects(header, OWL.versionIRI)}
    return any(o in names for other in headers if other != header for o in graph.objects(other, None))


def owl_problems(graph: Graph) -> list[str]:
    """What keeps the graph from loading as a complete OWL 2 DL ontology in Protege: undeclared properties and
    classes, a property of two kinds, a class or property used as an individual, a class, property or
    individual without rdfs:label.
    (The OWL API's profile check in the tests is the full check; this one needs no JVM.)"""
    declared = _declared(graph)
    problems: list[str] = []
    for predicate in sorted({p for p in graph.predicates() if not _reserved(p)}):
        kinds = [k for k in PROPERTY_KINDS if predicate in declared[k]]
        if len(kinds) != 1:
            problems.append(f"property <{predicate}>: declared as {_names(kinds) or 'nothing'} "
                            "(rule: every property used is declared as exactly one kind)")
    for cls in sorted({o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef) and not _reserved(o)}):
        if cls not in declared[OWL.Class]:
            problems.append(f"class <{cls}>: used as a type, not declared owl:Class "
                            "(rule: every class used is declared)")
    individuals = _individuals(graph, declared)
    for individual in sorted(individuals - declared[OWL.NamedIndividual]):
        problems.append(f"individual <{individual}>: used as an individual, declared as a class or property "
                        "(rule: nothing is punned; a class is not an individual)")
    for kind in LABELLED_KINDS:
        for entity in sorted(declared[kind]):
            if not _reserved(entity) and (entity, RDFS.label, None) not in graph:
                problems.append(f"{_names([kind])} <{entity}>: no rdfs:label (rule: Protege shows every class, "
                                "property and individual by its label)")
    return problems


def _individuals(graph: Graph, declared: dict[URIRef, set[URIRef]]) -> set[URIRef]:
    """IRIs in individual position: typed with a class of the graph, or linked by an object or data property."""
    found = {s for s, o in graph.subject_objects(RDF.type) if isinstance(s, URIRef) and o in declared[OWL.Class]}
    for prop in declared[OWL.ObjectProperty] | declared[OWL.DatatypeProperty]:
        for s, o in graph.subject_objects(prop):
            found |= {n for n in (s, o) if isinstance(n, URIRef)}
    return found


def _reserved(iri: URIRef) -> bool:
    return str(iri).startswith(RESERVED)


def _names(kinds: list[URIRef]) -> str:
    return " and ".join(f"owl:{str(k).rsplit('#', 1)[1]}" for k in kinds)


@shared
def owl_rdfxml(source: ExportSource) -> bytes:
    """The OWL ontology as RDF/XML (the owl-rdfxml export; horned-owl reads it for the other two syntaxes)."""
    return rdfxml_bytes(owl_triples(source))


def write_owl_rdfxml(source: ExportSource, path: Path) -> None:
    path.write_bytes(owl_rdfxml(source))


def _horned(source: ExportSource, serialization: str) -> bytes:
    import pyhornedowl

    ontology = pyhornedowl.open_ontology_from_string(owl_rdfxml(source).decode("utf-8"), "rdf")
    if serialization == "ofn":  # horned-owl 2.0 writes prefixed names into OWL/XML IRI="..." attributes: no prefixes
        for prefix, iri in sorted(PREFIXES.items()):
            if iri not in RESERVED:
                ontology.add_prefix_mapping(prefix, iri)
    return ontology.save_to_string(serialization).encode("utf-8")


def write_owl_functional(source: ExportSource, path: Path) -> None:
    path.write_bytes(_horned(source, "ofn"))


def write_owl_xml(source: ExportSource, path: Path) -> None:
    path.write_bytes(_horned(source, "owx"))
