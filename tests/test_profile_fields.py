"""Profile fields as data (issue 19, item 2): kg/tables/profile_fields.tsv and profile_implications.tsv
declare the profile; the schema is generated from them and the reader interprets them."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from kg.base.errors import ValidationError
from kg.base.paths import PACKAGE_DIR
from kg.core.build.knowledge import default_knowledge
from kg.core.build.tables import load_tables
from kg.model.namespaces import CG
from kg.profile import schema_gen
from kg.profile.fields import condition_fields, declarations, facts, with_implied_values
from kg.profile.reader import read_yaml, to_rdf, validate_profile
from tests.conftest import FIXTURE_TABLES, copy_packages, table_holding
from tests.package_namespaces import RLS, RLS_ABSENT

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
EXAMPLE = PACKAGE_DIR / "examples" / "treatment-resistant-patient.yaml"


@pytest.fixture(scope="module")
def agents():
    return default_knowledge().agents


def _condition_classes(graph, link):
    return {cls for _, _, node in graph.triples((None, link, None)) for cls in graph.objects(node, RDF.type)
            if cls != URIRef("http://www.w3.org/2002/07/owl#NamedIndividual")}


def test_the_condition_fields_read_alone_are_those_of_the_declarations():
    """What the build choice guesses with before the profile is checked (kg/core/decide/build_choice.py)."""
    assert condition_fields() == tuple(f.name for f in declarations().fields if f.type == "conditions") != ()


def test_the_committed_schema_is_the_generated_one():
    committed = schema_gen.SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == schema_gen.schema_text(), "stale: run python -m kg.profile.schema_gen"


def test_check_flag_fails_on_a_stale_schema_and_passes_on_a_fresh_one(tmp_path: Path):
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert schema_gen.main(["--check"], target=stale) == 1
    assert schema_gen.main([], target=stale) == 0
    assert schema_gen.main(["--check"], target=stale) == 0


def test_the_command_regenerates_nothing_on_a_clean_checkout():
    result = subprocess.run([sys.executable, "-m", "kg.profile.schema_gen", "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", [*CASES, EXAMPLE], ids=lambda p: p.name)
def test_the_generated_schema_accepts_every_case_and_the_example(path: Path):
    data = read_yaml(path.read_text(encoding="utf-8"), path.name)
    profile = data.get("profile", data) if path in CASES else data
    assert validate_profile(profile) == []


def test_cases_folder_is_not_empty():
    assert len(CASES) > 20


def test_every_real_declaration_row_validates():
    tables = load_tables()
    assert tables["profile_fields"] and tables["profile_implications"]


@pytest.mark.parametrize(("table", "old", "new", "column", "rule"), [
    ("profile_fields.tsv", "\ttri-state\t", "\ttristate\t", "type", "not one of"),
    ("profile_fields.tsv", "\tcentral-sleep-apnea\t", "\tcentral-sleep-apnoea\t", "condition", "unknown id"),
    ("profile_implications.tsv", "dialysis=yes\tfield-value", "dialysys=yes\tfield-value", "if", "does not declare"),
    ("profile_implications.tsv", "\tlactating=no\t", "\tlactating=perhaps\t", "target", "not a value of lactating"),
    ("profile_implications.tsv", "\tferrous-sulfate\t", "\tferrous-sulphate\t", "target", "intervention id"),
    ("profile_implications.tsv", "\tuntreated-obstructive-sleep-apnea\tdefinitional", "\tosa\tdefinitional",
     "target", "condition id"),
    ("profile_fields.tsv", "\tpossibly\t\talcohol\t", "\tperhaps\t\talcohol\t", "if_unknown", "one of: possibly"),
    ("profile_fields.tsv", "\tcg:MedicationListUnknown\t", "\tcg:MedicationListUnknwn\t", "if_omitted", "cg: class"),
    ("profile_fields.tsv", "\tpossibly\t\talcohol\t", "\tpossibly\t\tcaffeine\t", "agent", "profile_field is"),
    ("interventions.tsv", "\t\tcaffeine\n", "\t\tcoffee\n", "profile_field", "whose agent is 'caffeine'"),
])
def test_a_bad_declaration_is_reported_with_file_column_and_rule(tmp_path, table, old, new, column, rule):
    package = copy_packages(tmp_path)
    path = table_holding(package, table, old)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_tables(package)
    assert any(p.file.endswith(f"/{table}") and p.column == column and rule in p.rule for p in caught.value.problems), \
        caught.value.problems


def test_every_implication_is_tagged_definitional_or_convention_with_a_rationale():
    for implication in declarations().implications:
        assert implication.kind in ("definitional", "convention") and implication.rationale, implication.id


# What the fields mean, from the README's "Patient profile" section and the conditions table (a condition
# on dialysis is a kind of end-stage renal disease; a trimester is a part of a pregnancy).

def test_an_omitted_conditions_list_is_the_default_condition_and_a_named_one_is_the_same(agents):
    profile = {"sex": "female"}
    _, omitted = to_rdf(profile, agents)
    _, named = to_rdf({**profile, "conditions": ["restless-legs-syndrome"]}, agents)
    assert _condition_classes(omitted, CG.hasCondition) == {RLS["restless-legs-syndrome"]}
    assert set(omitted) == set(named)


@pytest.mark.parametrize(("conditions", "rule"), [
    (["copd"], "not a condition that an installed guideline package treats (manifest.yaml conditions): "
               "chronic-insomnia, restless-legs-syndrome"), ([], "should be non-empty"),
    (["restless-legs-syndrome", "restless-legs-syndrome"], "non-unique"),
])
def test_a_conditions_list_names_known_treated_conditions_only(conditions, rule):
    problems = validate_profile({"sex": "female", "conditions": conditions})
    assert any(p.column.startswith("conditions") and rule in p.rule for p in problems), problems


def test_the_treated_and_default_conditions_are_the_manifests_not_code(tmp_path: Path):
    """The conditions list takes what the guideline manifests treat; omitted, the conditions of the one guideline
    flagged default_for_profiles_without_conditions; with none flagged, the list is required."""
    package = copy_packages(tmp_path)
    manifest = package / "rls-aasm-2024" / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("conditions: [restless-legs-syndrome]",
                                     "conditions: [restless-legs-syndrome, periodic-limb-movement-disorder]", 1),
                        encoding="utf-8")
    load_tables(package)  # still valid: both are conditions of its conditions.tsv
    decl = declarations(package)
    conditions = decl.field("conditions")
    assert list(facts(conditions, {}, decl)) == [("has-condition", "restless-legs-syndrome"),
                                                 ("has-condition", "periodic-limb-movement-disorder")]
    schema = schema_gen.profile_schema(decl)
    assert schema["properties"]["conditions"]["items"]["enum"] == [
        "chronic-insomnia", "periodic-limb-movement-disorder", "restless-legs-syndrome"]
    assert "conditions" not in schema["required"]
    manifest.write_text(text.replace("default_for_profiles_without_conditions: true\n", ""), encoding="utf-8")
    decl = declarations(package / "rls-aasm-2024")
    assert list(facts(decl.field("conditions"), {}, decl)) == []
    assert "conditions" in schema_gen.profile_schema(decl)["required"]


def test_a_manifest_condition_must_be_one_of_the_package_s_conditions(tmp_path: Path):
    package = copy_packages(tmp_path)
    manifest = package / "rls-aasm-2024" / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "conditions: [restless-legs-syndrome]", "conditions: [restless-legs-syndrome, pregnancy]", 1),
        encoding="utf-8")  # pregnancy is a condition of the shared package, not of this guideline
    with pytest.raises(ValidationError) as raised:
        load_tables(package)
    assert [str(p) for p in raised.value.problems] == [
        "rls-aasm-2024/manifest.yaml column 'conditions' value 'pregnancy': not a condition_id of "
        "rls-aasm-2024/tables/conditions.tsv"]


def test_at_most_one_package_is_the_default_for_profiles_naming_no_conditions(tmp_path: Path):
    from kg.base.errors import UserError
    from kg.model.packages import discover

    package = copy_packages(tmp_path)
    shutil.copytree(FIXTURE_TABLES, package / "rls-fixture")  # also flagged
    with pytest.raises(UserError, match="default_for_profiles_without_conditions: true here and in"):
        discover(package)


def test_the_conditions_row_names_no_condition_itself(tmp_path: Path):
    package = copy_packages(tmp_path)
    path = table_holding(package, "profile_fields.tsv", "conditions\tconditions\t")
    text = path.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("conditions\t"))
    cells = row.split("\t")
    cells[7] = "restless-legs-syndrome"  # if_omitted
    path.write_text(text.replace(row, "\t".join(cells)), encoding="utf-8")
    with pytest.raises(ValidationError, match="if_omitted.*leave empty: the conditions list takes the conditions"):
        load_tables(package)


def test_dialysis_means_esrd_on_dialysis_and_esrd_is_filled_in(agents):
    _, graph = to_rdf({"sex": "female", "dialysis": "yes"}, agents)
    assert RLS["esrd-on-dialysis"] in _condition_classes(graph, CG.hasCondition)
    assert with_implied_values({"sex": "female", "dialysis": True})["esrd"] is True
    problems = validate_profile({"sex": "female", "dialysis": "yes", "esrd": "no"})
    assert [(p.column, p.rule) for p in problems] == [("esrd", "contradicts dialysis: true (dialysis implies ESRD)")]


def test_sex_male_with_pregnancy_and_lactation_omitted_lacks_both_but_a_stated_unknown_stays_open(agents):
    _, omitted = to_rdf({"sex": "male"}, agents)
    assert {RLS_ABSENT["pregnancy"], RLS_ABSENT["lactation"]} <= _condition_classes(omitted, CG.lacksCondition)
    _, stated = to_rdf({"sex": "male", "lactating": "unknown", "pregnancy": {"status": "unknown"}}, agents)
    assert RLS["lactation"] in _condition_classes(stated, CG.possiblyHasCondition)
    assert not _condition_classes(stated, CG.lacksCondition) & {RLS_ABSENT["pregnancy"], RLS_ABSENT["lactation"]}


def test_a_failed_oral_iron_course_is_an_adequate_failed_trial(agents):
    _, graph = to_rdf({"sex": "female", "oral_iron_failed": True, "past_trials": []}, agents)
    trials = list(graph.objects(None, CG.hadTrial))
    assert len(trials) == 1
    assert graph.value(trials[0], CG.trialOf) == RLS["ferrous-sulfate"]
    assert graph.value(trials[0], CG.trialOutcome) == CG.OutcomeInadequateResponse
    assert graph.value(trials[0], CG.adequateTrial).toPython() is True


# The drug-safety layer's profile semantics (ADR 0015; README "Patient profile"): a substance the profile
# reports by a field is taken on yes, possibly taken when the field is omitted or unknown (never "none"),
# not taken on no/none; an omitted medication list is unknown, an empty one means none.
@pytest.mark.parametrize(("alcohol", "takes", "possibly"), [
    (None, False, True), ("unknown", False, True), (True, True, False), ("yes", True, False),
    (False, False, False), ("no", False, False), ("none", False, False),
])
def test_a_substance_field_unknown_or_omitted_is_possibly_taken_never_none(agents, alcohol, takes, possibly):
    profile = {"sex": "female"} if alcohol is None else {"sex": "female", "alcohol": alcohol}
    patient, graph = to_rdf(profile, agents)
    assert ((patient, CG.takesAgent, RLS["alcohol"]) in graph) is takes
    assert ((patient, CG.possiblyTakesAgent, RLS["alcohol"]) in graph) is possibly
    assert (patient, CG.possiblyTakesAgent, RLS["caffeine"]) in graph  # caffeine omitted


def test_an_omitted_medication_list_is_unknown_and_an_empty_one_means_none(agents):
    patient, omitted = to_rdf({"sex": "female"}, agents)
    assert (patient, RDF.type, CG.MedicationListUnknown) in omitted
    patient, empty = to_rdf({"sex": "female", "current_medications": []}, agents)
    assert (patient, RDF.type, CG.MedicationListUnknown) not in empty


def test_what_unknown_and_omitted_mean_is_data_not_code(tmp_path: Path):
    package = copy_packages(tmp_path)
    path = table_holding(package, "profile_fields.tsv", "\tpossibly\t\talcohol\t")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\tpossibly\t\talcohol\t", "\t\t\talcohol\t", 1)
                    .replace("\tcg:MedicationListUnknown\t", "\t\t", 1), encoding="utf-8")
    load_tables(package)  # still valid declarations (though not the shipped meaning)
    decl = declarations(package)
    assert list(facts(decl.field("alcohol"), {}, decl)) == []
    assert decl.field("current_medications").omitted_class is None
    shipped = declarations()
    assert list(facts(shipped.field("alcohol"), {}, shipped)) == [("possibly-takes-agent", "alcohol")]
    assert shipped.field("current_medications").omitted_class == CG.MedicationListUnknown


def test_reading_a_profile_does_not_change_it(agents):
    profile = {"sex": "male", "dialysis": "yes"}
    before = copy.deepcopy(profile)
    to_rdf(profile, agents)
    validate_profile(profile)
    assert profile == before


def test_a_premise_on_the_conditions_list_holds_when_the_list_names_the_condition():
    """The insomnia package's insomnia_type implies its sleep conditions only for a patient whose conditions list
    names chronic-insomnia: omitted (an RLS patient, the default), the field asserts nothing, not even 'possibly'."""
    decl = declarations()
    field = decl.field("insomnia_type")
    assert list(facts(field, {"sex": "female"}, decl)) == []
    assert list(facts(field, {"sex": "female", "conditions": ["restless-legs-syndrome"], "insomnia_type": "onset"},
                      decl)) == []
    assert list(facts(field, {"sex": "female", "conditions": ["chronic-insomnia"]}, decl)) == [
        ("possibly-has-condition", "sleep-onset-insomnia"), ("possibly-has-condition", "sleep-maintenance-insomnia")]
    both = {"sex": "male", "conditions": ["restless-legs-syndrome", "chronic-insomnia"], "insomnia_type": "onset"}
    assert list(facts(field, both, decl)) == [("has-condition", "sleep-onset-insomnia"),
                                              ("lacks-condition", "sleep-maintenance-insomnia")]


def test_a_premise_on_the_conditions_list_names_a_condition(tmp_path: Path):
    package = copy_packages(tmp_path)
    path = package / "insomnia-aasm-2017" / "tables" / "profile_implications.tsv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("insomnia_type=onset|both & conditions=chronic-insomnia",
                                 "insomnia_type=onset|both & conditions=zolpidem", 1), encoding="utf-8")
    with pytest.raises(ValidationError) as raised:
        load_tables(package)
    assert [str(p) for p in raised.value.problems] == [
        "insomnia-aasm-2017/tables/profile_implications.tsv:3 column 'if' value 'conditions=zolpidem': must be a "
        "condition id (conditions.tsv)"]
