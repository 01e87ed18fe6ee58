"""Every graph file a user names (``--graph`` of query, reason and export, ``kg diff``) is read by one reader with
one set of limits (issue 16, "Parsers"; README "Limits of input"): entity bombs, nesting bombs, huge literals,
remote and file: JSON-LD contexts, files that are not UTF-8 and N3 formulas end in exit code 2 with a message,
in a subprocess whose address space is limited (a bomb would end in a crash, not in exit 2), with no request
made. Before: 11.8 GB for a 1 kB RDF/XML file, a segfault on deep JSON-LD, minutes on a long literal,
remote contexts fetched, tracebacks on every parse error of ``kg export --graph``."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.base.paths import PACKAGED_BUILD_DIR
from tests.fuzz.cli_probe import run_kg_process

pytestmark = pytest.mark.fuzz
MEMORY_BYTES = 2 << 30  # far above what these small files need when refused, far below what they cost when not
RDF_XML_HEAD = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.example/">'
                '<rdf:Description rdf:about="http://e.example/x">')
RDF_XML_TAIL = "</rdf:Description></rdf:RDF>\n"


def billion_laughs() -> str:
    """1 kB: ten levels of ten references each, 10^10 copies of the first entity."""
    entities = ['<!ENTITY a0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{chr(10).join(entities)}\n]>\n'
            f"{RDF_XML_HEAD}<e:p>&a9;</e:p>{RDF_XML_TAIL}")


def quadratic_blowup() -> str:
    """200 kB: one 50 kB entity used 50,000 times (2.5 GB expanded), no nesting."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "{"x" * 50_000}">]>\n'
            f'{RDF_XML_HEAD}<e:p>{"&a;" * 50_000}</e:p>{RDF_XML_TAIL}')


def external_entity() -> str:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            f"{RDF_XML_HEAD}<e:p>&x;</e:p>{RDF_XML_TAIL}")


def deep_rdf_xml(depth: int = 50_000) -> str:
    return RDF_XML_HEAD + "<e:p><rdf:Description>" * depth + "</rdf:Description></e:p>" * depth + RDF_XML_TAIL


def deep_json_ld(depth: int = 10_000) -> str:
    return '{"@id": "http://e.example/x", "http://e.example/p": ' + '{"http://e.example/p": ' * depth + '"x"' \
        + "}" * depth + "}"


def deep_turtle(depth: int = 5_000) -> str:
    return "<http://e.example/x> <http://e.example/p> " + "[ <http://e.example/p> " * depth + "1" + " ]" * depth \
        + " .\n"


def huge_literal() -> str:
    return '<http://e.example/x> <http://e.example/p> "' + "a" * 8_000_000 + '" .\n'


BOMBS = {  # file name -> (content, what the message says)
    "billion-laughs.rdf": (billion_laughs, "entit"),
    "quadratic-blowup.rdf": (quadratic_blowup, "entit"),
    "external-entity.rdf": (external_entity, "entit"),
    "deep.rdf": (deep_rdf_xml, "nested"),
    "deep.jsonld": (deep_json_ld, "nested"),
    "deep.ttl": (deep_turtle, "nested"),
    "huge-literal.nt": (huge_literal, "literal"),
}
COMMANDS = {
    "diff": ("diff", str(PACKAGED_BUILD_DIR)),
    "query": ("query", "cq/treatment-algorithm", "--graph"),
    "export": ("export", "turtle", "--out", "{tmp}/out.ttl", "--graph"),
}


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bombs")
    for name, (content, _) in BOMBS.items():
        (folder / name).write_text(content(), encoding="utf-8")
    assert (folder / "billion-laughs.rdf").stat().st_size < 1_000
    return folder


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", BOMBS)
def test_a_parser_bomb_ends_in_exit_2_within_the_memory_limit(name, command, bombs, tmp_path):
    arguments = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    outcome = run_kg_process(*arguments, str(bombs / name), cwd=tmp_path, memory_bytes=MEMORY_BYTES)
    assert outcome.clean_error, f"exit {outcome.code}: {outcome.stderr[-2000:]}"
    assert name in outcome.stderr and BOMBS[name][1] in outcome.stderr.lower()
    assert len(outcome.stderr) < 2_000 and not (tmp_path / "out.ttl").exists()


