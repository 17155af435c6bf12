"""Writes of several calls (issue 9): when one call fails, the outbox retries only what is left.

A queue source whose hand-over is two calls (reassign, then a note, as PagerDuty's and
Intercom's are) records each call as a step; the store keeps the steps of the action,
and the next attempt, in this process or another after a crash, skips those done.

Real parts: a demo team on 127.0.0.1 (the team API), the SQLite store, the scheduler and
the HomeLoop, as in tests/test_service_sources.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tests.clock import FakeClock
from tests.test_service import START, built
from tests.test_service_sources import (  # noqa: F401  (fixtures)
    MakeService,
    clock,
    demos,
    make_service,
)
from traysupport.core.model import ActionKind, Person, UserAction
from traysupport.demo import DemoServer
from traysupport.sources.base import NO_STEPS, Steps, UnavailableError
from traysupport.sources.http import HttpClient
from traysupport.sources.teamapi import TeamApiSource
from traysupport.store import OutboxState, Store
from traysupport.store.holder import Holder

RECIPIENT = "priya"


class TwoCalls(TeamApiSource):
    """A team API whose hand-over is two calls: the reassignment, then the note.

    The note fails the first *note_failures* times; every call made is listed in `calls`.
    """

    def __init__(self, name: str, url: str, note_failures: int) -> None:
        super().__init__(name, url, http=HttpClient(name, url))
        self.note_failures = note_failures
        self.calls: list[str] = []
        self.retrying: list[bool] = []

    def hand_over(
        self,
        ticket_id: str,
        to: Person,
        note: str,
        by: Person,
        idempotency_key: str,
        *,
        steps: Steps = NO_STEPS,
    ) -> None:
        self.retrying.append(steps.retrying)
        if not steps.done("reassign"):
            self.calls.append("reassign")
            super().hand_over(ticket_id, to, "", by, idempotency_key)
            steps.record("reassign")
        if not steps.done("note"):
            self.calls.append("note")
            if self.note_failures > 0:
                self.note_failures -= 1
                raise UnavailableError(self.name, "the note did not get through")
            steps.record("note")


def test_a_failed_second_call_is_retried_alone(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    demo = demos()
    source = TwoCalls("desk", demo.url, note_failures=1)
    rig = make_service([built(source)])
    action = UserAction("h-1", ActionKind.HAND_OVER, "desk", "1002", "you", START, RECIPIENT, "n")
    rig.store.record(action)

    rig.service.start()
    rig.run_until(
        lambda: (
            (e := rig.store.entry("h-1")) is not None
            and e.state is OutboxState.PENDING
            and e.attempts == 1
        ),
        "the first attempt to fail",
    )
    entry = rig.store.entry("h-1")
    assert entry is not None and entry.steps == {"reassign"}
    assert source.calls == ["reassign", "note"]

    # The backoff ends: the retry sends the note only.
    clock.now = START + timedelta(hours=1)
    job = rig.scheduler.get_job("retry-h-1")
    assert job is not None, "nothing wakes the outbox for the retry"
    job.func(*job.args, **job.kwargs)
    rig.run_until(lambda: rig.store.open_entries() == [], "the retry to finish")
    assert source.calls == ["reassign", "note", "note"], "the reassignment was sent twice"
    assert source.retrying == [False, True]


def test_steps_survive_the_store_and_belong_to_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    action = UserAction("h-2", ActionKind.HAND_OVER, "desk", "7", "you", START, RECIPIENT, "n")
    with Store(path) as first, Store(path) as second:
        first.record(action)
        (claimed,) = first.claim(START)
        assert claimed.steps == frozenset() and not claimed.resumed
        assert first.mark_step("h-2", "reassign")
        assert not second.mark_step("h-2", "note"), "a store that does not hold it recorded"
        assert first.mark_retry("h-2", "note failed", START)
        (again,) = first.claim(START + timedelta(hours=1))
        assert again.steps == {"reassign"}

    # A sender that died mid-send: the next claim takes it over, steps and all, and says
    # that the action may have got through.
    with Store(path) as store:
        raw = sqlite3.connect(path)
        dead = str(Holder("elsewhere", 0, "x"))
        raw.execute("UPDATE outbox SET owner = ?, lease_until_us = 0", (dead,))
        raw.commit()
        raw.close()
        (taken,) = store.claim(START + timedelta(hours=2))
        assert taken.resumed and taken.steps == {"reassign"}


def test_damaged_steps_read_as_none_done(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    action = UserAction("h-3", ActionKind.HAND_OVER, "desk", "7", "you", START, RECIPIENT, "n")
    with Store(path) as store:
        store.record(action)
        raw = sqlite3.connect(path)
        raw.execute("UPDATE outbox SET steps = 'not json'")
        raw.commit()
        raw.close()
        (claimed,) = store.claim(START)
        assert claimed.steps == frozenset()
