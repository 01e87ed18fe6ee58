"""The FHIRPath backend of the population grammar: one test per construct, on the build's own terminology,
and every population of the build compiled (or refused, with its reason) against a golden table."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.export import ExportSource
from kg.export.fhir_terminology import terminology_from_graph
from kg.model.namespaces import CODE_SYSTEMS
from kg.model.population.fhirpath import (
    AgeQuantity,
    Coding,
    LabQuantity,
    NotComputable,
    ObservedValue,
    Terminology,
    compile_rule,
)
from kg.model.population.grammar import parse

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fhir-populations.tsv"
SNOMED, ICD, RXNORM, LOINC = (CODE_SYSTEMS[k] for k in ("SNOMEDCT", "ICD10CM", "RXNORM", "LOINC"))


@pytest.fixture(scope="module")
def terminology(build_source: ExportSource) -> Terminology:
    return terminology_from_graph(build_source.graph)


@pytest.fixture(scope="module")
def rules(build_source: ExportSource) -> dict[str, str]:
    from kg.export.fhir_terminology import local_id
    from kg.model.namespaces import CG

    return {local_id(build_source.graph, p): str(r) for p, r in build_source.graph.subject_objects(CG.populationRule)}


def fhirpath(rule: str, terminology: Terminology, rules: dict[str, str] | None = None) -> str:
    return compile_rule(parse(rule), terminology, lambda pid: parse((rules or {})[pid]))


def test_lab_threshold_uses_the_graphs_loinc_code_and_the_bound_ucum_units(terminology: Terminology) -> None:
    ferritin = terminology.quantities["ferritin"]
    assert isinstance(ferritin, LabQuantity)
    assert Coding(LOINC, "2276-4") in ferritin.codes and "ng/mL" in ferritin.units
    text = fhirpath("ferritin <= 75", terminology)
    assert "code = '2276-4'" in text and "value <= 75)" in text and "'ng/mL'" in text
    assert ".aggregate(" in text  # the most recent result, as the profile's ferritin is
    tsat = fhirpath("tsat < 20", terminology)
    assert "code = '2502-3'" in tsat and "code = '%'" in tsat and "value < 20)" in tsat


@pytest.mark.parametrize(("op", "birth"), [(">=", "<="), (">", "<"), ("<", ">"), ("<=", ">=")])
def test_age_compares_birth_date_with_today_minus_whole_years(op: str, birth: str, terminology: Terminology) -> None:
    assert isinstance(terminology.quantities["age"], AgeQuantity)
    assert fhirpath(f"age {op} 18", terminology) == (
        f"entry.resource.ofType(Patient).where(birthDate {birth} today() - 18 years).exists()")


def test_a_fractional_age_is_refused(terminology: Terminology) -> None:
    with pytest.raises(NotComputable, match="age >= 17.5: an age threshold that is not a whole number"):
        fhirpath("age >= 17.5", terminology)


def test_a_quantity_without_binding_is_refused() -> None:
    with pytest.raises(NotComputable, match="no FHIR binding for the quantity 'ferritin'"):
        fhirpath("ferritin < 50", Terminology())


def test_condition_matches_its_codes_and_narrower_conditions_codes(terminology: Terminology) -> None:
    text = fhirpath("condition end-stage-renal-disease", terminology)
    assert "'46177005'" in text and "'N18.6'" in text
    assert "'236435004'" in text  # esrd-on-dialysis is narrower: a patient coded with it has ESRD
    assert "Z99.2" not in text  # a broader code (dependence on dialysis) does not imply ESRD
    assert "'709044004'" not in text  # nor does the broader chronic kidney disease
    assert "clinicalStatus" in text and "verificationStatus.coding.where(code in (" in text


def test_not_condition_needs_a_refuted_record_of_it_or_of_a_broader_condition(terminology: Terminology) -> None:
    text = fhirpath("not condition esrd-on-dialysis", terminology)
    assert "verificationStatus.coding.where(code = 'refuted')" in text
    assert "'236435004'" in text and "'Z99.2'" in text and "'709044004'" in text  # itself, broader code, ancestor


def test_pregnancy_is_read_from_a_condition_or_the_pregnancy_status_observation(terminology: Terminology) -> None:
    text = fhirpath("condition pregnancy", terminology)
    assert "entry.resource.ofType(Condition)" in text and "code = '82810-3'" in text
    assert "value.ofType(CodeableConcept).coding.where(system = 'http://snomed.info/sct' and code = '77386006')" in text


def test_lactation_is_read_from_its_boolean_observation(terminology: Terminology) -> None:
    text = fhirpath("condition lactation", terminology)
    assert "code = '63895-7'" in text and "value.ofType(boolean) = true" in text
    assert "ofType(Condition)" not in text


def test_a_condition_without_codes_is_refused_with_its_unmapped_reason(terminology: Terminology) -> None:
    with pytest.raises(NotComputable, match="condition dopaminergic-augmentation: no code that implies it"):
        fhirpath("condition dopaminergic-augmentation", terminology)
    with pytest.raises(NotComputable, match="condition untreated-obstructive-sleep-apnea"):
        fhirpath("condition untreated-obstructive-sleep-apnea", terminology)


def test_takes_matches_active_requests_and_statements_by_rxnorm(terminology: Terminology) -> None:
    text = fhirpath("takes mirtazapine", terminology)
    assert "entry.resource.ofType(MedicationRequest) | entry.resource.ofType(MedicationStatement)" in text
    assert f"system = '{RXNORM}' and code = '15996'" in text and "status = 'active'" in text


def test_takes_class_matches_every_member_drug(terminology: Terminology) -> None:
    coded = sorted(c for c, members in terminology.class_members.items()
                   if len(members) > 1 and all(terminology.agent_codes[m] for m in members))
    assert coded  # e.g. a class whose every member has an RxNorm ingredient code
    members = terminology.class_members[coded[0]]
    text = fhirpath(f"takes-class {coded[0]}", terminology)
    for member in members:
        for coding in terminology.agent_codes[member]:
            assert f"'{coding.code}'" in text


def test_takes_class_with_an_uncoded_member_is_refused_naming_it(terminology: Terminology) -> None:
    uncoded = [m for m in terminology.class_members["alpha-2-delta-ligands"] if not terminology.agent_codes[m]]
    assert uncoded  # gabapentin enacarbil has no RxNorm code in the graph
    with pytest.raises(NotComputable, match=f"takes-class alpha-2-delta-ligands: {uncoded[0]}: no RxNorm"):
        fhirpath("takes-class alpha-2-delta-ligands", terminology)


def test_takes_a_substance_without_code_is_refused(terminology: Terminology) -> None:
    with pytest.raises(NotComputable, match="takes alcohol"):
        fhirpath("takes alcohol", terminology)


def test_failed_class_is_refused(terminology: Terminology) -> None:
    with pytest.raises(NotComputable, match="failed-class opioids: a failed trial depends on the adequacy"):
        fhirpath("failed-class opioids", terminology)


def test_and_or_and_population_references(terminology: Terminology, rules: dict[str, str]) -> None:
    left, right = fhirpath("ferritin <= 75", terminology), fhirpath("tsat < 20", terminology)
    assert fhirpath("ferritin <= 75 or tsat < 20", terminology) == f"({left} or {right})"
    assert fhirpath("ferritin <= 75 and tsat < 20", terminology) == f"({left} and {right})"
    inlined = fhirpath("population adult-rls", terminology, rules)
    assert inlined == fhirpath(rules["adult-rls"], terminology)


def test_an_uncomputable_term_makes_the_whole_rule_uncomputable(terminology: Terminology) -> None:
    with pytest.raises(NotComputable, match="condition lactation"):
        compile_rule(parse("ferritin <= 75 or condition lactation"), Terminology(quantities=terminology.quantities),
                     {}.__getitem__)


def test_string_literals_are_escaped() -> None:
    t = Terminology(condition_codes={"x": (Coding("http://example.org/s'", "a'b"),)})
    text = compile_rule(parse("condition x"), t, {}.__getitem__)
    assert "system = 'http://example.org/s\\'' and code = 'a\\'b'" in text


def test_observed_value_codes_sort_deterministically() -> None:
    items = (ObservedValue(Coding(LOINC, "2"), True), ObservedValue(Coding(LOINC, "1"), Coding(SNOMED, "9")))
    one = compile_rule(parse("condition x"), Terminology(condition_observations={"x": items}), {}.__getitem__)
    two = compile_rule(parse("condition x"), Terminology(condition_observations={"x": items[::-1]}), {}.__getitem__)
    assert one == two


def test_golden_fhirpath_of_every_population(terminology: Terminology, rules: dict[str, str],
                                             update_golden: bool) -> None:
    """The golden table (tests/golden/fhir-populations.tsv) lists each population's expression or its reason."""
    assert rules, "no population rules in the build"
    lines = ["population_id\tcomputable\tfhirpath_or_reason"]
    for pid in sorted(rules):
        try:
            lines.append(f"{pid}\tyes\t{fhirpath(rules[pid], terminology, rules)}")
        except NotComputable as error:
            lines.append(f"{pid}\tno\t{error}")
    assert any("\tyes\t" in line for line in lines) and "\tyes\t" in lines[1 + sorted(rules).index("adult-rls")]
    if update_golden:
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert GOLDEN.is_file(), f"no {GOLDEN.name}: write it with --update-golden (tests/golden/README.md)"
    golden = GOLDEN.read_text(encoding="utf-8").splitlines()
    changed = sorted(set(golden) ^ set(lines))
    assert golden == lines, f"{GOLDEN.name} differs (regenerate with --update-golden if intended): {changed[:4]}"
