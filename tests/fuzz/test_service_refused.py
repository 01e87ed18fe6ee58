"""Embedded queries never leave the machine (issue 16, item 9: "``kg serve`` and embedded queries execute
``SERVICE``: requests to internal addresses"). pyoxigraph's engine executes a ``SERVICE`` clause by sending the
inner query to the named URL, so a query file from elsewhere could make ``kg query``, ``kg.sparql`` or
``kg.run_query`` call any server the machine reaches. Every spelling of the keyword is refused with exit 2
before the engine runs (no request reaches a recording server on 127.0.0.1); the word elsewhere (a string, an
IRI, a comment, a variable, a prefixed name) is not the keyword and runs."""

from __future__ import annotations

import http.server
import threading

import pytest

import kg
from kg.base.errors import UserError
from kg.core.decide.decision import default_knowledge
from kg.core.query.library import query_from_text, run_query
from tests.fuzz.cli_probe import run_kg

pytestmark = [pytest.mark.fuzz]
PREFIXES = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX service: <https://example.org/service/>\n"
FEDERATED = {  # name -> the WHERE part, with {url} for the recording server
    "plain": "{{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "lower-case": "{{ service <{url}> {{ ?s ?p ?o }} }}",
    "silent": "{{ SeRvIcE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "after-a-dot": "{{ ?x rdfs:label ?l .SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "after-a-comment": "{{ # a comment\n SERVICE\t<{url}> {{ ?s ?p ?o }} }}",
    "variable-endpoint": "{{ BIND(<{url}> AS ?where) SERVICE ?where {{ ?s ?p ?o }} }}",
    "in-a-subquery": "{{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "after-a-less-than": "{{ ?x rdfs:label ?l FILTER(1 < 2) SERVICE <{url}> {{ ?s ?p ?o }} FILTER(2 > 1) }}",
}
NOT_THE_KEYWORD = {
    "in-a-string": '{ ?s rdfs:label ?l FILTER(?l = "SERVICE <http://127.0.0.1/> { }") }',
    "in-a-long-string": "{ ?s rdfs:label ?l FILTER(?l = '''a\nSERVICE\n''') }",
    "in-an-iri": "{ ?s <https://example.org/SERVICE> ?o }",
    "in-a-comment": "{ ?s rdfs:label ?l # SERVICE <http://127.0.0.1/>\n }",
    "a-variable": "{ ?service rdfs:label ?l }",
    "a-prefixed-name": "{ ?s rdfs:label service:x . ?s ?p service:SERVICE }",
}


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_POST = do_GET  # noqa: N815 - http.server's name

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def recorder():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("name", FEDERATED)
def test_service_in_an_embedded_query_sends_a_request(name, recorder, tmp_path):
    text = f"{PREFIXES}SELECT * WHERE {FEDERATED[name].format(url=recorder)}"
    _Recorder.hits.clear()
    query_file = tmp_path / "federated.rq"
    query_file.write_text(text, encoding="utf-8")
    outcome = run_kg("query", str(query_file))
    with pytest.raises(UserError, match="SERVICE"):
        kg.sparql(text)
    with pytest.raises(UserError, match="SERVICE"):
        run_query(query_from_text(text), default_knowledge().store)
    assert not _Recorder.hits, f"the engine sent {len(_Recorder.hits)} request(s) to {recorder}"
    assert outcome.clean_error and "SERVICE" in outcome.stderr, outcome.stderr


@pytest.mark.parametrize("name", NOT_THE_KEYWORD)
def test_the_word_service_outside_the_keyword_is_not_refused(name):
    assert isinstance(kg.sparql(f"{PREFIXES}SELECT * WHERE {NOT_THE_KEYWORD[name]} LIMIT 1"), list)
