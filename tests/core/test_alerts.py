"""Tests for the alert rules and the next instant an alert can fall due."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traysupport.core.alerts import AlertSettings, QuietHours, evaluate, next_instant, plan
from traysupport.core.model import (
    Alert,
    AlertAction,
    AlertKind,
    Person,
    Priority,
    Role,
    Shift,
    Sla,
    SlaKind,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    Urgency,
)

ME = Person("alice", "Alice")
BOB = Person("bob", "Bob")
MON = datetime(2024, 6, 3, tzinfo=UTC)  # Monday 00:00 UTC
SEC = timedelta(seconds=1)
BERLIN = ZoneInfo("Europe/Berlin")
# One 15-minute lead and no evening reminder unless a test is about them, so other tests
# see only their rule (the defaults add a day-ahead lead: tests/core/test_alert_reminders.py).
QUARTER_ONLY = AlertSettings(duty_soon_leads=(timedelta(minutes=15),))
PLAIN = replace(QUARTER_ONLY, evening_before=None)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 0 is Monday 3 June 2024, UTC."""
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def shift(
    start: datetime,
    end: datetime,
    person: Person = ME,
    role: Role = Role.PRIMARY,
    rotation: str = "",
) -> Shift:
    return Shift(person=person, start=start, end=end, role=role, rotation=rotation)


def ticket(
    ident: str,
    priority: Priority = Priority.P3,
    *,
    created: datetime = MON,
    status: TicketStatus = TicketStatus.NEW,
    assignee: Person | None = None,
    sla: Sla | None = None,
    title: str = "",
) -> Ticket:
    return Ticket(
        id=ident,
        key=f"OPS-{ident}",
        title=title or f"Ticket {ident}",
        priority=priority,
        status=status,
        created_at=created,
        source="jira",
        assignee=assignee,
        sla=sla,
    )


def snap(
    shifts: tuple[Shift, ...] = (),
    tickets: tuple[Ticket, ...] = (),
    sources: tuple[SourceStatus, ...] = (),
    taken_at: datetime = MON,
) -> Snapshot:
    return Snapshot(
        taken_at=taken_at, people=(ME, BOB), shifts=shifts, tickets=tickets, sources=sources
    )


def run(
    current: Snapshot,
    now: datetime,
    s: AlertSettings = PLAIN,
    *,
    fired: Collection[str] = (),
    previous: Snapshot | None = None,
    me: Person | None = ME,
) -> list[Alert]:
    return evaluate(previous, current, now, me, s, fired)


def kinds(alerts: list[Alert]) -> list[AlertKind]:
    return [a.kind for a in alerts]


def only(alerts: list[Alert], kind: AlertKind) -> list[Alert]:
    return [a for a in alerts if a.kind is kind]


def nxt(
    current: Snapshot, now: datetime, s: AlertSettings = PLAIN, me: Person | None = ME
) -> datetime | None:
    return next_instant(current, now, me, s)


# --- settings ---------------------------------------------------------------------------


def test_quiet_hours_wrap_midnight() -> None:
    quiet = QuietHours(time(22, 0), time(7, 0))
    assert quiet.contains(time(22, 0))
    assert quiet.contains(time(23, 59))
    assert quiet.contains(time(6, 59, 59))
    assert not quiet.contains(time(7, 0))
    assert not quiet.contains(time(21, 59, 59))


def test_quiet_hours_within_a_day_and_empty() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(time(12, 30))
    assert not lunch.contains(time(13, 0))
    assert not lunch.contains(time(11, 59))
    assert not QuietHours(time(9, 0), time(9, 0)).contains(time(9, 0))
    # An aware time is read by its wall clock, not rejected.
    assert lunch.contains(time(12, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    "bad",
    [
        {"duty_soon_leads": (timedelta(0),)},
        {"duty_ending_lead": timedelta(minutes=-1)},
        {"breach_repeat_p1": timedelta(0)},
        {"source_down_after": 0},
        {"paused_until": datetime(2024, 6, 3, 9, 0)},  # naive on purpose
        {"snoozed": (("jira:1", datetime(2024, 6, 3, 9, 0)),)},
    ],
)
def test_settings_reject_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AlertSettings(**bad)  # type: ignore[arg-type]


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError):
        run(snap(), datetime(2024, 6, 3, 9, 0))


# --- duty_soon --------------------------------------------------------------------------

DAY_SHIFT = shift(at(0, 9), at(1, 9))  # Mon 09:00 - Tue 09:00


def test_duty_soon_fires_at_its_lead_not_a_second_before() -> None:
    current = snap((DAY_SHIFT,))
    assert run(current, at(0, 8, 45) - SEC) == []
    alerts = run(current, at(0, 8, 45))
    assert kinds(alerts) == [AlertKind.DUTY_SOON]
    alert = alerts[0]
    assert alert.body == "On duty at Mon 09:00 as primary (until Tue 09:00)"
    assert alert.title == "In 15 min: you are primary"
    assert alert.urgency is Urgency.NORMAL
    assert alert.subject == DAY_SHIFT.key
    assert run(current, at(0, 8, 59), fired=[alert.key]) == []
    assert only(run(current, at(0, 9)), AlertKind.DUTY_SOON) == []


def test_duty_soon_names_the_rotation_and_shows_local_time() -> None:
    current = snap((shift(at(0, 9), at(0, 17), rotation="Payments"),))
    alerts = run(current, at(0, 8, 50), replace(PLAIN, tz=BERLIN))
    assert alerts[0].body == "On duty at Mon 11:00 as primary on Payments (until Mon 19:00)"


