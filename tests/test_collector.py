"""The cyclic garbage collector paused around decisions (kg/base/collector.py): restored after the block whatever
happens in it, the cycles the block left collected after it (a cohort's chunk), or what it made frozen (one
decision in a process that ends after it)."""

from __future__ import annotations

import gc
import weakref

import pytest

from kg.base.collector import paused_collections


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_a_cycle_made_in_the_block_waits_for_the_block_and_is_collected_after_it():
    assert gc.isenabled()
    with paused_collections():
        assert not gc.isenabled()
        alive = weakref.ref(_Node())
        assert alive() is not None, "freed during the block: the collector ran"
    assert gc.isenabled() and alive() is None


def test_the_collector_is_enabled_again_after_an_error_in_the_block():
    with pytest.raises(RuntimeError), paused_collections():
        raise RuntimeError("a decision failed")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled_and_nothing_is_collected_or_frozen():
    gc.disable()
    frozen = gc.get_freeze_count()
    try:
        with paused_collections(freeze_after=True):
            alive = weakref.ref(_Node())
        assert not gc.isenabled() and alive() is not None and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
        gc.collect()


def test_freeze_after_moves_what_the_block_made_out_of_the_collector_s_reach():
    frozen = gc.get_freeze_count()
    try:
        with paused_collections(freeze_after=True):
            kept = [_Node() for _ in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()
