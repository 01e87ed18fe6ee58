"""The command line, run as a user runs it: real subprocesses, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from kg.base.paths import BUILD_REPORT_NAME, BUILD_SET_MANIFEST_NAME, BUILT_GRAPH_NAME, CHECKS_DIR
from kg.core.build.pipeline import OUTPUT_NAMES
from tests.conftest import BROKEN_TABLES, FIXTURE_TABLES

KG = [sys.executable, "-m", "kg"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KG, *args], capture_output=True, text=True, cwd=cwd)


def test_validate_ok(real_tables):
    result = run("validate")
    assert result.returncode == 0, result.stderr
    rows = sum(len(r) for r in real_tables.values())
    names = ", ".join(f"{p.id} {p.version}" for p in real_tables.packages)
    assert result.stdout == (f"OK: {len(real_tables.packages)} package(s) ({names}), {len(real_tables)} tables, {rows} "
                             "rows, no problems.\n")


def test_validate_broken_tables_exits_2_with_every_problem_and_no_traceback():
    result = run("validate", "--tables", str(BROKEN_TABLES))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "12 problem(s)" in result.stderr
    assert "recommendations.tsv:3 column 'strength' value 'very-strong': not one of" in result.stderr


def test_build_broken_tables_writes_nothing(tmp_path: Path):
    result = run("build", "--tables", str(BROKEN_TABLES), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert not (tmp_path / "out").exists()


def test_build_then_query_the_written_graph(tmp_path: Path, fixture_tables, fixture_graph):
    out = tmp_path / "out"
    result = run("build", "--tables", str(FIXTURE_TABLES), "--out", str(out), "--no-reason")
    assert result.returncode == 0, result.stderr
    checks = sorted(p.stem for p in CHECKS_DIR.glob("*-violation.rq"))
    rows = sum(len(r) for r in fixture_tables.values())
    lines = result.stdout.splitlines()
    build = out / "rls-fixture"  # a build set of one guideline: one build, named after it
    assert lines[:2] == ["rls-fixture:", f"  Built {len(fixture_graph)} triples from {rows} table rows."]
    assert lines[2].startswith("    statements per evidence basis: ")
    assert lines[3:] == ["    SHACL conforms: True", f"    QC checks: {len(checks)} run, 0 failed",
                         *(f"    wrote {build / name}" for name in OUTPUT_NAMES),
                         f"wrote {out / BUILD_SET_MANIFEST_NAME}"]
    report = json.loads((build / BUILD_REPORT_NAME).read_text())
    assert report["shacl_conforms"] is True
    assert report["checks"] == dict.fromkeys(checks, 0)
    query = run("query", "cq/treatment-options", "--graph", str(build / BUILT_GRAPH_NAME),
                "--param", "issuer=rls:aasm-2024", "--format", "json")
    assert query.returncode == 0, query.stderr
    bindings = json.loads(query.stdout)["results"]["bindings"]  # W3C SPARQL 1.1 results JSON
    assert bindings and {b["issuer"]["value"] for b in bindings} == {"https://w3id.org/cgkg/rls/aasm-2024"}


def test_query_user_errors_exit_2(tmp_path: Path):
    missing = run("query", "cq/no-such-question")
    assert missing.returncode == 2 and "no query named" in missing.stderr
    bad_param = run("query", "cq/treatment-options", "--param", "issuer")
    assert bad_param.returncode == 2 and "expected NAME=VALUE" in bad_param.stderr
    no_graph = run("query", "cq/treatment-options", "--graph", str(tmp_path / "none.ttl"))
    assert no_graph.returncode == 2 and "no such file" in no_graph.stderr
    typo = run("query", "cq/cautions", "--param", "agent=rls:methadon")
    assert typo.returncode == 2 and "names nothing in the graph" in typo.stderr and "rls:methadone" in typo.stderr
    undeclared = run("query", "cq/cautions", "--param", "drug=methadone")
    assert undeclared.returncode == 2 and "has no parameter ?drug; it takes: ?agent" in undeclared.stderr
    assert "Traceback" not in missing.stderr + bad_param.stderr + no_graph.stderr + typo.stderr + undeclared.stderr


def test_queries_lists_the_library():
    result = run("queries")
    assert result.returncode == 0
    assert "cq/treatment-options" in result.stdout


@pytest.mark.reasoner
def test_reason_reports_consistency(tmp_path: Path, fixture_graph):  # type: ignore[no-untyped-def]
    """The command on a small graph (HermiT on the real build runs in tests/test_reasoner.py and in kg build)."""
    graph = tmp_path / "fixture.ttl"
    fixture_graph.serialize(graph, format="turtle")
    result = run("reason", "--graph", str(graph))
    assert result.returncode == 0, result.stderr
    assert "consistent, no unsatisfiable classes" in result.stdout


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, fixture_graph):
    """No java on PATH and no bundled runtime: the reasoner says how to install one (a UserError, exit 2)."""
    import kg.model.reasoning as reasoning
    from kg.base.errors import UserError

    monkeypatch.setattr(reasoning.shutil, "which", lambda name: None)
    monkeypatch.setattr(reasoning, "_bundled_java", lambda: None)
    with pytest.raises(UserError, match="needs a Java runtime") as caught:
        reasoning.check_consistency(fixture_graph)
    assert caught.value.exit_code == 2
    with pytest.raises(UserError, match="Pellet .* needs a Java 25 runtime"):
        reasoning.check_consistency(fixture_graph, reasoner="pellet")


def test_query_takes_inline_sparql_and_stdin_with_the_same_checks_as_a_file():
    text = 'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?agent WHERE { ?agent rdfs:label "methadone" }'
    inline = run("query", text, "--format", "csv")
    assert inline.returncode == 0, inline.stderr
    assert inline.stdout == "agent\nhttps://w3id.org/cgkg/rls/methadone\n"  # (CRLF read in text mode)
    piped = subprocess.run([*KG, "query", "-", "--format", "csv"], input=text, capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stdout == inline.stdout, piped.stderr
    bound = run("query", "ASK { ?agent ?p ?o }", "--param", "agent=Mirapex")  # parameters bind in text too
    assert bound.returncode == 0 and bound.stdout == "true\n", bound.stderr
    service = subprocess.run([*KG, "query", "-"], input="SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                             capture_output=True, text=True)
    assert service.returncode == 2 and "uses SERVICE" in service.stderr
    huge = subprocess.run([*KG, "query", "-"], input="SELECT * WHERE { ?s ?p ?o }\n" + "#" * 1_000_001,
                          capture_output=True, text=True)
    assert huge.returncode == 2 and "query on standard input: more than the limit" in huge.stderr
    assert "Traceback" not in service.stderr + huge.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT ?x WHERE { ?x foo:bar ?y }", "undeclared prefix 'foo:': declare it with PREFIX foo: <IRI>"),
    ('SELECT ?x WHERE { ?x rdfs:label "a:b" }',  # a colon in a string is not a prefix
     "undeclared prefix 'rdfs:': add PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"),
    ("PREFIX a: <http://e.org/> PREFIX b: <http://e.org/b#> SELECT * { ?x a:p b:q ; c:r d:s }",
     "undeclared prefix 'c:' (also 'd:')"),
])
def test_an_undeclared_prefix_is_named(text, message):
    inline = run("query", text)
    assert inline.returncode == 2 and message in inline.stderr, inline.stderr
    assert "expected one of" not in inline.stderr and "Traceback" not in inline.stderr


def test_a_parameter_binds_the_node_of_the_kind_the_query_expects():
    """``lab=ferritin`` gave 0 rows with exit 0 (it bound the text 'ferritin'); now it binds the lab test, the same
    rows as its LOINC code (terminology.md: serum ferritin is LOINC 2276-4) in any spelling."""
    answers = [run("query", "cq/lab-thresholds", "--param", pair, "--format", "json")
               for pair in ("lab=ferritin", "lab=LOINC:2276-4", "lab=<http://loinc.org/rdf#2276-4>")]
    assert all(a.returncode == 0 for a in answers), [a.stderr for a in answers]
    rows = json.loads(answers[0].stdout)["results"]["bindings"]
    assert rows and {r["loinc"]["value"] for r in rows} == {"2276-4"}
    assert answers[1].stdout == answers[0].stdout == answers[2].stdout
    refused = run("query", "cq/lab-thresholds", "--param", "lab=methadone")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "--param lab=methadone: expected a lab test ('methadone' is rls:methadone, not one; e.g. " \
           "ferritin (loinc:2276-4)" in refused.stderr and "Traceback" not in refused.stderr


def test_a_name_in_an_inline_query_with_no_kind_is_never_an_empty_answer():
    """``x=AI`` in a query that declares no kind bound the text "AI", which no statement holds (they hold the
    evidence-basis node whose notation it is): 0 rows, exit 0. Now it is refused with both ways to write it; with a
    '#+ kinds:' line the query says which it wants (the evidence-basis kind is the notation)."""
    text = "PREFIX cg: <https://w3id.org/cgkg/ontology#>\nSELECT ?s ?x WHERE { ?s cg:evidenceBasis ?x } LIMIT 1"
    refused = run("query", text, "--param", "x=AI")
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert "'AI' may mean the text \"AI\" (--param x='\"AI\"'); or AI (cg:BasisAISecondary) " \
           "(--param x=cg:BasisAISecondary)" in refused.stderr
    node = run("query", text, "--param", "x=cg:BasisAISecondary", "--format", "csv")
    notation = run("query", "#+ kinds: ?x evidence-basis\n" + text.replace("cg:evidenceBasis ?x", "cg:evidenceBasis/"
                   "<http://www.w3.org/2004/02/skos/core#notation> ?x"), "--param", "x=AI", "--format", "csv")
    for answer in node, notation:
        assert answer.returncode == 0 and len(answer.stdout.splitlines()) == 2, answer.stderr  # header + 1 row
    unselected = run("query", text.replace("?s ?x WHERE", "?s WHERE"), "--param", "x=cg:BasisAISecondary")
    assert unselected.returncode == 2 and "--param x binds ?x, which the query does not select: add ?x to its " \
                                          "SELECT clause" in unselected.stderr  # not the engine's own words


def test_queries_shows_each_parameter_with_its_kind_and_an_example_that_gives_rows():
    wide = {**os.environ, "COLUMNS": "1000"}  # one line per query: no cell wraps
    listing = subprocess.run([*KG, "queries"], capture_output=True, text=True, env=wide)
    assert listing.returncode == 0, listing.stderr
    example = re.search(r"\?lab \(optional; lab test, e\.g\. lab=(\S+)\)", listing.stdout)
    assert example, "no example for ?lab of cq/lab-thresholds"
    answer = run("query", "cq/lab-thresholds", "--param", f"lab={example.group(1)}", "--format", "json")
    assert answer.returncode == 0 and json.loads(answer.stdout)["results"]["bindings"], answer.stderr
    # each example is one shell word as shown (a name with a space is quoted), so it can be pasted after --param
    shown = re.finditer(r"\?(\w+) \([^()]*e\.g\. ((?:'[^']*'|[^\s';()])+)\)", listing.stdout)
    pasted = {m.group(1): shlex.split(m.group(2)) for m in shown}
    assert len(pasted) >= 10 and all(len(words) == 1 and words[0].startswith(f"{name}=")
                                     for name, words in pasted.items()), pasted
    assert pasted["class"] == ["class=CNS depressants"]  # shown as class='CNS depressants'


COLD_DECIDE = """
import sys
sys.argv = ["kg", "decide", "--example", *sys.argv[1:]]
from kg.cli import main
try:
    main()
except SystemExit:
    pass
print(" ".join(m for m in ("pyshacl", "networkx", "rdflib.plugins.sparql") if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("arguments, imported", [((), ""), (("--why", "gabapentin"), "networkx")])
def test_a_cold_decision_imports_no_validator_no_sparql_engine_of_rdflib_and_networkx_only_for_why(arguments, imported):
    """What a cold ``kg decide`` does not use, it does not import (ADR 0028): pySHACL (and with it rdflib's SPARQL
    engine) validates builds; networkx draws the chain of --why."""
    done = subprocess.run([sys.executable, "-c", COLD_DECIDE, *arguments], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout, done.stderr
    assert done.stderr.splitlines()[-1] == imported
