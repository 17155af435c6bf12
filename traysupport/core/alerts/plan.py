"""Evaluation: candidates deduplicated, suppressed and ordered; the next instant to look again."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain

from traysupport.core.alerts.changes import ticket_changes
from traysupport.core.alerts.context import Candidate, Context, make_context, utc
from traysupport.core.alerts.duty import duty_ending, duty_instants, duty_soon, duty_started
from traysupport.core.alerts.health import source_down, source_recovered
from traysupport.core.alerts.review import review_due, review_instants
from traysupport.core.alerts.settings import AlertSettings
from traysupport.core.alerts.shifts import shift_changed
from traysupport.core.alerts.tickets import new_tickets, sla_alerts, ticket_instants
from traysupport.core.alerts.wallclock import quiet_end
from traysupport.core.model import Alert, Person, Priority, Snapshot, Urgency, require_aware
from traysupport.core.timefmt import local

_URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.NORMAL: 1, Urgency.LOW: 2}


# --- public API -------------------------------------------------------------------------


def evaluate(  # noqa: PLR0917 - the service's call shape, fixed by the design
    previous: Snapshot | None,
    current: Snapshot,
    now: datetime,
    me: Person | None,
    settings: AlertSettings,
    already_fired: Collection[str],
    trusted: Snapshot | None = None,
) -> list[Alert]:
    """The alerts due at *now* that have not fired yet, most urgent first.

    *trusted* is the last snapshot whose sources were all ok (default: *previous*);
    shift changes are found against it, so a change made during an outage still shows
    once the source recovers, while *previous* tells that a source just recovered.
    """
    require_aware(now, "now")
    ctx = make_context(current, utc(now), me, settings)
    return _due_alerts(previous, trusted, ctx, already_fired)


def next_instant(
    current: Snapshot, now: datetime, me: Person | None, settings: AlertSettings
) -> datetime | None:
    """The earliest UTC instant after *now* at which time alone may make a new alert due."""
    require_aware(now, "now")
    return _next_instant(make_context(current, utc(now), me, settings))


@dataclass(frozen=True, slots=True)
class Plan:
    """What one evaluation decided: the alerts to show now, and when to look again."""

    alerts: list[Alert]
    wake_at: datetime | None


def plan(  # noqa: PLR0917 - evaluate's call shape
    previous: Snapshot | None,
    current: Snapshot,
    now: datetime,
    me: Person | None,
    settings: AlertSettings,
    already_fired: Collection[str],
    trusted: Snapshot | None = None,
) -> Plan:
    """`evaluate` and `next_instant` in one pass: the per-ticket work is done once."""
    require_aware(now, "now")
    ctx = make_context(current, utc(now), me, settings)
    return Plan(_due_alerts(previous, trusted, ctx, already_fired), _next_instant(ctx))


def _due_alerts(
    previous: Snapshot | None,
    trusted: Snapshot | None,
    context: Context,
    already_fired: Collection[str],
) -> list[Alert]:
    fired = already_fired if isinstance(already_fired, (set, frozenset)) else set(already_fired)
    ctx = replace(context, fired=fired)
    settings = ctx.settings
    if _paused(settings, ctx.now):
        return []
    quiet = in_quiet_hours(settings, ctx.now)
    snoozed = _snoozed_refs(settings, ctx.now)
    chosen: dict[str, Candidate] = {}
    for candidate in _candidates(previous, trusted or previous, ctx):
        key = candidate.alert.key
        if key in fired or key in chosen or _suppressed(candidate, ctx, quiet, snoozed):
            continue
        chosen[key] = candidate
    ordered = sorted(chosen.values(), key=_order)
    return [candidate.alert for candidate in ordered]


def _next_instant(ctx: Context) -> datetime | None:
    settings = ctx.settings
    if _paused(settings, ctx.now) and settings.paused_until is not None:
        # Nothing can be shown before the pause ends; whatever is due then shows then.
        return utc(settings.paused_until)
    instants = chain(
        duty_instants(ctx), ticket_instants(ctx), review_instants(ctx), _suppression_ends(ctx)
    )
    return min((at for at in instants if at > ctx.now), default=None)


def _candidates(
    previous: Snapshot | None, trusted: Snapshot | None, ctx: Context
) -> Iterator[Candidate]:
    yield from duty_soon(ctx)
    yield from duty_started(ctx)
    yield from duty_ending(ctx)
    yield from shift_changed(trusted, ctx)
    yield from new_tickets(ctx)
    yield from sla_alerts(ctx)
    yield from ticket_changes(trusted, previous, ctx)
    yield from source_down(ctx)
    yield from source_recovered(previous, ctx)
    yield from review_due(ctx)


def _paused(settings: AlertSettings, now: datetime) -> bool:
    return settings.paused_until is not None and utc(settings.paused_until) > now


def holding(settings: AlertSettings, now: datetime) -> bool:
    """True when a pause or quiet hours hold back alerts other than P1 tickets at *now*.

    A shift change held back must not be compared away: the caller keeps its trusted
    snapshot until the hold ends, so the change is told then, once.
    """
    require_aware(now, "now")
    return _paused(settings, utc(now)) or in_quiet_hours(settings, utc(now))


def in_quiet_hours(settings: AlertSettings, now: datetime) -> bool:
    quiet = settings.quiet_hours
    return quiet is not None and quiet.contains(local(now, settings.tz).time())


def _snoozed_refs(settings: AlertSettings, now: datetime) -> frozenset[str]:
    return frozenset(ref for ref, until in settings.snoozed if utc(until) > now)


def _suppressed(candidate: Candidate, ctx: Context, quiet: bool, snoozed: frozenset[str]) -> bool:
    ticket = candidate.ticket
    if ticket is not None and ticket.ref in snoozed:
        return True
    if not quiet:
        return False
    # Only ticket rules attach a ticket, so this lets exactly the P1 ticket alerts through.
    p1_ticket = ticket is not None and ticket.priority is Priority.P1
    return not (ctx.settings.quiet_allow_p1 and p1_ticket)


def _order(candidate: Candidate) -> tuple[int, datetime, str]:
    alert = candidate.alert
    return _URGENCY_RANK[alert.urgency], candidate.since, alert.key


def _suppression_ends(ctx: Context) -> Iterator[datetime]:
    settings = ctx.settings
    yield from (utc(until) for _, until in settings.snoozed)
    if settings.quiet_hours is not None and in_quiet_hours(settings, ctx.now):
        yield quiet_end(settings.quiet_hours, ctx.now, settings.tz)
