"""OWL exports: the OWL API loads each with 0 OWL 2 DL profile violations and the same axioms in the three
syntaxes; HermiT finds the RDF/XML one consistent; a graph that is not a complete OWL ontology is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from kg.base.oxigraph_bridge import to_graph
from kg.base.paths import ONTOLOGY_FILE
from kg.export import ExportError, ExportSource, export, source_from_graph
from kg.export.owl import individual_declarations, merge_ontologies, owl_problems
from kg.export.provenance import with_provenance
from kg.export.shared import shared_between_formats
from kg.model.namespaces import ONTOLOGY_IRI
from tests.export import owlapi
from tests.export.conftest import assert_isomorphic

OWL_FORMATS = ("owl-rdfxml", "owl-functional", "owl-xml")
EX = "http://example.org/broken#"
BROKEN_TTL = f"""
@prefix ex: <{EX}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/broken> a owl:Ontology .
ex:Drug a owl:Class ; rdfs:label "drug" .
ex:about a owl:ObjectProperty ; rdfs:label "about" .
ex:statement a owl:NamedIndividual, ex:Drug ; rdfs:label "statement" ;
    ex:about ex:Drug ;          # a class used as an individual, not declared one
    ex:undeclared "x" .         # a property nobody declared
"""


def rdfxml_file(path: Path) -> Graph:
    """Parsed by Oxigraph (rdflib's RDF/XML parser takes 10x longer)."""
    import pyoxigraph as ox

    return to_graph(ox.parse(path=str(path), format=ox.RdfFormat.RDF_XML))


@pytest.fixture(scope="session")
def owl_files(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("owl")
    with shared_between_formats():  # the ontology made once for its three syntaxes, as kg release makes it
        return {name: export(build_source, name, folder / name) for name in OWL_FORMATS}


@pytest.fixture(scope="session")
def owlapi_reports(owl_files: dict[str, Path], java: str,  # type: ignore[no-untyped-def]
                   tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("owlapi")
    broken = folder / "broken.owl"
    broken.write_text(Graph().parse(data=BROKEN_TTL, format="turtle").serialize(format="xml"), encoding="utf-8")
    reports = owlapi.check(java, [*owl_files.values(), broken], folder)
    return {name: reports[path] for name, path in owl_files.items()} | {"broken": reports[broken]}


@pytest.mark.reasoner
@pytest.mark.parametrize("name", OWL_FORMATS)
def test_the_owl_api_loads_every_owl_export_with_no_dl_profile_violation(name: str, owlapi_reports) -> None:  # type: ignore[no-untyped-def]
    report = owlapi_reports[name]
    assert report.violations == 0, report.violation_texts
    assert report.unparsed_triples == 0
    assert report.logical_axioms > 1000


@pytest.mark.reasoner
def test_the_three_owl_syntaxes_hold_the_same_axioms(owlapi_reports) -> None:  # type: ignore[no-untyped-def]
    digests = {name: owlapi_reports[name].axioms_sha256 for name in OWL_FORMATS}
    assert len(set(digests.values())) == 1, digests
    assert owlapi_reports["broken"].axioms_sha256 != digests["owl-rdfxml"]


@pytest.mark.reasoner
def test_the_dl_profile_check_can_fail(owlapi_reports) -> None:  # type: ignore[no-untyped-def]
    broken = owlapi_reports["broken"]
    assert broken.violations > 0
    assert any("undeclared" in text.lower() for text in broken.violation_texts), broken.violation_texts


@pytest.mark.reasoner
def test_hermit_finds_the_owl_export_consistent(owl_files: dict[str, Path]) -> None:
    from kg.model.reasoning import is_consistent

    assert is_consistent(rdfxml_file(owl_files["owl-rdfxml"]))
    nothing = Graph().parse(data=BROKEN_TTL, format="turtle")  # the same check fails on an inconsistent ontology
    nothing.add((URIRef(EX + "statement"), RDF.type, OWL.Nothing))
    assert not is_consistent(nothing)


def test_the_owl_rdfxml_export_is_the_graph_its_provenance_and_declarations_in_one_ontology(
        build_source: ExportSource, owl_files: dict[str, Path]) -> None:
    """Round trip: the graph and its provenance, the ontology headers merged into one (the content's, which
    refers to the ontology's version), and the owl:NamedIndividual declarations it lacked."""
    written = rdfxml_file(owl_files["owl-rdfxml"])
    headers = set(build_source.graph.subjects(RDF.type, OWL.Ontology))
    assert len(headers) > 1 and len(set(written.subjects(RDF.type, OWL.Ontology))) == 1
    expected = merge_ontologies(with_provenance(build_source))
    expected += individual_declarations(expected)
    assert_isomorphic(written, expected)
    assert owl_problems(expected) == []


def test_an_incomplete_ontology_is_refused_with_every_problem_named(tmp_path: Path) -> None:
    source = source_from_graph(Graph().parse(data=BROKEN_TTL, format="turtle"))
    for name in OWL_FORMATS:
        with pytest.raises(ExportError) as error:
            export(source, name, tmp_path / name)
        message = str(error.value)
        assert f"individual <{EX}Drug>" in message and f"property <{EX}undeclared>" in message
        assert not (tmp_path / name).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_unlabelled_class_and_an_unresolvable_import_are_refused(tmp_path: Path) -> None:
    graph = Graph().parse(data=BROKEN_TTL, format="turtle")
    graph.remove((URIRef(EX + "statement"), URIRef(EX + "undeclared"), None))
    graph.remove((URIRef(EX + "statement"), URIRef(EX + "about"), None))
    assert owl_problems(graph) == []
    graph.remove((URIRef(EX + "Drug"), RDFS.label, Literal("drug")))
    assert owl_problems(graph) == [f"owl:Class <{EX}Drug>: no rdfs:label (rule: Protege shows every class, "
                                   "property and individual by its label)"]
    graph.add((URIRef(EX + "Drug"), RDFS.label, Literal("drug")))
    graph.add((URIRef("http://example.org/broken"), OWL.imports, URIRef("http://example.org/elsewhere")))
    with pytest.raises(ExportError, match="owl:imports http://example.org/elsewhere: not in the graph"):
        export(source_from_graph(graph), "owl-rdfxml", tmp_path / "x.owl")
    assert not (tmp_path / "x.owl").exists()


def test_an_iri_used_only_as_an_individual_is_declared_one(tmp_path: Path) -> None:
    graph = Graph().parse(data=BROKEN_TTL, format="turtle")
    graph.remove((URIRef(EX + "statement"), URIRef(EX + "undeclared"), None))
    graph.remove((URIRef(EX + "statement"), URIRef(EX + "about"), None))
    graph.add((URIRef(EX + "statement"), URIRef(EX + "about"), URIRef(EX + "other")))  # used, declared as nothing
    graph.add((URIRef(EX + "other"), RDFS.label, Literal("other")))
    graph.parse(ONTOLOGY_FILE)  # declares the PROV-O terms of the provenance triples
    graph.remove((ONTOLOGY_IRI, RDF.type, OWL.Ontology))  # one ontology header
    written = rdfxml_file(export(source_from_graph(graph), "owl-rdfxml", tmp_path / "x.owl"))
    assert (URIRef(EX + "other"), RDF.type, OWL.NamedIndividual) in written
