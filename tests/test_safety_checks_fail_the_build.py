"""The drug-safety layer's completeness checks (issue 20, ADR 0015) fail the build: each one, given
a copy of the fixture tables broken the way it guards against (valid cells, incomplete knowledge), makes
``build`` raise BuildFailed naming it and write nothing. tests/test_checks.py proves the same queries
return no row on the real and fixture graphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.core.build.pipeline import BuildFailed, build
from tests.conftest import FIXTURE_TABLES, copy_package


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}: the fixture changed, update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, row: list[str]) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert len(row) == len(header), f"{path.name}: {len(header)} columns, row has {len(row)}"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\t".join(row) + "\n")


def _drop_no_maximum_row(tables: Path) -> None:
    # methadone is an option drug; without its explicit "no sourced maximum" row its maximum is silent
    path = tables / "dosing.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("dose-methadone-no-sourced-maximum\t")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


def _communication_about_empty_class(tables: Path) -> None:
    # no drug of the fixture falls under iron preparations: a warning about them could never fire
    _replace(tables / "safety_communications.tsv", "\t2019\talpha-2-delta-ligands\t", "\t2019\tiron-preparations\t")


def _drug_outside_its_atc_class(tables: Path) -> None:
    # an ATC code inside the gabapentinoid group N02BF on a drug that is not classified as one
    _append(tables / "mappings.tsv", ["pramipexole", "skos:exactMatch", "ATC:N02BF99", "tm-atc26", "broken on purpose"])


def _brand_on_two_drugs(tables: Path) -> None:
    # a brand name on two ingredients resolves to neither
    _replace(tables / "interventions.tsv", "pramipexole\tpramipexole\tdrug\t\tdopamine-agonists\t\t\t",
             "pramipexole\tpramipexole\tdrug\t\tdopamine-agonists\t\tNeurontin\t")


def _interaction_with_unreported_substance(tables: Path) -> None:
    # an interaction with a substance that no profile field reports: its unknown use is undetectable
    path = tables / "interventions.tsv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    row = dict.fromkeys(header, "")
    row.update(intervention_id="broken-substance", label="broken substance", kind="substance",
               unmapped_reason="broken on purpose", source_ids="seed", section="broken on purpose")
    _append(path, [row[column] for column in header])
    path = tables / "interactions.tsv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    row = dict.fromkeys(header, "")
    row.update(interaction_id="ddi-broken-substance", agent_a="opioids", agent_b="broken-substance",
               severity="serious", effect="broken on purpose", management="broken on purpose", basis="P",
               source_ids="fda-gaba", section="broken on purpose")
    _append(path, [row[column] for column in header])


BREAKAGES = {
    "option-drug-without-maximum-violation": _drop_no_maximum_row,
    "safety-class-without-members-violation": _communication_about_empty_class,
    "drug-outside-its-atc-class-violation": _drug_outside_its_atc_class,
    "brand-without-ingredient-violation": _brand_on_two_drugs,
    "co-medication-unknown-state-undetectable-violation": _interaction_with_unreported_substance,
}


def test_every_safety_layer_check_has_a_breakage():
    checks = Path(__file__).resolve().parent.parent / "queries" / "checks"
    tagged = {path.stem for path in checks.glob("*-violation.rq") if "drug-safety-layer" in path.read_text()}
    assert tagged == set(BREAKAGES)


def test_the_unbroken_fixture_tables_build(tmp_path: Path):
    build(tmp_path / "out", source=FIXTURE_TABLES, reason=False)


@pytest.mark.parametrize("check", sorted(BREAKAGES))
def test_broken_tables_fail_the_build_on_the_check(check: str, tmp_path: Path):
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    BREAKAGES[check](tables)
    with pytest.raises(BuildFailed, match=check):
        build(tmp_path / "out", source=package, reason=False)
    assert not (tmp_path / "out").exists()