def test_each_lead_fires_once_and_a_late_start_shows_only_the_nearest() -> None:
    s = replace(PLAIN, duty_soon_leads=(timedelta(minutes=15), timedelta(hours=1)))
    current = snap((DAY_SHIFT,))
    assert run(current, at(0, 8) - SEC, s) == []
    hour_before = run(current, at(0, 8), s)
    assert len(hour_before) == 1
    quarter = run(current, at(0, 8, 45), s, fired=[hour_before[0].key])
    assert len(quarter) == 1
    assert quarter[0].key != hour_before[0].key
    # Opened at 08:50 with nothing fired: one reminder, not both.
    late = run(current, at(0, 8, 50), s)
    assert [a.key for a in late] == [quarter[0].key]


def test_a_shift_that_continues_my_duty_is_not_a_new_start() -> None:
    current = snap((shift(at(0, 9), at(0, 17)), shift(at(0, 17), at(0, 21), role=Role.SECONDARY)))
    assert only(run(current, at(0, 16, 50)), AlertKind.DUTY_SOON) == []
    # And the continued span is still one span: no second duty_started at 17:00.
    started = only(run(current, at(0, 9)), AlertKind.DUTY_STARTED)
    assert only(run(current, at(0, 17), fired=[started[0].key]), AlertKind.DUTY_STARTED) == []


def test_evening_before_reminder_for_a_morning_shift_in_local_time() -> None:
    s = replace(QUARTER_ONLY, tz=BERLIN)  # evening_before 18:00 by default
    morning = shift(at(1, 6), at(1, 14))  # Tue 08:00 - 16:00 in Berlin
    current = snap((morning,))
    evening = at(0, 16)  # Mon 18:00 in Berlin
    assert run(current, evening - SEC, s) == []
    alerts = run(current, evening, s)
    assert kinds(alerts) == [AlertKind.DUTY_SOON]
    assert alerts[0].body == "On duty at Tue 08:00 as primary (until Tue 16:00)"
    assert alerts[0].title == "Tomorrow 08:00: you are primary"
    # The lead reminder is a separate reminder the next morning.
    lead = run(current, at(1, 5, 45), s, fired=[alerts[0].key])
    assert len(lead) == 1
    assert lead[0].key != alerts[0].key


def test_one_evening_reminder_for_a_morning_of_several_shifts() -> None:
    s = replace(QUARTER_ONLY, tz=BERLIN)
    early = shift(at(1, 5), at(1, 6))  # Tue 07:00 - 08:00 in Berlin (summer time)
    later = shift(at(1, 8), at(1, 9))  # Tue 10:00 - 11:00, after a gap
    alerts = run(snap((early, later)), at(0, 16), s)  # Mon 18:00 in Berlin
    assert [a.body for a in alerts] == ["On duty at Tue 07:00 as primary (until Tue 08:00)"]
    # The later shift still gets its lead reminder, and the evening instant is not a wake-up
    # for it: after the first evening reminder, the next instant is the first lead.
    assert nxt(snap((early, later)), at(0, 16), s) == at(1, 5) - timedelta(minutes=15)


def test_no_evening_reminder_for_an_afternoon_shift_or_when_disabled() -> None:
    afternoon = snap((shift(at(1, 12), at(1, 20)),))  # Tue 12:00 UTC
    assert run(afternoon, at(0, 18), QUARTER_ONLY) == []
    morning = snap((shift(at(1, 8), at(1, 16)),))
    assert run(morning, at(0, 18), PLAIN) == []
    assert len(run(morning, at(0, 18), QUARTER_ONLY)) == 1


def test_no_evening_reminder_when_a_lead_comes_before_it() -> None:
    # Starts Tue 00:30; a 7-hour lead (Mon 17:30) is earlier than Mon 18:00.
    s = AlertSettings(duty_soon_leads=(timedelta(hours=7),))
    current = snap((shift(at(1, 0, 30), at(1, 8)),))
    lead = run(current, at(0, 17, 30), s)
    assert len(lead) == 1
    assert run(current, at(0, 18), s, fired=[lead[0].key]) == []


# --- duty_started -----------------------------------------------------------------------


def test_duty_started_at_the_start_not_a_second_before() -> None:
    current = snap((DAY_SHIFT,))
    assert only(run(current, at(0, 9) - SEC), AlertKind.DUTY_STARTED) == []
    alerts = run(current, at(0, 9))
    assert kinds(alerts) == [AlertKind.DUTY_STARTED]
    assert alerts[0].title == "You are on duty"
    assert alerts[0].body == "You are on duty as primary until Tue 09:00."


def test_start_up_mid_shift_gives_exactly_one_duty_started() -> None:
    current = snap((DAY_SHIFT,))
    first = run(current, at(0, 13))
    assert kinds(first) == [AlertKind.DUTY_STARTED]
    fired = {a.key for a in first}
    assert run(current, at(0, 13), fired=fired) == []
    assert run(current, at(0, 15), fired=fired) == []
    # A restart computes the same key, so the store's memory is enough.
    assert [a.key for a in run(current, at(0, 20))] == [first[0].key]


def test_shadow_rides_along() -> None:
    current = snap((shift(at(0, 9), at(0, 17), role=Role.SHADOW),))
    alerts = run(current, at(0, 9))
    assert alerts[0].title == "Riding along as shadow"
    assert alerts[0].body == "Riding along as shadow until Mon 17:00."


def test_someone_elses_shift_is_not_mine() -> None:
    current = snap((shift(at(0, 9), at(0, 17), person=BOB),))
    assert run(current, at(0, 8, 50)) == []
    assert run(current, at(0, 9)) == []


