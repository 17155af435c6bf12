"""Shift reminders and shift changes (issue 8): each fires once, and only when it should.

Pure functions with the clock passed in: `evaluate` is called the way the service calls
it, with the keys fired so far, and time moves by setting `now`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from traysupport.config_schema import AlertsSettings
from traysupport.core.alerts import (
    AlertSettings,
    QuietHours,
    advance_trusted,
    evaluate,
    next_instant,
)
from traysupport.core.model import (
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
MON = datetime(2024, 6, 3, tzinfo=UTC)  # Monday 00:00 UTC
SEC = timedelta(seconds=1)
BERLIN = ZoneInfo("Europe/Berlin")
DAY, QUARTER = timedelta(days=1), timedelta(minutes=15)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 0 is Monday 3 June 2024, UTC."""
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def shift(
    start: datetime,
    end: datetime,
    person: Person = ME,
    *,
    rotation: str = "support",
    out_of_hours: bool = False,
    source: str = "",
) -> Shift:
    return Shift(person, start, end, Role.PRIMARY, rotation, out_of_hours, source)


def snap(
    *shifts: Shift, sources: tuple[SourceStatus, ...] = (), tickets: tuple[Ticket, ...] = ()
) -> Snapshot:
    return Snapshot(MON, (ME, BOB), shifts, tickets, sources)


def soon(
    current: Snapshot, now: datetime, s: AlertSettings, fired: Collection[str] = ()
) -> list[Alert]:
    return [a for a in evaluate(None, current, now, ME, s, fired) if a.kind is AlertKind.DUTY_SOON]


def walk(current: Snapshot, start: datetime, end: datetime, s: AlertSettings) -> list[Alert]:
    """Every alert fired from *start* to *end*, waking at each next instant like the service."""
    fired: set[str] = set()
    shown: list[Alert] = []
    now: datetime | None = start
    while now is not None and now <= end:
        for _ in range(2):  # evaluating twice at the same instant must add nothing
            alerts = evaluate(None, current, now, ME, s, fired)
            shown += alerts
            fired |= {a.key for a in alerts}
        now = next_instant(current, now, ME, s)
    return shown


# --- lead times -----------------------------------------------------------------------------


def test_the_default_leads_are_a_day_and_a_quarter_hour_in_the_rules_and_the_config() -> None:
    assert AlertSettings().duty_soon_leads == (DAY, QUARTER)
    assert AlertsSettings().duty_soon == (DAY, QUARTER)


def test_a_day_ahead_and_15_minutes_ahead_each_fire_once_with_their_own_wording() -> None:
    s = AlertSettings(evening_before=None)
    current = snap(shift(at(1, 9), at(1, 17)))  # Tue 09:00 - 17:00 UTC
    fired = walk(current, at(0, 0), at(1, 12), s)
    reminders = [(a.title, a.body) for a in fired if a.kind is AlertKind.DUTY_SOON]
    body = "On duty at Tue 09:00 as primary on support (until Tue 17:00)"
    assert reminders == [
        ("Tomorrow 09:00: you are primary on support", body),
        ("In 15 min: you are primary on support", body),
    ]
    # Once each, whenever the app looks: at the instant and any time after.
    day_ahead = soon(current, at(0, 9), s)
    assert len(day_ahead) == 1
    assert soon(current, at(0, 9) - SEC, s) == []
    for later in (at(0, 9), at(0, 9, 1), at(0, 20)):
        assert soon(current, later, s, [day_ahead[0].key]) == []


def test_the_15_minute_and_evening_keys_stay_as_they_were() -> None:
    # Users upgrading keep their fired keys: these reminders must not come a second time.
    start = at(1, 9)
    current = snap(shift(start, at(1, 17)))
    [quarter] = soon(current, start - QUARTER, AlertSettings(evening_before=None))
    assert quarter.key == f"duty_soon|alice|{start.isoformat()}|lead900"
    [evening] = soon(current, at(0, 18), AlertSettings())
    assert evening.key == f"duty_soon|alice|{start.isoformat()}|evening"


