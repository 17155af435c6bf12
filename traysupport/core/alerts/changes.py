"""Ticket-change rules: assigned_to_me and priority_raised, found against a baseline.

The baseline is the snapshot the service compares with (its trusted one, which a pause
or quiet hours keep from moving on, so a held change is still told when the hold ends).
A ticket counts only when the baseline had it from a source in good standing: a ticket
new to the queue is `new_ticket`'s business, and a source still shown from saved data
(right after a start) or down is no "before" to compare with, so a start never floods;
a change made during a source's outage is not told.

Keys name the ticket, the new state, and the baseline instant: the same change seen
again against the same baseline (a timer, a poll that changed nothing else, a restart
of the store) never fires twice, while the same state reached again later (a ticket
dropped and raised again, handed away and back) is news again.
"""

from __future__ import annotations

from collections.abc import Iterator

from traysupport.core.alerts.context import Candidate, Context, clip, utc
from traysupport.core.alerts.tickets import concerns_me, sla_line, ticket_actions, ticket_urgency
from traysupport.core.model import Alert, AlertKind, Person, Snapshot, Ticket
from traysupport.core.sla import SlaClock


def ticket_changes(
    baseline: Snapshot | None, previous: Snapshot | None, ctx: Context
) -> Iterator[Candidate]:
    """assigned_to_me and priority_raised for each ticket changed since *baseline*.

    A source not ok in *baseline* or in *previous* (the last snapshot evaluated) gives no
    "before": the trusted baseline may not list a source that was never ok this run.
    """
    settings = ctx.settings
    if baseline is None or not (settings.assigned_to_me or settings.priority_raised):
        return
    statuses = (*baseline.sources, *(previous.sources if previous is not None else ()))
    down = {s.name for s in statuses if not s.ok}
    before = {t.ref: t for t in baseline.tickets if t.source not in down}
    since = utc(baseline.taken_at).isoformat()
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        old = before.get(ticket.ref)
        if old is None:
            continue
        if settings.assigned_to_me and _newly_mine(old, ticket, ctx):
            yield from _assigned(old, ticket, clock, since, ctx)
        if (
            settings.priority_raised
            and ticket.priority < old.priority
            and _raise_audience(ticket, ctx)
        ):
            yield from _raised(old, ticket, clock, since, ctx)


def _newly_mine(old: Ticket, ticket: Ticket, ctx: Context) -> bool:
    """True when someone else made *ticket* mine since *old* was seen."""
    me = ctx.me
    if me is None or not ctx.mine(ticket) or ctx.mine(old):
        return False
    # My own doing is no news: the tool says I did it, or an acknowledge of mine did.
    by_me = ticket.assigned_by is not None and ticket.assigned_by.id == me.id
    return not by_me and ticket.ref not in ctx.settings.taken_by_me


def _raise_audience(ticket: Ticket, ctx: Context) -> bool:
    """A ticket I hold, or an unassigned one that is mine to watch (`concerns_me`)."""
    if ctx.mine(ticket):
        return True
    return ticket.assignee is None and concerns_me(ticket, ctx.me, ctx.on_duty, ctx.settings)


def _name(person: Person) -> str:
    return clip(person.name or person.id, 60)


def _assigned(
    old: Ticket, ticket: Ticket, clock: SlaClock | None, since: str, ctx: Context
) -> Iterator[Candidate]:
    me_id = ctx.me.id if ctx.me is not None else ""
    key = f"assigned_to_me|{ticket.ref}|{me_id}|{since}"
    if key in ctx.fired:
        return
    by = "" if ticket.assigned_by is None else f" by {_name(ticket.assigned_by)}"
    was = "Was unassigned." if old.assignee is None else f"Was {_name(old.assignee)}'s."
    alert = Alert(
        key=key,
        kind=AlertKind.ASSIGNED_TO_ME,
        title=f"{ticket.priority.label} {clip(ticket.key, 40)} assigned to you{by}",
        body=f"{clip(ticket.title)}\n{was}{sla_line(clock, ctx)}",
        urgency=ticket_urgency(ticket),
        subject=ticket.ref,
        actions=ticket_actions(ticket),
    )
    yield Candidate(alert, utc(ctx.snapshot.taken_at), ticket)


def _raised(
    old: Ticket, ticket: Ticket, clock: SlaClock | None, since: str, ctx: Context
) -> Iterator[Candidate]:
    new = ticket.priority.label
    key = f"priority_raised|{ticket.ref}|{new}|{since}"
    if key in ctx.fired:
        return
    # The SLA line shows the clock of the new priority: the policy runs per snapshot.
    alert = Alert(
        key=key,
        kind=AlertKind.PRIORITY_RAISED,
        title=f"{clip(ticket.key, 40)} raised to {new} (was {old.priority.label})",
        body=f"{clip(ticket.title)}{sla_line(clock, ctx)}",
        urgency=ticket_urgency(ticket),
        subject=ticket.ref,
        actions=ticket_actions(ticket),
    )
    yield Candidate(alert, utc(ctx.snapshot.taken_at), ticket)
