"""The query library: every .rq file is documented, parses, binds its parameters and answers;
every competency question answers what its golden file in tests/golden/cq/ says (see its README)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import RDF, Literal

from kg.base.errors import UserError
from kg.core.build.knowledge import Knowledge, default_knowledge
from kg.core.query.execute import Target, execute, parameter_examples
from kg.core.query.library import (
    all_queries,
    load_query,
    query_from_argument,
    query_from_text,
    run_query,
    undeclared_prefixes,
)
from kg.core.query.params import parse_pairs, resolve
from kg.core.query.results import Solutions
from kg.model.namespaces import CG, PREFIXES
from tests.conftest import GOLDEN, rendered_rows
from tests.package_namespaces import RLS

QUERIES = all_queries()
CQ = [q for q in QUERIES if q.name.startswith("cq/")]
# The golden answer of a CQ is asked with no parameter bound, except where that answer is too long to
# review as a file: then with one representative value (as `kg query NAME --param NAME=VALUE`).
GOLDEN_PARAMS = {
    "cq/cautions": ["agent=rls:pramipexole"],  # its own cautions and its drug class's (dopamine agonists)
    "cq/statement": ["rec=rls:aasm2024-ferric-carboxymaltose"],  # a graded recommendation, several sources
    "cq/agent-profile": ["agent=rls:gabapentin"],  # classes, codes, statements, cautions, dosing, interactions
}


@pytest.fixture(scope="module")
def built_store():  # type: ignore[no-untyped-def]
    """The packaged build (kg/built/): the graph plus the reasoner's entailments in their named graph, which
    some competency questions read (tests/test_packaged_build.py fails while it is stale)."""
    return default_knowledge().store


def shown(query):
    """The query with its ``#+ filters:`` columns kept in the answer (which rows carry which value)."""
    return dataclasses.replace(query, filters=())


def not_a_guideline(record, store) -> bool:
    """A build header's package record whose package states no guideline statement (shared, crosswalk)."""
    return store.query("ASK { ?record <http://purl.org/dc/terms/isVersionOf> ?package . FILTER NOT EXISTS { ?s "
                       "<http://purl.org/dc/terms/isPartOf> ?package ; <https://w3id.org/cgkg/ontology#inForce> ?f } }",
                       substitutions={ox.Variable("record"): ox.NamedNode(str(record))})


def bound(query, pairs: list[str], store) -> dict:
    """``--param NAME=VALUE`` pairs resolved as ``kg query`` resolves them."""
    names = Target(Knowledge(store, "memory")).names(query)
    return {name: resolve(name, value, names) for name, value in parse_pairs(pairs).items()}


def test_there_are_queries_and_competency_questions():
    assert len(CQ) >= 10
    assert len(QUERIES) > len(CQ)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_query_is_documented_and_self_contained(query):
    assert query.summary, "#+ summary: header missing"
    assert query.tags, "#+ tags: header missing"
    declared = dict(re.findall(r"^PREFIX (\w*): <([^>]+)>", query.text, flags=re.M))
    used = set(re.findall(r"(?<![\w<#/?])([a-z]+):(?=[A-Za-z_])", re.sub(r"<[^>]*>|\"[^\"]*\"|#.*", "", query.text)))
    assert used <= set(declared), f"undeclared prefixes: {used - set(declared)}"
    for prefix, iri in declared.items():
        assert PREFIXES.get(prefix, iri) == iri, f"prefix {prefix} differs from kg.model.namespaces"


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_parameters_are_projected_so_they_can_be_bound(query):
    projection = query.text.split("WHERE", 1)[0]
    for param in query.params:
        assert f"?{param}" in projection, f"?{param} must be in the SELECT clause to be bindable"


@pytest.mark.parametrize("query", CQ, ids=[q.name for q in CQ])
def test_competency_question_answers_on_the_real_graph(query, built_store):
    assert run_query(query, built_store), "no rows"


@pytest.mark.parametrize("query", CQ, ids=[q.name for q in CQ])
def test_competency_question_matches_its_golden_answer(query, built_store, update_golden: bool):
    """Compared as a multiset of rows: their order does not matter, duplicate rows do."""
    rows = run_query(query, built_store, bound(query, GOLDEN_PARAMS.get(query.name, []), built_store))
    got = ["\t".join(rows[0] if rows else []), *rendered_rows(query, rows)]
    path = GOLDEN / f"{query.name}.tsv"
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(got) + "\n", encoding="utf-8")
    assert path.is_file(), f"no golden answer {path}: write it with --update-golden (tests/golden/README.md)"
    golden = path.read_text(encoding="utf-8").splitlines()
    assert golden[0] == got[0], f"columns differ: golden {golden[0]!r}, now {got[0]!r}"
    expected, actual = Counter(golden[1:]), Counter(got[1:])
    only_golden, only_now = sorted((expected - actual).elements()), sorted((actual - expected).elements())
    assert not only_golden and not only_now, (
        f"{query.name} differs from {path.relative_to(GOLDEN.parent.parent)} (regenerate with --update-golden "
        "if intended)\nonly in golden:\n" + "\n".join(only_golden) + "\nonly in result:\n" + "\n".join(only_now))


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_optional_parameters_are_parameters(query):
    assert set(query.optional) <= set(query.params)