# --- duty_ending ------------------------------------------------------------------------


def test_duty_ending_lists_my_tickets_by_urgency() -> None:
    mine = [ticket(str(n), Priority.P3, created=at(0, n), assignee=ME) for n in range(1, 7)]
    urgent = ticket("9", Priority.P1, created=at(0, 16), assignee=ME)
    others = ticket("8", Priority.P1, created=at(0, 16), assignee=BOB)
    current = snap((shift(at(0, 9), at(0, 17)),), (*mine, urgent, others))
    fired = {a.key for a in run(current, at(0, 16, 29))}
    assert only(run(current, at(0, 16, 30) - SEC, fired=fired), AlertKind.DUTY_ENDING) == []
    [alert] = only(run(current, at(0, 16, 30), fired=fired), AlertKind.DUTY_ENDING)
    assert alert.title == "Shift ends in 30 min"
    assert alert.body == (
        "Off duty at 17:00. You hold 7 open tickets: OPS-9, OPS-1, OPS-2, OPS-3, OPS-4 and 2 more."
    )
    assert alert.actions == (AlertAction.HAND_OVER,)


def test_duty_ending_without_tickets_offers_no_hand_over() -> None:
    current = snap((shift(at(0, 9), at(0, 17)),))
    [alert] = only(run(current, at(0, 16, 45)), AlertKind.DUTY_ENDING)
    assert alert.body == "Off duty at 17:00. You hold no open tickets."
    assert alert.actions == ()
    single = snap(current.shifts, (ticket("1", assignee=ME, status=TicketStatus.IN_PROGRESS),))
    [alert] = only(run(single, at(0, 16, 45)), AlertKind.DUTY_ENDING)
    assert alert.body == "Off duty at 17:00. You hold 1 open ticket: OPS-1."


def test_duty_ending_waits_for_the_end_of_the_whole_span() -> None:
    current = snap((shift(at(0, 9), at(0, 17)), shift(at(0, 17), at(0, 21))))
    assert only(run(current, at(0, 16, 30)), AlertKind.DUTY_ENDING) == []
    assert len(only(run(current, at(0, 20, 30)), AlertKind.DUTY_ENDING)) == 1


def test_extended_shift_warns_of_its_new_end() -> None:
    before = snap((shift(at(0, 9), at(0, 17)),))
    [ending] = only(run(before, at(0, 16, 30)), AlertKind.DUTY_ENDING)
    after = snap((shift(at(0, 9), at(0, 19)),))
    assert only(run(after, at(0, 16, 30), fired=[ending.key]), AlertKind.DUTY_ENDING) == []
    assert len(only(run(after, at(0, 18, 30), fired=[ending.key]), AlertKind.DUTY_ENDING)) == 1


# --- shift_changed ----------------------------------------------------------------------

WED = shift(at(2, 9), at(2, 17))
THU = shift(at(3, 9), at(3, 17))
FAR = shift(at(9, 9), at(9, 17), person=BOB)  # sets both snapshots' horizon
OK_SOURCES = (SourceStatus("pagerduty", ok=True, last_ok_at=MON),)


def changed(previous: Snapshot, current: Snapshot, now: datetime = MON) -> list[Alert]:
    return only(run(current, now, previous=previous), AlertKind.SHIFT_CHANGED)


def test_moved_shift_gives_one_alert_with_a_stable_key() -> None:
    previous = snap((WED, FAR), sources=OK_SOURCES)
    current = snap((THU, FAR), sources=OK_SOURCES)
    [alert] = changed(previous, current)
    assert alert.title == "Your shifts changed"
    assert alert.body == "Moved: primary Wed 09:00 to Wed 17:00 → Thu 09:00 to Thu 17:00"
    assert alert.urgency is Urgency.NORMAL
    assert [a.key for a in changed(previous, current, at(0, 5))] == [alert.key]
    assert run(current, MON, previous=previous, fired=[alert.key]) == []
    other = snap((shift(at(4, 9), at(4, 17)), FAR), sources=OK_SOURCES)
    assert changed(previous, other)[0].key != alert.key


def test_added_removed_and_lengthened_shifts() -> None:
    previous = snap((WED, FAR), sources=OK_SOURCES)
    added = snap((WED, THU, FAR), sources=OK_SOURCES)
    assert changed(previous, added)[0].body == "Added: primary Thu 09:00 to Thu 17:00"
    removed = snap((FAR,), sources=OK_SOURCES)
    assert changed(previous, removed)[0].body == "Removed: primary Wed 09:00 to Wed 17:00"
    longer = snap((shift(at(2, 9), at(2, 19)), FAR), sources=OK_SOURCES)
    assert changed(previous, longer)[0].body.startswith("Moved: primary Wed 09:00 to Wed 17:00")
    role = snap((replace(WED, role=Role.SECONDARY), FAR), sources=OK_SOURCES)
    assert changed(previous, role)[0].body == (
        "Removed: primary Wed 09:00 to Wed 17:00\nAdded: secondary Wed 09:00 to Wed 17:00"
    )


def test_no_change_no_alert_and_no_previous_no_alert() -> None:
    current = snap((WED, FAR), sources=OK_SOURCES)
    assert changed(current, current) == []
    assert only(run(current, MON), AlertKind.SHIFT_CHANGED) == []


@pytest.mark.parametrize("failing_in", ["previous", "current"])
def test_a_failing_source_does_not_look_like_removed_shifts(failing_in: str) -> None:
    bad = (SourceStatus("pagerduty", ok=False, last_ok_at=MON, error="timeout", failures=1),)
    previous = snap((WED, FAR), sources=bad if failing_in == "previous" else OK_SOURCES)
    current = snap((FAR,), sources=bad if failing_in == "current" else OK_SOURCES)
    assert changed(previous, current) == []


