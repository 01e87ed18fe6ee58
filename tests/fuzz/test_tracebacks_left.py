"""The tracebacks the third hostile-input review left (issue 16, "Tracebacks left" and "Smaller"), each now an
exit code 2 naming the field or the path, through the real console script; and one BOM rule for every profile
format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.base.paths import EXAMPLE_PROFILE
from kg.model.namespaces import PREFIXES
from kg.profile.reader import read_yaml, to_rdf
from tests.conftest import copy_packages
from tests.fuzz.cli_probe import run_kg_process

pytestmark = pytest.mark.fuzz


def _decide(tmp_path: Path, name: str, content: bytes, *options: str):
    path = tmp_path / name
    path.write_bytes(content)
    return run_kg_process("decide", str(path), *options, cwd=tmp_path)


@pytest.mark.parametrize(("name", "content"), [
    ("deep.json", b'{"sex": "female", "age_years": 50, "notes": ' + b"[" * 500 + b"]" * 500 + b"}"),
    ("deep-object.json", b'{"sex": "female", "age_years": 50, "labs": ' + b'{"a": ' * 500 + b"1" + b"}" * 501),
    ("deep.yaml", b"sex: female\nage_years: 50\nnotes: " + b"[" * 500 + b"]" * 500 + b"\n"),
])
def test_a_profile_nested_500_deep(name, content, tmp_path):
    """Before: RecursionError (a traceback) for JSON, 'maximum recursion depth exceeded' for YAML."""
    outcome = _decide(tmp_path, name, content)
    assert outcome.clean_error and name in outcome.stderr and "nested" in outcome.stderr, outcome.stderr


@pytest.mark.parametrize("value", ["!!float nan", "!!float .nan", "!!float inf", "!!float -.inf", "!!float NaN"])
def test_a_yaml_tagged_nan_is_refused(value, tmp_path):
    """Before: an explicit tag passed the NaN refusal and ended in a traceback."""
    outcome = _decide(tmp_path, "nan.yaml", f"sex: female\nage_years: {value}\n".encode())
    assert outcome.clean_error and "NaN and infinity" in outcome.stderr, outcome.stderr


@pytest.mark.parametrize(("name", "content"), [
    ("surrogate.json", b'{"sex": "female", "age_years": 50, "current_medications": [{"drug": "levo\\ud800dopa"}]}'),
    ("surrogate.yaml", b'sex: female\nage_years: 50\ncurrent_medications:\n  - drug: "levo\\ud800dopa"\n'),
])
def test_a_lone_surrogate_in_a_drug_name(name, content, tmp_path):
    """Before: a traceback from the RDF literal."""
    outcome = _decide(tmp_path, name, content)
    assert outcome.clean_error and "current_medications[0].drug" in outcome.stderr, outcome.stderr
    assert "surrogate" in outcome.stderr


def test_a_300_character_file_name(tmp_path):
    """Before: OSError 'File name too long' as a traceback."""
    name = "p" * 300 + ".yaml"
    outcome = run_kg_process("decide", str(tmp_path / name), cwd=tmp_path)
    assert outcome.clean_error and "too long" in outcome.stderr, outcome.stderr


@pytest.mark.parametrize("what", ["profile", "out"])
def test_a_300_character_file_name_anywhere(what, tmp_path):
    long = str(tmp_path / ("q" * 300 + ".txt"))
    arguments = ("decide", long) if what == "profile" else ("decide", "--example", "--out", long)
    outcome = run_kg_process(*arguments, cwd=tmp_path)
    assert outcome.clean_error and "too long" in outcome.stderr, outcome.stderr


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".ttl"])
def test_one_bom_rule_for_every_profile_format(suffix, tmp_path):
    """Before: a BOM was accepted in YAML profiles and rejected in JSON and Turtle ones. Now a UTF-8 BOM at the
    start of a profile is ignored in every format: the decision is the one of the same file without it."""
    if suffix == ".ttl":
        text = _example_as_turtle()
    elif suffix == ".json":
        text = json.dumps(read_yaml(EXAMPLE_PROFILE.read_text(encoding="utf-8"))).encode("utf-8")
    else:
        text = EXAMPLE_PROFILE.read_bytes()
    without = _decide(tmp_path, f"plain{suffix}", text, "--format", "json")
    with_bom = _decide(tmp_path, f"bom{suffix}", b"\xef\xbb\xbf" + text, "--format", "json")
    assert without.code == 0, without.stderr
    assert with_bom.code == 0, with_bom.stderr
    assert json.loads(with_bom.stdout)["options"] == json.loads(without.stdout)["options"]


def _example_as_turtle() -> bytes:
    """The bundled example patient as a Turtle profile (the profile's own triples, as kg decide converts it)."""
    from kg.core.decide.decision import default_knowledge

    _, graph = to_rdf(read_yaml(EXAMPLE_PROFILE.read_text(encoding="utf-8")), default_knowledge().agents)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph.serialize(format="turtle", encoding="utf-8")


def test_validate_on_a_folder_named_like_a_table(tmp_path):
    """Before: IsADirectoryError as a traceback."""
    package = copy_packages(tmp_path)
    tables = package / "shared-drug-safety" / "tables"
    (tables / "drug_classes.tsv").unlink()
    (tables / "drug_classes.tsv").mkdir()
    outcome = run_kg_process("validate", "--tables", str(package), cwd=tmp_path)
    assert outcome.clean_error and "drug_classes.tsv" in outcome.stderr and "not a file" in outcome.stderr, \
        outcome.stderr


def _problem_count(stderr: str) -> int:
    return int(stderr.removeprefix("error: ").split(" problem(s)")[0])


def test_one_latin_1_byte_is_one_problem_not_a_cascade(tmp_path):
    """Before: one latin-1 byte in interventions.tsv gave 1,434 problems and hid the cause in 'and 1,384 more'."""
    package = copy_packages(tmp_path)
    tables = package / "shared-drug-safety" / "tables"
    path = tables / "interventions.tsv"
    data = path.read_bytes()
    at = data.index(b"\n", data.index(b"\n") + 1) + 5  # a byte in the second data row
    path.write_bytes(data[:at] + b"\xe9" + data[at + 1:])
    outcome = run_kg_process("validate", "--tables", str(package), cwd=tmp_path)
    assert outcome.clean_error, outcome.stderr
    assert _problem_count(outcome.stderr) == 1 and "interventions.tsv" in outcome.stderr
    assert "not UTF-8" in outcome.stderr


def test_a_bom_in_a_table_is_read_like_the_table_without_it(tmp_path):
    """One BOM rule: a UTF-8 BOM at the start of a table is ignored (before: the header's first column was
    unknown, and every reference to the table failed: hundreds of follow-on problems)."""
    package = copy_packages(tmp_path)
    tables = package / "shared-drug-safety" / "tables"
    path = tables / "interventions.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    outcome = run_kg_process("validate", "--tables", str(package), cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr[:2000]


def test_a_header_problem_is_reported_without_follow_on_problems(tmp_path):
    package = copy_packages(tmp_path)
    tables = package / "shared-drug-safety" / "tables"
    path = tables / "interventions.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("id\t", "identifier\t", 1), encoding="utf-8")
    outcome = run_kg_process("validate", "--tables", str(package), cwd=tmp_path)
    assert outcome.clean_error, outcome.stderr
    assert _problem_count(outcome.stderr) == 2  # the unknown column and the missing one
    assert "refers to an unknown id" not in outcome.stderr


def test_deciding_a_dataset_is_a_user_error():
    """kg.decide(rdflib.Dataset()) is a clean UserError from the API."""
    import rdflib

    import kg

    with pytest.raises(kg.UserError):
        kg.decide(rdflib.Dataset())
