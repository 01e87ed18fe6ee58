"""kg push on real stores started by the test session on 127.0.0.1 (Oxigraph without authentication,
Virtuoso behind HTTP Digest): each named graph is replaced, never appended to; a push cut midway leaves
the graph as it was; every failure (refused, unresolvable, hanging, HTTP 500, not HTTP, authentication)
is one clean line within the time limit, and never shows the password."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import urllib.parse

import pyoxigraph as ox
import pytest
import requests

from kg.base.errors import UserError
from kg.base.paths import BUILD_REPORT_NAME, BUILT_GRAPH_NAME, INFERRED_GRAPH_NAME
from kg.core.build.verify import build_folder
from kg.publish.push import build_uploads, push
from tests.fuzz.cli_probe import run_kg
from tests.servers.misbehaving import CuttingProxy

pytestmark = pytest.mark.server

GRAPH = "https://example.org/test/push/build"
INFERRED = "https://example.org/test/push/inferred"
SECRET = "s3cret-Pa55word"


@pytest.fixture(scope="module")
def stores(oxigraph_store, virtuoso):
    """name -> (query URL, push arguments)."""
    return {
        "oxigraph": (oxigraph_store.query_url, {"endpoint": oxigraph_store.store_url}),
        "virtuoso": (virtuoso.query_url, {"endpoint": virtuoso.store_url, "user": virtuoso.user,
                                          "password": virtuoso.password}),
    }


@pytest.fixture(scope="module")
def uploads():
    return {upload.iri: upload for upload in build_uploads(None, GRAPH, INFERRED)}


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """A build folder whose graph is a few triples of the real one: an 'old' graph a push can replace."""
    folder = tmp_path_factory.mktemp("small-build")
    lines = (build_folder() / BUILT_GRAPH_NAME).read_text(encoding="utf-8").splitlines()
    prefixes = [line for line in lines if line.startswith("@prefix")]
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.TURTLE)
    few = sorted(str(q.triple) for q in store if not isinstance(q.subject, ox.BlankNode)
                 and not isinstance(q.object, ox.BlankNode))[:25]
    assert prefixes and few
    graph = ("\n".join(f"{t} ." for t in few) + "\n").encode("utf-8")
    (folder / BUILT_GRAPH_NAME).write_bytes(graph)
    (folder / INFERRED_GRAPH_NAME).write_bytes(b"")
    report = {"graph_sha256": hashlib.sha256(graph).hexdigest(), "inferred_sha256": hashlib.sha256(b"").hexdigest()}
    (folder / BUILD_REPORT_NAME).write_text(json.dumps(report), encoding="utf-8")  # a build kg verifies
    return folder


def triples_in(query_url: str, graph: str) -> set[str]:
    """Every triple of ``graph`` on the store, as N-Triples lines (blank nodes as _:b)."""
    reply = requests.post(query_url, data={"query": f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    reply.raise_for_status()

    def term(value: dict) -> str:
        if value["type"] == "uri":
            return f"<{value['value']}>"
        if value["type"] == "bnode":
            return "_:b"
        literal = ox.Literal(value["value"], language=value.get("xml:lang"),
                             datatype=ox.NamedNode(value["datatype"]) if "datatype" in value else None)
        return str(literal)

    return {" ".join(term(b[v]) for v in ("s", "p", "o")) for b in reply.json()["results"]["bindings"]}


def count_in(query_url: str, graph: str) -> int:
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    reply = requests.post(query_url, data={"query": count}, headers={"Accept": "application/sparql-results+json"},
                          timeout=60)
    reply.raise_for_status()
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_push_replaces_both_graphs(name, stores, uploads, small_build):
    query_url, arguments = stores[name]
    push(build_dir=small_build, graph=GRAPH, inferred_graph=None, timeout=30, **arguments)
    assert len(triples_in(query_url, GRAPH)) == 25
    for _ in range(2):  # twice: the second push replaces, it does not append
        pushed = push(graph=GRAPH, inferred_graph=INFERRED, timeout=60, **arguments)
        assert [(p.iri, p.triples) for p in pushed] == [(iri, u.triples) for iri, u in uploads.items()]
        assert {iri: count_in(query_url, iri) for iri in uploads} == {iri: u.triples for iri, u in uploads.items()}


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_a_push_cut_midway_leaves_the_old_graph(name, stores, small_build):
    query_url, arguments = stores[name]
    push(build_dir=small_build, graph=GRAPH, inferred_graph=None, timeout=30, **arguments)
    before = triples_in(query_url, GRAPH)
    assert len(before) == 25
    target = urllib.parse.urlsplit(arguments["endpoint"])
    proxy = CuttingProxy((target.hostname, target.port), cut=1, keep=300_000)  # the upload is ~2.4 MB
    try:
        with pytest.raises(UserError, match="closed the connection|no reply"):
            push(**{**arguments, "endpoint": proxy.url + target.path}, graph=GRAPH, inferred_graph=None, timeout=10)
    finally:
        proxy.close()
    assert proxy.puts == 1
    assert triples_in(query_url, GRAPH) == before


def test_a_second_put_that_fails_says_which_graph_is_new(stores, small_build, uploads):
    query_url, arguments = stores["oxigraph"]
    push(build_dir=small_build, graph=GRAPH, inferred_graph=None, timeout=30, **arguments)
    push(build_dir=small_build, graph=INFERRED, inferred_graph=None, timeout=30, **arguments)
    old = triples_in(query_url, INFERRED)
    target = urllib.parse.urlsplit(arguments["endpoint"])
    proxy = CuttingProxy((target.hostname, target.port), cut=2, keep=100_000)  # the entailments are ~0.3 MB
    try:
        with pytest.raises(UserError, match=f"<{GRAPH}> already replaced, <{INFERRED}> left as it was"):
            push(proxy.url + target.path, graph=GRAPH, inferred_graph=INFERRED, timeout=10)
    finally:
        proxy.close()
    assert triples_in(query_url, INFERRED) == old
    assert count_in(query_url, GRAPH) == uploads[GRAPH].triples


def test_digest_uploads_each_graph_once(virtuoso):
    """The HEAD before the upload gets Digest's challenge, so each graph is sent once, already authenticated
    (urllib sends the body, gets the challenge, sends it again: Virtuoso resets big uploads, pitfall 17)."""
    target = urllib.parse.urlsplit(virtuoso.store_url)
    proxy = CuttingProxy((target.hostname, target.port), cut=0)  # counts, never cuts
    try:
        push(proxy.url + target.path, graph=GRAPH, inferred_graph=INFERRED, user=virtuoso.user,
             password=virtuoso.password, timeout=30)
    finally:
        proxy.close()
    assert proxy.puts == 2


def test_virtuoso_without_credentials_says_authentication_is_required(virtuoso):
    with pytest.raises(UserError, match=r"authentication required \(HTTP 401, Digest\): give --user and --password"):
        push(virtuoso.store_url, graph=GRAPH, timeout=10)


def test_a_wrong_password_fails_before_uploading_and_is_never_shown(virtuoso):
    outcome = run_kg("push", "--endpoint", virtuoso.store_url, "--graph", GRAPH, "--user", virtuoso.user,
                     "--password", SECRET, "--timeout", "10")
    assert outcome.clean_error, outcome.stderr
    assert "authentication failed (HTTP 401) for user 'dba' with HTTP Digest" in outcome.stderr
    assert SECRET not in outcome.stderr + outcome.stdout


def test_the_cli_pushes_with_the_password_from_the_environment(virtuoso, monkeypatch):
    monkeypatch.setenv("KG_PUSH_PASSWORD", virtuoso.password)
    outcome = run_kg("push", "--endpoint", virtuoso.store_url, "--graph", GRAPH, "--inferred-graph", INFERRED,
                     "--user", virtuoso.user)
    assert outcome.code == 0, outcome.stderr
    assert [line.split(": ")[0] for line in outcome.stdout.splitlines()] == \
        [f"replaced <{GRAPH}>", f"replaced <{INFERRED}>"]


MISBEHAVIOURS = {  # behaviour -> what kg push says, what kg query --endpoint says
    "closed": ("connection refused: is the store running", "refused"),
    "hang": ("no complete reply within 1 s (raise it with --timeout)", "no complete reply within 1 s"),
    "error": ("HTTP 500 Internal Server Error for <https://example.org/test/push/build>: store exploded", "HTTP 500"),
    "garbage": ("the reply is not HTTP", "failed"),
}


@pytest.mark.parametrize("command", ["push", "query"])
@pytest.mark.parametrize("behaviour", MISBEHAVIOURS)
def test_a_misbehaving_endpoint_is_one_clean_line_in_time(command, behaviour, misbehaving):
    """kg push and kg query --endpoint: refused, hanging, HTTP 500 and not-HTTP replies (raw sockets)."""
    url = getattr(misbehaving, behaviour)
    arguments = (["push", "--endpoint", f"{url}/store", "--graph", GRAPH] if command == "push" else
                 ["query", "cq/treatment-algorithm", "--endpoint", f"{url}/query"])
    started = time.perf_counter()
    outcome = run_kg(*arguments, "--timeout", "1")
    assert outcome.clean_error, outcome.stderr
    assert MISBEHAVIOURS[behaviour][command == "query"] in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1
    assert time.perf_counter() - started < 5


def test_an_unresolvable_host_is_a_clean_error():
    with pytest.raises(UserError, match="cannot resolve the host name 'store.invalid'|cannot reach"):
        push("http://store.invalid/store", graph=GRAPH, timeout=5)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"endpoint": "ftp://127.0.0.1/store"}, "give the store's http:// or https:// Graph Store endpoint"),
    ({"endpoint": f"http://dba:{SECRET}@127.0.0.1:9/store"}, "not in the URL"),
    ({"endpoint": "http://127.0.0.1:9/store?graph=x"}, "give the graph with --graph"),
    ({"endpoint": "http://127.0.0.1:9/store", "graph": "not an iri"}, "--graph .not an iri.: not an absolute IRI"),
    ({"endpoint": "http://127.0.0.1:9/store", "graph": "relative/graph"}, "not an absolute IRI"),
    ({"endpoint": "http://127.0.0.1:9/store", "inferred_graph": GRAPH, "graph": GRAPH}, "must differ"),
    ({"endpoint": "http://127.0.0.1:9/store", "user": "dba"}, "--user and --password go together"),
    ({"endpoint": "http://127.0.0.1:9/store", "timeout": 0}, "--timeout 0: must be a positive"),
])
def test_bad_arguments_are_refused_before_any_request(arguments, message):
    with pytest.raises(UserError, match=message) as caught:
        push(**arguments)
    assert SECRET not in str(caught.value)


def test_a_missing_build_is_a_clean_error(tmp_path):
    shutil.rmtree(tmp_path)
    with pytest.raises(UserError, match="no kg.ttl there"):
        push("http://127.0.0.1:9/store", build_dir=tmp_path)
