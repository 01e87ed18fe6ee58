"""The ``?guideline`` filter of the competency questions that list guideline content (queries/README.md, ADR 0026),
on the combined build (the packaged default): bound to one guideline's table id, none of the other's rows; unbound,
the answer and its columns are the question's (the goldens); an unknown id is refused with exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from kg.core.build.knowledge import default_knowledge
from kg.core.query.library import all_queries, run_query
from kg.core.query.params import resolve
from kg.model.packages import package_node
from tests.conftest import rendered_rows
from tests.test_queries import bound, shown

FILTERED = [q for q in all_queries() if q.name.startswith("cq/") and "guideline" in q.filters]
GUIDELINES = ("rls-aasm-2024", "insomnia-aasm-2017")


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    return default_knowledge().store


def test_the_competency_questions_that_list_guideline_content_take_the_filter():
    assert {q.name for q in FILTERED} >= {"cq/treatment-options", "cq/statements-in-force", "cq/treatment-algorithm",
                                          "cq/dosing", "cq/population-definitions", "cq/exacerbating-factors",
                                          "cq/cautions", "cq/source-disagreements", "cq/supersession-changes",
                                          "cq/lab-thresholds", "cq/population-criteria"}
    # decided in ADR 0026: a direction conflict may pair two guidelines' statements (it belongs to the pair), and the
    # seed claims are the coverage of one document of one package
    assert not {q.name for q in FILTERED} & {"cq/direction-conflicts", "cq/seed-coverage"}


PATTERN = ("dcterms:isPartOf ?guidelinePackage . ?guideline dcterms:isVersionOf ?guidelinePackage .\n",
           "# ?guideline (filter, optional): a guideline by table id (--param guideline=<guideline id>); "
           "its own rows only\n")


@pytest.mark.parametrize("query", FILTERED, ids=[q.name for q in FILTERED])
def test_every_filter_is_written_as_the_one_pattern(query):
    """One way to say "part of the guideline's package" (ADR 0026): the row's subject is part of the package of the
    guideline's build header record, written the same in every query (a change of the shape is a change of every
    file, found by grep), and ?guideline is used nowhere else than there and in the projection and grouping."""
    lines = query.text.splitlines(keepends=True)
    patterns = [i for i, line in enumerate(lines) if line.endswith(f" {PATTERN[0]}")]
    assert patterns, f"{query.name}: no '?x {PATTERN[0].strip()}'"
    for i in patterns:
        subject = lines[i].removesuffix(PATTERN[0])
        assert re.fullmatch(r" *\?\w+ ", subject), f"{query.name}: one subject, then the pattern"
        assert lines[i - 1].lstrip() == PATTERN[1], f"{query.name}: the pattern's comment differs"
    code = re.sub(r"#.*", "", query.text)
    code = re.sub(r"\bSELECT\b.*?\bWHERE\b|\bGROUP BY\b.*?(?=\bORDER BY\b|\Z)", "", code, flags=re.S)
    assert len(re.findall(r"\?guideline\b", code)) == len(patterns), f"{query.name}: ?guideline outside the pattern"


def test_a_supersession_change_never_joins_two_packages(store):
    """cq/supersession-changes puts a change (an older and a newer statement) under a guideline when both are part of
    its package, so a change across two packages would be missing from the unbound answer: there is none (the
    combined build holds every package of every build)."""
    assert not store.query(
        "ASK { ?older <https://w3id.org/cgkg/ontology#supersededBy> ?newer . "
        "?old <https://w3id.org/cgkg/ontology#issuedBy> ?older ; <http://purl.org/dc/terms/isPartOf> ?a . "
        "?new <https://w3id.org/cgkg/ontology#issuedBy> ?newer ; <http://purl.org/dc/terms/isPartOf> ?b . "
        "FILTER(?a != ?b) }")


@pytest.mark.parametrize("query", FILTERED, ids=[q.name for q in FILTERED])
def test_one_guideline_s_rows_are_its_own_and_the_unbound_answer_is_unchanged(query, store):
    everything = run_query(shown(query), store)
    assert "guideline" not in (run_query(query, store) or [{}])[0]  # the column is the filter's, not the answer's
    records = {}
    for guideline in GUIDELINES:
        values = bound(query, [f"guideline={guideline}"], store)
        record = values["guideline"]
        assert str(record).startswith(f"{package_node(guideline)}/")
        rows = run_query(shown(query), store, values)
        assert all(row["guideline"] == record for row in rows)  # none of the other guideline's rows
        assert Counter(rendered_rows(query, rows)) == Counter(
            rendered_rows(query, [row for row in everything if row["guideline"] == record]))
        records[guideline] = rows
    assert any(records.values()), f"{query.name}: no guideline has rows"


def test_treatment_options_of_each_guideline_are_its_statements(store):
    query = next(q for q in FILTERED if q.name == "cq/treatment-options")
    for guideline, other in (GUIDELINES, reversed(GUIDELINES)):
        rows = run_query(query, store, bound(query, [f"guideline={guideline}"], store))
        recs = {str(row["rec"]) for row in rows}
        assert recs and all(store.query(
            f"ASK {{ <{rec}> <http://purl.org/dc/terms/isPartOf> <{package_node(guideline)}> }}") for rec in recs)
        assert not any(store.query(
            f"ASK {{ <{rec}> <http://purl.org/dc/terms/isPartOf> <{package_node(other)}> }}") for rec in recs)


def test_a_package_that_is_no_guideline_is_refused_naming_the_kind(store):
    query = next(q for q in FILTERED if q.name == "cq/dosing")
    from kg.base.errors import UserError
    from kg.core.build.knowledge import Knowledge
    from kg.core.query.execute import Target

    with pytest.raises(UserError, match=r"--param guideline=shared-drug-safety: expected a guideline"):
        resolve("guideline", "shared-drug-safety", Target(Knowledge(store, "memory")).names(query),
                query.kind_of("guideline"))


def test_an_unknown_guideline_id_is_exit_2_with_the_field_the_value_and_the_rule():
    done = subprocess.run([sys.executable, "-m", "kg", "query", "cq/treatment-options", "--param",
                           "guideline=no-such-guideline"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert "--param guideline=no-such-guideline: expected a guideline" in done.stderr
    assert "kinds/guideline" in done.stderr and "rls-aasm-2024" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("query", FILTERED, ids=[q.name for q in FILTERED])
def test_every_filtered_query_refuses_an_unknown_guideline_naming_the_kind(query, store):
    """What the CLI test above shows for one query (exit 2), for each: the value is resolved against kinds/guideline."""
    from kg.base.errors import UserError
    from kg.core.build.knowledge import Knowledge
    from kg.core.query.execute import Target

    with pytest.raises(UserError, match=r"--param guideline=no-such-guideline: expected a guideline .*rls-aasm-2024"):
        resolve("guideline", "no-such-guideline", Target(Knowledge(store, "memory")).names(query),
                query.kind_of("guideline"))