def test_a_morning_shift_gets_a_day_an_evening_and_a_quarter_hour_reminder() -> None:
    s = AlertSettings(tz=BERLIN)  # the defaults: 1 day, 15 min, 18:00 the evening before
    morning = shift(at(1, 6), at(1, 14))  # Tue 08:00 - 16:00 in Berlin (summer time)
    fired = walk(snap(morning), at(0, 0), at(1, 10), s)
    titles = [a.title for a in fired if a.kind is AlertKind.DUTY_SOON]
    assert titles == [
        "Tomorrow 08:00: you are primary on support",  # Mon 08:00 Berlin
        "Tomorrow 08:00: you are primary on support",  # Mon 18:00 Berlin
        "In 15 min: you are primary on support",
    ]
    assert soon(snap(morning), at(0, 16) - SEC, s, [a.key for a in fired[:1]]) == []
    assert len(soon(snap(morning), at(0, 16), s, [a.key for a in fired[:1]])) == 1


def test_morning_means_starting_before_noon_local_time() -> None:
    s = AlertSettings(tz=BERLIN, duty_soon_leads=())
    last_morning = snap(shift(at(1, 9, 59), at(1, 14)))  # Tue 11:59 Berlin
    noon = snap(shift(at(1, 10), at(1, 14)))  # Tue 12:00 Berlin
    assert len(soon(last_morning, at(0, 16), s)) == 1
    assert soon(noon, at(0, 16), s) == []


def test_a_lead_that_already_reminds_that_afternoon_replaces_the_evening_reminder() -> None:
    s = AlertSettings(duty_soon_leads=(timedelta(hours=7),))  # Mon 17:30 for Tue 00:30
    current = snap(shift(at(1, 0, 30), at(1, 8)))
    assert [a.title for a in walk(current, at(0, 0), at(1, 0), s)] == [
        "In 7 h: you are primary on support"
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 95).map(lambda q: timedelta(minutes=15 * q)),
    st.sets(st.sampled_from([DAY, QUARTER, timedelta(hours=1), timedelta(hours=7)])),
    st.sampled_from([None, time(18, 0), time(20, 30)]),
)
def test_every_reminder_fires_at_most_once_per_shift_and_lead(
    start_of_day: timedelta, leads: set[timedelta], evening: time | None
) -> None:
    start = at(2, 0) + start_of_day
    s = AlertSettings(tz=BERLIN, duty_soon_leads=tuple(leads), evening_before=evening)
    fired = walk(snap(shift(start, start + timedelta(hours=8))), at(0, 0), start, s)
    keys = [a.key for a in fired if a.kind is AlertKind.DUTY_SOON]
    assert len(keys) == len(set(keys))
    # Walking wakes at every reminder instant, so every lead fires (the evening at most one).
    named = {key.rsplit("|", 1)[1] for key in keys}
    assert {f"lead{int(lead.total_seconds())}" for lead in leads} <= named
    assert named - {f"lead{int(lead.total_seconds())}" for lead in leads} <= {"evening"}


# --- out of hours and quiet hours -------------------------------------------------------------


def test_out_of_hours_shifts_are_marked_in_the_reminder() -> None:
    night = shift(at(1, 22), at(2, 6), out_of_hours=True)
    [alert] = soon(snap(night), at(1, 21, 45), AlertSettings(evening_before=None))
    assert alert.title == "In 15 min: you are primary on support (out of hours)"
    assert "(out of hours)" in alert.body
    started = evaluate(None, snap(night), at(1, 22), ME, AlertSettings(), ())
    assert "(out of hours)" in started[0].body


def test_quiet_hours_hold_an_out_of_hours_reminder_and_let_only_p1_through() -> None:
    quiet = AlertSettings(evening_before=None, quiet_hours=QuietHours(time(22, 0), time(7, 0)))
    night = shift(at(1, 23), at(2, 6), out_of_hours=True)  # Tue 23:00 UTC
    p1 = Ticket("1", "OPS-1", "db down", Priority.P1, TicketStatus.NEW, at(1, 22, 40), "jira")
    p3 = replace(p1, id="2", key="OPS-2", priority=Priority.P3)
    current = snap(night, tickets=(p1, p3))
    # 22:45: the 15-minute reminder is due, but quiet hours hold everything but the P1.
    alerts = evaluate(None, current, at(1, 22, 45), ME, quiet, ())
    assert [(a.kind, a.subject) for a in alerts] == [(AlertKind.NEW_TICKET, "jira:1")]
    # The day-ahead reminder fell due at Mon 23:00, in quiet hours too: held, not lost,
    # it shows when they end.
    assert soon(current, at(0, 23), quiet) == []
    [held] = soon(current, at(1, 7), quiet)
    assert held.title == "Today 23:00: you are primary on support (out of hours)"


# --- shift_changed ------------------------------------------------------------------------------