def test_a_newly_configured_source_does_not_look_like_added_shifts() -> None:
    previous = snap((FAR,), sources=OK_SOURCES)
    current = snap((WED, FAR), sources=(*OK_SOURCES, SourceStatus("ics", ok=True)))
    assert changed(previous, current) == []


def test_shifts_entering_the_fetch_window_are_not_changes() -> None:
    previous = snap((WED, FAR), sources=OK_SOURCES)
    beyond = shift(at(10, 9), at(10, 17))  # starts after every shift the previous knew
    current = snap((WED, FAR, beyond), sources=OK_SOURCES)
    assert changed(previous, current) == []


def test_shift_changes_are_judged_from_the_snapshot_not_the_timer() -> None:
    previous = snap((WED, THU, FAR), sources=OK_SOURCES)
    current = snap((FAR,), sources=OK_SOURCES)
    [first] = changed(previous, current)
    # Later, Wednesday's shift is over; a timer evaluation must not see a new change set.
    assert [a.key for a in changed(previous, current, at(2, 18))] == [first.key]


# --- new_ticket -------------------------------------------------------------------------

ON_DUTY = (DAY_SHIFT,)
WHILE_ON = at(0, 10)


def on_duty_run(
    *tickets: Ticket, s: AlertSettings = PLAIN, fired: Collection[str] = ()
) -> list[Alert]:
    fired = {*fired, *(a.key for a in run(snap(ON_DUTY), WHILE_ON, s))}
    return run(snap(ON_DUTY, tickets), WHILE_ON, s, fired=fired)


def test_new_ticket_while_on_duty() -> None:
    [alert] = on_duty_run(ticket("1", Priority.P3, created=at(0, 9, 55)))
    assert alert.kind is AlertKind.NEW_TICKET
    assert alert.urgency is Urgency.NORMAL
    assert alert.title == "New P3 OPS-1"
    assert alert.body == "Ticket 1\nSLA due in 23 h 55 min (Tue 09:55)."
    assert alert.actions == (AlertAction.ACKNOWLEDGE, AlertAction.SNOOZE, AlertAction.OPEN)
    assert alert.subject == "jira:1"
    assert on_duty_run(ticket("1", created=at(0, 9, 55)), fired=[alert.key]) == []


def test_new_p1_is_critical_and_reaches_me_off_duty() -> None:
    p1 = ticket("1", Priority.P1, created=at(0, 2))
    p3 = ticket("2", Priority.P3, created=at(0, 2))
    alerts = run(snap(tickets=(p1, p3)), at(0, 2, 5))
    assert [(a.kind, a.subject, a.urgency) for a in alerts] == [
        (AlertKind.NEW_TICKET, "jira:1", Urgency.CRITICAL)
    ]
    quiet_off_duty = replace(PLAIN, new_ticket_off_duty_p1=False)
    assert run(snap(tickets=(p1, p3)), at(0, 2, 5), quiet_off_duty) == []


def test_acknowledged_tickets_raise_no_new_ticket() -> None:
    assert on_duty_run(ticket("1", status=TicketStatus.ACKNOWLEDGED)) == []
    assert on_duty_run(ticket("2", status=TicketStatus.WAITING)) == []


def test_new_tickets_reach_a_shadow_too() -> None:
    current = snap((shift(at(0, 9), at(0, 17), role=Role.SHADOW),), (ticket("1"),))
    assert AlertKind.NEW_TICKET in kinds(run(current, WHILE_ON))


def test_long_or_multiline_titles_are_cut() -> None:
    title = "Disk full on db-1\n" + "x" * 300
    [alert] = on_duty_run(ticket("1", title=title, priority=Priority.P4))
    assert alert.body == ("Disk full on db-1 " + "x" * 200)[:119] + "…"
    assert len(alert.body) == 120


def test_duplicate_tickets_give_one_alert() -> None:
    assert len(on_duty_run(ticket("1", Priority.P4), ticket("1", Priority.P4))) == 1


# --- sla_warning / sla_breached --------------------------------------------------------

# A P2 created Mon 09:00: 3 h target, warning 45 min before, breach at 12:00.
P2 = ticket("7", Priority.P2, created=at(0, 9), status=TicketStatus.IN_PROGRESS)
P2_WARN, P2_BREACH = at(0, 11, 15), at(0, 12)


def test_sla_warning_at_warn_at_not_a_second_before() -> None:
    current = snap(ON_DUTY, (replace(P2, sla=Sla(P2_BREACH, SlaKind.RESOLUTION)),))
    fired = {a.key for a in run(current, at(0, 9, 30))}
    assert run(current, P2_WARN - SEC, fired=fired) == []
    [alert] = run(current, P2_WARN, fired=fired)
    assert alert.kind is AlertKind.SLA_WARNING
    assert alert.urgency is Urgency.NORMAL
    assert alert.title == "P2 OPS-7: resolution SLA due in 45 min"
    assert alert.body == "Ticket 7\nDue at Mon 12:00."
    assert alert.actions == (AlertAction.SNOOZE, AlertAction.OPEN)  # already acknowledged
    assert run(current, P2_WARN + timedelta(minutes=5), fired={*fired, alert.key}) == []


