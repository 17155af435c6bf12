"""What the tray icon shows, worked out without Qt: its state, badge, tooltip and status lines.

`tray_view` turns a `ServiceState` into a `TrayView` for one instant. It never reads the
clock and imports no Qt, so every rule below is tested with fixed datetimes.

**State precedence**, highest first (the icon shows one state; the tooltip and the
status lines carry the rest):

1. ``SLA_BREACHED`` - a deadline has passed. Nothing else outranks a breach: it is what
   the rotation exists to prevent, and the icon must still say so while notifications
   are paused or were missed.
2. ``SLA_WARNING`` - a deadline is near; the same reasoning, one step less urgent.
   Both outrank ``STALE``: a clock on a ticket we know of keeps running whether or not
   the last poll worked, so an old queue can hide SLA trouble but rarely invents it.
3. ``STALE`` - a source is failing and the data shown is old, so "quiet" or a badge
   count may be false. The user must know not to trust the calm.
4. ``PAUSED`` - notifications are held. It outranks the calm states because the icon is
   the only reminder that the user chose silence (forgetting to resume is the risk);
   the badge count is still drawn on it.
5. ``ON_DUTY_ATTENTION`` - on duty with tickets waiting for someone to acknowledge them.
6. ``ON_DUTY_QUIET`` - on duty, nothing waiting.
7. ``OFF_DUTY``.

**Which tickets count.** Before counting, actions the user already took are applied: a
pending or sending acknowledgement counts as done, a pending hand over as given to its
recipient (a failed action is not applied: it still needs the user). Snoozed tickets
(snooze end after ``now``) count for nothing until the snooze ends, like their alerts.

- The SLA states use the audience of the SLA alerts (`core.alerts`): tickets assigned
  to me, any ticket while I am on duty, and a P1 while off duty when
  ``new_ticket_off_duty_p1`` is set. The icon never turns red for a ticket the user is
  never notified about, and never stays calm about one they are.
- The **badge** counts tickets needing the user: unacknowledged tickets assigned to me,
  plus unacknowledged unassigned tickets while I am on duty. A teammate's ticket is
  theirs to acknowledge, so it is not counted even while I am on duty.

**Stale** means a source whose last fetch failed (``ok`` false with at least one
failure). A source that simply has not answered yet since start (no failure) is
"connecting", not stale: the icon does not flash "offline" for the second a start takes.
While any source is down the icon also carries a warning mark, whatever state it shows
(an SLA state outranks ``STALE``, and the user must still learn that some data is old);
the Sources submenu says which one (see `source_health`).

Tooltips hold no text from servers (no ticket keys or titles, no names): some tray hosts
render tooltips as rich text. Names appear only in the status lines, which the tray sets
as menu action text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from traysupport.core.alerts import concerns_me
from traysupport.core.duty import Duty, duty
from traysupport.core.model import (
    ActionKind,
    Person,
    Shift,
    Snapshot,
    Ticket,
    is_open_end,
    is_open_start,
)
from traysupport.core.sla import SlaClock, SlaState, running_clock
from traysupport.core.timefmt import format_clock, format_instant, format_relative, local
from traysupport.service import ServiceState
from traysupport.store import OutboxState
from traysupport.ui.source_health import SourceLine, down, down_summary, shown, source_lines

ON_NOW_SHOWN = 4
"""Names listed in the "On now" line before "+N more"."""
ERROR_SHOWN = 80
"""Characters of a source's error shown in a status line."""
DEMO_LINE = "Demo team — set up your team…"
ALWAYS_ON_CALL, NO_END_SCHEDULED = "always on call", "no end scheduled"
"""A duty with no end, with no start or with one: the words `status` uses too."""


class TrayState(StrEnum):
    """What the tray icon says, one state at a time (see the module docstring for order)."""

    OFF_DUTY = "off-duty"
    ON_DUTY_QUIET = "on-duty"
    ON_DUTY_ATTENTION = "attention"
    SLA_WARNING = "sla-warning"
    SLA_BREACHED = "sla-breached"
    STALE = "stale"
    PAUSED = "paused"


