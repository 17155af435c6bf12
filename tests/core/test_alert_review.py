"""Review reminders (issue 11): once per slot, on duty only, counts right, held like the rest.

Pure rules with the clock passed in: `evaluate` is called as the service calls it, with the
keys fired so far, waking at each `next_instant` as the service's timer does.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from traysupport.core.alerts import AlertSettings, QuietHours, evaluate, next_instant
from traysupport.core.alerts.review import new_since_review, review_summary
from traysupport.core.model import (
    Alert,
    AlertAction,
    AlertKind,
    Person,
    Priority,
    Role,
    Shift,
    Snapshot,
    Ticket,
    TicketStatus,
)

ME = Person("alice", "Alice")
BERLIN = ZoneInfo("Europe/Berlin")
MON = datetime(2031, 6, 2, tzinfo=UTC)  # Monday; Berlin is UTC+2 in June
SLOTS = (time(9, 30), time(14, 0))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 0 is Monday 2 June 2031, UTC."""
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def ticket(n: int, source: str, priority: Priority, created: datetime) -> Ticket:
    return Ticket(str(n), f"T-{n}", f"issue {n}", priority, TicketStatus.NEW, created, source)


def on_duty(day: int) -> Shift:
    """My shift on *day*, 07:00-15:00 UTC (09:00-17:00 in Berlin)."""
    return Shift(ME, at(day, 7), at(day, 15), Role.PRIMARY, "support")


def snap(*tickets: Ticket, shifts: tuple[Shift, ...] = (on_duty(0),)) -> Snapshot:
    return Snapshot(at(0, 0), (ME,), shifts, tickets)


def settings(**kw: object) -> AlertSettings:
    base: dict[str, object] = {"tz": BERLIN, "review_times": SLOTS, "new_ticket_off_duty_p1": False}
    base.update(kw)
    return AlertSettings(**base)  # type: ignore[arg-type]


def reviews(current: Snapshot, now: datetime, s: AlertSettings, fired: set[str]) -> list[Alert]:
    found = [a for a in evaluate(None, current, now, ME, s, fired) if a.kind is AlertKind.REVIEW]
    fired.update(a.key for a in found)
    return found


def walk(current: Snapshot, start: datetime, end: datetime, s: AlertSettings) -> list[Alert]:
    """Every review reminder from *start* to *end*, waking at each next instant."""
    fired: set[str] = set()
    shown: list[Alert] = []
    now: datetime | None = start
    while now is not None and now <= end:
        shown += reviews(current, now, s, fired)
        now = next_instant(current, now, ME, s)
    return shown


EARLY = (
    ticket(1, "checkout-api", Priority.P1, at(-1, 20)),
    ticket(2, "checkout-api", Priority.P1, at(-1, 21)),
    ticket(3, "checkout-api", Priority.P3, at(-1, 22)),
    ticket(4, "billing", Priority.P2, at(-1, 23)),
)


def test_fires_once_per_slot_at_the_slot_on_a_duty_day() -> None:
    shown = walk(snap(*EARLY), at(0, 0), at(0, 23), settings())
    # 09:30 and 14:00 in Berlin are 07:30 and 12:00 UTC; the timer woke at each.
    assert [a.key for a in shown] == ["review:2031-06-02:09:30", "review:2031-06-02:14:00"]
    assert shown[0].title == "Review: 4 new tickets since your last review"
    assert shown[0].body == "3 new in checkout-api (2 P1, 1 P3)\n1 new in billing (1 P2)"
    assert shown[0].actions == (AlertAction.OPEN, AlertAction.MARK_REVIEWED)


def test_the_timer_wakes_at_the_slot() -> None:
    # After my shift started (its own reminders done; no tickets), the next wake-up is a slot.
    assert next_instant(snap(), at(0, 7, 1), ME, settings()) == at(0, 7, 30)
    assert next_instant(snap(), at(0, 7, 30), ME, settings()) == at(0, 12)
    # After the last slot of a day: the first of the next day.
    assert next_instant(snap(), at(0, 15), ME, settings(duty_soon_leads=())) == at(1, 7, 30)


def test_none_when_off_duty_at_the_slot() -> None:
    # Tuesday: no shift of mine at all.
    assert walk(snap(*EARLY), at(1, 0), at(1, 23), settings()) == []
    # A shift starting after the 09:30 slot: only the 14:00 one.
    late = Shift(ME, at(0, 9), at(0, 15), Role.PRIMARY, "support")
    shown = walk(snap(*EARLY, shifts=(late,)), at(0, 0), at(0, 23), settings())
    assert [a.key for a in shown] == ["review:2031-06-02:14:00"]


def test_counts_only_what_is_new_since_the_last_review_and_nothing_new_is_no_reminder() -> None:
    # Reviewed at 09:45 (Berlin); one ticket came at 11:00, before the 14:00 slot.
    later = ticket(5, "billing", Priority.P1, at(0, 9))
    s = settings(reviewed_at=at(0, 7, 45))
    shown = reviews(snap(*EARLY, later), at(0, 12), s, set())
    assert [(a.key, a.body) for a in shown] == [
        ("review:2031-06-02:14:00", "1 new in billing (1 P1)")
    ]
    assert reviews(snap(*EARLY), at(0, 12), s, set()) == []


def test_review_sources_limits_the_count() -> None:
    s = settings(review_sources=("billing",))
    assert [t.id for t in new_since_review(EARLY, s)] == ["4"]
    shown = walk(snap(*EARLY), at(0, 0), at(0, 12), s)
    assert shown[0].title == "Review: 1 new ticket since your last review"


def test_quiet_hours_hold_it_until_they_end_within_the_slot() -> None:
    quiet = QuietHours(time(9, 0), time(10, 0))  # Berlin: covers the 09:30 slot
    shown = walk(snap(*EARLY), at(0, 0), at(0, 9), settings(quiet_hours=quiet))
    assert [a.key for a in shown] == ["review:2031-06-02:09:30"]
    fired: set[str] = set()
    assert reviews(snap(*EARLY), at(0, 7, 45), settings(quiet_hours=quiet), fired) == []
    assert len(reviews(snap(*EARLY), at(0, 8, 0), settings(quiet_hours=quiet), fired)) == 1


def test_a_pause_holds_it_and_a_slot_does_not_outlive_the_next() -> None:
    fired: set[str] = set()
    paused = settings(paused_until=at(0, 11))
    assert reviews(snap(*EARLY), at(0, 7, 30), paused, fired) == []
    # After the pause (13:00 in Berlin) the current slot is still 09:30's...
    assert [a.key for a in reviews(snap(*EARLY), at(0, 11), paused, fired)] == [
        "review:2031-06-02:09:30"
    ]
    # ...but once 14:00 has come, only 14:00's is due: never a stale pile.
    late: set[str] = set()
    assert [a.key for a in reviews(snap(*EARLY), at(0, 12, 5), settings(), late)] == [
        "review:2031-06-02:14:00"
    ]


def test_off_by_an_empty_list() -> None:
    assert walk(snap(*EARLY), at(0, 0), at(0, 23), settings(review_times=())) == []


def test_summary_lists_sources_by_size_with_priorities_in_order() -> None:
    assert review_summary([EARLY[3], EARLY[2], EARLY[0]]) == [
        "2 new in checkout-api (1 P1, 1 P3)",
        "1 new in billing (1 P2)",
    ]
