"""Review reminders through the running service (issue 11): a real SQLite store reopened
for each restart, team-API sources on a local server, and a fake clock set by hand.

The queue holds OPS-77 (P3, created Monday 08:00 UTC); I am on duty Wednesday 09:00-17:00
UTC; review times are 09:30 and 14:00 in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.clock import FakeClock
from tests.test_service_reminders import START, Services, Team
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import AlertKind

REVIEWS = AlertSettings(review_times=(time(9, 30), time(14, 0)))
WED = datetime(2031, 6, 4, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def services(httpserver: HTTPServer, clock: FakeClock, tmp_path: Path) -> Iterator[Services]:
    made = Services(Team(httpserver), clock, tmp_path / "traysupport.sqlite3")
    yield made
    made.close()


def test_fires_once_per_slot_and_not_twice_after_a_restart(
    services: Services, clock: FakeClock
) -> None:
    clock.now = WED + timedelta(hours=9, minutes=31)
    service, heard = services.start(REVIEWS)
    service.poll_once()
    clock.now += timedelta(minutes=5)
    service.poll_once()
    shown = heard.of_kind(AlertKind.REVIEW)
    assert [(a.key, a.title, a.body) for a in shown] == [
        (
            "review:2031-06-04:09:30",
            "Review: 1 new ticket since your last review",
            "1 new in ops (1 P3)",
        )
    ]
    clock.now += timedelta(minutes=5)
    again, heard_again = services.start(REVIEWS)  # a restart within the same slot
    again.poll_once()
    assert heard_again.of_kind(AlertKind.REVIEW) == []


def test_marking_reviewed_survives_a_restart_and_stops_the_next_slot(
    services: Services, clock: FakeClock
) -> None:
    clock.now = WED + timedelta(hours=9, minutes=31)
    service, heard = services.start(REVIEWS)
    service.poll_once()
    assert len(heard.of_kind(AlertKind.REVIEW)) == 1
    clock.now += timedelta(minutes=10)
    service.mark_reviewed()
    reviewed_at = clock.now
    clock.now = WED + timedelta(hours=14, minutes=1)
    again, heard_again = services.start(REVIEWS)
    state = again.poll_once()
    assert state.settings.reviewed_at == reviewed_at
    # Nothing new since the review: no reminder at 14:00.
    assert heard_again.of_kind(AlertKind.REVIEW) == []


def test_none_off_duty(services: Services, clock: FakeClock) -> None:
    clock.now = WED - timedelta(days=1) + timedelta(hours=9, minutes=31)  # Tuesday: off
    service, heard = services.start(REVIEWS)
    service.poll_once()
    clock.now += timedelta(hours=5)
    service.poll_once()
    assert heard.of_kind(AlertKind.REVIEW) == []