PRECEDENCE: tuple[TrayState, ...] = (
    TrayState.SLA_BREACHED,
    TrayState.SLA_WARNING,
    TrayState.STALE,
    TrayState.PAUSED,
    TrayState.ON_DUTY_ATTENTION,
    TrayState.ON_DUTY_QUIET,
    TrayState.OFF_DUTY,
)
"""Tray states, the one shown first when several hold."""


@dataclass(frozen=True, slots=True)
class TrayView:
    """Everything the tray shows for one instant."""

    tray_state: TrayState
    badge: int
    """Tickets needing the user (see the module docstring); drawn on the icon when > 0."""
    tooltip: str
    status_lines: tuple[str, ...]
    """Read-only lines at the top of the menu: my duty, my next shift, who is on now..."""
    demo: bool = False
    """The demo team is shown: the menu offers to set up the real team."""
    paused_until: datetime | None = None
    """When held notifications resume, if they are held now."""
    next_change: datetime | None = None
    """The earliest instant at which time alone changes this view; re-render then."""
    sources: tuple[SourceLine, ...] = ()
    """Each source and its state, for the tray's Sources submenu."""
    sources_down: int = 0
    """How many sources are down: the icon carries a warning mark while any is."""


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the rules below need, worked out once per call."""

    now: datetime
    tz: tzinfo
    me: Person | None
    duty: Duty
    on_duty: bool
    tickets: tuple[Ticket, ...]
    """The queue as the user sees it: own actions applied, snoozed tickets left out."""
    clocks: tuple[SlaClock | None, ...]
    """Running SLA clocks of the tickets that concern me (None for the others)."""
    trouble: tuple[tuple[Ticket, SlaClock], ...]
    """Tickets that concern me whose SLA warns or is breached, most urgent first."""
    badge: int
    paused_until: datetime | None
    stale: bool


def tray_view(state: ServiceState, now: datetime, tz: tzinfo, demo: bool = False) -> TrayView:
    """The tray's state, badge, tooltip and status lines for *state* at *now* (shown in *tz*)."""
    facts = _facts(state, now, tz)
    tray_state = _tray_state(facts)
    return TrayView(
        tray_state=tray_state,
        badge=facts.badge,
        tooltip=_tooltip(state.snapshot, facts, demo),
        status_lines=_status_lines(state.snapshot, facts),
        demo=demo,
        paused_until=facts.paused_until,
        next_change=_next_change(state, facts),
        sources=source_lines(state.snapshot.sources, facts.now, tz),
        sources_down=len(down(state.snapshot.sources)),
    )


# -- facts ---------------------------------------------------------------------------------


def _facts(state: ServiceState, now: datetime, tz: tzinfo) -> _Facts:
    now = now.astimezone(UTC)
    me, settings, snapshot = state.me, state.settings, state.snapshot
    status = duty(snapshot.shifts, me, now)
    on_duty = status.on_duty
    snoozed = {ref for ref, until in settings.snoozed if until > now}
    tickets = tuple(t for t in _as_user_sees(state) if t.ref not in snoozed)

    clocks = tuple(
        running_clock(t, settings.sla) if concerns_me(t, me, on_duty, settings) else None
        for t in tickets
    )
    badge = sum(
        1
        for t in tickets
        if not t.acknowledged and (_mine(t, me) or (on_duty and t.assignee is None))
    )
    failing = down(snapshot.sources)
    paused = settings.paused_until
    return _Facts(
        now=now,
        tz=tz,
        me=me,
        duty=status,
        on_duty=on_duty,
        tickets=tickets,
        clocks=clocks,
        trouble=_sla_trouble(tickets, clocks, now),
        badge=badge,
        paused_until=paused if paused is not None and paused > now else None,
        stale=bool(failing),
    )


def _mine(ticket: Ticket, me: Person | None) -> bool:
    return me is not None and ticket.assignee is not None and ticket.assignee.id == me.id


