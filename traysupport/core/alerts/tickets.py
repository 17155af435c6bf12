"""Ticket rules: new_ticket, sla_warning, sla_breached (a P1 breach repeats); who they concern.

Ticket changes since the last snapshot (assigned_to_me, priority_raised) are in `changes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from traysupport.core.alerts.context import Candidate, Context, clip, utc, when
from traysupport.core.alerts.settings import AlertSettings
from traysupport.core.model import Alert, AlertAction, AlertKind, Person, Priority, Ticket, Urgency
from traysupport.core.sla import SlaClock, SlaState
from traysupport.core.timefmt import format_relative

_TICKET_ACTIONS = (AlertAction.ACKNOWLEDGE, AlertAction.SNOOZE, AlertAction.OPEN)


def ticket_urgency(ticket: Ticket) -> Urgency:
    """Critical for a P1, normal otherwise: every alert about a ticket's news."""
    return Urgency.CRITICAL if ticket.priority is Priority.P1 else Urgency.NORMAL


def _ticket_head(ticket: Ticket) -> str:
    return f"{ticket.priority.label} {clip(ticket.key, 40)}"


def new_tickets(ctx: Context) -> Iterator[Candidate]:
    off_duty_p1 = ctx.settings.new_ticket_off_duty_p1
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        if ticket.acknowledged:
            continue
        if not ctx.on_duty and not (off_duty_p1 and ticket.priority is Priority.P1):
            continue
        key = f"new_ticket|{ticket.ref}"
        if key in ctx.fired:
            continue  # checked before the text is made: most tickets were seen before
        alert = Alert(
            key=key,
            kind=AlertKind.NEW_TICKET,
            title=f"New {_ticket_head(ticket)}",
            body=clip(ticket.title) + sla_line(clock, ctx),
            urgency=ticket_urgency(ticket),
            subject=ticket.ref,
            actions=_TICKET_ACTIONS,
        )
        yield Candidate(alert, utc(ticket.created_at), ticket)


def sla_line(clock: SlaClock | None, ctx: Context) -> str:
    """A body line with the ticket's running SLA deadline; "" when none can fire."""
    if clock is None:
        return ""
    due = clock.breach_at
    state = "due" if due > ctx.now else "breached"
    return f"\nSLA {state} {format_relative(due, ctx.now)} ({when(due, ctx)})."


def concerns_me(ticket: Ticket, me: Person | None, on_duty: bool, settings: AlertSettings) -> bool:
    """True when *ticket*'s SLA is mine to watch: it is assigned to me, I am on duty, or it
    is a P1 and P1s reach me off duty. The tray icon uses the same rule as the alerts."""
    if on_duty or (me is not None and ticket.assignee is not None and ticket.assignee.id == me.id):
        return True
    return settings.new_ticket_off_duty_p1 and ticket.priority is Priority.P1


def _audience(ticket: Ticket, ctx: Context) -> bool:
    """True when an SLA alert about *ticket* concerns me."""
    return concerns_me(ticket, ctx.me, ctx.on_duty, ctx.settings)


def _repeat(ticket: Ticket, settings: AlertSettings) -> timedelta | None:
    """How often *ticket*'s breach repeats: an unacknowledged P1 only; None = once."""
    if ticket.priority is not Priority.P1 or ticket.acknowledged:
        return None
    return settings.breach_repeat_p1


def sla_alerts(ctx: Context) -> Iterator[Candidate]:
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        if clock is None or not _audience(ticket, ctx):
            continue
        state = clock.state(ctx.now)
        if state is SlaState.WARNING:
            yield from _sla_warning(ticket, clock, ctx)
        elif state is SlaState.BREACHED:
            yield from _sla_breached(ticket, clock, ctx)


def ticket_actions(ticket: Ticket) -> tuple[AlertAction, ...]:
    """Acknowledge, snooze, open; no acknowledge for a ticket acknowledged already."""
    # Offering to acknowledge an acknowledged ticket (a running tool SLA) is noise.
    return (AlertAction.SNOOZE, AlertAction.OPEN) if ticket.acknowledged else _TICKET_ACTIONS


def _sla_warning(ticket: Ticket, clock: SlaClock, ctx: Context) -> Iterator[Candidate]:
    kind, due = clock.kind, clock.breach_at
    key = f"sla_warning|{ticket.ref}|{kind}|{due.isoformat()}"
    if key in ctx.fired:
        return
    alert = Alert(
        key=key,
        kind=AlertKind.SLA_WARNING,
        title=f"{_ticket_head(ticket)}: {kind} SLA due {format_relative(due, ctx.now)}",
        body=f"{clip(ticket.title)}\nDue at {when(due, ctx)}.",
        urgency=ticket_urgency(ticket),
        subject=ticket.ref,
        actions=ticket_actions(ticket),
    )
    yield Candidate(alert, clock.warn_at, ticket)


def _sla_breached(ticket: Ticket, clock: SlaClock, ctx: Context) -> Iterator[Candidate]:
    kind, due = clock.kind, clock.breach_at
    repeat = _repeat(ticket, ctx.settings)
    index = 0 if repeat is None else (ctx.now - due) // repeat
    key = f"sla_breached|{ticket.ref}|{kind}|{due.isoformat()}|{index}"
    if key in ctx.fired:
        return
    ago = format_relative(due, ctx.now)
    alert = Alert(
        key=key,
        kind=AlertKind.SLA_BREACHED,
        title=f"{_ticket_head(ticket)}: {kind} SLA breached",
        body=f"{clip(ticket.title)}\nWas due at {when(due, ctx)} ({ago}).",
        urgency=Urgency.CRITICAL,
        subject=ticket.ref,
        actions=ticket_actions(ticket),
    )
    yield Candidate(alert, due + index * (repeat or timedelta(0)), ticket)


def ticket_instants(ctx: Context) -> Iterator[datetime]:
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        if clock is None:
            continue
        due = clock.breach_at
        yield clock.warn_at
        yield due
        repeat = _repeat(ticket, ctx.settings)
        if repeat is not None and due <= ctx.now:
            yield due + ((ctx.now - due) // repeat + 1) * repeat
