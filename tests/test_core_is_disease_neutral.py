"""The core knows no disease (issue 19, ADR 0019): the code, queries and ontology every guideline package runs
through name no condition, lab or drug of any one guideline, in code, queries, comments and docstrings alike. What
a guideline needs (its populations, labs, drugs, wording) is data in its package; content IRIs come from the data or
from bound parameters, never from a prefix (no ``PREFIX rls:``).

A word counts where it starts a word: at the start, after a non-letter, or as a capitalised part of a camelCase name
(``cg:IronFormulation``, ``ferritinNgPerMl``, ``FindingRepleteIron``), so that ``environ``, ``urls`` and
``buspirone`` do not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# the folders that must stay disease-neutral (one list: add an area here)
AREAS = ("kg", "queries", "ontology")
# what lies in those folders but is not the core: a guideline's data, generated from the packages, or history. Each
# path must exist (a renamed folder must not widen what is skipped).
NOT_CORE: dict[str, str] = {
    "kg/built": "the packaged build set: the installed packages' content, built (make built)",
    "kg/examples": "the bundled example patient (kg decide --example): a profile is data, input to the core",
    "kg/schemas/patient-profile.schema.json": "generated from the installed packages' profile fields "
                                              "(python -m kg.profile.schema_gen)",
    "ontology/context.jsonld": "generated from the packaged build (python -m kg.export.context): the packages' "
                               "prefixes and notations",
    "ontology/decisions": "the ADRs: the project's history",
}
DISEASE_WORDS = ("rls", "ferritin", "iron", "tsat", "restless")
DISEASE_WORD = re.compile(r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))(?i:" + "|".join(DISEASE_WORDS) + ")")


def _skipped(relative: str, skip: tuple[str, ...]) -> bool:
    return any(relative == s or relative.startswith(f"{s}/") for s in skip)


def _files(root: Path, area: str, skip: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in (root / area).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts
                  and not _skipped(p.relative_to(root).as_posix(), skip))


def _occurrences(root: Path, path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:  # a binary file (an image of the docs): no text to name a disease in
        return []
    return [f"{path.relative_to(root).as_posix()}:{number}: {line.strip()}"
            for number, line in enumerate(lines, start=1) if DISEASE_WORD.search(line)]


def disease_words(root: Path, area: str, skip: tuple[str, ...]) -> list[str]:
    """Every line of *area* (under *root*, outside *skip*) that names a disease word, as ``path:line: text``."""
    return [hit for path in _files(root, area, skip) for hit in _occurrences(root, path)]


@pytest.mark.parametrize("area", AREAS)
def test_no_disease_word_in_the_core(area: str):
    assert _files(REPO, area, ()), f"{area}: no files (a renamed folder would make this test pass silently)"
    found = disease_words(REPO, area, tuple(NOT_CORE))
    assert not found, f"{len(found)} disease word(s) in {area} (move them to a guideline package):\n" + "\n".join(found)


@pytest.mark.parametrize("path", sorted(NOT_CORE))
def test_what_is_not_core_exists(path: str):
    assert (REPO / path).exists(), f"{path}: gone; drop it from NOT_CORE (else a new file there would be skipped)"


def test_the_check_finds_a_disease_word_in_a_core_file(tmp_path: Path):
    (tmp_path / "queries" / "cq").mkdir(parents=True)
    (tmp_path / "queries" / "cq" / "neutral.rq").write_text("SELECT ?s WHERE { ?s a cg:Drug }\n", encoding="utf-8")
    assert disease_words(tmp_path, "queries", ()) == []
    (tmp_path / "queries" / "cq" / "back.rq").write_text("PREFIX rls: <https://w3id.org/cgkg/rls/>\n",
                                                         encoding="utf-8")
    assert disease_words(tmp_path, "queries", ()) == ["queries/cq/back.rq:1: PREFIX rls: <https://w3id.org/cgkg/rls/>"]
    assert disease_words(tmp_path, "queries", ("queries/cq/back.rq",)) == []


@pytest.mark.parametrize("text", ["PREFIX rls: <https://w3id.org/cgkg/rls/>", "?target a cg:IronFormulation",
                                  "a quantity (ferritin, TSAT)", "cg:ferritinNgPerMl", "cg:FindingRepleteIron",
                                  "treatment-resistant Restless legs", "STR(rls:)"])
def test_the_check_catches_a_disease_word(text: str):
    assert DISEASE_WORD.search(text)


@pytest.mark.parametrize("text", ["os.environ", "urls", "urlsplit", "buspirone", "gepirone", "curls"])
def test_the_check_ignores_words_that_only_contain_one(text: str):
    assert not DISEASE_WORD.search(text)