def _as_user_sees(state: ServiceState) -> Iterable[Ticket]:
    """The queue with the user's unconfirmed acknowledgements and hand overs applied
    (a pending silence changes nothing until the tool confirms)."""
    applied = {
        (e.action.source, e.action.ticket_id): e.action
        for e in state.outbox
        if e.state in (OutboxState.PENDING, OutboxState.SENDING)
        and e.action.kind in (ActionKind.ACKNOWLEDGE, ActionKind.HAND_OVER)
    }
    people = {p.id: p for p in state.snapshot.people}
    for ticket in state.snapshot.tickets:
        action = applied.get((ticket.source, ticket.id))
        if action is None:
            yield ticket
        elif action.kind is ActionKind.ACKNOWLEDGE:
            yield replace(ticket, acknowledged_at=ticket.acknowledged_at or action.created_at)
        else:
            to = people.get(action.to, Person(action.to, action.to))
            yield replace(ticket, assignee=to)


def _sla_trouble(
    tickets: tuple[Ticket, ...], clocks: tuple[SlaClock | None, ...], now: datetime
) -> tuple[tuple[Ticket, SlaClock], ...]:
    """Tickets that concern me whose SLA warns or is breached, most urgent first."""
    troubled = [
        (t, c)
        for t, c in zip(tickets, clocks, strict=True)
        if c is not None and c.state(now) is not SlaState.OK
    ]
    # The order of `core.sla.urgency_order` (least time left first, so breached first),
    # keyed on the clocks already made rather than making them again.
    troubled.sort(key=lambda tc: (tc[1].breach_at, tc[0].priority, tc[0].created_at, tc[0].ref))
    return tuple(troubled)


def _tray_state(facts: _Facts) -> TrayState:
    states = {c.state(facts.now) for _, c in facts.trouble}
    if SlaState.BREACHED in states:
        return TrayState.SLA_BREACHED
    if SlaState.WARNING in states:
        return TrayState.SLA_WARNING
    if facts.stale:
        return TrayState.STALE
    if facts.paused_until is not None:
        return TrayState.PAUSED
    if facts.on_duty:
        return TrayState.ON_DUTY_ATTENTION if facts.badge else TrayState.ON_DUTY_QUIET
    return TrayState.OFF_DUTY


# -- text ----------------------------------------------------------------------------------


def _when(instant: datetime, facts: _Facts) -> str:
    """A time of today as "10:42"; any other day as "Mon 10:42" (or with the date, far off)."""
    if local(instant, facts.tz).date() == local(facts.now, facts.tz).date():
        return format_clock(instant, facts.tz)
    return format_instant(instant, facts.tz, facts.now)


def open_duty_text(status: Duty) -> str | None:
    """ "always on call" / "no end scheduled" when my duty has no end (a permanent on-call,
    held as the model's far bound), never a date in 3000; None when it ends or I am off."""
    if status.until is None or not is_open_end(status.until):
        return None
    forever = status.start is not None and is_open_start(status.start)
    return ALWAYS_ON_CALL if forever else NO_END_SCHEDULED


def _duty_text(facts: _Facts) -> str:
    if facts.me is None:
        return "Not on the team yet"
    until = facts.duty.until
    open_text = open_duty_text(facts.duty)
    if open_text is not None:
        return f"On duty, {open_text}"
    if until is not None:
        return f"On duty until {format_instant(until, facts.tz, facts.now)}"
    upcoming = facts.duty.next_shift
    if upcoming is None:
        return "Off duty"
    return f"Off duty · next shift {format_instant(upcoming.start, facts.tz, facts.now)}"


def _count_text(facts: _Facts) -> str:
    if facts.on_duty:
        new = f", {facts.badge} new" if facts.badge else ""
        return f"{len(facts.tickets)} open{new}" if facts.tickets else "queue empty"
    return f"{facts.badge} new for you" if facts.badge else ""


def _sla_text(facts: _Facts) -> str:
    trouble = facts.trouble
    if not trouble:
        return ""
    ticket, clock = trouble[0]
    if clock.state(facts.now) is SlaState.BREACHED:
        text = f"{ticket.priority.label} breached {format_relative(clock.breach_at, facts.now)}"
    else:
        text = f"{ticket.priority.label} breaches {format_relative(clock.breach_at, facts.now)}"
    more = len(trouble) - 1
    return f"{text} (+{more} more)" if more else text