def test_a_moved_deadline_warns_again() -> None:
    first = snap(ON_DUTY, (replace(P2, sla=Sla(P2_BREACH, SlaKind.RESOLUTION)),))
    fired = {a.key for a in run(first, P2_WARN)}
    later = at(0, 13)
    moved = snap(ON_DUTY, (replace(P2, sla=Sla(later, SlaKind.RESOLUTION)),))
    [again] = run(moved, later - timedelta(minutes=45), fired=fired)
    assert again.kind is AlertKind.SLA_WARNING
    assert again.key not in fired


def test_sla_alert_audience() -> None:
    unacked = ticket("5", Priority.P2, created=at(0, 1))  # breach 04:00, warn 03:15
    mine = replace(unacked, id="6", assignee=ME)
    p1 = ticket("8", Priority.P1, created=at(0, 2, 30))  # warn 03:15 too (lead 15 min)
    alerts = run(snap(tickets=(unacked, mine, p1)), at(0, 3, 15), fired=["new_ticket|jira:8"])
    # Off duty: my own ticket and the P1 warn; someone else's P2 does not.
    assert sorted(a.subject for a in alerts) == ["jira:6", "jira:8"]
    assert {a.kind for a in alerts} == {AlertKind.SLA_WARNING}
    assert next(a for a in alerts if a.subject == "jira:8").urgency is Urgency.CRITICAL
    strict = replace(PLAIN, new_ticket_off_duty_p1=False)
    alerts = run(snap(tickets=(unacked, mine, p1)), at(0, 3, 15), strict)
    assert [a.subject for a in alerts] == ["jira:6"]


def test_sla_breached_at_breach_at_once_for_non_p1() -> None:
    current = snap(ON_DUTY, (replace(P2, status=TicketStatus.NEW),))
    fired = {a.key for a in run(current, P2_WARN)}
    assert run(current, P2_BREACH - SEC, fired=fired) == []
    [alert] = run(current, P2_BREACH, fired=fired)
    assert alert.kind is AlertKind.SLA_BREACHED
    assert alert.urgency is Urgency.CRITICAL
    assert alert.title == "P2 OPS-7: response SLA breached"
    assert alert.body == "Ticket 7\nWas due at Mon 12:00 (now)."
    fired.add(alert.key)
    assert run(current, P2_BREACH + timedelta(hours=2), fired=fired) == []


def test_p1_breach_repeats_every_15_minutes_until_acknowledged() -> None:
    p1 = ticket("1", Priority.P1, created=at(0, 9))  # breach 10:00
    current = snap(ON_DUTY, (p1,))
    fired = {a.key for a in run(current, at(0, 9, 55))}
    [first] = run(current, at(0, 10), fired=fired)
    fired.add(first.key)
    assert run(current, at(0, 10, 15) - SEC, fired=fired) == []
    [second] = run(current, at(0, 10, 15), fired=fired)
    assert second.kind is AlertKind.SLA_BREACHED
    assert second.key != first.key
    # Asleep for half an hour: one alert for the current repeat, not a backlog.
    fired.add(second.key)
    [third] = run(current, at(0, 10, 47), fired=fired)
    assert third.key.endswith("|3")
    # Acknowledged: no more repeats (the policy's response SLA stops altogether).
    acked = snap(ON_DUTY, (replace(p1, status=TicketStatus.ACKNOWLEDGED),))
    assert run(acked, at(0, 11), fired={*fired, third.key}) == []


def test_acknowledged_p1_with_a_running_resolution_sla_breaches_once() -> None:
    sla = Sla(at(0, 10), SlaKind.RESOLUTION)
    p1 = ticket("1", Priority.P1, created=at(0, 9), status=TicketStatus.IN_PROGRESS, sla=sla)
    current = snap(ON_DUTY, (p1,))
    fired = {a.key for a in run(current, at(0, 9, 50))}
    [breach] = run(current, at(0, 10), fired=fired)
    fired.add(breach.key)
    assert run(current, at(0, 10, 30), fired=fired) == []


def test_an_acknowledged_ticket_warns_and_breaches_on_the_tools_response_deadline() -> None:
    # Zendesk's reply time runs until a public reply: acknowledging does not stop it.
    sla = Sla(at(0, 10), SlaKind.RESPONSE)
    p1 = ticket("1", Priority.P1, created=at(0, 9), status=TicketStatus.ACKNOWLEDGED, sla=sla)
    current = snap(ON_DUTY, (p1,))
    [warning] = only(run(current, at(0, 9, 45)), AlertKind.SLA_WARNING)
    assert warning.title == "P1 OPS-1: response SLA due in 15 min"
    assert warning.actions == (AlertAction.SNOOZE, AlertAction.OPEN)
    [breach] = only(run(current, at(0, 10), fired={warning.key}), AlertKind.SLA_BREACHED)
    # Acknowledged: it breaches once, no P1 repeats.
    later = run(current, at(0, 10, 30), fired={warning.key, breach.key})
    assert only(later, AlertKind.SLA_BREACHED) == []
    assert nxt(snap(tickets=(p1,)), at(0, 9)) == at(0, 9, 45)
    # The tool pauses it: nothing more.
    paused = snap(ON_DUTY, (replace(p1, sla=replace(sla, paused=True)),))
    assert kinds(run(paused, at(0, 9, 45))) == [AlertKind.DUTY_STARTED]


def test_p1_breach_once_when_repeats_are_off() -> None:
    s = replace(PLAIN, breach_repeat_p1=None)
    current = snap(ON_DUTY, (ticket("1", Priority.P1, created=at(0, 9)),))
    fired = {a.key for a in run(current, at(0, 10), s)}
    assert run(current, at(0, 10, 30), s, fired=fired) == []


# --- sources ----------------------------------------------------------------------------


EIGHT = at(0, 8)


