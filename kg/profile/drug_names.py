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
    close = []
    for known in agents:
        if is_code(known):
            continue
        matcher = difflib.SequenceMatcher(None, typed, known)
        # the two cheap upper bounds first, as difflib.get_close_matches does: the same names, far fewer ratio()s
        if matcher.real_quick_ratio() >= HINT_CUTOFF and matcher.quick_ratio() >= HINT_CUTOFF:
            score = matcher.ratio()
            if score >= HINT_CUTOFF:
                close.append((score, known))
    close.sort(reverse=True)
    if not close or len({agents[known] for _, known in close}) != 1:
        return None
    return close[0][1]
