"""Drug names in a patient profile: resolve a name or code to an agent of the graph, or keep it as an
unrecognised medication, with a typing hint only when the hint cannot cross drug classes.

The names a profile may use come from ``queries/decision/agents.rq``: labels, synonyms (brand names
with their sources, ``kg/tables/interventions.tsv``) and the RxNorm/ATC codes of exact and close
matches (``kg/tables/mappings.tsv``, e.g. gabapentin's replaced ATC code N03AX12). A name the graph
does not know is accepted (the medication list is taken as complete) and reported as an
unrecognised medication. The hint rule (README, "Drug names"):

* a code (``RXNORM:…``, ``ATC:…``) never gets a hint: codes one character apart are different drugs
  (N03AX12 gabapentin, N06AX12 bupropion);
* a name gets a hint only from names, never from codes, and only when every known name at least
  ``HINT_CUTOFF`` similar to it belongs to one and the same agent; the hint then names that agent
  (as the closest of its names), so it can never suggest another drug, let alone another class.

>>> from rdflib import URIRef
>>> agents = {"gabapentin": URIRef("g"), "neurontin": URIRef("g"), "atc:n03ax12": URIRef("g"),
...           "venlafaxine": URIRef("v"), "mirtazapine": URIRef("m"), "atc:n06ax12": URIRef("b")}
>>> typing_hint("gabapentn", agents), typing_hint("Mirapex", agents), typing_hint("ATC:N06AX13", agents)
('gabapentin', None, None)
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import ItemsView
from functools import lru_cache

from rdflib import URIRef

CODE_PREFIXES = ("rxnorm:", "atc:")
HINT_CUTOFF = 0.85  # difflib ratio: about one wrong, missing or extra letter in eight


def normalise_name(name: str) -> str:
    """Case- and space-insensitive form of a drug name or code, the key of the agents map."""
    return " ".join(name.strip().lower().split())


def is_code(name: str) -> bool:
    return normalise_name(name).startswith(CODE_PREFIXES)


def resolve(name: str, agents: dict[str, URIRef]) -> URIRef | None:
    """The agent a name or code denotes, or None when the graph does not know it."""
    return agents.get(normalise_name(name))


def typing_hint(name: str, agents: dict[str, URIRef]) -> str | None:
    """A known name the given (unknown) name is probably a misspelling of, or None (see the module doc)."""
    if is_code(name):
        return None
    typed = normalise_name(name)
    typed_letters = Counter(typed).items()
    close = []
    for known in agents:
        if _is_code(known):
            continue
        # difflib.get_close_matches's two cheap upper bounds of the ratio first, computed here as difflib does
        # (real_quick_ratio: the lengths; quick_ratio: the letters in common) without building a matcher for the
        # many names that fail them: the same names, far fewer matchers and ratio()s
        lengths = len(typed) + len(known)
        if lengths and (2.0 * min(len(typed), len(known)) / lengths < HINT_CUTOFF
                        or 2.0 * _common(typed_letters, _letters(known)) / lengths < HINT_CUTOFF):
            continue
        score = difflib.SequenceMatcher(None, typed, known).ratio()
        if score >= HINT_CUTOFF:
            close.append((score, known))
    close.sort(reverse=True)
    if not close or len({agents[known] for _, known in close}) != 1:
        return None
    return close[0][1]


@lru_cache(maxsize=8192)
def _letters(name: str) -> Counter[str]:
    """How often each character occurs in a known name (read, never changed: safe to share between threads)."""
    return Counter(name)


_is_code = lru_cache(maxsize=8192)(is_code)  # the known names are few and asked about for every unknown one


def _common(letters: ItemsView[str, int], other: Counter[str]) -> int:
    """How many characters two names have in common, with repeats (difflib's quick_ratio counts these)."""
    return sum(min(count, other[letter]) for letter, count in letters)
