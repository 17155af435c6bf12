"""Shift reminders and shift changes through the running service (issue 8).

Real parts, as in tests/test_service.py: team-API sources on a local pytest-httpserver,
a real SQLite store (reopened for a restart), APScheduler and the HomeLoop; time is a
fake clock set by hand. The service runs with the default alert settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from pytest_httpserver import HTTPServer

from tests.clock import FakeClock
from tests.test_service import (
    QUIET_POLLS,
    FlakyQueue,
    FlakyRotation,
    Heard,
    built,
    source,
    team_source,
)
from traysupport.core.alerts import AlertSettings, QuietHours
from traysupport.core.model import Alert, AlertKind
from traysupport.service import HomeLoop, SupportService
from traysupport.sources.teamapi import TeamApiSource
from traysupport.store import Store

START = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)  # Monday
ROTATION, QUEUE = frozenset({"rotation"}), frozenset({"queue"})


def _shift(start: str, end: str) -> dict[str, str]:
    return {"person_id": "you", "start": start, "end": end, "role": "primary"}


WED = _shift("2031-06-04T09:00:00Z", "2031-06-04T17:00:00Z")
THU = _shift("2031-06-05T09:00:00Z", "2031-06-05T17:00:00Z")
LATER = _shift("2031-06-12T09:00:00Z", "2031-06-12T17:00:00Z")  # the fetched horizon


class Team:
    """A rotation-only and a queue-only source on one local server, each able to fail."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.rotation = FlakyRotation([WED, LATER])
        self.queue = FlakyQueue()
        for path, handler in (
            ("/rota/people", self.rotation.people),
            ("/rota/shifts", self.rotation.shift_list),
            ("/ops/tickets", self.queue),
            ("/ops/people", self.queue.people),
        ):
            httpserver.expect_request(path).respond_with_handler(handler)
        self.url = httpserver.url_for("")


class Services:
    """Builds services on the team; stops every scheduler, source and store after."""

    def __init__(self, team: Team, clock: FakeClock, store_path: Path) -> None:
        self.team, self.clock, self.store_path = team, clock, store_path
        self.schedulers: list[BackgroundScheduler] = []
        self.sources: list[TeamApiSource] = []
        self.stores: list[Store] = []

    def start(self, settings: AlertSettings | None = None) -> tuple[SupportService, Heard]:
        store = Store(self.store_path)
        self.stores.append(store)
        rota = team_source("rota", f"{self.team.url}rota")
        ops = team_source("ops", f"{self.team.url}ops")
        self.sources += [rota, ops]
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.start()
        self.schedulers.append(scheduler)
        loop, heard = HomeLoop(), Heard()
        service = SupportService(
            sources=[built(rota, ROTATION), built(ops, QUEUE)],
            store=store,
            scheduler=scheduler,
            call_soon=loop.call_soon,
            listener=heard,
            settings=settings or AlertSettings(),
            poll=QUIET_POLLS,
            me_hint="you",
            clock=self.clock,
        )
        return service, heard

    def close(self) -> None:
        for scheduler in self.schedulers:
            scheduler.shutdown(wait=True)
        for made in self.sources:
            made.close()
        for store in self.stores:
            store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def services(httpserver: HTTPServer, clock: FakeClock, tmp_path: Path) -> Iterator[Services]:
    made = Services(Team(httpserver), clock, tmp_path / "traysupport.sqlite3")
    yield made
    made.close()


def titles(heard: Heard, kind: AlertKind) -> list[str]:
    return [a.title for a in heard.of_kind(kind)]


def test_each_reminder_fires_once_and_not_again_after_a_restart(
    services: Services, clock: FakeClock
) -> None:
    fired: list[Alert] = []
    for now in (
        datetime(2031, 6, 3, 9, 0, tzinfo=UTC),  # a day ahead
        datetime(2031, 6, 3, 18, 0, tzinfo=UTC),  # the evening before (zone: UTC)
        datetime(2031, 6, 4, 8, 45, tzinfo=UTC),  # 15 minutes ahead
    ):
        clock.now = now
        service, heard = services.start()  # a restart before each reminder instant...
        service.poll_once()
        clock.now += timedelta(minutes=1)
        service.poll_once()  # ...and a second poll just after it
        fired += heard.of_kind(AlertKind.DUTY_SOON)
    assert [a.title for a in fired] == [
        "Tomorrow 09:00: you are primary on rota",
        "Tomorrow 09:00: you are primary on rota",
        "In 15 min: you are primary on rota",
    ]
    assert len({a.key for a in fired}) == 3
    again, heard = services.start()
    again.poll_once()
    assert heard.of_kind(AlertKind.DUTY_SOON) == []


def test_a_down_queue_only_source_neither_delays_nor_freezes_shift_changes(
    services: Services, clock: FakeClock
) -> None:
    team = services.team
    service, heard = services.start()
    service.poll_once()
    team.queue.failing = True
    clock.now += timedelta(minutes=5)
    assert not source(service.poll_once(), "ops").ok

    team.rotation.shifts = [THU, LATER]
    for _ in range(2):
        clock.now += timedelta(minutes=5)
        state = service.poll_once()
        assert not source(state, "ops").ok
    assert titles(heard, AlertKind.SHIFT_CHANGED) == ["Your shifts changed"]

    # Moved back while the queue is still down: a second change, told once.
    team.rotation.shifts = [WED, LATER]
    for _ in range(2):
        clock.now += timedelta(minutes=5)
        service.poll_once()
    bodies = [a.body for a in heard.of_kind(AlertKind.SHIFT_CHANGED)]
    assert len(bodies) == 2
    assert bodies[1].startswith("Moved: primary on rota Thu 09:00")


def test_a_shift_change_held_by_quiet_hours_is_told_when_they_end(
    services: Services, clock: FakeClock
) -> None:
    quiet = AlertSettings(quiet_hours=QuietHours(time(22, 0), time(7, 0)))
    clock.now = datetime(2031, 6, 2, 21, 0, tzinfo=UTC)
    service, heard = services.start(quiet)
    service.poll_once()
    services.team.rotation.shifts = [THU, LATER]
    clock.now = datetime(2031, 6, 2, 23, 0, tzinfo=UTC)
    for _ in range(2):  # held, and the next poll sees no difference from the last one
        service.poll_once()
        clock.now += timedelta(minutes=5)
    assert heard.of_kind(AlertKind.SHIFT_CHANGED) == []
    clock.now = datetime(2031, 6, 3, 7, 0, tzinfo=UTC)
    for _ in range(2):
        service.poll_once()
        clock.now += timedelta(minutes=5)
    assert [a.body for a in heard.of_kind(AlertKind.SHIFT_CHANGED)] == [
        "Moved: primary on rota Wed 09:00 to Wed 17:00 → Thu 09:00 to Thu 17:00"
    ]
