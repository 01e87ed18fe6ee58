"""Build sets (ADR 0019, "Build sets"): ``kg build`` makes one checked build per guideline alone and one of all the
guidelines together, written as one set (builds.json and a folder per build) with one rename; a decision reads the
build of exactly the guidelines treating the patient's conditions; other commands read the build of all of them
unless --guideline names others. Built here from two fixture guidelines (tests/fixtures/rls-fixture, a copy of RLS
rows, and tests/fixtures/fixture-b, a fictional one)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Namespace

from kg.base.errors import UserError, ValidationError
from kg.base.paths import BUILD_REPORT_NAME, BUILD_SET_MANIFEST_NAME, BUILT_GRAPH_NAME, PACKAGED_BUILD_DIR
from kg.core.build.build_set import open_set
from kg.core.build.knowledge import load_knowledge
from kg.core.build.pipeline import (
    OUTPUT_NAMES,
    BuildFailed,
    BuildSetResult,
    build,
    build_graph,
    build_set,
    serialize,
    write_set,
)
from kg.core.build.tables import load_tables
from kg.core.build.verify import open_build
from kg.core.decide.build_choice import knowledge_for
from kg.model.namespaces import CG
from kg.model.packages import discover
from kg.model.selections import build_selections
from tests.conftest import FIXTURES, copy_package
from tests.fuzz.cli_probe import run_kg
from tests.test_atomic_output import kill_writes_at_random

PAIR = ["rls-fixture", "fixture-b"]
NAMES = ["fixture-b", "rls-fixture", "fixture-b+rls-fixture"]
FIXTURE_B = Namespace("https://w3id.org/cgkg/test-fixture-b/")
RLS = Namespace("https://w3id.org/cgkg/rls/")
OUTPUT = sorted(OUTPUT_NAMES)  # the graph, the entailments, the decision tables and the report
RLS_PROFILE = {"sex": "female"}  # names no conditions: the default guideline's (restless legs syndrome)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, BuildSetResult]:
    """A build set of the two fixture guidelines (no reasoner: HermiT has a test of its own below)."""
    out = tmp_path_factory.mktemp("sets") / "pair"
    return out, build_set(out, source=FIXTURES, guidelines=PAIR, reason=False)


def test_a_set_holds_each_guideline_alone_and_both_together(pair):
    out, result = pair
    assert list(result.builds) == NAMES
    assert sorted(p.name for p in out.iterdir()) == sorted([BUILD_SET_MANIFEST_NAME, *NAMES])
    for name in NAMES:
        assert sorted(p.name for p in (out / name).iterdir()) == OUTPUT
    manifest = json.loads((out / BUILD_SET_MANIFEST_NAME).read_text(encoding="utf-8"))["builds"]
    assert manifest["fixture-b"]["guidelines"] == {"fixture-b": {
        "version": "0.0.1", "conditions": {"fixture-b-condition": str(FIXTURE_B["fixture-b-condition"])}}}
    assert manifest["fixture-b"]["packages"] == {"fixture-b": "0.0.1"}
    assert sorted(manifest["fixture-b+rls-fixture"]["guidelines"]) == sorted(PAIR)
    assert manifest["rls-fixture"]["guidelines"]["rls-fixture"]["conditions"] == {
        "restless-legs-syndrome": str(RLS["restless-legs-syndrome"])}


def test_each_build_is_the_build_of_its_own_packages_alone(pair):
    """Each written graph is byte for byte a build of its packages made on its own: nothing of the other guideline
    leaks into a single build, and the combined build holds both."""
    out, _ = pair
    pool = discover(FIXTURES)
    for selection in build_selections(pool, PAIR):
        alone = build_graph(load_tables(list(selection.packages)))[0]
        assert (out / selection.name / BUILT_GRAPH_NAME).read_bytes() == serialize(alone), selection.name
    statements = {name: set(Graph().parse(out / name / BUILT_GRAPH_NAME).subjects(CG.direction, None))
                  for name in NAMES}
    assert FIXTURE_B["fixture-b-rec"] in statements["fixture-b"] and len(statements["fixture-b"]) == 1
    assert FIXTURE_B["fixture-b-rec"] not in statements["rls-fixture"]
    assert statements["fixture-b+rls-fixture"] == statements["fixture-b"] | statements["rls-fixture"]


def test_open_build_reads_the_build_of_all_guidelines_unless_others_are_named(pair):
    out, _ = pair
    assert open_build(out).folder == out / "fixture-b+rls-fixture"
    assert open_build(out, guidelines=["rls-fixture"]).folder == out / "rls-fixture"
    assert load_knowledge(out, guidelines={"fixture-b"}).guidelines == {"fixture-b"}
    with pytest.raises(UserError, match="no build of the guidelines fixture-b\\+rls-aasm-2024 in this build set"):
        open_build(out, guidelines=["rls-aasm-2024", "fixture-b"])


def _turtle_patient(*conditions) -> Graph:
    graph = Graph()
    patient = RLS["patient"]
    graph.add((patient, RDF.type, CG.Patient))
    for condition in conditions:
        node = BNode()
        graph.add((patient, CG.hasCondition, node))
        graph.add((node, RDF.type, condition))
    return graph


def test_a_decision_reads_the_build_of_exactly_the_guidelines_treating_the_patient_s_conditions(pair):
    out, _ = pair
    rls_only = knowledge_for(RLS_PROFILE, out)
    assert rls_only.guidelines == {"rls-fixture"} and Path(rls_only.source) == out / "rls-fixture"
    assert knowledge_for({**RLS_PROFILE, "conditions": ["restless-legs-syndrome"]}, out).guidelines == {"rls-fixture"}
    assert knowledge_for(_turtle_patient(FIXTURE_B["fixture-b-condition"]), out).guidelines == {"fixture-b"}
    both = _turtle_patient(FIXTURE_B["fixture-b-condition"], RLS["restless-legs-syndrome"])
    assert knowledge_for(both, out).guidelines == set(PAIR)
    assert knowledge_for(_turtle_patient(), out).guidelines == {"rls-fixture"}  # no treated condition: the default


def test_the_packaged_set_decides_an_rls_profile_on_the_rls_build():
    knowledge = knowledge_for(RLS_PROFILE)
    assert knowledge.guidelines == {"rls-aasm-2024"}
    assert knowledge is knowledge_for({**RLS_PROFILE, "conditions": ["restless-legs-syndrome"]})  # read once


def test_the_packaged_build_loaded_before_the_profile_is_checked_is_the_one_chosen(monkeypatch):
    """knowledge_for starts loading the build the profile's conditions call for before it checks the profile: for a
    valid profile, the build it then chooses (the same object, loaded once); an invalid profile is refused as always,
    whatever was started."""
    from kg.core.build import knowledge as knowledge_module

    started = []
    monkeypatch.setattr(knowledge_module, "_read_once", _recording(knowledge_module._read_once, started))
    profile = {**RLS_PROFILE, "conditions": ["chronic-insomnia"]}
    knowledge = knowledge_for(profile)
    assert knowledge.guidelines == {"insomnia-aasm-2017"} and len(started) == 2 and started[0] == started[1]
    with pytest.raises(ValidationError, match="sex"):
        knowledge_for({**profile, "sex": "unknown-value"})


def test_the_first_decision_store_is_copied_ahead_once_per_knowledge():
    """knowledge_for asks for it for every profile (a cohort's too): one copy, which the first decision takes, and
    which holds exactly the build's quads like any decision store."""
    knowledge = load_knowledge(PACKAGED_BUILD_DIR / "rls-aasm-2024")
    for _ in range(3):
        knowledge.copy_for_the_first_decision()
    assert len(knowledge._first_copy) == 1
    store = knowledge.take_decision_store()
    assert not knowledge._first_copy and not knowledge._spare_stores
    assert frozenset(store) == frozenset(knowledge.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    knowledge.copy_for_the_first_decision()
    assert not knowledge._first_copy  # once per knowledge


def _recording(read_once, started: list):
    def recorded(folder, guidelines):
        started.append(folder.name)
        return read_once(folder, guidelines)
    return recorded


def test_a_profile_naming_a_condition_no_installed_guideline_treats_is_a_problem(pair):
    out, _ = pair
    with pytest.raises(UserError) as raised:
        knowledge_for({**RLS_PROFILE, "conditions": ["fixture-b-condition"]}, out)
    assert "column 'conditions[0]' value '\"fixture-b-condition\"': not a condition that an installed guideline " \
           "package treats (manifest.yaml conditions): chronic-insomnia, restless-legs-syndrome" in str(raised.value)


def test_a_set_without_the_needed_combination_exits_2_with_the_command_that_makes_it(tmp_path):
    only_b = tmp_path / "only-b"
    build_set(only_b, source=FIXTURES, guidelines=["fixture-b"], reason=False)
    assert [p.name for p in only_b.iterdir() if p.is_dir()] == ["fixture-b"]  # one guideline: one build
    with pytest.raises(UserError, match="no guideline in this build treats restless-legs-syndrome .*make a build of "
                                        "the guidelines the patient needs with: kg build --out build-rls-aasm-2024 "
                                        "--guideline rls-aasm-2024, then give --build build-rls-aasm-2024"):
        knowledge_for(RLS_PROFILE, only_b)
    outcome = run_kg("decide", "--example", "--build", str(only_b))
    assert outcome.clean_error and "kg build --out build-rls-aasm-2024 --guideline rls-aasm-2024" in outcome.stderr
    query = run_kg("query", "cq/treatment-algorithm", "--build", str(only_b), "--guideline", "rls-fixture")
    assert query.clean_error and "make one with: kg build --out build-rls-fixture --guideline rls-fixture" \
        in query.stderr


def test_query_reads_the_build_of_all_guidelines_or_the_one_named(pair):
    out, _ = pair
    ask = f"ASK {{ <{FIXTURE_B['fixture-b-rec']}> ?p ?o }}"
    answers = {}
    for chosen in ([], ["--guideline", "rls-fixture"], ["--guideline", "fixture-b"]):
        outcome = run_kg("query", ask, "--build", str(out), *chosen, "--format", "json")
        assert outcome.code == 0, outcome.stderr
        answers[tuple(chosen)] = json.loads(outcome.stdout)["boolean"]
    assert answers == {(): True, ("--guideline", "rls-fixture"): False, ("--guideline", "fixture-b"): True}


def _copy(out: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)  # the link resolved: a plain folder, as kg/built is
    return copy


def _edit_manifest(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / BUILD_SET_MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest["builds"])
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _swap_conditions(builds) -> None:  # type: ignore[no-untyped-def]
    """The combined build claimed to treat a condition it does not (what a hand edit or a bad merge would do)."""
    builds["rls-fixture"]["guidelines"]["rls-fixture"]["conditions"]["fixture-b-condition"] = "x"


TAMPERED_MANIFESTS = {
    "conditions-edited": (lambda b: _swap_conditions(b), "holds other guidelines or packages than its"),
    "package-version-edited": (lambda b: b["fixture-b"]["packages"].update({"fixture-b": "9.9.9"}),
                               "holds other guidelines or packages than its"),
    "report-hash-edited": (lambda b: b["fixture-b"].update(report_sha256="0" * 64), "does not match the report_sha256"),
    "entry-renamed": (lambda b: b.update({"rls-fixture+x": b.pop("rls-fixture")}), "is not a build set manifest"),
    "complete-build-removed": (lambda b: b.pop("fixture-b+rls-fixture"), "has no build of all its guidelines"),
}


@pytest.mark.parametrize("name", TAMPERED_MANIFESTS)
def test_a_tampered_set_manifest_fails_verification(pair, tmp_path, name):
    out, _ = pair
    copy = _copy(out, tmp_path)
    change, message = TAMPERED_MANIFESTS[name]
    _edit_manifest(copy, change)
    with pytest.raises(UserError, match=message):
        open_build(copy, guidelines=["rls-fixture"])


def test_swapped_build_folders_and_a_manifest_that_is_not_one_fail_verification(pair, tmp_path):
    out, _ = pair
    copy = _copy(out, tmp_path)
    (copy / "rls-fixture").rename(copy / "swap")
    (copy / "fixture-b").rename(copy / "rls-fixture")
    (copy / "swap").rename(copy / "fixture-b")
    with pytest.raises(UserError, match="/build-report.json does not match the report_sha256 of builds.json"):
        open_build(copy)
    (copy / BUILD_SET_MANIFEST_NAME).write_text("[]", encoding="utf-8")
    outcome = run_kg("decide", "--example", "--build", str(copy))
    assert outcome.clean_error and f"{BUILD_SET_MANIFEST_NAME} is not a build set manifest" in outcome.stderr


def test_a_build_that_fails_only_in_combination_writes_nothing(tmp_path):
    """Each build runs every check: two guidelines that pass alone but not together (the same label for two
    interventions) fail the set, naming the combined build, and nothing is written."""
    folder = tmp_path / "packages"
    folder.mkdir()
    copy_package(FIXTURES / "rls-fixture", folder)
    table = copy_package(FIXTURES / "fixture-b", folder) / "tables" / "interventions.tsv"
    table.write_text(table.read_text(encoding="utf-8").replace("fixture B measure (fictional)", "gabapentin"),
                     encoding="utf-8")
    for alone in PAIR:
        build(source=folder / alone, reason=False)
    out = tmp_path / "out"
    with pytest.raises(BuildFailed, match="(?s)The build fixture-b\\+rls-fixture failed; nothing was written.*"
                                          "duplicate-label-violation"):
        build_set(out, source=folder, reason=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packages"]


def test_a_shared_package_alone_is_no_guideline_to_build():
    with pytest.raises(UserError, match="--guideline shared-drug-safety: no guideline package among them"):
        build_set(guidelines=["shared-drug-safety"], reason=False)


def test_a_set_replaces_a_previous_set_or_plain_build_but_never_a_foreign_folder(pair, tmp_path):
    out, result = pair
    target = tmp_path / "target"
    write_set(result, target)
    first = os.readlink(target)
    write_set(result, target)
    assert os.readlink(target) != first and not (tmp_path / first).exists()  # the previous version is removed
    plain_set = _copy(out, tmp_path)  # a set as a plain folder (as kg/built is): verified, then replaced
    write_set(result, plain_set)
    assert plain_set.is_symlink()
    foreign = tmp_path / "foreign"
    shutil.copytree(out, foreign)
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match="not a previous build of kg"):
        write_set(result, foreign)
    with pytest.raises(UserError, match="not a previous build of kg"):  # before any work: not the tables' problems
        build_set(foreign, source=FIXTURES / "broken-fixture", reason=False)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["target", os.readlink(target), "copy", os.readlink(plain_set), "foreign"])


def _published(out: Path) -> dict[str, bytes]:
    """Every file of the set a reader sees, resolving the link once."""
    real = Path(os.path.realpath(out))
    return {str(p.relative_to(real)): p.read_bytes() for p in sorted(real.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_set_write_killed_at_random_moments_leaves_the_old_or_the_new_set(pair, tmp_path):
    _, both = pair
    one = build_set(source=FIXTURES, guidelines=["fixture-b"], reason=False)
    expected = []
    for index, result in enumerate((one, both)):
        write_set(result, tmp_path / f"ref-{index}")
        expected.append(_published(tmp_path / f"ref-{index}"))
    pickled = tmp_path / "sets.pickle"
    pickled.write_bytes(pickle.dumps((one, both)))
    out = tmp_path / "work" / "set"
    out.parent.mkdir()
    write_set(one, out)

    def check(attempt: int) -> None:
        assert _published(out) in expected, f"a mixed set after kill {attempt}"

    kill_writes_at_random(pickled, out, "write_set", 8, 11, check)
    write_set(both, out)  # the next write sweeps what the killed ones left
    assert _published(out) == expected[1]
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(["set", os.readlink(out)])


@pytest.mark.reasoner
def test_every_build_of_a_set_passes_the_dl_reasoner(tmp_path, java):
    result = build_set(tmp_path / "set", source=FIXTURES, guidelines=PAIR)
    assert list(result.builds) == NAMES
    for name, built in result.builds.items():
        assert built.reasoner is not None and built.reasoner.ok, name
        report = json.loads((tmp_path / "set" / name / BUILD_REPORT_NAME).read_text(encoding="utf-8"))
        assert report["reasoner"]["consistent"] and report["reasoner"]["reasoner"] == "hermit"
    assert open_set(tmp_path / "set").complete == "fixture-b+rls-fixture"
