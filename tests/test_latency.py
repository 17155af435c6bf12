"""`latency`: the GIL's switch interval, and garbage frozen after each state but swept."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest

from traysupport import latency


class Node:
    """Something that can be in a cycle, and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def tuned() -> Iterator[None]:
    before = sys.getswitchinterval()
    latency.tune()
    yield
    latency.restore()
    assert sys.getswitchinterval() == pytest.approx(before)
    assert gc.get_freeze_count() == 0


def cycle() -> weakref.ref[Node]:
    """A two-node cycle nobody refers to any more; only the collector can free it."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_tune_shortens_the_switch_interval_and_freezes_what_exists(tuned: None) -> None:
    assert sys.getswitchinterval() == pytest.approx(latency.SWITCH_INTERVAL)
    assert gc.get_freeze_count() > 0


def test_what_a_state_keeps_is_frozen_but_still_freed_when_dropped(tuned: None) -> None:
    kept = [Node() for _ in range(1000)]  # a state's objects: acyclic
    watched = weakref.ref(kept[0])
    frozen = gc.get_freeze_count()
    latency.settle()
    assert gc.get_freeze_count() >= frozen + 1000  # a full collection will not walk them
    del kept
    assert watched() is None  # reference counting frees frozen objects all the same


def test_a_young_cycle_is_collected_before_the_freeze(tuned: None) -> None:
    dead = cycle()
    latency.settle()
    assert dead() is None


def test_a_frozen_cycle_waits_for_the_sweep(tuned: None) -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a
    dead = weakref.ref(a)
    latency.settle()  # alive now: frozen
    del a, b  # garbage from now on, but frozen garbage
    gc.collect()
    assert dead() is not None
    latency.sweep()
    assert dead() is None
    assert gc.get_freeze_count() > 0  # and what lives is frozen again