def source(failures: int, last_ok: datetime | None = EIGHT, name: str = "jira") -> SourceStatus:
    return SourceStatus(
        name, ok=failures == 0, last_ok_at=last_ok, error="timed out", failures=failures
    )


def test_source_down_after_three_failures_not_two() -> None:
    assert run(snap(sources=(source(2),)), at(0, 9)) == []
    [alert] = run(snap(sources=(source(3),)), at(0, 9))
    assert alert.kind is AlertKind.SOURCE_DOWN
    assert alert.title == "Can't reach jira"
    assert alert.body == "3 failed fetches in a row: timed out\nShowing data from Mon 08:00."
    # Still the same outage at the fourth failure: no second alert.
    assert run(snap(sources=(source(4),)), at(0, 9, 5), fired=[alert.key]) == []
    # A later outage is a new one.
    later = source(3, last_ok=at(0, 12))
    assert len(run(snap(sources=(later,)), at(0, 12, 5), fired=[alert.key])) == 1


def test_source_never_reached() -> None:
    [alert] = run(snap(sources=(source(5, last_ok=None),)), at(0, 9))
    assert alert.body.endswith("No data from it yet.")


def test_source_recovered_only_after_being_down() -> None:
    [back] = run(
        snap(sources=(source(0, at(0, 9)),)), at(0, 9), previous=snap(sources=(source(3),))
    )
    assert back.kind is AlertKind.SOURCE_RECOVERED
    assert back.urgency is Urgency.LOW
    assert back.title == "jira is back"
    blip = run(snap(sources=(source(0, at(0, 9)),)), at(0, 9), previous=snap(sources=(source(2),)))
    assert blip == []


# --- suppression ------------------------------------------------------------------------

BUSY = snap(
    ON_DUTY,
    (
        ticket("1", Priority.P1, created=at(0, 9, 55)),
        ticket("2", Priority.P3, created=at(0, 9, 55)),
    ),
    (source(3),),
)
BUSY_NOW = at(0, 10)


def test_pause_suppresses_everything_until_it_ends() -> None:
    paused = replace(PLAIN, paused_until=BUSY_NOW + timedelta(minutes=1))
    assert run(BUSY, BUSY_NOW, paused) == []
    assert len(run(BUSY, BUSY_NOW + timedelta(minutes=1), paused)) == 4


def test_snooze_suppresses_that_ticket_only_until_it_ends() -> None:
    until = BUSY_NOW + timedelta(minutes=30)
    s = replace(PLAIN, snoozed=(("jira:1", until),))
    assert "jira:1" not in {a.subject for a in run(BUSY, BUSY_NOW, s)}
    assert "jira:2" in {a.subject for a in run(BUSY, BUSY_NOW, s)}
    assert "jira:1" in {a.subject for a in run(BUSY, until, s)}


def test_quiet_hours_let_only_p1_ticket_alerts_through() -> None:
    quiet = replace(PLAIN, quiet_hours=QuietHours(time(9, 0), time(11, 0)))
    alerts = run(BUSY, BUSY_NOW, quiet)
    assert [(a.kind, a.subject) for a in alerts] == [(AlertKind.NEW_TICKET, "jira:1")]
    none_through = replace(quiet, quiet_allow_p1=False)
    assert run(BUSY, BUSY_NOW, none_through) == []
    # Suppressed, not fired: once the quiet hours are over the rest comes through.
    later = run(BUSY, at(0, 11), quiet, fired=[alerts[0].key])
    assert {(a.kind, a.subject) for a in later} >= {
        (AlertKind.DUTY_STARTED, DAY_SHIFT.key),
        (AlertKind.NEW_TICKET, "jira:2"),
        (AlertKind.SOURCE_DOWN, "jira"),
    }


def test_quiet_hours_are_read_in_the_users_zone() -> None:
    # 10:00 UTC is 12:00 in Berlin: outside 09:00-11:00 local.
    quiet = replace(PLAIN, tz=BERLIN, quiet_hours=QuietHours(time(9, 0), time(11, 0)))
    assert len(run(BUSY, BUSY_NOW, quiet)) == 4


def test_p1_breaches_get_through_quiet_hours() -> None:
    quiet = replace(PLAIN, quiet_hours=QuietHours(time(22, 0), time(7, 0)))
    p1 = ticket("1", Priority.P1, created=at(0, 1))
    fired = ["new_ticket|jira:1"]
    [alert] = run(snap(tickets=(p1,)), at(0, 2), quiet, fired=fired)
    assert alert.kind is AlertKind.SLA_BREACHED


def test_order_is_critical_then_normal_then_low_then_by_instant() -> None:
    previous = snap(sources=(source(3, name="pd"),))
    current = snap(
        ON_DUTY,
        (
            ticket("1", Priority.P3, created=at(0, 9, 50)),
            ticket("2", Priority.P1, created=at(0, 9, 56)),
            ticket("3", Priority.P2, created=at(0, 9, 40)),
        ),
        (source(0, at(0, 10), name="pd"),),
    )
    alerts = run(current, BUSY_NOW, previous=previous)
    assert [(a.urgency, a.subject) for a in alerts] == [
        (Urgency.CRITICAL, "jira:2"),
        (Urgency.NORMAL, DAY_SHIFT.key),  # duty started 09:00
        (Urgency.NORMAL, "jira:3"),
        (Urgency.NORMAL, "jira:1"),
        (Urgency.LOW, "pd"),
    ]


