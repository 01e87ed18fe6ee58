"""Every hostile file of tests/fuzz/corpus/ (issue 7, made by make_corpus.py) given to ``kg decide``:
exit code 2 with a message naming the rule, no traceback, nothing on stdout, within a time bound,
error output bounded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.cli_probe import run_kg

pytestmark = pytest.mark.fuzz
CORPUS_DIR = Path(__file__).parent / "corpus"
CORPUS = sorted(CORPUS_DIR.iterdir())
TIME_BOUND_SECONDS = 30.0  # the first call also builds the knowledge graph (once per process)
MAX_ERROR_CHARS = 20_000
EXPECTED = {  # file -> the rule the message must name (files not listed: any clean error)
    "alias-bomb.yaml": "values after expanding aliases",
    "blank-node-patient.ttl": "not a blank node",
    "deep-nesting.json": "nested too deeply",
    "drug-as-patient.ttl": "is a knowledge-graph node",
    "duplicate-key.json": "duplicate key",
    "duplicate-key.yaml": "duplicate key",
    "every-problem-at-once.yaml": "3 problem(s)",  # sex, future date, dialysis vs esrd (an unknown drug is accepted)
    "future-date-newline.json": "labs.ferritin.date",
    "huge-exponent.json": "number too large",
    "infinity.yaml": "NaN and infinity",
    "inject-blank-trial.ttl": "blank nodes are not allowed",
    "inject-condition-typed-as-population.ttl": "type not allowed",
    "inject-decision-reason.ttl": "must be exactly one of",
    "inject-derived-property.ttl": "property not allowed",
    "inject-drug-class-membership.ttl": "fact about a knowledge-graph node",
    "inject-effect-rank-changed.ttl": "fact about a knowledge-graph node",
    "inject-infinite-double.ttl": "finite value",
    "inject-nan-ferritin.ttl": "finite value",
    "inject-new-caution.ttl": "is not about the patient",
    "inject-new-recommendation.ttl": "is not about the patient",
    "inject-option-assessment.ttl": "must be exactly one of",
    "inject-owl-imports-file.ttl": "may not import",
    "inject-owl-imports-http.ttl": "may not import",
    "inject-patient-imports.ttl": "may not import",
    "inject-patient-node-typed-as-drug.ttl": "must be exactly one of",
    "inject-patient-typed-as-population.ttl": "type not allowed",
    "inject-same-as-drug.ttl": "schema (TBox) axiom",
    "inject-second-patient.ttl": "exactly one cg:Patient",
    "inject-subproperty-bypass.ttl": "schema (TBox) axiom",
    "inject-superseded-guideline.ttl": "fact about a knowledge-graph node",
    "inject-tbox-equivalent-class.ttl": "schema (TBox) axiom",
    "inject-tbox-subclass.ttl": "schema (TBox) axiom",
    "leading-zero-ferritin.yaml": "leading zero",
    "long-patient-id.json": "patient_id",
    "many-medications.yaml": "is too long",
    "nan.json": "NaN and infinity",
    "not-utf8.ttl": "not UTF-8",
    "not-utf8.yaml": "not UTF-8",
    "octal-age.yaml": "leading zero",
    "patient-id-newline.json": "patient_id",
    "patient-prefix-of-the-graph.ttl": "prefix of knowledge-graph IRIs",
    "python-tag.yaml": "cannot be parsed",
    "recursive-alias.yaml": "recursive alias",
    "sexagesimal-age.yaml": "is not of type 'number'",
    "trimester-float.json": "is not of type 'integer'",
    "unwritable-iri.ttl": "not a valid IRI",
}


def test_the_corpus_holds_every_hostile_case():
    assert {p.name for p in CORPUS} >= set(EXPECTED)
    assert len(CORPUS) >= 45


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_hostile_file_is_a_clean_bounded_error(path: Path):
    outcome = run_kg("decide", str(path))
    assert outcome.clean_error, outcome.stderr[-3000:]
    assert outcome.stdout == ""
    assert outcome.seconds < TIME_BOUND_SECONDS
    assert len(outcome.stderr) < MAX_ERROR_CHARS
    assert EXPECTED.get(path.name, "") in outcome.stderr


def test_the_console_script_gives_no_traceback_on_an_alias_bomb():
    """The same through a real process (exit status and stderr as a shell sees them)."""
    result = subprocess.run([sys.executable, "-m", "kg", "decide", str(CORPUS_DIR / "alias-bomb.yaml")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "values after expanding aliases" in result.stderr
