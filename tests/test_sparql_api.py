"""kg.sparql: a library query or SPARQL text, with bindings, on the packaged build, another graph or an
endpoint; rows with .vars and .df()."""

from __future__ import annotations

import pandas
import pytest
from rdflib import Graph, Literal, URIRef

import kg
from kg.base.errors import UserError
from kg.base.paths import BUILT_GRAPH_NAME, PACKAGED_BUILD_DIR
from kg.core.build.verify import build_folder
from kg.core.query.library import load_query
from tests.conftest import rendered_rows
from tests.package_namespaces import RLS


def test_rows_and_their_dataframe():
    rows = kg.sparql("cq/treatment-algorithm")
    assert isinstance(rows, kg.Rows) and len(rows) == 6
    assert rows.vars == ("step", "label", "instruction", "population", "next")
    frame = rows.df()
    assert list(frame.columns) == list(rows.vars) and frame.shape == (6, 5)
    assert frame["step"].tolist() == [1, 2, 3, 4, 5, 6]  # typed literals become numbers
    assert pandas.isna(frame["next"].iloc[-1])  # unbound
    assert rows.df(curies=False).equals(frame)  # no IRIs in this one


def test_bindings_take_curies_names_terms_and_python_values():
    by_curie = kg.sparql("cq/cautions", agent="rls:pramipexole")
    assert by_curie == kg.sparql("cq/cautions", agent="Mirapex") == kg.sparql("cq/cautions", agent=RLS["pramipexole"])
    assert by_curie.df()["agent"].unique().tolist() == ["rls:pramipexole"]
    assert by_curie.df(curies=False)["agent"].unique().tolist() == [str(RLS["pramipexole"])]
    assert kg.sparql("#+ params: ?n\nSELECT ?n WHERE {}", n=7)[0]["n"] == Literal(7)


def test_ask_gives_a_bool_and_construct_a_graph():
    assert kg.sparql("ASK { ?agent ?p ?o }", agent="methadone") is True
    graph = kg.sparql("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                      "CONSTRUCT { ?agent rdfs:label ?l } WHERE { ?agent rdfs:label ?l }", agent="methadone")
    assert isinstance(graph, Graph) and set(graph) == {(RLS["methadone"], URIRef(
        "http://www.w3.org/2000/01/rdf-schema#label"), Literal("methadone"))}


def test_other_graphs(tmp_path):
    file_rows = kg.sparql("cq/treatment-algorithm", graph=build_folder() / BUILT_GRAPH_NAME)
    assert file_rows == kg.sparql("cq/treatment-algorithm", graph=PACKAGED_BUILD_DIR)
    empty = tmp_path / "empty.ttl"
    empty.write_text("")
    assert kg.sparql("cq/treatment-algorithm", graph=empty) == []
    with pytest.raises(UserError, match=r"expected an agent \('methadone' names nothing in the graph\), and the graph "
                                        "has none"):
        kg.sparql("cq/cautions", graph=Graph(), agent="methadone")


@pytest.mark.server
def test_on_an_endpoint_the_rows_are_the_same(oxigraph_server):
    remote = kg.sparql("cq/cautions", endpoint=f"{oxigraph_server}/query", agent="Mirapex")
    query = load_query("cq/cautions")  # rows compared as a multiset: ORDER BY ties may differ between engines
    local = kg.sparql("cq/cautions", agent="Mirapex")
    assert rendered_rows(query, remote) == rendered_rows(query, local) and remote.vars == local.vars
