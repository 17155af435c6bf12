"""The tray's presentation rules, with fixed datetimes and real model objects (no Qt)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    ActionKind,
    Person,
    Priority,
    Role,
    Shift,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.presenter import PRECEDENCE, TrayState, TrayView, tray_view

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
"""Monday 12:00 in Berlin (UTC+2 in summer)."""
ME = Person("sam", "Sam Rivera")
ALICE = Person("alice", "Alice")
BOB = Person("bob", "Bob & Co")
TEAM = (ME, ALICE, BOB)
# My shift today 09:00-17:00 Berlin, and tomorrow's at the same hours.
MY_SHIFT = Shift(ME, datetime(2031, 6, 2, 7, tzinfo=UTC), datetime(2031, 6, 2, 15, tzinfo=UTC))
MY_NEXT = Shift(ME, datetime(2031, 6, 3, 7, tzinfo=UTC), datetime(2031, 6, 3, 15, tzinfo=UTC))
ALICE_SECONDARY = replace(MY_SHIFT, person=ALICE, role=Role.SECONDARY)
ALICE_NOW = replace(MY_SHIFT, person=ALICE)
OK_SOURCES = (
    SourceStatus("rotation (demo)", ok=True, last_ok_at=NOW),
    SourceStatus("queue (demo)", ok=True, last_ok_at=NOW),
)


def ticket(
    n: int,
    priority: Priority = Priority.P4,
    age: timedelta = timedelta(minutes=5),
    assignee: Person | None = None,
    status: TicketStatus = TicketStatus.NEW,
) -> Ticket:
    """A ticket created *age* before NOW; P4 has no SLA under the default policy."""
    return Ticket(
        id=str(n),
        key=f"DEMO-{n}",
        title=f"<b>Ticket</b> {n}",
        priority=priority,
        status=status,
        created_at=NOW - age,
        source="demo",
        assignee=assignee,
    )


# P1: 1 h target, warned 15 min before. 50 min old: warning; 72 min old: breached.
WARNING_P1 = ticket(1, Priority.P1, timedelta(minutes=50))
BREACHED_P1 = ticket(2, Priority.P1, timedelta(minutes=72))


def state(
    *tickets: Ticket,
    shifts: tuple[Shift, ...] = (MY_SHIFT, MY_NEXT),
    me: Person | None = ME,
    sources: tuple[SourceStatus, ...] = OK_SOURCES,
    outbox: tuple[OutboxEntry, ...] = (),
    **settings: object,
) -> ServiceState:
    snapshot = Snapshot(NOW, people=TEAM, shifts=shifts, tickets=tickets, sources=sources)
    return ServiceState(snapshot, me, outbox, AlertSettings(tz=BERLIN, **settings))  # type: ignore[arg-type]


def view(s: ServiceState, demo: bool = False) -> TrayView:
    return tray_view(s, NOW, BERLIN, demo=demo)


def entry(kind: ActionKind, t: Ticket, state_: OutboxState, **extra: object) -> OutboxEntry:
    action = UserAction(
        id=f"a-{t.id}-{kind}",
        kind=kind,
        source=t.source,
        ticket_id=t.id,
        by=ME.id,
        created_at=NOW - timedelta(minutes=1),
        **extra,  # type: ignore[arg-type]
    )
    return OutboxEntry(action, state_, attempts=0, next_attempt_at=NOW)


# -- one state at a time -------------------------------------------------------------------


def test_off_duty_names_the_next_shift_in_local_time() -> None:
    v = view(state(shifts=(MY_NEXT,)))
    assert v.tray_state is TrayState.OFF_DUTY
    assert v.badge == 0
    assert v.tooltip == "Off duty · next shift Tue 09:00"


def test_off_duty_without_a_next_shift() -> None:
    v = view(state(shifts=()))
    assert v.tray_state is TrayState.OFF_DUTY
    assert v.tooltip == "Off duty"
    assert v.status_lines[:2] == ("You: off duty", "Next shift: none scheduled")


def test_on_duty_with_an_empty_queue_is_quiet() -> None:
    v = view(state())
    assert v.tray_state is TrayState.ON_DUTY_QUIET
    assert v.tooltip == "On duty until Mon 17:00 · queue empty"


def test_an_unassigned_new_ticket_while_on_duty_asks_for_attention() -> None:
    v = view(state(ticket(7), ticket(8, status=TicketStatus.ACKNOWLEDGED)))
    assert v.tray_state is TrayState.ON_DUTY_ATTENTION
    assert v.badge == 1
    assert v.tooltip == "On duty until Mon 17:00 · 2 open, 1 new"


def test_a_teammates_new_ticket_is_theirs_to_acknowledge() -> None:
    v = view(state(ticket(7, assignee=ALICE)))
    assert v.tray_state is TrayState.ON_DUTY_QUIET
    assert v.badge == 0
    assert v.tooltip == "On duty until Mon 17:00 · 1 open"


def test_off_duty_my_own_new_ticket_is_counted_but_unassigned_ones_are_not() -> None:
    v = view(state(ticket(7, assignee=ME), ticket(8), shifts=(MY_NEXT,)))
    assert v.tray_state is TrayState.OFF_DUTY
    assert v.badge == 1
    assert v.tooltip == "Off duty · next shift Tue 09:00 · 1 new for you"


def test_sla_warning_says_when_the_breach_falls() -> None:
    v = view(state(WARNING_P1))
    assert v.tray_state is TrayState.SLA_WARNING
    assert v.tooltip == "On duty until Mon 17:00 · 1 open, 1 new · P1 breaches in 10 min"


def test_sla_breached_outranks_warning_and_counts_the_rest() -> None:
    v = view(state(WARNING_P1, BREACHED_P1))
    assert v.tray_state is TrayState.SLA_BREACHED
    assert v.tooltip.endswith("· P1 breached 12 min ago (+1 more)")


def test_off_duty_a_teammates_p1_breach_shows_only_when_p1s_reach_me_off_duty() -> None:
    theirs = replace(BREACHED_P1, assignee=ALICE)
    assert view(state(theirs, shifts=())).tray_state is TrayState.SLA_BREACHED
    quiet = state(theirs, shifts=(), new_ticket_off_duty_p1=False)
    assert view(quiet).tray_state is TrayState.OFF_DUTY
    # A P2 of a teammate never concerns me off duty.
    p2 = ticket(3, Priority.P2, timedelta(hours=4), assignee=ALICE)
    assert view(state(p2, shifts=())).tray_state is TrayState.OFF_DUTY


def test_stale_data_says_from_when_in_local_time() -> None:
    failing = SourceStatus(
        "queue (team-api)",
        ok=False,
        last_ok_at=datetime(2031, 6, 2, 8, 42, tzinfo=UTC),
        error="connection refused",
        failures=2,
    )
    v = view(state(sources=(OK_SOURCES[0], failing)))
    assert v.tray_state is TrayState.STALE
    # One of two sources is down: the tooltip says how many, never which (no server text).
    assert v.tooltip.startswith(
        "1 of 2 sources down — showing data from 10:42 · On duty until Mon 17:00"
    )
    assert "queue (team-api): connection refused (data from 10:42)" in v.status_lines


def test_stale_from_another_day_names_the_day() -> None:
    failing = SourceStatus("queue", ok=False, last_ok_at=NOW - timedelta(days=1), failures=9)
    v = view(state(sources=(failing,)))
    assert v.tooltip.startswith("Offline — showing data from Sun 12:00")


def test_a_source_that_never_answered_is_offline_with_no_data() -> None:
    failing = SourceStatus("queue", ok=False, error="wrong token", failures=1)
    v = view(state(sources=(failing,)))
    assert v.tooltip.startswith("Offline — no data yet")
    assert "queue: wrong token (data from no data yet)" not in v.status_lines
    assert "queue: wrong token (no data yet)" in v.status_lines


def test_a_source_still_connecting_is_not_stale() -> None:
    connecting = SourceStatus("queue", ok=False, last_ok_at=NOW - timedelta(hours=3))
    v = view(state(sources=(connecting,)))
    assert v.tray_state is TrayState.ON_DUTY_QUIET
    assert "Offline" not in v.tooltip


def test_paused_says_until_when_and_still_counts() -> None:
    v = view(state(ticket(7), paused_until=NOW + timedelta(minutes=90)))
    assert v.tray_state is TrayState.PAUSED
    assert v.badge == 1
    assert v.paused_until == NOW + timedelta(minutes=90)
    assert v.tooltip.startswith("Paused until 13:30 · On duty until Mon 17:00")
    assert "Notifications paused until 13:30" in v.status_lines


def test_a_pause_that_has_ended_is_not_shown() -> None:
    v = view(state(paused_until=NOW - timedelta(seconds=1)))
    assert v.tray_state is TrayState.ON_DUTY_QUIET
    assert v.paused_until is None


def test_demo_is_flagged_in_the_view_and_the_tooltip() -> None:
    v = view(state(), demo=True)
    assert v.demo
    assert v.tooltip.startswith("Demo team · On duty")
    assert not view(state()).demo


# -- precedence ----------------------------------------------------------------------------


def test_precedence_lists_every_state_once() -> None:
    assert sorted(PRECEDENCE) == sorted(TrayState)
    assert len(set(PRECEDENCE)) == len(TrayState)


def test_each_state_wins_over_every_state_below_it() -> None:
    """Start with every condition at once, then take away the winner, one by one."""
    stale = SourceStatus("queue", ok=False, last_ok_at=NOW - timedelta(minutes=5), failures=3)
    conditions: dict[str, object] = {
        "breached": BREACHED_P1,
        "warning": WARNING_P1,
        "stale": stale,
        "paused": NOW + timedelta(hours=1),
        "attention": ticket(9),
        "on_duty": MY_SHIFT,
    }

    def build() -> ServiceState:
        tickets = [conditions[k] for k in ("breached", "warning", "attention") if k in conditions]
        return state(
            *tickets,  # type: ignore[arg-type]
            shifts=(MY_SHIFT,) if "on_duty" in conditions else (),
            sources=(stale,) if "stale" in conditions else OK_SOURCES,
            paused_until=conditions.get("paused"),
        )

    seen = []
    for name in ("breached", "warning", "stale", "paused", "attention", "on_duty", None):
        seen.append(view(build()).tray_state)
        if name is not None:
            del conditions[name]
    assert tuple(seen) == PRECEDENCE


# -- the user's own actions and snoozes ----------------------------------------------------


def test_a_pending_acknowledgement_counts_as_done() -> None:
    t = ticket(7)
    pending = entry(ActionKind.ACKNOWLEDGE, t, OutboxState.SENDING)
    v = view(state(t, outbox=(pending,)))
    assert v.badge == 0
    assert v.tray_state is TrayState.ON_DUTY_QUIET


def test_a_pending_acknowledgement_stops_the_response_clock() -> None:
    pending = entry(ActionKind.ACKNOWLEDGE, WARNING_P1, OutboxState.PENDING)
    assert view(state(WARNING_P1, outbox=(pending,))).tray_state is TrayState.ON_DUTY_QUIET


def test_a_failed_acknowledgement_still_needs_the_user() -> None:
    t = ticket(7)
    failed = entry(ActionKind.ACKNOWLEDGE, t, OutboxState.FAILED)
    assert view(state(t, outbox=(failed,))).badge == 1


def test_a_pending_hand_over_takes_my_ticket_off_my_badge() -> None:
    t = ticket(7, assignee=ME)
    handed = entry(ActionKind.HAND_OVER, t, OutboxState.PENDING, to=ALICE.id, note="yours")
    assert view(state(t, shifts=(), outbox=(handed,))).badge == 0
    assert view(state(t, shifts=())).badge == 1


def test_a_snoozed_ticket_counts_for_nothing_until_the_snooze_ends() -> None:
    snoozed = (("demo:2", NOW + timedelta(minutes=30)),)
    v = view(state(BREACHED_P1, snoozed=snoozed))
    assert v.tray_state is TrayState.ON_DUTY_QUIET
    assert v.badge == 0
    ended = (("demo:2", NOW),)
    assert view(state(BREACHED_P1, snoozed=ended)).tray_state is TrayState.SLA_BREACHED


# -- status lines --------------------------------------------------------------------------


def test_status_lines_say_my_duty_my_next_shift_and_who_is_on() -> None:
    v = view(state(shifts=(MY_SHIFT, MY_NEXT, ALICE_SECONDARY)))
    assert v.status_lines == (
        "You: on duty as primary until Mon 17:00",
        "Next shift: Tue 09:00 → Tue 17:00 as primary",
        "On now: you (primary), Alice (secondary)",
    )


def test_names_from_the_server_are_kept_as_written() -> None:
    bob_now = replace(MY_SHIFT, person=BOB)
    v = view(state(shifts=(bob_now,)))
    assert "On now: Bob & Co (primary)" in v.status_lines
    # ...and never put into the tooltip, which some tray hosts render as rich text.
    assert "Bob" not in v.tooltip


def test_a_long_on_call_list_is_cut() -> None:
    people = [Person(f"p{i}", f"P{i}") for i in range(6)]
    shifts = tuple(replace(ALICE_NOW, person=p) for p in people)
    v = view(state(shifts=shifts))
    assert (
        v.status_lines[-1]
        == "On now: P0 (primary), P1 (primary), P2 (primary), P3 (primary), +2 more"
    )


def test_unknown_me_waits_for_the_rotation_then_says_how_to_fix_it() -> None:
    empty = ServiceState(Snapshot(NOW), None, (), AlertSettings(tz=BERLIN))
    assert view(empty).status_lines[0] == "Waiting for the rotation…"
    assert view(empty).tooltip == "Not on the team yet"
    v = view(state(me=None))
    assert v.status_lines[0] == "You are not on the team: set “me” in Settings"
    assert v.tray_state is TrayState.OFF_DUTY


def test_no_server_text_reaches_the_tooltip() -> None:
    v = view(state(WARNING_P1, BREACHED_P1, ticket(5)))
    for server_text in ("DEMO-", "<b>", "Ticket"):
        assert server_text not in v.tooltip


# -- when to render again ------------------------------------------------------------------


def test_next_change_is_the_next_minute_of_a_relative_deadline() -> None:
    # WARNING_P1 breaches at NOW + 10 min exactly: "in 10 min" now, "in 9 min" a moment later.
    v = view(state(WARNING_P1))
    assert v.next_change is not None
    assert NOW < v.next_change <= NOW + timedelta(milliseconds=1)
    later = NOW + timedelta(seconds=20)
    after = tray_view(state(WARNING_P1), later, BERLIN)
    assert after.tooltip.endswith("P1 breaches in 9 min")
    assert after.next_change == NOW + timedelta(minutes=1)


def test_next_change_of_a_breach_counts_up() -> None:
    v = view(state(BREACHED_P1))  # breached 12 min ago exactly
    assert v.next_change == NOW + timedelta(minutes=1)


def test_next_change_is_the_next_shift_edge_or_pause_end() -> None:
    assert view(state()).next_change == MY_SHIFT.end
    paused = state(paused_until=NOW + timedelta(minutes=30))
    assert view(paused).next_change == NOW + timedelta(minutes=30)
    warn_later = ticket(4, Priority.P2, timedelta(minutes=5))  # 3 h target, warns 45 min ahead
    assert view(state(warn_later)).next_change == NOW + timedelta(hours=2, minutes=10)


def test_nothing_changes_by_time_alone_without_shifts_or_clocks() -> None:
    assert view(state(ticket(1), shifts=())).next_change is None


@pytest.mark.parametrize("zone", [UTC, BERLIN, ZoneInfo("America/New_York")])
def test_the_view_is_the_same_whatever_zone_now_is_given_in(zone: object) -> None:
    s = state(WARNING_P1)
    assert tray_view(s, NOW.astimezone(zone), BERLIN) == view(s)  # type: ignore[arg-type]