def test_without_me_there_is_no_duty_and_only_p1_tickets() -> None:
    tickets = (ticket("1", Priority.P1, created=at(0, 9)), ticket("2", created=at(0, 9)))
    current = snap(ON_DUTY, tickets)
    alerts = run(current, at(0, 9), me=None)
    assert [(a.kind, a.subject) for a in alerts] == [(AlertKind.NEW_TICKET, "jira:1")]
    assert nxt(current, at(0, 9), me=None) == at(0, 9, 45)  # only the P1's SLA warning


# --- next_instant -----------------------------------------------------------------------


def test_next_instant_for_duty() -> None:
    s = replace(AlertSettings(), duty_soon_leads=(timedelta(minutes=15), timedelta(hours=1)))
    current = snap((shift(at(1, 8), at(1, 16)),))  # Tue 08:00 - 16:00 UTC
    assert nxt(current, at(0, 12), s) == at(0, 18)  # evening before
    assert nxt(current, at(0, 18), s) == at(1, 7)  # an hour before
    assert nxt(current, at(1, 7), s) == at(1, 7, 45)  # a quarter before
    assert nxt(current, at(1, 7, 45), s) == at(1, 8)  # start
    assert nxt(current, at(1, 8), s) == at(1, 15, 30)  # ending
    assert nxt(current, at(1, 15, 30), s) is None


def test_next_instant_skips_a_continued_span() -> None:
    current = snap((shift(at(0, 9), at(0, 17)), shift(at(0, 17), at(0, 21))))
    assert nxt(current, at(0, 10)) == at(0, 20, 30)


def test_next_instant_for_sla_and_repeats() -> None:
    p1 = ticket("1", Priority.P1, created=at(0, 9))  # warn 09:45, breach 10:00
    current = snap(tickets=(p1,))
    assert nxt(current, at(0, 9)) == at(0, 9, 45)
    assert nxt(current, at(0, 9, 45)) == at(0, 10)
    assert nxt(current, at(0, 10)) == at(0, 10, 15)
    assert nxt(current, at(0, 10, 20)) == at(0, 10, 30)
    acked = snap(tickets=(replace(p1, status=TicketStatus.ACKNOWLEDGED),))
    assert nxt(acked, at(0, 9)) is None
    assert nxt(current, at(0, 10), replace(PLAIN, breach_repeat_p1=None)) is None


def test_next_instant_for_pause_snooze_and_quiet_hours() -> None:
    current = snap(tickets=(ticket("1", Priority.P3, created=at(0, 9)),))  # warn Tue 03:00
    paused = replace(PLAIN, paused_until=at(0, 11))
    assert nxt(current, at(0, 10), paused) == at(0, 11)
    snoozed = replace(PLAIN, snoozed=(("jira:1", at(0, 12)), ("jira:9", at(0, 8))))
    assert nxt(current, at(0, 10), snoozed) == at(0, 12)
    quiet = replace(PLAIN, quiet_hours=QuietHours(time(22, 0), time(7, 0)))
    assert nxt(current, at(0, 23), quiet) == at(1, 3)  # the warning comes before the end
    assert nxt(snap(), at(0, 23), quiet) == at(1, 7)
    assert nxt(snap(), at(1, 3), quiet) == at(1, 7)
    assert nxt(snap(), at(1, 8), quiet) is None  # outside quiet hours nothing is pending


def test_quiet_hours_ending_inside_a_dst_gap() -> None:
    # Europe/Berlin skips 02:00-03:00 on 31 March 2024 (01:00 UTC). Quiet until 02:30 ends
    # when the clock jumps to 03:00, not an hour later.
    quiet = AlertSettings(
        tz=BERLIN, evening_before=None, quiet_hours=QuietHours(time(22, 0), time(2, 30))
    )
    now = datetime(2024, 3, 31, 0, 15, tzinfo=UTC)  # 01:15 CET
    end = datetime(2024, 3, 31, 1, 0, tzinfo=UTC)
    instant = nxt(snap(), now, quiet)
    assert instant is not None
    assert now < instant <= end
    # Wherever it wakes up early, it never skips past the real end.
    while instant is not None and instant < end:
        instant = nxt(snap(), instant, quiet)
    assert instant == end


def test_quiet_hours_reentered_after_a_fall_back() -> None:
    # 27 Oct 2024 Berlin repeats 02:00-03:00. Quiet 22:00-02:30 ends at the first 02:30,
    # starts again at the repeated 02:00 and must end again at the second 02:30.
    quiet = AlertSettings(
        tz=BERLIN, evening_before=None, quiet_hours=QuietHours(time(22, 0), time(2, 30))
    )
    second_two = datetime(2024, 10, 27, 1, 0, tzinfo=UTC)  # 02:00 CET, the repeat
    assert nxt(snap(), second_two, quiet) == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_next_instant_is_strictly_after_now() -> None:
    current = snap((DAY_SHIFT,))
    assert nxt(current, at(0, 8, 45)) == at(0, 9)


# --- properties -------------------------------------------------------------------------

