"""The property-graph projection and its formats (GraphML, Neo4j CSV) and the SSSOM mapping set, each read back by
its own ecosystem's reader (networkx, the neo4j-admin header grammar, sssom-py) and compared with the graph."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.core.build.header import DATA_IRI
from kg.export import FORMATS, ExportError, ExportSource, export
from kg.export.neo4j import ARRAY_DELIMITER
from kg.export.projection import PropertyGraph, project
from kg.export.sssom import JUSTIFICATION
from kg.model.curies import compact
from kg.model.namespaces import CG
from tests.export.conftest import edited
from tests.export.neo4j_header import header_errors, parse_cell, split_field
from tests.package_namespaces import RLS

GABAPENTIN = RLS["gabapentin"]
HOSTILE = 'gaba, "pentin"\nsecond\tline; third|part #4'


@pytest.fixture(scope="module")
def projection(build_source: ExportSource) -> PropertyGraph:
    return project(build_source)


@pytest.fixture(scope="module")
def written(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("graphs")
    return {name: export(build_source, name, folder / FORMATS[name].default_name)
            for name in ("graphml", "neo4j", "sssom")}


def _copy(source: ExportSource, drop: list[tuple] = (), add: list[tuple] = ()) -> ExportSource:  # type: ignore[assignment]
    return edited(source, add=add, remove=drop)


# --- the projection -------------------------------------------------------------------------------------------


def test_projection_nodes_and_edges_are_the_curated_links(build_source: ExportSource,
                                                          projection: PropertyGraph) -> None:
    g = build_source.graph
    curated = {s for s in g.subjects(CG.sourceTable, None)}
    expected_edges = {(s, p, o) for s in curated for p, o in g.predicate_objects(s)
                      if o in curated and p not in (RDF.type, CG.fallsUnder) and not (p == RDFS.subClassOf and o == s)}
    assert len(projection.nodes) == len(curated) > 700
    assert len(projection.edges) == len(expected_edges) > 2000
    predicates = {e.predicate for e in projection.edges}
    assert not predicates & {"rdf:first", "rdf:rest", "owl:onProperty", "owl:annotatedSource", "cg:fallsUnder"}
    assert all(n.label.strip() and n.types and not n.id.startswith("_:") for n in projection.nodes)


def test_statement_nodes_carry_direction_strength_certainty(build_source: ExportSource,
                                                            projection: PropertyGraph) -> None:
    g = build_source.graph
    statements = sorted(set(g.subjects(CG.direction, None)))
    assert len(statements) > 100
    for iri in statements:
        node = projection.node(compact(iri))  # in the namespace of its package (RLS or insomnia)
        for prop in ("direction", "strength", "certainty"):
            value = g.value(iri, CG[prop])
            assert node.attribute(prop) == (str(g.value(value, SKOS.notation)),), (node.id, prop)


def test_a_drug_node_has_its_type_codes_and_class_edge(projection: PropertyGraph) -> None:
    node = projection.node("rls:gabapentin")
    assert node.types == ("cg:Drug", "cg:TreatmentOption")
    assert "RXNORM:25480" in node.attribute("exactMatch")
    assert any(e.subject == "rls:gabapentin" and e.predicate == "cg:memberOfDrugClass" for e in projection.edges)


def test_projection_is_deterministic(build_source: ExportSource, projection: PropertyGraph) -> None:
    assert project(build_source) == projection


# --- GraphML ----------------------------------------------------------------------------------------------------


def test_graphml_reloads_with_the_projection_counts_and_attributes(written: dict[str, Path],
                                                                   projection: PropertyGraph) -> None:
    g = nx.read_graphml(written["graphml"], force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(projection.nodes), len(projection.edges))
    assert all({"iri", "label", "type", "kind"} <= set(data) for _, data in g.nodes(data=True))
    assert all({"predicate", "label"} <= set(data) for _, _, data in g.edges(data=True))
    recommendations = [d for _, d in g.nodes(data=True) if "cg:GradedRecommendation" in d["type"]]
    assert recommendations and all({"direction", "strength", "certainty"} <= set(d) for d in recommendations)
    assert g.graph["graph_sha256"] == projection.provenance.graph_sha256
    assert {"version_iri", "generated_by", "sources"} <= set(g.graph)


def test_graphml_uses_only_the_types_gephi_and_cytoscape_read(written: dict[str, Path]) -> None:
    keys = ET.parse(written["graphml"]).getroot().findall("{http://graphml.graphdrawing.org/xmlns}key")
    assert keys and {k.get("attr.type") for k in keys} <= {"string", "long", "double", "boolean"}


# --- Neo4j ------------------------------------------------------------------------------------------------------


def _read_neo4j(folder: Path) -> nx.MultiDiGraph:
    """Load the CSV set the way neo4j-admin reads it (header grammar checked first) into networkx."""
    g = nx.MultiDiGraph()
    files = sorted(folder.glob("*.csv"))
    for path in sorted(files, key=lambda p: not p.name.startswith("nodes-")):
        kind = "nodes" if path.name.startswith("nodes-") else "relationships"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert header_errors(rows[0], kind) == [], path.name
        fields = [split_field(f) for f in rows[0]]
        for row in rows[1:]:
            assert len(row) == len(fields), path.name
            values = {(name or kind_): parse_cell(cell, kind_, array, ARRAY_DELIMITER)
                      for (name, kind_, array), cell in zip(fields, row, strict=True)}
            if kind == "nodes":
                node_id = row[[k for _, k, _ in fields].index("ID")]
                assert node_id not in g, f"duplicate id {node_id}"
                g.add_node(node_id, **{k: v for k, v in values.items() if v is not None})
            else:
                start, end = values["START_ID"], values["END_ID"]
                assert start in g and end in g, (path.name, start, end)
                g.add_edge(start, end, **values)
    return g


def test_neo4j_csv_follows_the_import_header_grammar_and_loads_with_the_projection_counts(
        written: dict[str, Path], projection: PropertyGraph) -> None:
    g = _read_neo4j(written["neo4j"])
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(projection.nodes), len(projection.edges))
    node = g.nodes["rls:gabapentin"]
    assert node["name"] == "gabapentin" and "Drug" in node["LABEL"].split(";")
    assert isinstance(node["exactMatch"], list) and "RXNORM:25480" in node["exactMatch"]
    step = next(d for _, d in g.nodes(data=True) if "stepNumber" in d)
    assert isinstance(step["stepNumber"], int)


def test_neo4j_scripts_name_every_file(written: dict[str, Path]) -> None:
    folder = written["neo4j"]
    script, cypher = (folder / "import.sh").read_text(), (folder / "load.cypher").read_text()
    assert "neo4j-admin database import full" in script and (folder / "README.txt").is_file()
    for path in folder.glob("*.csv"):
        option = "--nodes" if path.name.startswith("nodes-") else "--relationships"
        assert script.count(f"{option}={path.name} ") == 1, path.name
        assert cypher.count(f"'file:///{path.name}'") == 1, path.name


def test_neo4j_export_is_byte_identical_twice(build_source: ExportSource, tmp_path: Path) -> None:
    one, two = export(build_source, "neo4j", tmp_path / "one"), export(build_source, "neo4j", tmp_path / "two")
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    assert all((one / n).read_bytes() == (two / n).read_bytes() for n in names)


@pytest.mark.parametrize(("fields", "kind", "problem"), [
    (["id:ID", ":ID(Other)", "name"], "nodes", "exactly one :ID"),
    (["id:ID", "rank:integer"], "nodes", "unknown type"),
    (["id:ID", "name", "name:string"], "nodes", "twice"),
    ([":START_ID", ":END_ID", "weight:double"], "relationships", "exactly one :TYPE"),
    ([":START_ID", ":END_ID", ":TYPE", ":LABEL"], "relationships", "must not have :LABEL"),
    (["id:ID", ":LABEL[]"], "nodes", "cannot be an array"),
])
def test_the_header_checker_catches_bad_headers(fields: list[str], kind: str, problem: str) -> None:
    assert any(problem in e for e in header_errors(fields, kind)), header_errors(fields, kind)


# --- hostile and broken graphs ----------------------------------------------------------------------------------


def _tiny(label: str) -> ExportSource:
    from kg.export import source_from_graph

    g = Graph()
    drug, cls = RLS["tiny-drug"], RLS["tiny-class"]
    for node, kind, row_label in ((drug, CG.Drug, label), (cls, CG.DrugClass, "tiny class")):
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, kind))
        g.add((node, RDFS.label, Literal(row_label)))
        g.add((node, CG.sourceTable, Literal("interventions")))
    g.add((drug, CG.memberOfDrugClass, cls))
    g.add((drug, SKOS.altLabel, Literal(label)))
    g.add((drug, SKOS.exactMatch, URIRef("http://purl.bioontology.org/ontology/RXNORM/25480")))
    ontology = URIRef("https://example.org/tiny")
    g.add((ontology, RDF.type, OWL.Ontology))
    g.add((ontology, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((ontology, OWL.versionInfo, Literal("0.0.1")))
    return source_from_graph(g)


def test_a_hostile_label_survives_csv_graphml_and_sssom(tmp_path: Path) -> None:
    source = _tiny(HOSTILE)
    g = _read_neo4j(export(source, "neo4j", tmp_path / "neo4j"))
    assert g.nodes["rls:tiny-drug"]["name"] == HOSTILE and g.number_of_edges() == 1
    again = nx.read_graphml(export(source, "graphml", tmp_path / "x.graphml"), force_multigraph=True)
    assert again.nodes["rls:tiny-drug"]["label"] == HOSTILE
    msdf = _validated(export(source, "sssom", tmp_path / "m.sssom.tsv"))
    assert list(msdf.df.subject_label) == [HOSTILE] and list(msdf.df.object_id) == ["RXNORM:25480"]


def test_a_value_without_notation_or_label_is_an_error_naming_it(build_source: ExportSource,
                                                                  tmp_path: Path) -> None:
    broken = _copy(build_source, drop=[(CG.StrengthStrong, SKOS.notation, None), (CG.StrengthStrong, RDFS.label, None)])
    with pytest.raises(ExportError, match="cg:StrengthStrong: no skos:notation or rdfs:label"):
        export(broken, "graphml", tmp_path / "x.graphml")
    assert list(tmp_path.iterdir()) == []


def test_an_array_value_with_the_delimiter_is_refused(tmp_path: Path) -> None:
    source = _tiny("plain")
    source.graph.add((RLS["tiny-drug"], SKOS.altLabel, Literal("second|name")))
    with pytest.raises(ExportError, match="array delimiter"):
        export(source, "neo4j", tmp_path / "neo4j")
    assert not (tmp_path / "neo4j").exists()


@pytest.mark.parametrize("name", ["graphml", "neo4j"])
def test_a_node_without_label_is_an_error_naming_it(name: str, build_source: ExportSource, tmp_path: Path) -> None:
    broken = _copy(build_source, drop=[(GABAPENTIN, RDFS.label, None)])
    with pytest.raises(ExportError, match="rls:gabapentin: no rdfs:label"):
        export(broken, name, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_graph_without_curated_nodes_is_an_error(tmp_path: Path) -> None:
    from kg.export import source_from_graph

    with pytest.raises(ExportError, match="no curated node"):
        export(source_from_graph(Graph()), "neo4j", tmp_path / "neo4j")
    assert list(tmp_path.iterdir()) == []


def test_an_unmapped_drug_is_a_node_without_codes_and_no_sssom_row(build_source: ExportSource,
                                                                   tmp_path: Path) -> None:
    matches = [(GABAPENTIN, p, None) for p in (SKOS.exactMatch, SKOS.closeMatch)]
    broken = _copy(build_source, drop=matches)
    node = project(broken).node("rls:gabapentin")
    assert node.attribute("exactMatch") == () and node.attribute("closeMatch") == ()
    msdf = _validated(export(broken, "sssom", tmp_path / "m.sssom.tsv"))
    assert "rls:gabapentin" not in set(msdf.df["subject_id"])


# --- SSSOM ------------------------------------------------------------------------------------------------------


def _validated(path: Path):  # type: ignore[no-untyped-def]
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(path)
    report = validate(msdf, fail_on_error=False)
    errors = [r.message for v in report.values() for r in v.results]
    assert errors == []
    return msdf


def test_sssom_has_every_skos_match_and_validates(build_source: ExportSource, written: dict[str, Path]) -> None:
    msdf = _validated(written["sssom"])
    predicates = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
    assert len(msdf.df) == sum(len(list(build_source.graph.subject_objects(p))) for p in predicates) > 180
    row = msdf.df[(msdf.df.subject_id == "rls:gabapentin") & (msdf.df.object_id == "RXNORM:25480")].iloc[0]
    assert row.subject_label == "gabapentin" and row.predicate_id == "skos:exactMatch"
    assert row.comment.startswith("PharmGKB PA449720")
    assert row.see_also == str(build_source.graph.value(RLS["tm-pgkb"], CG.url))
    assert msdf.metadata["mapping_set_version"] and msdf.metadata["license"]
    assert set(msdf.df.mapping_justification) == {JUSTIFICATION}


def test_sssom_justification_is_a_semapv_term() -> None:
    from sssom.constants import SEMAPV

    assert JUSTIFICATION in {term.value for term in SEMAPV}


def test_sssom_validator_rejects_a_broken_file(written: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text(written["sssom"].read_text().replace(JUSTIFICATION, "semapv:GuessedIt", 1))
    with pytest.raises(AssertionError):
        _validated(broken)


def test_sssom_mapping_date_is_the_build_date_not_the_clock(build_source: ExportSource, tmp_path: Path) -> None:
    assert "#mapping_date" not in export(build_source, "sssom", tmp_path / "a.tsv").read_text()
    ontology = DATA_IRI  # the data graph's own header (ADR 0009), which the mapping set describes
    dated = _copy(build_source, add=[(ontology, DCTERMS.issued, Literal("2026-03-01"))])
    text = export(dated, "sssom", tmp_path / "b.tsv").read_text()
    assert "#mapping_date: '2026-03-01'" in text or "#mapping_date: 2026-03-01" in text


def test_a_mapping_to_an_unknown_code_system_is_an_error(build_source: ExportSource, tmp_path: Path) -> None:
    odd = _copy(build_source, add=[(GABAPENTIN, SKOS.relatedMatch, URIRef("https://example.org/codes/42"))])
    with pytest.raises(ExportError, match="https://example.org/codes/42"):
        export(odd, "sssom", tmp_path / "m.sssom.tsv")
    assert list(tmp_path.iterdir()) == []
