"""`kg query --format`: json, csv and tsv are the W3C SPARQL 1.1 Query Results formats (read back by
pyoxigraph's parser and checked against the specification's rules), ttl is Turtle for CONSTRUCT and
DESCRIBE, and the table never breaks a CURIE across lines."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
from rich.table import Table

from kg.base.errors import UserError
from kg.base.oxigraph_bridge import from_ox
from kg.core.build.knowledge import default_knowledge
from kg.core.query.execute import Target, execute
from kg.core.query.library import load_query, query_from_text
from kg.model.curies import compact
from kg.report.formatting import _to_text, render_result
from tests.fuzz.cli_probe import run_kg

XSD = "http://www.w3.org/2001/XMLSchema#"
ALGORITHM = load_query("cq/treatment-algorithm")  # integers, strings, and an unbound ?next on the last step
TYPED = query_from_text('SELECT ?text ?tagged ?number ?iri ?unbound WHERE { BIND("a, \\"b\\"\\tc" AS ?text) '
                        'BIND("hi"@en AS ?tagged) BIND(2.50 AS ?number) BIND(<https://w3id.org/cgkg/rls/x> AS ?iri) }')


def result_of(query, values=None):
    return execute(query, Target(default_knowledge()), values or {})


def test_json_is_w3c_sparql_results_json():
    document = json.loads(render_result(ALGORITHM, result_of(ALGORITHM), "json"))
    assert document["head"]["vars"] == ["step", "label", "instruction", "population", "next"]
    bindings = document["results"]["bindings"]
    assert bindings[0]["step"] == {"type": "literal", "value": "1", "datatype": f"{XSD}integer"}
    assert bindings[0]["label"]["type"] == "literal" and "datatype" not in bindings[0]["label"]
    assert "next" not in bindings[-1] and "next" in bindings[0]  # unbound: omitted, not ""
    typed = json.loads(render_result(TYPED, result_of(TYPED), "json"))["results"]["bindings"][0]
    assert typed == {"text": {"type": "literal", "value": 'a, "b"\tc'},
                     "tagged": {"type": "literal", "value": "hi", "xml:lang": "en"},
                     "number": {"type": "literal", "value": "2.5", "datatype": f"{XSD}decimal"},
                     "iri": {"type": "uri", "value": "https://w3id.org/cgkg/rls/x"}}


def test_tsv_is_w3c_tsv_and_reads_back_as_the_same_rows():
    result = result_of(TYPED)
    tsv = render_result(TYPED, result, "tsv")
    assert tsv.decode().splitlines() == ["?text\t?tagged\t?number\t?iri\t?unbound",
                                         '"a, \\"b\\"\\tc"\t"hi"@en\t2.5\t<https://w3id.org/cgkg/rls/x>\t']
    back = [{v: from_ox(s[v]) for v in result.vars} for s in ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)]
    assert back == result.rows()


def test_csv_is_w3c_csv():
    csv = render_result(TYPED, result_of(TYPED), "csv")
    assert csv == b'text,tagged,number,iri,unbound\r\n"a, ""b""\tc",hi,2.5,https://w3id.org/cgkg/rls/x,\r\n'


def test_ask_prints_true_or_false_and_w3c_json():
    ask = query_from_text("#+ params: ?agent\nASK { ?agent ?p ?o }")
    assert render_result(ask, result_of(ask, {"agent": "methadone"}), "table") == b"true\n"
    assert render_result(ask, result_of(ask, {"agent": '"no such literal"'}), "json") == \
        b'{"head":{},"boolean":false}'


def test_construct_is_turtle_and_the_wrong_format_for_a_form_is_an_error():
    construct = query_from_text("#+ params: ?agent\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                                "CONSTRUCT { ?agent rdfs:label ?label } WHERE { ?agent rdfs:label ?label }")
    result = result_of(construct, {"agent": "methadone"})
    turtle = render_result(construct, result, "ttl")
    assert b'rls:methadone rdfs:label "methadone" .' in turtle
    assert sorted(map(str, ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == \
        sorted(str(ox.Quad(t.subject, t.predicate, t.object)) for t in result.triples)
    with pytest.raises(UserError, match="--format json: query 'query' is a CONSTRUCT or DESCRIBE query"):
        render_result(construct, result, "json")
    with pytest.raises(UserError, match="--format ttl: query 'cq/treatment-algorithm' is a SELECT query"):
        render_result(ALGORITHM, result_of(ALGORITHM), "ttl")


def test_describe_with_blank_nodes_prints_the_same_bytes_every_time():
    describe = query_from_text("#+ params: ?population\nDESCRIBE ?population")
    values = {"population": "cg:OralIronFormulation"}  # an OWL defined class: its definition is blank nodes
    first = render_result(describe, result_of(describe, values), "ttl")
    assert b"owl:equivalentClass [" in first or b"owl:equivalentClass _:" in first
    assert render_result(describe, result_of(describe, values), "ttl") == first


def broken_curies(text: str, curies: set[str]) -> list[str]:
    """CURIEs of the rows that the table neither shows whole nor cuts with an ellipsis on one line."""
    return sorted(c for c in curies if c not in text and not re.search(re.escape(c[:4]) + r"[^\s│]*…", text))


@pytest.mark.parametrize("width", [80, 120, 160])
def test_the_table_never_breaks_a_curie_across_lines(width):
    query = load_query("cq/cautions")
    result = result_of(query, {"agent": "Mirapex"})
    text = render_result(query, result, "table", width=width).decode()
    curies = {compact(term) for row in result.rows() for term in row.values() if term is not None
              and compact(term).startswith("rls:")}
    assert curies and not broken_curies(text, curies)
    assert max(map(len, text.splitlines())) <= width


def test_the_curie_check_is_able_to_fail():
    """A table that folds long words (the old rendering) breaks CURIEs, and the check above sees it."""
    table = Table(expand=True)
    table.add_column("caution", overflow="fold")
    table.add_column("text")
    table.add_row("rls:caut-mab-drugs-early-pregnancy", "some text " * 20)
    assert broken_curies(_to_text(table, 40), {"rls:caut-mab-drugs-early-pregnancy"})


def test_the_command_line_writes_the_exact_bytes():
    outcome = run_kg("query", "cq/treatment-algorithm", "--format", "csv")
    assert outcome.code == 0 and outcome.stdout.startswith("step,label,instruction,population,next\r\n")
    assert run_kg("query", "cq/treatment-algorithm", "--format", "csv").stdout == outcome.stdout
    wrong = run_kg("query", "cq/treatment-algorithm", "--format", "ttl")
    assert wrong.clean_error and "is a SELECT query" in wrong.stderr