OPTIONAL_CASES = [(q, p) for q in CQ for p in q.params if p in set(q.optional)]


@pytest.mark.parametrize(("query", "param"), OPTIONAL_CASES, ids=[f"{q.name}?{p}" for q, p in OPTIONAL_CASES])
def test_an_optional_parameter_bound_to_a_value_of_the_unbound_answer_selects_its_rows(query, param, built_store):
    """Unbound, the query answers for every value; bound to one of those values it answers exactly the rows
    that carry it (so the query is correct both ways, whatever the engine binds with)."""
    query = shown(query)
    everything = run_query(query, built_store)
    values = sorted({row[param] for row in everything if row[param] is not None}, key=str)
    assert values, f"no row binds ?{param}"
    value = values[len(values) // 2]
    bound = run_query(query, built_store, {param: value})
    expected = [row for row in everything if row[param] == value]
    assert Counter(rendered_rows(query, bound)) == Counter(rendered_rows(query, expected))


def test_binding_a_parameter_restricts_the_answer(real_store):
    query = load_query("cq/treatment-options")
    everything = run_query(query, real_store)
    seed_only = run_query(query, real_store, {"issuer": RLS["seed"]})
    assert 0 < len(seed_only) < len(everything)
    assert {row["issuer"] for row in seed_only} == {RLS["seed"]}


def test_bound_values_are_not_spliced_into_the_query_text(real_store):
    """A hostile value is bound as a literal: it matches nothing, it does not change the query."""
    query = load_query("cq/treatment-options")
    hostile = Literal('x" } UNION { ?s ?p ?o } #')
    assert run_query(query, real_store, {"issuer": hostile}) == []


def test_unknown_parameter_and_unknown_query_are_user_errors(real_store):
    with pytest.raises(UserError, match="has no parameter"):
        run_query(load_query("cq/treatment-options"), real_store, {"patient": RLS["x"]})
    with pytest.raises(UserError, match="no query named"):
        load_query("cq/no-such-question")


@pytest.mark.parametrize(("name", "meant"), [
    ("lab-thresholds", "cq/lab-thresholds"),  # the folder left out
    ("cq/lab-threshold", "cq/lab-thresholds"),  # a typo
    ("cq/fhir-coding", "cq/fhir-codings"),
    ("cautions", "cq/cautions, diff/cautions"),  # the same file name in two folders: both
])
def test_an_unknown_query_name_gets_the_closest_names_not_the_whole_library(name, meant):
    with pytest.raises(UserError) as caught:
        load_query(name)
    assert str(caught.value) == f"no query named '{name}'. Did you mean: {meant}? " \
                                f"(kg queries lists all {len(QUERIES)} of them)"
    with pytest.raises(UserError, match=r"^no query named 'zzz' \(kg queries lists all \d+ of them\)$"):
        load_query("zzz")


def test_a_query_file_of_ones_own_may_end_in_rq_or_sparql(tmp_path):
    text = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?a WHERE { ?a rdfs:label ?l }\n"
    for suffix in (".rq", ".sparql"):
        (tmp_path / f"mine{suffix}").write_text(text, encoding="utf-8")
        assert query_from_argument(str(tmp_path / f"mine{suffix}")).text == text
    (tmp_path / "mine.txt").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=r"mine\.txt: a query file's name ends in \.rq or \.sparql"):
        query_from_argument(str(tmp_path / "mine.txt"))


@pytest.mark.parametrize("name", ["x" * 5000, "a\x00b", "cq/" + "y" * 300 + ".sparql"])
def test_a_name_no_file_can_have_is_an_unknown_query_not_a_crash(name):
    """A name longer than a file name may be, or with a NUL, raised OSError / ValueError from the file system."""
    with pytest.raises(UserError, match="no query named"):
        query_from_argument(name)


@pytest.mark.parametrize("name", ["queries/cq/cautions", "cq/cautions.rq", "queries/cq/cautions.rq"])
def test_a_library_query_may_be_named_as_its_file_below_the_checkout(name):
    assert load_query(name).path == load_query("cq/cautions").path


def test_cautions_for_methadone_include_its_drug_class_cautions(real_store):
    rows = run_query(load_query("cq/cautions"), real_store, {"agent": RLS["methadone"]})
    about = {str(r["about"]) for r in rows}
    assert {"methadone", "opioids"} <= about


