"""Regression tests for the clinical fixes of issue #6 ("clinical safety at the edges", findings 1-8), one file per
fixed behaviour, each deciding a small profile (on the default, compiled path). The base profile (profiles.py)
is an adult with every condition stated absent, replete iron, no medication and no past trial, so that only the
fields a test changes bear on the options it checks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kg.core.decide.build_choice import knowledge_for
from kg.core.decide.decision import Decision, Knowledge, decide
from tests.regressions.profiles import ADULT


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return knowledge_for(ADULT)  # the build kg decide picks for the base adult's conditions (ADR 0019)


@pytest.fixture
def decide_adult(knowledge: Knowledge) -> Callable[..., Decision]:
    """Decide the base adult with some fields replaced (``omit`` removes fields)."""

    def run(omit: tuple[str, ...] = (), **fields: Any) -> Decision:
        profile = copy.deepcopy(ADULT) | fields
        for name in omit:
            del profile[name]
        return decide(profile, knowledge=knowledge)

    return run
