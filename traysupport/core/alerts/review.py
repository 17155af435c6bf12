"""Review reminders: at set local times on duty days, what is new in the queue since my last review.

Made for error trackers such as Sentry, whose queue a rotation goes through each morning
and early afternoon, but it works for any queue. Each configured local time
(``review_times``, in ``tz``) is a *slot*. A slot's reminder is due from its instant
until the next slot of the same local day (or the day's end), so an app started late, or
quiet hours ending, still shows the current slot's reminder, never a stale one. It is
raised only when I am on duty at the slot's instant and still now, and only when some
ticket is new since my last review (``reviewed_at``; never reviewed: every ticket is new).
Key: the local date and the slot's "HH:MM", so a slot fires once, also across restarts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta

from traysupport.core.alerts.context import Candidate, Context, clip
from traysupport.core.alerts.settings import AlertSettings
from traysupport.core.alerts.wallclock import wall_instant
from traysupport.core.duty import duty
from traysupport.core.model import Alert, AlertAction, AlertKind, Ticket, Urgency
from traysupport.core.timefmt import local

REVIEW_SUBJECT = "review"
"""The subject of every review alert: the UI opens the queue filtered to what is new."""
_SOURCES_SHOWN = 4


def counts_for_review(ticket: Ticket, settings: AlertSettings) -> bool:
    """True when *ticket*'s source is one the review covers (all, unless some are named)."""
    return not settings.review_sources or ticket.source in settings.review_sources


def is_new_since_review(ticket: Ticket, settings: AlertSettings) -> bool:
    """True when *ticket* is of a reviewed source and created after my last review."""
    since = settings.reviewed_at
    return counts_for_review(ticket, settings) and (since is None or ticket.created_at > since)


def new_since_review(tickets: Iterable[Ticket], settings: AlertSettings) -> list[Ticket]:
    """The tickets of the reviewed sources created after my last review, in the given order."""
    return [t for t in tickets if is_new_since_review(t, settings)]


def review_summary(tickets: Iterable[Ticket]) -> list[str]:
    """One line per source, most tickets first: "7 new in checkout-api (2 P1, 5 P3)"."""
    by_source: dict[str, list[Ticket]] = {}
    for ticket in tickets:
        by_source.setdefault(ticket.source, []).append(ticket)
    lines = []
    for source, found in sorted(by_source.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        per = Counter(t.priority for t in found)
        split = ", ".join(f"{per[p]} {p.label}" for p in sorted(per))
        lines.append(f"{len(found)} new in {clip(source, 60)} ({split})")
    return lines


def _slots(day_of: datetime, settings: AlertSettings) -> list[tuple[datetime, time]]:
    """The slots of the local day of *day_of*: (UTC instant, local time), in order."""
    day = local(day_of, settings.tz).date()
    found = {wall_instant(day, at, settings.tz): at for at in settings.review_times}
    return sorted(found.items())


def _current_slot(ctx: Context) -> tuple[datetime, time] | None:
    """Today's latest slot at or before now, if any."""
    passed = [slot for slot in _slots(ctx.now, ctx.settings) if slot[0] <= ctx.now]
    return passed[-1] if passed else None


def review_due(ctx: Context) -> Iterator[Candidate]:
    """The current slot's reminder, when I am on duty and something is new."""
    settings = ctx.settings
    if ctx.me is None or not settings.review_times or not ctx.on_duty:
        return
    slot = _current_slot(ctx)
    if slot is None:
        return
    at, clock = slot
    key = f"review:{local(at, settings.tz).date().isoformat()}:{clock.strftime('%H:%M')}"
    if key in ctx.fired or not duty(ctx.snapshot.shifts, ctx.me, at).on_duty:
        return
    fresh = new_since_review(ctx.snapshot.tickets, settings)
    if not fresh:
        return  # nothing to review: no reminder
    lines = review_summary(fresh)
    shown = lines[:_SOURCES_SHOWN]
    if len(lines) > len(shown):
        shown.append(f"and {len(lines) - len(shown)} more sources")
    noun = "ticket" if len(fresh) == 1 else "tickets"
    alert = Alert(
        key=key,
        kind=AlertKind.REVIEW,
        title=f"Review: {len(fresh)} new {noun} since your last review",
        body="\n".join(shown),
        urgency=Urgency.NORMAL,
        subject=REVIEW_SUBJECT,
        actions=(AlertAction.OPEN, AlertAction.MARK_REVIEWED),
    )
    yield Candidate(alert, at)


def review_instants(ctx: Context) -> Iterator[datetime]:
    """The next slot after now (today's or tomorrow's): the evaluation wakes up then."""
    settings = ctx.settings
    if ctx.me is None or not settings.review_times:
        return
    for day_of in (ctx.now, ctx.now + timedelta(days=1)):
        later = [at for at, _ in _slots(day_of, settings) if at > ctx.now]
        if later:
            yield later[0]
            return