class _ContextServer(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        _ContextServer.requests.append(self.path)
        body = b'{"@context": {"p": "http://e.example/p"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def context_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ContextServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/context.jsonld"
    finally:
        server.shutdown()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("where", ["remote", "file"])
def test_a_json_ld_context_is_never_fetched(where, command, context_server, tmp_path):
    """Before: --graph fetched remote @context URLs and read file: contexts."""
    local = tmp_path / "context.jsonld"
    local.write_text('{"@context": {"p": "http://e.example/p"}}', encoding="utf-8")
    context = context_server if where == "remote" else local.as_uri()
    graph = tmp_path / "graph.jsonld"
    graph.write_text(json.dumps({"@context": context, "@id": "http://e.example/x", "p": "y"}), encoding="utf-8")
    before = len(_ContextServer.requests)
    arguments = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    outcome = run_kg_process(*arguments, str(graph), cwd=tmp_path, memory_bytes=MEMORY_BYTES)
    assert outcome.clean_error and "context" in outcome.stderr, outcome.stderr
    assert len(_ContextServer.requests) == before


NOT_RDF = {  # file name -> (bytes, what the message says)
    "latin-1.ttl": (b'<http://e.example/x> <http://e.example/p> "caf\xe9" .\n', "not UTF-8"),
    "utf-16.ttl": ('<http://e.example/x> <http://e.example/p> "x" .\n'.encode("utf-16"), "UTF-16"),
    "formula.n3": (b"@prefix : <http://e.example/> .\n{ :a :b :c } => { :a :d :e } .\n", "formula"),
    "named-graph.trig": (b"<http://e.example/g> { <http://e.example/a> <http://e.example/b> 1 }\n", "named graph"),
    "bad-context.jsonld": (b'{"@context": 5, "@id": "http://e.example/x"}', "context"),
    "not-json.jsonld": (b'{"@id": ', "not a JSON-LD graph"),
    "relative.ttl": (b"<a> <b> <c> .\n", "not a Turtle graph"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", NOT_RDF)
def test_a_graph_file_that_cannot_be_read_is_a_clean_error(name, command, tmp_path):
    """Before: every one of these ended in a traceback in kg export --graph, the formula one also in kg query."""
    path = tmp_path / name
    path.write_bytes(NOT_RDF[name][0])
    arguments = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    outcome = run_kg_process(*arguments, str(path), cwd=tmp_path, memory_bytes=MEMORY_BYTES)
    assert outcome.clean_error and name in outcome.stderr, outcome.stderr
    assert NOT_RDF[name][1] in outcome.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_utf8_bom_is_read_like_the_same_file_without_it(command, tmp_path):
    """One BOM rule for every file a user gives: a UTF-8 byte-order mark at the start is ignored."""
    text = b'<http://e.example/x> <http://e.example/p> "x" .\n'
    (tmp_path / "plain.ttl").write_bytes(text)
    (tmp_path / "bom.ttl").write_bytes(b"\xef\xbb\xbf" + text)
    arguments = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    if command == "diff":
        arguments = ["diff", str(tmp_path / "plain.ttl")]
    outcome = run_kg_process(*arguments, str(tmp_path / "bom.ttl"), cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_graph_file_over_the_size_limit_is_refused_before_reading(command, tmp_path):
    """Before: kg export --graph had no size limit (600 MB: 104 s, 5.3 GB). A sparse file: no disk used."""
    from kg.base.input_limits import MAX_GRAPH_BYTES

    path = tmp_path / "huge.ttl"
    with path.open("wb") as handle:
        handle.truncate(MAX_GRAPH_BYTES + 1)
    arguments = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    outcome = run_kg_process(*arguments, str(path), cwd=tmp_path, memory_bytes=MEMORY_BYTES)
    assert outcome.clean_error and "limit" in outcome.stderr and "huge.ttl" in outcome.stderr, outcome.stderr


def test_diff_exit_codes_say_same_different_or_could_not_compare(tmp_path):
    """0: the same, 1: different, 2: could not compare (before: a crash was exit 1, like "different")."""
    same = tmp_path / "a.ttl"
    same.write_text('<http://e.example/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n', encoding="utf-8")
    assert run_kg_process("diff", str(same), str(same), cwd=tmp_path).code == 0
    assert run_kg_process("diff", str(PACKAGED_BUILD_DIR), str(same), cwd=tmp_path).code == 1
    (tmp_path / "deep.jsonld").write_text(deep_json_ld(), encoding="utf-8")
    assert run_kg_process("diff", str(same), str(tmp_path / "deep.jsonld"), cwd=tmp_path).code == 2


def test_a_deeply_nested_turtle_profile_is_refused_by_the_graph_files_nesting_check(tmp_path):
    """Turtle profiles pass the checks of every graph file before rdflib parses them (kg/base/graph_files.py):
    the nesting limit names itself, instead of a parser's recursion error."""
    profile = tmp_path / "deep-profile.ttl"
    profile.write_text(deep_turtle(500), encoding="utf-8")
    outcome = run_kg_process("decide", str(profile), cwd=tmp_path, memory_bytes=MEMORY_BYTES)
    assert outcome.clean_error, f"exit {outcome.code}: {outcome.stderr[-2000:]}"
    assert "deep-profile.ttl" in outcome.stderr and "nested 500 deep, more than the limit" in outcome.stderr
