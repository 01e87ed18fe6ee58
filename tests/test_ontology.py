"""The ontology: metadata, labels and definitions, and the generated namespace module."""

from __future__ import annotations

from rdflib import DCTERMS, OWL, RDF, Graph

from kg.base.paths import ONTOLOGY_FILE
from kg.model.namespaces import CG, ONTOLOGY_IRI, ontology_terms


def test_namespace_module_matches_the_ontology():
    generated = sorted(name for name in CG.__annotations__)
    assert generated == ontology_terms(), "regenerate kg/model/namespaces.py: python -m kg.model.namespaces"


def test_ontology_has_title_description_license_and_version_iri():
    graph = Graph().parse(ONTOLOGY_FILE)
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, OWL.versionIRI):
        assert graph.value(ONTOLOGY_IRI, predicate) is not None, predicate


def test_typo_in_a_term_fails_at_import_time():
    import pytest

    with pytest.raises(AttributeError):
        CG.Recomendation  # noqa: B018


def test_each_term_is_a_plain_attribute_with_the_namespace_iri():
    """The terms are set as class attributes (read in hot loops without the metaclass's lookup): each is the IRI the
    namespace gives, an IRI of the namespace, and the set of terms is still exactly the generated one."""
    from rdflib import URIRef

    for name in CG.__annotations__:
        term = vars(CG)[name]
        assert isinstance(term, URIRef) and term == CG._NS[name] and term in CG, name
    assert "Recomendation" not in vars(CG) and "Recomendation" not in CG
