"""RDF exports (Turtle, N-Triples, RDF/XML, JSON-LD): each re-parses isomorphic to the graph plus the triples
about the export (kg.export.provenance); JSON-LD through pyld's expansion too, with its shipped context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.base.oxigraph_bridge import parse_file
from kg.base.paths import JSONLD_CONTEXT_FILE, ONTOLOGY_FILE
from kg.export import FORMATS, ExportError, ExportSource, Provenance, export, source_from_graph
from kg.export.context import context_bytes
from kg.export.jsonld import CONTEXT_NAME, DOCUMENT_NAME
from kg.export.provenance import export_iri, provenance_graph, with_provenance
from tests.export.conftest import assert_isomorphic, canonical_lines

RDF_FILES = ("turtle", "ntriples", "rdfxml")  # re-parsed by Oxigraph's parsers (rdflib's take 10x longer)


@pytest.fixture(scope="session")
def expected(build_source: ExportSource) -> frozenset[bytes]:
    """The graph and its provenance, canonicalised once for the five exports compared with it."""
    return frozenset(canonical_lines(with_provenance(build_source)))


@pytest.fixture(scope="session")
def jsonld_folder(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(build_source, "jsonld", tmp_path_factory.mktemp("jsonld") / FORMATS["jsonld"].default_name)


@pytest.mark.parametrize("name", sorted(RDF_FILES))
def test_rdf_file_exports_reparse_as_the_graph_and_its_provenance(name: str, build_source: ExportSource,
                                                                   expected: frozenset[bytes], tmp_path: Path) -> None:
    path = export(build_source, name, tmp_path / FORMATS[name].default_name)
    assert_isomorphic(parse_file(path), expected)


def test_provenance_names_the_build_hash_tool_ontology_version_and_sources(build_source: ExportSource) -> None:
    prov = build_source.provenance
    text = provenance_graph(prov).serialize(format="nt")
    assert f"nih:sha-256;{prov.graph_sha256}" in text and prov.generated_by in text
    assert all(f"<{iri}>" in text for iri in (*prov.version_iris, *prov.sources))
    assert str(export_iri(prov)).endswith(prov.graph_sha256)


def test_jsonld_reparses_with_rdflib(jsonld_folder: Path, expected: frozenset[bytes]) -> None:
    assert_isomorphic(Graph().parse(jsonld_folder / DOCUMENT_NAME, format="json-ld"), expected)


def test_jsonld_expands_with_pyld_with_no_options(jsonld_folder: Path, expected: frozenset[bytes]) -> None:
    """The context is embedded: a plain ``jsonld.expand(doc)`` (no base IRI, no document loader, no network)
    gives the graph."""
    from pyld import jsonld

    document = json.loads((jsonld_folder / DOCUMENT_NAME).read_text(encoding="utf-8"))
    expanded = jsonld.expand(document)
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    assert_isomorphic(Graph().parse(data=nquads, format="nt"), expected)


def test_jsonld_ships_its_context_and_reads_as_plain_json(jsonld_folder: Path, build_source: ExportSource) -> None:
    assert (jsonld_folder / CONTEXT_NAME).read_bytes() == JSONLD_CONTEXT_FILE.read_bytes()
    document = json.loads((jsonld_folder / DOCUMENT_NAME).read_text(encoding="utf-8"))
    assert document["@context"] == json.loads(JSONLD_CONTEXT_FILE.read_bytes())["@context"]  # embedded
    graded = [n for n in document["@graph"] if "cg:GradedRecommendation" in n.get("@type", [])
              and n.get("strength") == "strong"]
    assert graded, "no strong graded recommendation read as 'strength': 'strong'"
    one = graded[0]
    assert one["population"].startswith("rls:") and one["agent"].startswith("rls:")
    assert one["certainty"] in {"high", "moderate", "low", "very-low", "unconfirmed", "not-graded"}
    sources = one["sources"] if isinstance(one["sources"], list) else [one["sources"]]
    assert all("cg:SourceDocument" in s["@type"] and "title" in s for s in sources)  # the evidence inside


def test_the_shipped_context_is_generated_from_the_ontology(build_source: ExportSource) -> None:
    assert JSONLD_CONTEXT_FILE.read_bytes() == context_bytes(build_source.graph), (
        "ontology/context.jsonld is stale: python -m kg.export.context")


def test_jsonld_export_is_byte_identical_twice(build_source: ExportSource, jsonld_folder: Path,
                                               tmp_path: Path) -> None:
    again = export(build_source, "jsonld", tmp_path / "again")
    assert sorted(p.name for p in again.iterdir()) == [CONTEXT_NAME, DOCUMENT_NAME]
    for name in (CONTEXT_NAME, DOCUMENT_NAME):
        assert (again / name).read_bytes() == (jsonld_folder / name).read_bytes()


@pytest.mark.parametrize("name", ["turtle", "ntriples", "rdfxml", "jsonld"])
def test_an_iri_no_syntax_can_carry_is_refused_and_nothing_written(name: str, tmp_path: Path) -> None:
    graph = Graph()
    graph.add((URIRef("http://example.org/a b"), URIRef("http://example.org/p"), URIRef("http://example.org/c")))
    source = ExportSource(graph, Provenance("0" * 64, (), (), ()))  # source_from_graph cannot even hash it
    with pytest.raises(ExportError, match="http://example.org/a b"):
        export(source, name, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_rdfxml_refuses_a_predicate_that_is_no_xml_name(tmp_path: Path) -> None:
    graph = Graph()
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/123"), URIRef("http://example.org/c")))
    with pytest.raises(ExportError, match="http://example.org/123"):
        export(source_from_graph(graph), "rdfxml", tmp_path / "out.rdf")
    assert list(tmp_path.iterdir()) == []


ODD_GRAPH = """
@prefix ex: <http://example.org/odd#> .
@prefix cg: <https://w3id.org/cgkg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
ex:s cg:publicationYear "0207"^^xsd:integer, 2024, 123456789012345678901234 ;
    cg:inForce "1"^^xsd:boolean, true ;
    cg:doseValue 1.50, "1.5e0"^^xsd:double ;
    cg:strength cg:StrengthStrong, ex:not-a-strength ;
    cg:aboutAgent "a literal where the context says IRI" ;
    ex:label "lang"@en-GB, "typed"^^ex:custom, "line\\rbreak" ;
    ex:list ( ex:a [ ex:p ex:b ] 1 ) ;
    ex:shared _:twice ; ex:other _:twice ;
    prov:wasDerivedFrom ex:source ;
    <http://other.example/no-prefix> <http://other.example/x> .
ex:source ex:title "a source" .
_:c1 ex:next _:c2 . _:c2 ex:next _:c1 .
"""


@pytest.mark.parametrize("name", ["jsonld", "rdfxml", "turtle", "ntriples"])
def test_odd_literals_and_blank_nodes_round_trip(name: str, tmp_path: Path) -> None:
    """Non-canonical numbers, values outside a term's vocabulary, language tags, lists, shared and cyclic blank
    nodes: compacted with the ontology's context, each must come back as the same triples."""
    from pyld import jsonld

    graph = Graph().parse(ONTOLOGY_FILE, format="turtle")  # the ontology, so the context has its terms
    source = source_from_graph(graph.parse(data=ODD_GRAPH, format="turtle"))
    expected = with_provenance(source)
    path = export(source, name, tmp_path / FORMATS[name].default_name)
    if name != "jsonld":
        assert_isomorphic(parse_file(path), expected)
        return
    assert_isomorphic(Graph().parse(path / DOCUMENT_NAME, format="json-ld"), expected)
    document = json.loads((path / DOCUMENT_NAME).read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(jsonld.expand(document), {"format": "application/n-quads"})
    assert_isomorphic(Graph().parse(data=nquads, format="nt"), expected)