ZONES: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    BERLIN,
    ZoneInfo("America/New_York"),
)
# Around Berlin's spring-forward and fall-back nights, and an ordinary week.
BASES = (
    datetime(2024, 3, 30, 12, 0, tzinfo=UTC),
    datetime(2024, 10, 26, 12, 0, tzinfo=UTC),
    datetime(2024, 6, 3, 0, 0, tzinfo=UTC),
)
QUARTERS = st.integers(min_value=-4 * 24, max_value=4 * 72).map(lambda q: timedelta(minutes=15 * q))
WALL_TIMES = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Snapshot | None, Snapshot, AlertSettings, datetime]:
    base = draw(st.sampled_from(BASES))
    shifts = []
    for _ in range(draw(st.integers(0, 6))):
        start = base + draw(QUARTERS)
        length = timedelta(minutes=15 * draw(st.integers(1, 4 * 30)))
        person = draw(st.sampled_from([ME, ME, BOB]))
        role = draw(st.sampled_from(list(Role)))
        shifts.append(Shift(person, start, start + length, role, draw(st.sampled_from(["a", "b"]))))
    tickets = []
    for n in range(draw(st.integers(0, 6))):
        sla = None
        if draw(st.booleans()):
            kind = draw(st.sampled_from(list(SlaKind)))
            sla = Sla(base + draw(QUARTERS), kind, paused=draw(st.booleans()))
        tickets.append(
            Ticket(
                id=str(n % 5),  # now and then a duplicate
                key=f"OPS-{n}",
                title="t",
                priority=draw(st.sampled_from(list(Priority))),
                status=draw(st.sampled_from(list(TicketStatus))),
                created_at=base + draw(QUARTERS),
                source="jira",
                assignee=draw(st.sampled_from([ME, BOB, None])),
                sla=sla,
            )
        )
    failures = draw(st.integers(0, 4))
    sources = (SourceStatus("jira", failures == 0, base, "down", failures),)
    current = Snapshot(base, (ME, BOB), tuple(shifts), tuple(tickets), sources)
    previous = None
    if draw(st.booleans()):
        kept = tuple(s for s in shifts if draw(st.booleans()))
        previous = Snapshot(base, (ME, BOB), kept, (), (SourceStatus("jira", True, base),))
    s = AlertSettings(
        tz=draw(st.sampled_from(ZONES)),
        duty_soon_leads=tuple(
            draw(st.sets(st.sampled_from([timedelta(minutes=m) for m in (5, 15, 60, 600, 1440)])))
        ),
        evening_before=draw(st.none() | WALL_TIMES),
        duty_ending_lead=draw(st.sampled_from([timedelta(0), timedelta(minutes=30)])),
        breach_repeat_p1=draw(st.sampled_from([None, timedelta(minutes=15), timedelta(minutes=7)])),
        quiet_hours=draw(st.none() | st.builds(QuietHours, WALL_TIMES, WALL_TIMES)),
        quiet_allow_p1=draw(st.booleans()),
        paused_until=draw(st.none() | QUARTERS.map(lambda d: base + d)),
        snoozed=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["jira:0", "jira:1"]), QUARTERS.map(lambda d: base + d)
                    )
                )
            )
        ),
    )
    start = base - timedelta(days=1) + draw(st.timedeltas(timedelta(0), timedelta(days=1)))
    return previous, current, s, start


STEPS = st.lists(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=8)),
    min_size=1,
    max_size=25,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(scenarios(), STEPS, st.booleans())
def test_stepping_through_time_never_repeats_a_key(
    scenario: tuple[Snapshot | None, Snapshot, AlertSettings, datetime],
    steps: list[timedelta],
    follow_timer: bool,
) -> None:
    previous, current, s, now = scenario
    fired: set[str] = set()
    for step in steps:
        if follow_timer:
            # Wake up as the service would, at the next instant, else after the step.
            now = next_instant(current, now, ME, s) or now + step
        else:
            now += step
        alerts = evaluate(previous, current, now, ME, s, fired)
        keys = [a.key for a in alerts]
        assert len(keys) == len(set(keys))
        assert not fired & set(keys)
        # Same inputs, same answer: keys depend on the condition, not on call history.
        assert evaluate(previous, current, now, ME, s, fired) == alerts
        fired |= set(keys)


PROBES = st.lists(
    st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
    min_size=1,
    max_size=4,
)


@FAST
@given(scenarios(), PROBES)
def test_nothing_new_falls_due_before_next_instant(
    scenario: tuple[Snapshot | None, Snapshot, AlertSettings, datetime], probes: list[float]
) -> None:
    previous, current, s, now = scenario
    # Walk the timeline from one next_instant to the next, probing inside every gap.
    for _ in range(12):
        upcoming = next_instant(current, now, ME, s)
        assert upcoming is None or upcoming > now
        horizon = upcoming if upcoming is not None else now + timedelta(days=6)
        due_now = {a.key for a in evaluate(previous, current, now, ME, s, ())}
        for fraction in probes:
            between = now + (horizon - now) * fraction
            if now < between < horizon:  # a tiny gap may have no microsecond inside
                due_between = {a.key for a in evaluate(previous, current, between, ME, s, ())}
                assert due_between <= due_now, (now, between, horizon)
        if upcoming is None:
            break
        now = upcoming


def test_a_change_made_during_an_outage_shows_once_the_source_recovers() -> None:
    trusted = snap((WED, FAR), sources=OK_SOURCES)
    bad = (SourceStatus("pagerduty", ok=False, last_ok_at=MON, error="timeout", failures=1),)
    during = snap((WED, FAR), sources=bad)
    after = snap((THU, FAR), sources=OK_SOURCES)
    assert changed(during, after) == []  # against the failing snapshot alone: nothing
    alerts = evaluate(during, after, MON, ME, PLAIN, (), trusted=trusted)
    [alert] = only(alerts, AlertKind.SHIFT_CHANGED)
    assert alert.body.startswith("Moved: primary Wed 09:00")


@FAST
@given(scenarios())
def test_plan_is_evaluate_and_next_instant_in_one_pass(
    scenario: tuple[Snapshot | None, Snapshot, AlertSettings, datetime],
) -> None:
    previous, current, s, now = scenario
    both = plan(previous, current, now, ME, s, ())
    assert both.alerts == evaluate(previous, current, now, ME, s, ())
    assert both.wake_at == next_instant(current, now, ME, s)