WED = shift(at(2, 9), at(2, 17), source="rota")
THU = shift(at(3, 9), at(3, 17), source="rota")
FRI = shift(at(4, 9), at(4, 17), source="rota")
FAR = shift(at(9, 9), at(9, 17), BOB, source="rota")  # sets both snapshots' horizon


def status(name: str, *roles: str, ok: bool = True) -> SourceStatus:
    failures = 0 if ok else 3
    return SourceStatus(name, ok, MON, "" if ok else "timeout", failures, "team-api", roles)


ROTA = status("rota", "rotation")
QUEUE = status("ops", "queue")
QUEUE_DOWN = status("ops", "queue", ok=False)


def changes(trusted: Snapshot, current: Snapshot, fired: Collection[str] = ()) -> list[Alert]:
    alerts = evaluate(trusted, current, MON, ME, AlertSettings(), fired)
    return [a for a in alerts if a.kind is AlertKind.SHIFT_CHANGED]


def test_a_down_queue_only_source_does_not_hold_back_a_shift_change() -> None:
    before = snap(WED, FAR, sources=(ROTA, QUEUE))
    after = snap(THU, FAR, sources=(ROTA, QUEUE_DOWN))
    [alert] = changes(before, after)
    assert alert.body.startswith("Moved: primary on support Wed 09:00")
    # Nor does a queue-only source that is down in both, or newly configured.
    assert len(changes(replace(before, sources=(ROTA, QUEUE_DOWN)), after)) == 1
    assert len(changes(replace(before, sources=(ROTA,)), after)) == 1


def test_a_down_rotation_source_does_not_make_its_shifts_disappear() -> None:
    before = snap(WED, FAR, sources=(ROTA, QUEUE))
    # A failed fetch that left the snapshot without the source's shifts.
    after = snap(FAR, sources=(status("rota", "rotation", ok=False), QUEUE))
    assert changes(before, after) == []
    both = status("rota", "queue", "rotation", ok=False)
    assert changes(before, replace(after, sources=(both,))) == []
    # A status without roles predates them and may serve shifts: it counts as rotation.
    assert changes(before, replace(after, sources=(status("rota", ok=False),))) == []


def test_a_down_rotation_source_holds_back_only_its_own_shift_changes() -> None:
    night = status("nights", "rotation")
    night_down = status("nights", "rotation", ok=False)
    late = shift(at(2, 22), at(3, 6), source="nights", out_of_hours=True)
    later = shift(at(3, 22), at(4, 6), source="nights", out_of_hours=True)
    far_night = shift(at(9, 22), at(10, 6), BOB, source="nights")
    first = snap(WED, FAR, late, far_night, sources=(ROTA, night))
    trusted = advance_trusted(None, first)
    # "nights" is down (its shifts missing from the merge); "rota" moved my shift.
    second = snap(THU, FAR, sources=(ROTA, night_down))
    [moved] = changes(trusted, second)
    assert moved.body.startswith("Moved: primary on support Wed 09:00"), moved.body
    trusted = advance_trusted(trusted, second)
    assert late in trusted.shifts and THU in trusted.shifts, "the down source's baseline"
    # Back, with its own change meanwhile: told now, and the "rota" move not again.
    third = snap(THU, FAR, later, far_night, sources=(ROTA, night))
    [night_moved] = changes(trusted, third, [moved.key])
    assert "Wed 22:00 to Thu 06:00 → Thu 22:00" in night_moved.body, night_moved.body
    assert "Thu 09:00" not in night_moved.body


def test_each_change_fires_once_and_a_shift_moved_twice_fires_twice() -> None:
    first = snap(WED, FAR, sources=(ROTA,))
    second = snap(THU, FAR, sources=(ROTA,))
    [moved] = changes(first, second)
    # Every later poll compares against the same trusted snapshot: the same key.
    assert changes(first, second, [moved.key]) == []
    assert [a.key for a in changes(first, replace(second, taken_at=at(0, 1)))] == [moved.key]
    # Moved again, and then back: each is a new change with its own key.
    third = snap(FRI, FAR, sources=(ROTA,))
    [again] = changes(second, third, [moved.key])
    back = changes(third, first, [moved.key, again.key])
    assert len({moved.key, again.key, *(a.key for a in back)}) == 3
    assert [a.body for a in back] == [
        "Moved: primary on support Fri 09:00 to Fri 17:00 → Wed 09:00 to Wed 17:00"
    ]