def _tooltip(snapshot: Snapshot, facts: _Facts, demo: bool) -> str:
    parts = ["Demo team"] if demo else []
    # Counts and times only: the tooltip holds no server text.
    parts.append(down_summary(snapshot.sources, facts.now, facts.tz))
    if facts.paused_until is not None:
        parts.append(f"Paused until {_when(facts.paused_until, facts)}")
    parts += [_duty_text(facts), _count_text(facts), _sla_text(facts)]
    return " · ".join(p for p in parts if p)


def _role(shift: Shift | None) -> str:
    return "" if shift is None else f" as {shift.role}"


def _my_lines(snapshot: Snapshot, facts: _Facts) -> list[str]:
    status, tz, now = facts.duty, facts.tz, facts.now
    if facts.me is None:
        if not snapshot.people:
            return ["Waiting for the rotation…"]
        return ["You are not on the team: set “me” in Settings"]
    open_text = open_duty_text(status)
    if status.until is None:
        line = "You: off duty"
    elif open_text is not None:
        line = f"You: on duty{_role(status.shift)}, {open_text}"
    else:
        line = f"You: on duty{_role(status.shift)} until {format_instant(status.until, tz, now)}"
    upcoming = status.next_shift
    if upcoming is None:
        return [line, "Next shift: none scheduled"]
    # A next shift starts after now, so only its end can be open.
    start = format_instant(upcoming.start, tz, now)
    end = "no end" if is_open_end(upcoming.end) else format_instant(upcoming.end, tz, now)
    return [line, f"Next shift: {start} → {end}{_role(upcoming)}"]


def on_now_line(status: Duty, shown: int = ON_NOW_SHOWN) -> str:
    """Who is on duty now: "On now: you (primary), Mei (shadow)" (the tray menu, the window)."""
    on_now = status.on_now
    names = [
        f"{'you' if status.is_me(s.person) else s.person.name} ({s.role})" for s in on_now[:shown]
    ]
    more = len(on_now) - shown
    if more > 0:
        names.append(f"+{more} more")
    return f"On now: {', '.join(names) or 'nobody'}"


def _status_lines(snapshot: Snapshot, facts: _Facts) -> tuple[str, ...]:
    lines = [*_my_lines(snapshot, facts), on_now_line(facts.duty)]
    if facts.paused_until is not None:
        lines.append(f"Notifications paused until {_when(facts.paused_until, facts)}")
    for source in down(snapshot.sources):
        since = (
            "no data yet"
            if source.last_ok_at is None
            else f"data from {_when(source.last_ok_at, facts)}"
        )
        error = shown(source.error or "not answering", ERROR_SHOWN)
        lines.append(f"{shown(source.name, 40)}: {error} ({since})")
    return tuple(lines)


# -- when to render again ------------------------------------------------------------------


def _relative_changes(instant: datetime, now: datetime) -> datetime:
    """The next instant `format_relative(instant, now)` reads differently (it floors)."""
    span = (instant - now).total_seconds()
    step = 60.0 if abs(span) >= 60 else 1.0
    if span > 0:
        # "in 12 min" holds down to exactly 12 min left; any moment later reads "in 11 min".
        ahead = span % step
        return now + (timedelta(seconds=ahead) if ahead else timedelta(microseconds=1))
    return now + timedelta(seconds=step - (-span % step))


def _next_change(state: ServiceState, facts: _Facts) -> datetime | None:
    now = facts.now
    candidates = [facts.paused_until]
    candidates += [until for _, until in state.settings.snoozed]
    for shift in state.snapshot.shifts:
        # A permanent on-call's far end is no change: no redraw planned for the year 3000.
        candidates += [t for t in (shift.start, shift.end) if not is_open_end(t)]
    for clock in facts.clocks:
        if clock is not None:
            candidates += [clock.warn_at, clock.breach_at]
    if facts.trouble:
        candidates.append(_relative_changes(facts.trouble[0][1].breach_at, now))
    return min((c for c in candidates if c is not None and c > now), default=None)
