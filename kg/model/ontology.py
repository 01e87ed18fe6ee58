"""Enumerated vocabularies of the ontology, read from ontology/cgkg.ttl (the one source of truth
for allowed values: the table validator, the population grammar and the transforms use it)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from kg.base.paths import ONTOLOGY_FILE
from kg.model.namespaces import CG


@cache
def ontology_graph(ontology_file: Path = ONTOLOGY_FILE) -> Graph:
    """The ontology file as an rdflib graph (parsed by pyoxigraph: several times faster)."""
    from kg.base.oxigraph_bridge import parse_file

    return parse_file(ontology_file)


@cache
def vocabularies(ontology_file: Path = ONTOLOGY_FILE) -> dict[URIRef, dict[str, URIRef]]:
    """For each vocabulary class: notation -> term (individuals of it, or subclasses of it)."""
    graph = ontology_graph(ontology_file)
    result: dict[URIRef, dict[str, URIRef]] = {}
    for term, notation in graph.subject_objects(SKOS.notation):
        owners = set(graph.objects(term, RDF.type))
        owners |= set(graph.transitive_objects(term, RDFS.subClassOf)) - {term}
        for owner in owners:
            result.setdefault(owner, {})[str(notation)] = term
    return result



def quantities() -> dict[str, URIRef]:
    """Patient quantities of the population grammar: notation -> datatype property (lab values, age)."""
    return dict(vocabularies()[OWL.DatatypeProperty])


@cache
def unknown_value_classes() -> dict[URIRef, URIRef]:
    """Datatype property -> the class of patients whose value of it is unknown."""
    graph = ontology_graph()
    return {prop: cls for cls, prop in graph.subject_objects(CG.unknownValueOf)}  # type: ignore[misc]
