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
AREAS = ("queries/decision", "kg/core/decide", "kg/report")
DISEASE_WORDS = ("rls", "ferritin", "iron", "tsat", "restless")
DISEASE_WORD = re.compile(r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))(?i:" + "|".join(DISEASE_WORDS) + ")")


def _files(area: str) -> list[Path]:
    return sorted(p for p in (REPO / area).rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _occurrences(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
            for number, line in enumerate(lines, start=1) if DISEASE_WORD.search(line)]


@pytest.mark.parametrize("area", AREAS)
def test_no_disease_word_in_the_core(area: str):
    files = _files(area)
    assert files, f"{area}: no files (a renamed folder would make this test pass silently)"
    found = [hit for path in files for hit in _occurrences(path)]
    assert not found, f"{len(found)} disease word(s) in {area} (move them to a guideline package):\n" + "\n".join(found)


@pytest.mark.parametrize("text", ["PREFIX rls: <https://w3id.org/cgkg/rls/>", "?target a cg:IronFormulation",
                                  "a quantity (ferritin, TSAT)", "cg:ferritinNgPerMl", "cg:FindingRepleteIron",
                                  "treatment-resistant Restless legs", "STR(rls:)"])
def test_the_check_catches_a_disease_word(text: str):
    assert DISEASE_WORD.search(text)


@pytest.mark.parametrize("text", ["os.environ", "urls", "urlsplit", "buspirone", "gepirone", "curls"])
def test_the_check_ignores_words_that_only_contain_one(text: str):
    assert not DISEASE_WORD.search(text)
