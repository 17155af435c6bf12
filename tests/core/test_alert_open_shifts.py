"""Duty alerts for a permanent on-call (PagerDuty's null start or end, held as the model's
far bounds EARLIEST/LATEST): they say "always on call" or "no end scheduled", as `status`
does, and never a date in 1900 or 3000; no reminder is ever due or scheduled at a bound.

Pure: `evaluate` and `next_instant` with fixed datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from traysupport.core.alerts import AlertSettings, evaluate, next_instant
from traysupport.core.model import (
    EARLIEST,
    LATEST,
    Alert,
    AlertKind,
    Person,
    Priority,
    Role,
    Shift,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
)

ME = Person("alice", "Alice")
BOB = Person("bob", "Bob")
NOW = datetime(2024, 6, 3, 10, tzinfo=UTC)  # Monday 10:00 UTC
QUARTER = timedelta(minutes=15)
SETTINGS = AlertSettings(duty_soon_leads=(QUARTER,), evening_before=None)
SOURCES = (SourceStatus("pagerduty", ok=True, last_ok_at=NOW),)


def snap(*shifts: Shift, tickets: tuple[Ticket, ...] = ()) -> Snapshot:
    return Snapshot(NOW, (ME, BOB), shifts, tickets, SOURCES)


def mine(start: datetime, end: datetime, role: Role = Role.PRIMARY) -> Shift:
    return Shift(ME, start, end, role, "Core EP")


def held_ticket() -> Ticket:
    return Ticket(
        "1", "OPS-1", "Disk full", Priority.P2, TicketStatus.IN_PROGRESS, NOW, "pd", assignee=ME
    )


def alerts_at(current: Snapshot, now: datetime, fired: set[str] | None = None) -> list[Alert]:
    return evaluate(None, current, now, ME, SETTINGS, fired or set())


def texts(alerts: list[Alert]) -> str:
    return "\n".join(f"{a.title}\n{a.body}" for a in alerts)


def test_a_permanent_on_call_is_told_always_on_call_once_never_until_3000() -> None:
    current = snap(mine(EARLIEST, LATEST), tickets=(held_ticket(),))
    [started] = alerts_at(current, NOW)
    assert started.kind is AlertKind.DUTY_STARTED
    assert started.body == "You are on duty as primary on Core EP, always on call."
    assert "3000" not in texts([started]) and "1 Jan" not in texts([started])
    assert alerts_at(current, NOW + timedelta(days=400), {started.key}) == []


def test_a_shadow_with_no_end_rides_along_with_no_end_scheduled() -> None:
    current = snap(mine(NOW - timedelta(hours=1), LATEST, Role.SHADOW))
    [started] = alerts_at(current, NOW)
    assert started.body == "Riding along as shadow, no end scheduled."


def test_no_shift_ending_reminder_is_scheduled_for_an_on_call_with_no_end() -> None:
    # The old code woke the service in the year 2999 for "shift ends in 15 min".
    for shift in (mine(EARLIEST, LATEST), mine(NOW - timedelta(hours=1), LATEST)):
        assert next_instant(snap(shift), NOW, ME, SETTINGS) is None, shift


def test_no_shift_ending_alert_for_an_on_call_with_no_end_even_at_the_bound() -> None:
    # At the far bound itself the lead has "passed": still no "ends in 15 min", and no
    # "ending with open tickets" hand-over prompt.
    current = snap(mine(NOW - timedelta(hours=1), LATEST), tickets=(held_ticket(),))
    for now in (LATEST - QUARTER, LATEST - timedelta(minutes=1)):
        alerts = alerts_at(current, now)
        assert [a.kind for a in alerts if a.kind is AlertKind.DUTY_ENDING] == [], now


def test_an_upcoming_shift_with_no_end_reminds_with_no_end_scheduled() -> None:
    start = NOW + timedelta(hours=2)
    current = snap(mine(start, LATEST))
    assert next_instant(current, NOW, ME, SETTINGS) == start - QUARTER
    [soon] = alerts_at(current, start - QUARTER)
    assert soon.kind is AlertKind.DUTY_SOON
    assert soon.body == "On duty at Mon 12:00 as primary on Core EP (no end scheduled)"
    # Once on, told it has no end, and nothing more is scheduled for it.
    [started] = alerts_at(current, start, {soon.key})
    assert started.body == "You are on duty as primary on Core EP, no end scheduled."
    assert next_instant(current, start, ME, SETTINGS) is None


@pytest.mark.parametrize("now", [EARLIEST, EARLIEST + QUARTER, NOW, LATEST - QUARTER])
def test_a_shift_with_no_start_never_gives_a_duty_soon(now: datetime) -> None:
    # Whenever the app looks, an on-call with no start is already on: never "starts soon".
    current = snap(mine(EARLIEST, NOW + timedelta(hours=8)), mine(EARLIEST, LATEST, Role.SHADOW))
    kinds = {a.kind for a in alerts_at(current, now)}
    assert AlertKind.DUTY_SOON not in kinds
    # The two merge into one duty with neither start nor end: nothing ever falls due.
    assert next_instant(current, now, ME, SETTINGS) is None


def test_an_added_permanent_on_call_is_said_always_on_call_in_shift_changed() -> None:
    far = Shift(BOB, NOW + timedelta(days=9), NOW + timedelta(days=10))
    previous = snap(far)
    added = snap(far, mine(EARLIEST, LATEST), mine(NOW + timedelta(days=1), LATEST, Role.SHADOW))
    alerts = evaluate(previous, added, NOW, ME, SETTINGS, set())
    [changed] = [a for a in alerts if a.kind is AlertKind.SHIFT_CHANGED]
    assert changed.body.splitlines() == [
        "Added: primary on Core EP always on call",
        "Added: shadow on Core EP from Tue 10:00, no end scheduled",
    ]
