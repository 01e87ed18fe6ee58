"""The query library gives the same answers on every engine: the build pushed (kg push) to an Oxigraph
server and to Virtuoso, both started by the test session on 127.0.0.1, and queried over the SPARQL protocol
with the build graph as the default graph; and Jena ARQ (Debian's jars, offline) on the build file. The
reference is the embedded engine (kg query). Every competency question runs with its parameters unbound
and with every parameter bound, on endpoints by the VALUES block kg.core.query.endpoint puts first in WHERE.

Answers are compared as multisets of rows of N-Triples terms. What engines may legitimately write
differently is normalised, each for a reason:
* blank node labels -> ``_:b``: a label means nothing outside its result;
* numbers -> one canonical form per value space: integer types (xsd:int, xsd:long, ...) as xsd:integer,
  decimals without trailing zeros (Virtuoso writes ``1.5`` for ``1.50``), doubles and floats by value;
* ``"x"^^xsd:string`` -> ``"x"``: the same literal in RDF 1.1 (older stores drop the datatype);
* language tags in lower case (they are case-insensitive);
* GROUP_CONCAT lists sorted: SPARQL leaves the order of their members unspecified;
* Virtuoso only: a boolean that an expression computes (``BIND(EXISTS {...} AS ?x)``, a comparison) comes
  back as ``"1"``/``"0"^^xsd:integer`` (its SQL engine has no boolean type), so in the Virtuoso comparison
  xsd:boolean values on both sides are written as those integers.
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from decimal import Decimal

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.base.paths import BUILD_GRAPH_IRI, BUILT_GRAPH_NAME, INFERRED_GRAPH_IRI, INFERRED_GRAPH_NAME
from kg.core.build.knowledge import default_knowledge
from kg.core.build.verify import build_folder
from kg.core.query.endpoint import run_remote
from kg.core.query.library import Query, all_queries, run_query
from kg.core.query.results import Solutions
from kg.publish.push import push
from tests.conftest import GROUP_CONCAT
from tests.servers.jena import run_with_arq
from tests.test_queries import shown

pytestmark = pytest.mark.server

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = {f"{XSD}{name}" for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
FLOAT_TYPES = {f"{XSD}double", f"{XSD}float"}
REMOTE_SECONDS = 180  # Virtuoso needs ~45 s for cq/treatment-options on a loaded 2-core machine
CQ = [q for q in all_queries() if q.name.startswith("cq/")]


def normalised_cell(value: Node | None, separator: str | None = None, integer_booleans: bool = False) -> str:
    """One term in N-Triples, normalised as the module docstring says; unbound is ''."""
    if value is None:
        return ""
    if isinstance(value, BNode):
        return "_:b"
    if isinstance(value, URIRef):
        return f"<{value}>"
    assert isinstance(value, Literal), value
    if separator is not None and not str(value):  # an empty GROUP_CONCAT list: "" (Virtuoso) or unbound (pyoxigraph,
        return ""  # Jena), the aggregate of only unbound values being an error that engines handle differently
    text, datatype = str(value), str(value.datatype) if value.datatype else None
    if separator is not None:
        text = separator.join(sorted(text.split(separator)))
    if integer_booleans and datatype == f"{XSD}boolean":
        text, datatype = ("1" if text in ("true", "1") else "0"), f"{XSD}integer"
    if datatype in INTEGER_TYPES:
        text, datatype = str(int(text)), f"{XSD}integer"
    elif datatype == f"{XSD}decimal":
        number = Decimal(text).normalize()
        text = f"{number:f}" if number != number.to_integral() else f"{int(number)}.0"
    elif datatype in FLOAT_TYPES:
        text, datatype = repr(float(text)), f"{XSD}double"
    elif datatype == f"{XSD}string":
        datatype = None
    language = value.language.lower() if value.language else None
    return str(ox.Literal(text, language=language, datatype=ox.NamedNode(datatype) if datatype else None))


def normalised_rows(query: Query, rows: list[dict[str, Node | None]], integer_booleans: bool = False) -> Counter:
    lists = {name: separator for separator, name in GROUP_CONCAT.findall(query.text)}
    return Counter(tuple(sorted((name, normalised_cell(value, lists.get(name), integer_booleans))
                                for name, value in row.items())) for row in rows)


def cases() -> list[tuple[Query, str]]:
    """Every competency question unbound, and with all its parameters bound (to one row of its answer)."""
    return [(q, kind) for q in CQ for kind in (["unbound", "bound"] if q.params else ["unbound"])]


def bindings_for(query: Query, kind: str) -> dict[str, Node]:
    """No bindings, or each parameter bound to its value in one row of the unbound embedded answer (the first
    row, in N-Triples order, that binds them all): a computed value, not a hand-picked one."""
    if kind == "unbound":
        return {}
    rows = run_query(shown(query), default_knowledge().store)  # a filter's values too (benchmarks/bench_stores.py)
    complete = [row for row in rows if all(row.get(p) is not None for p in query.params)]
    assert complete, f"{query.name}: no row binds every parameter ({', '.join(query.params)})"
    row = min(complete, key=lambda r: tuple(normalised_cell(r[p]) for p in query.params))
    return {p: row[p] for p in query.params}  # type: ignore[misc]


@pytest.fixture(scope="module")
def endpoints(oxigraph_store, virtuoso) -> dict[str, str]:
    """The packaged build pushed to both stores; name -> SPARQL endpoint whose default graph is the build."""
    push(oxigraph_store.store_url, graph=BUILD_GRAPH_IRI, timeout=120)
    push(virtuoso.store_url, graph=BUILD_GRAPH_IRI, user=virtuoso.user, password=virtuoso.password, timeout=120)
    # the build as the default graph, the entailments as the one named graph (queries name it in GRAPH <...>)
    default_graph = urllib.parse.urlencode({"default-graph-uri": BUILD_GRAPH_IRI,
                                            "named-graph-uri": INFERRED_GRAPH_IRI})
    return {"oxigraph": f"{oxigraph_store.query_url}?{default_graph}",
            "virtuoso": f"{virtuoso.query_url}?{default_graph}"}


def test_every_competency_question_has_a_case():
    assert len(CQ) >= 10 and {q.name for q, _ in cases()} == {q.name for q in CQ}


@pytest.mark.parametrize("store", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize(("query", "kind"), cases(), ids=[f"{q.name}-{kind}" for q, kind in cases()])
def test_a_pushed_store_answers_as_the_embedded_engine(store, query, kind, endpoints):
    query = shown(query)  # the engines' whole answer, a filter's column too (kg query leaves it out after)
    bindings = bindings_for(query, kind)
    embedded = run_query(query, default_knowledge().store, bindings)
    answer = run_remote(query, endpoints[store], bindings=bindings, timeout=REMOTE_SECONDS)
    assert isinstance(answer, Solutions), f"{query.name}: not a SELECT answer"
    remote = answer.rows()
    assert embedded, f"{query.name} answers nothing embedded: the comparison would prove nothing"
    virtuoso = store == "virtuoso"
    assert normalised_rows(query, remote, virtuoso) == normalised_rows(query, embedded, virtuoso)


def test_the_normalisation_keeps_real_differences():
    """Only what the docstring lists is normalised: another value, type family, language or IRI still differs."""
    same = [(Literal("1.50", datatype=URIRef(f"{XSD}decimal")), Literal("1.5", datatype=URIRef(f"{XSD}decimal"))),
            (Literal("7", datatype=URIRef(f"{XSD}int")), Literal("7", datatype=URIRef(f"{XSD}integer"))),
            (Literal("x", datatype=URIRef(f"{XSD}string")), Literal("x")),
            (Literal("x", lang="EN"), Literal("x", lang="en")), (BNode("a1"), BNode("zz"))]
    differ = [(Literal("1.5", datatype=URIRef(f"{XSD}decimal")), Literal("1.51", datatype=URIRef(f"{XSD}decimal"))),
              (Literal("7", datatype=URIRef(f"{XSD}integer")), Literal("7")),
              (Literal("7", datatype=URIRef(f"{XSD}integer")), Literal("7", datatype=URIRef(f"{XSD}decimal"))),
              (Literal("x", lang="en"), Literal("x", lang="de")), (Literal("x"), URIRef("x")),
              (URIRef("http://a/x"), URIRef("http://a/X")), (None, Literal(""))]
    assert all(normalised_cell(a) == normalised_cell(b) for a, b in same)
    assert all(normalised_cell(a) != normalised_cell(b) for a, b in differ)
    assert normalised_cell(Literal("b, a"), ", ") == normalised_cell(Literal("a, b"), ", ")
    true, one = Literal(True), Literal("1", datatype=URIRef(f"{XSD}integer"))
    assert normalised_cell(true) != normalised_cell(one)
    assert normalised_cell(true, integer_booleans=True) == normalised_cell(one, integer_booleans=True)
    assert normalised_cell(Literal(False), integer_booleans=True) != normalised_cell(one, integer_booleans=True)


@pytest.mark.slow
def test_jena_arq_answers_every_competency_question_as_the_embedded_engine(tmp_path):
    answers = run_with_arq(build_folder() / BUILT_GRAPH_NAME, (build_folder() / INFERRED_GRAPH_NAME,
                                                                  INFERRED_GRAPH_IRI), [q.path for q in CQ], tmp_path)
    differing = [query.name for query, answer in zip(CQ, answers, strict=True)
                 if normalised_rows(query, [{name: _json_term(binding.get(name)) for name in answer["head"]["vars"]}
                                            for binding in answer["results"]["bindings"]])
                 != normalised_rows(query, run_query(shown(query), default_knowledge().store))]
    assert not differing


def _json_term(value: dict | None) -> Node | None:
    """A term of SPARQL 1.1 JSON results as rdflib makes it."""
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    return Literal(value["value"], lang=value.get("xml:lang"),
                   datatype=URIRef(value["datatype"]) if "datatype" in value else None)

