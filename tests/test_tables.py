"""Table validation: the real tables pass; a broken copy yields exactly the listed problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.base.errors import ValidationError
from kg.core.build.tables import load_tables
from kg.model.table_specs import TABLES
from tests.conftest import BROKEN_TABLES, FIXTURE_TABLES, copy_package


def test_real_tables_validate_and_are_not_empty(real_tables):
    assert set(real_tables) == {spec.name for spec in TABLES}
    for name, rows in real_tables.items():
        assert rows, f"{name}.tsv has no rows"


# A crosswalk package's table (ADR 0022): a single-guideline fixture has no second guideline to link; the real
# crosswalk package fills it (test_real_tables_validate_and_are_not_empty, tests/test_multimorbidity.py).
CROSSWALK_ONLY = {"conflicts"}
# A scope limitation makes every 'for' option of its package undetermined for its population: the frozen RLS
# fixture states none (its sources cover its populations); the insomnia package's rows are decided by
# tests/test_insomnia_cases.py (i05, pregnancy) and tests/test_insomnia_edge_cases.py (lactation).
NOT_IN_THE_FIXTURE = {*CROSSWALK_ONLY, "scope_limits"}


def test_fixture_tables_validate(fixture_tables):
    empty = [spec.name for spec in TABLES if not fixture_tables[spec.name] and spec.name not in NOT_IN_THE_FIXTURE]
    assert not empty, f"every fixture table of a guideline package has at least one row; empty: {empty}"


def test_broken_tables_report_every_problem_with_file_row_column_and_rule():
    with pytest.raises(ValidationError) as caught:
        load_tables(BROKEN_TABLES)
    found = {(p.file.removeprefix("broken-fixture/tables/"), p.row, p.column, p.value) for p in caught.value.problems}
    assert all(p.file.startswith("broken-fixture/tables/") for p in caught.value.problems)  # the package's file
    expected = {
        ("algorithm.tsv", 0, "step", ""),  # steps 1, 3: a gap
        ("cautions.tsv", 2, "intervention_id", "dopamine-agonsts"),  # dangling reference (typo)
        ("disagreements.tsv", 2, "prevailing_id", "seed-valerian-against"),  # not among statement_ids
        ("dosing.tsv", 2, "start_dose", "three hundred"),  # not a number
        ("dosing.tsv", 2, "target_daily_min", "2400"),  # min > max
        ("interactions.tsv", 1, "comment", ""),  # unknown column
        ("populations.tsv", 3, "definition_expr", "ferritin =< 75 or tsat < 20"),  # bad rule
        ("profile_implications.tsv", 3, "target", "esrd-on-dialysys"),  # an implied condition that does not exist
        ("recommendations.tsv", 3, "source_ids", ""),  # a row without a source
        ("recommendations.tsv", 3, "strength", "very-strong"),  # bad enum value
        ("seed_claims.tsv", 2, "reason", ""),  # not-encoded without a reason
        ("sources.tsv", 21, "source_id", "tm-pgkb"),  # duplicate id
    }
    assert found == expected
    message = str(caught.value)
    assert "very-strong" in message and "not one of: conditional, not-graded, strong, unconfirmed" in message


def test_unknown_enum_values_come_from_the_ontology_vocabulary(tmp_path: Path):
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    path = tables / "recommendations.tsv"
    path.write_text(path.read_text().replace("\tmoderate\t", "\tmoderately-high\t", 1))
    with pytest.raises(ValidationError, match="certainty.*moderately-high.*not one of: high, low, moderate"):
        load_tables(package)


def test_a_package_holds_only_the_tables_it_needs(tmp_path: Path):
    """A missing table is no rows (a guideline without interactions); what then dangles is reported."""
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    (tables / "interactions.tsv").unlink()
    assert load_tables(package)["interactions"] == []
    (tables / "drug_classes.tsv").unlink()
    with pytest.raises(ValidationError, match="refers to an unknown id"):
        load_tables(package)


def test_a_table_that_is_a_folder_is_reported(tmp_path: Path):
    package = copy_package(FIXTURE_TABLES, tmp_path)
    (package / "tables" / "dosing.tsv").unlink()
    (package / "tables" / "dosing.tsv").mkdir()
    with pytest.raises(ValidationError, match="rls-fixture/tables/dosing.tsv: not a file"):
        load_tables(package)


def test_cycle_in_drug_class_parents_is_reported(tmp_path: Path):
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    path = tables / "drug_classes.tsv"
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    rows[0]["parent_id"], rows[1]["parent_id"] = rows[1]["drug_class_id"], rows[0]["drug_class_id"]
    path.write_text("\n".join([lines[0], *("\t".join(r[h] for h in header) for r in rows)]) + "\n")
    with pytest.raises(ValidationError, match="parent chain has a cycle"):
        load_tables(package)