def test_direction_conflicts_find_the_curated_dopamine_agonist_disagreement(real_store):
    rows = run_query(load_query("cq/direction-conflicts"), real_store)
    pramipexole = [r for r in rows if str(r["option"]) == "pramipexole"]
    assert any(r["curated"] == Literal(True) for r in pramipexole)


def test_headers_declare_required_and_optional_parameters_and_prefixes():
    query = query_from_text("#+ params: ?a, ?b\n#+ optional: ?b ?c\nPREFIX ex: <http://example.org/>\n"
                            "prefix : <http://example.org/base#>\nSELECT ?a ?b ?c ?d WHERE { ?a ex:p ?b }")
    assert query.params == ("a", "b", "c") and query.optional == ("b", "c") and query.required == ("a",)
    assert query.bindable == ("a", "b", "c")
    assert query.prefixes == {"ex": "http://example.org/", "": "http://example.org/base#"}
    adhoc = query_from_text("SELECT ?x WHERE { ?x ?p $y }")
    assert not adhoc.declares_params and adhoc.bindable == ("x", "p", "y") and adhoc.required == ()


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_no_library_query_is_taken_for_one_with_an_undeclared_prefix(query):
    """The check that names an undeclared prefix finds none in a query that runs (no false alarm on IRIs with
    colons, strings, comments, blank nodes or datatypes)."""
    assert undeclared_prefixes(query.text) == ()


KIND_CASES = [(q, p) for q in CQ for p in q.params]
DECLARED = [(q, p) for q in QUERIES for p in q.params]  # the decision queries' ?patient too


@pytest.mark.parametrize(("query", "param"), DECLARED, ids=[f"{q.name}?{p}" for q, p in DECLARED])
def test_every_parameter_of_a_library_query_declares_the_kind_of_node_it_takes(query, param):
    """So a name is never bound to a node of another kind (an empty answer): the README's promise."""
    kind = query.kind_of(param)
    assert kind is not None, f"#+ kinds: ?{param} KIND missing (queries/README.md)"
    assert load_query(f"kinds/{kind}").tags == ("kind",)
    assert set(dict(query.kinds)) <= set(query.params), "a kind declared for a variable that is no parameter"


@pytest.mark.parametrize(("query", "param"), KIND_CASES, ids=[f"{q.name}?{p}" for q, p in KIND_CASES])
def test_a_kind_takes_every_value_its_query_answers_for(query, param, built_store):
    """The kind is not narrower than the query: every value of ?param in the unbound answer is a node of it
    (so a value the query has rows for is never refused)."""
    members = set(Target(Knowledge(built_store, "memory")).names(query).kind(query.kind_of(param)).members)
    assert members, f"kinds/{query.kind_of(param)} lists nothing on the packaged build"
    answered = {row[param] for row in run_query(shown(query), built_store) if row[param] is not None}
    if param in query.filters:  # rows of shared or crosswalk content carry their package, which no filter selects
        answered -= {value for value in answered - members if not_a_guideline(value, built_store)}
    assert answered <= members, f"values the query answers for but kinds/{query.kind_of(param)} lacks: " \
                                f"{sorted(map(str, answered - members))[:5]}"


def test_a_decision_query_bound_on_the_build_is_refused_not_answered_empty(built_store):
    """``kg query decision/options --param patient=methadone`` gave 0 rows with exit 0: the build holds no patient
    (kg decide adds one from a profile), so any node bound there answered nothing."""
    with pytest.raises(UserError) as caught:
        execute(load_query("decision/options"), Target(Knowledge(built_store, "memory")), {"patient": "methadone"})
    assert str(caught.value) == "--param patient=methadone: expected a patient ('methadone' is rls:methadone, not " \
                                "one), and the graph has none (kinds/patient)"
    with_patient = ox.Store()  # a graph with a patient (what kg decide queries): the patient is taken
    patient = ox.NamedNode("urn:example:patient-1")
    with_patient.add(ox.Quad(patient, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(CG.Patient))))
    answer = execute(load_query("decision/options"), Target(Knowledge(with_patient, "memory")),
                     {"patient": "<urn:example:patient-1>"})
    assert isinstance(answer, Solutions) and answer.rows() == []  # bound, and nothing to decide in this graph


def test_the_example_of_each_parameter_gives_rows(built_store):
    """``kg queries`` shows an example per parameter, taken from the graph: as --param it names a node of the
    parameter's kind and gives rows."""
    knowledge = Knowledge(built_store, "memory")
    examples = parameter_examples(CQ, knowledge)
    for query, param in KIND_CASES:
        example = examples[(query.name, param)]
        names = Target(knowledge).names(query)
        assert resolve(param, example, names, query.kind_of(param)) in names.kind(query.kind_of(param)).members
        result = execute(query, Target(knowledge), {param: example})
        assert isinstance(result, Solutions) and result.rows(), f"{query.name} --param {param}={example}: no rows"
