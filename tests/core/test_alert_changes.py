"""Tests for the ticket-change alerts: assigned_to_me and priority_raised.

They compare each ticket with the same ticket in the snapshot before (the *trusted* one
when given, else *previous*); a ticket seen for the first time raises neither.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from traysupport.core.alerts import AlertSettings, QuietHours, evaluate
from traysupport.core.model import (
    Alert,
    AlertAction,
    AlertKind,
    Person,
    Priority,
    Role,
    Shift,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    Urgency,
)
from traysupport.store import Store

ME = Person("alice", "Alice")
BOB = Person("bob", "Bob Stone")
CAROL = Person("carol", "Carol")
MON = datetime(2024, 6, 3, tzinfo=UTC)  # Monday 00:00 UTC
BEFORE = MON + timedelta(hours=10)
NOW = BEFORE + timedelta(minutes=1)
PLAIN = AlertSettings(duty_soon_leads=(timedelta(minutes=15),), evening_before=None)
ON_DUTY = (Shift(ME, MON + timedelta(hours=9), MON + timedelta(hours=17), Role.PRIMARY),)
CHANGES = {AlertKind.ASSIGNED_TO_ME, AlertKind.PRIORITY_RAISED}


def ticket(
    priority: Priority = Priority.P3,
    *,
    assignee: Person | None = None,
    assigned_by: Person | None = None,
    status: TicketStatus = TicketStatus.IN_PROGRESS,
    created: datetime = BEFORE - timedelta(minutes=30),
) -> Ticket:
    return Ticket(
        id="1004",
        key="DEMO-1004",
        title="Checkout fails for EU cards",
        priority=priority,
        status=status,
        created_at=created,
        source="demo",
        assignee=assignee,
        assigned_by=assigned_by,
    )


def snap(
    *tickets: Ticket,
    taken_at: datetime = NOW,
    shifts: tuple[Shift, ...] = (),
    sources: tuple[SourceStatus, ...] = (),
) -> Snapshot:
    return Snapshot(
        taken_at=taken_at, people=(ME, BOB, CAROL), shifts=shifts, tickets=tickets, sources=sources
    )


def changes(
    before: Ticket | Snapshot | None,
    after: Ticket,
    s: AlertSettings = PLAIN,
    *,
    now: datetime = NOW,
    fired: Collection[str] = (),
    shifts: tuple[Shift, ...] = (),
    trusted: Snapshot | None = None,
) -> list[Alert]:
    """The change alerts of *after* against *before* (a ticket: a snapshot at BEFORE)."""
    previous = (
        snap(before, taken_at=BEFORE, shifts=shifts) if isinstance(before, Ticket) else before
    )
    current = snap(after, taken_at=now, shifts=shifts)
    alerts = evaluate(previous, current, now, ME, s, fired, trusted)
    return [a for a in alerts if a.kind in CHANGES]


# --- assigned to me -----------------------------------------------------------------------


def test_first_sight_of_a_ticket_assigned_to_me_is_no_news() -> None:
    mine = ticket(assignee=ME, assigned_by=BOB)
    assert changes(None, mine) == []
    # A ticket new to the queue is new_ticket's business, not a reassignment.
    assert changes(snap(taken_at=BEFORE), mine) == []


def test_a_reassignment_to_me_by_someone_else_alerts_once_saying_by_whom() -> None:
    before, after = ticket(assignee=CAROL), ticket(assignee=ME, assigned_by=BOB)

    alerts = changes(before, after)

    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.kind is AlertKind.ASSIGNED_TO_ME
    assert alert.title == "P3 DEMO-1004 assigned to you by Bob Stone"
    assert "Checkout fails for EU cards" in alert.body
    assert "Was Carol's." in alert.body
    assert alert.subject == "demo:1004"
    assert alert.urgency is Urgency.NORMAL
    assert AlertAction.OPEN in alert.actions
    # The same change, looked at again (a timer, a poll that changed nothing else): never twice.
    assert changes(before, after, fired=[alert.key]) == []


def test_an_unassigned_ticket_assigned_to_me_without_a_name_says_so() -> None:
    alerts = changes(ticket(Priority.P1), ticket(Priority.P1, assignee=ME))
    assert [a.title for a in alerts] == ["P1 DEMO-1004 assigned to you"]
    assert "Was unassigned." in alerts[0].body
    assert alerts[0].urgency is Urgency.CRITICAL


def test_my_own_assignment_never_notifies_me() -> None:
    before = ticket(status=TicketStatus.NEW)
    by_me = ticket(assignee=ME, assigned_by=ME)
    assert changes(before, by_me) == []
    # The tool does not say who, but my acknowledge (outbox, history) assigned it to me.
    taken = replace(PLAIN, taken_by_me=frozenset({"demo:1004"}))
    assert changes(before, ticket(assignee=ME), taken) == []
    # Someone else's ticket, and a ticket that stays mine, are no news either.
    assert changes(before, ticket(assignee=BOB, assigned_by=CAROL)) == []
    assert changes(ticket(assignee=ME), ticket(assignee=ME, assigned_by=BOB)) == []


def test_assigned_to_me_can_be_turned_off() -> None:
    off = replace(PLAIN, assigned_to_me=False)
    assert changes(ticket(assignee=BOB), ticket(assignee=ME, assigned_by=BOB), off) == []


def test_a_ticket_back_with_me_after_a_hand_over_notifies_again() -> None:
    first = changes(ticket(assignee=BOB), ticket(assignee=ME, assigned_by=BOB))
    # Later (a new baseline), it went to Carol and came back: that is news again.
    away = snap(ticket(assignee=CAROL), taken_at=NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=6)
    again = changes(away, ticket(assignee=ME, assigned_by=CAROL), now=later, fired=[first[0].key])
    assert [a.title for a in again] == ["P3 DEMO-1004 assigned to you by Carol"]
    assert again[0].key != first[0].key


# --- priority raised ----------------------------------------------------------------------


def test_my_ticket_raised_alerts_once_and_its_sla_is_recomputed() -> None:
    before = ticket(Priority.P3, assignee=ME, status=TicketStatus.NEW)
    after = ticket(Priority.P1, assignee=ME, status=TicketStatus.NEW)

    alerts = changes(before, after)

    assert [a.title for a in alerts] == ["DEMO-1004 raised to P1 (was P3)"]
    alert = alerts[0]
    assert alert.kind is AlertKind.PRIORITY_RAISED
    assert alert.urgency is Urgency.CRITICAL
    # The P1 policy (60 min from creation at 09:30) replaces the P3 one (24 h).
    assert "SLA due in 29 min" in alert.body
    assert changes(before, after, fired=[alert.key]) == []
    # Later SLA alerts run on the recomputed deadline too.
    everything = evaluate(
        snap(before, taken_at=BEFORE), snap(after), NOW + timedelta(minutes=20), ME, PLAIN, ()
    )
    warnings = [a for a in everything if a.kind is AlertKind.SLA_WARNING]
    assert [a.key for a in warnings] == ["sla_warning|demo:1004|response|2024-06-03T10:30:00+00:00"]


def test_a_lowered_priority_or_a_teammates_ticket_raised_is_no_news() -> None:
    assert changes(ticket(Priority.P1, assignee=ME), ticket(Priority.P3, assignee=ME)) == []
    assert changes(ticket(Priority.P3, assignee=BOB), ticket(Priority.P1, assignee=BOB)) == []


def test_an_unassigned_ticket_raised_concerns_me_on_duty_or_when_it_becomes_a_p1() -> None:
    before, p2 = ticket(Priority.P3), ticket(Priority.P2)
    assert changes(before, p2) == []  # off duty, not a P1
    on_duty = changes(before, p2, shifts=ON_DUTY)
    assert [a.title for a in on_duty] == ["DEMO-1004 raised to P2 (was P3)"]
    assert on_duty[0].urgency is Urgency.NORMAL
    assert [a.title for a in changes(before, ticket(Priority.P1))] == [
        "DEMO-1004 raised to P1 (was P3)"
    ]


def test_a_second_raise_after_a_drop_notifies_again() -> None:
    first = changes(ticket(Priority.P3, assignee=ME), ticket(Priority.P1, assignee=ME))
    dropped = snap(ticket(Priority.P3, assignee=ME), taken_at=NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=6)
    again = changes(dropped, ticket(Priority.P1, assignee=ME), now=later, fired=[first[0].key])
    assert [a.title for a in again] == ["DEMO-1004 raised to P1 (was P3)"]


def test_priority_raised_can_be_turned_off() -> None:
    off = replace(PLAIN, priority_raised=False)
    assert changes(ticket(Priority.P3, assignee=ME), ticket(Priority.P1, assignee=ME), off) == []


# --- holds and baselines ------------------------------------------------------------------


def test_quiet_hours_hold_a_non_p1_change_until_they_end_and_let_a_p1_through() -> None:
    quiet = replace(PLAIN, quiet_hours=QuietHours(time(9, 0), time(11, 0)))
    before = snap(ticket(Priority.P3, assignee=BOB), taken_at=BEFORE)
    to_me = ticket(Priority.P3, assignee=ME, assigned_by=BOB)

    assert changes(before, to_me, quiet) == []
    # The service keeps comparing with the snapshot from before the hold (trusted).
    after_quiet = MON + timedelta(hours=11)
    held = changes(snap(to_me), to_me, quiet, now=after_quiet, trusted=before)
    assert [a.kind for a in held] == [AlertKind.ASSIGNED_TO_ME]

    p1 = ticket(Priority.P1, assignee=ME, assigned_by=BOB)
    assert {a.kind for a in changes(before, p1, quiet)} == CHANGES


def test_a_pause_holds_the_changes() -> None:
    paused = replace(PLAIN, paused_until=NOW + timedelta(minutes=1))
    before, after = ticket(Priority.P3, assignee=BOB), ticket(Priority.P1, assignee=ME)
    assert changes(before, after, paused) == []
    assert len(changes(before, after, paused, now=NOW + timedelta(minutes=1))) == 2


def test_a_source_shown_from_saved_data_is_no_baseline() -> None:
    # After a start the first view holds the saved data of a source not polled yet.
    saved = SourceStatus("demo", ok=False, last_ok_at=BEFORE, error="showing saved data")
    before = snap(ticket(Priority.P3, assignee=BOB), taken_at=BEFORE, sources=(saved,))
    raised = ticket(Priority.P1, assignee=ME, assigned_by=BOB)
    assert changes(before, raised) == []
    # The trusted baseline lists only sources that were ok; the last snapshot tells.
    trusted = snap(ticket(Priority.P3, assignee=BOB), taken_at=BEFORE)
    assert changes(before, raised, trusted=trusted) == []


def test_fired_changes_stay_fired_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "traysupport.sqlite3"
    before, after = ticket(Priority.P3, assignee=BOB), ticket(Priority.P1, assignee=ME)
    store = Store(path)
    try:
        first = changes(before, after, fired=store.fired_keys())
        assert len(first) == 2
        for alert in first:
            store.mark_fired(alert.key, NOW)
    finally:
        store.close()

    reopened = Store(path)
    try:
        assert changes(before, after, fired=reopened.fired_keys()) == []
    finally:
        reopened.close()
