"""Duty rules: duty_soon (with the evening-before reminder), duty_started, duty_ending.

A permanent on-call (PagerDuty's null start or end) is held as the model's far bounds
(`core.model.EARLIEST`/`LATEST`): it is said "always on call" or "no end scheduled", never
reminded of as starting, and never gives a shift-ending reminder, due or scheduled.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from traysupport.core.alerts.context import (
    Candidate,
    Context,
    Span,
    clip,
    me_id,
    merge_spans,
    role_text,
    until_text,
    when,
)
from traysupport.core.alerts.settings import AlertSettings
from traysupport.core.alerts.wallclock import wall_instant
from traysupport.core.model import Alert, AlertAction, AlertKind, Role, is_open_end, is_open_start
from traysupport.core.sla import urgency_order
from traysupport.core.timefmt import format_clock, format_relative, local

_ENDING_KEYS_SHOWN = 5
_NOON = time(12, 0)
"""A shift starting before this local time is a morning shift (evening-before reminder)."""
_NEAR = timedelta(hours=12)
"""A reminder closer than this to the start counts down ("In 15 min") instead of naming a day."""


def _leads(settings: AlertSettings) -> list[timedelta]:
    return sorted(set(settings.duty_soon_leads), reverse=True)


def _reminders(
    span: Span, before: datetime | None, settings: AlertSettings
) -> list[tuple[str, datetime]]:
    """The (name, instant) reminders of an upcoming span, earliest first.

    *before* is the start of my span before this one (None if none): when it starts
    after the evening reminder's instant, that evening already has a duty of mine to
    remind of, and a second evening reminder would only add noise.
    """
    # The names are part of the dedupe keys: "lead900" (15 min) and "evening" must stay
    # as they are, or users upgrading would be reminded again of shifts already shown.
    leads = _leads(settings)
    reminders = [(f"lead{int(lead.total_seconds())}", span.start - lead) for lead in leads]
    evening = _evening_before(span.start, settings)
    if (
        evening is not None
        and evening < span.start
        and not _afternoon_reminded(evening, reminders, settings)
        and (before is None or before < evening)
    ):
        reminders.append(("evening", evening))
        reminders.sort(key=lambda reminder: reminder[1])
    return reminders


def _afternoon_reminded(
    evening: datetime, reminders: list[tuple[str, datetime]], settings: AlertSettings
) -> bool:
    """True when a lead reminder falls from noon to the evening instant on the same day.

    That reminder already is the evening-before reminder (a 7-hour lead before a
    00:30 shift fires at 17:30); a 1-day lead, firing the morning before, is not.
    """
    noon = wall_instant(local(evening, settings.tz).date(), _NOON, settings.tz)
    return any(noon <= at <= evening for _, at in reminders)


def _upcoming_with_previous_start(ctx: Context) -> Iterator[tuple[Span, datetime | None]]:
    """Each upcoming span with the start of my span before it, past ones included.

    All of my spans count, not only those after *now*: the answer must not change as
    time passes, or a reminder could fall due at an instant `next_instant` never named.
    """
    me = ctx.me
    if me is None:
        return
    starts = [
        span.start for span in merge_spans(s for s in ctx.snapshot.shifts if s.person.id == me.id)
    ]
    for span in ctx.upcoming:
        if is_open_start(span.start):
            continue  # on whenever the app looks: it never "starts soon"
        index = bisect_left(starts, span.start)
        yield span, starts[index - 1] if index > 0 else None


def _evening_before(start: datetime, settings: AlertSettings) -> datetime | None:
    """The evening-before instant of a morning shift (local start before 12:00), else None."""
    if settings.evening_before is None:
        return None
    starts_at = local(start, settings.tz)
    if starts_at.time() >= _NOON:
        return None
    return wall_instant(starts_at.date() - timedelta(days=1), settings.evening_before, settings.tz)


def duty_soon(ctx: Context) -> Iterator[Candidate]:
    for span, before in _upcoming_with_previous_start(ctx):
        due = [(name, at) for name, at in _reminders(span, before, ctx.settings) if at <= ctx.now]
        if not due:
            # Spans are sorted, but reminders of a later span can still come first
            # (an evening reminder is earlier than a lead), so keep looking.
            continue
        name, since = due[-1]
        key = f"duty_soon|{me_id(ctx)}|{span.start.isoformat()}|{name}"
        if key in ctx.fired:
            continue
        body = (
            f"On duty at {when(span.start, ctx)} as {role_text(span.first)}"
            f" ({until_text(span.start, span.end, ctx)})"
        )
        alert = Alert(
            key=key,
            kind=AlertKind.DUTY_SOON,
            title=clip(f"{_soon_heading(span.start, ctx)}: you are {role_text(span.first)}"),
            body=body,
            subject=span.first.key,
        )
        yield Candidate(alert, since)


def _soon_heading(start: datetime, ctx: Context) -> str:
    """ "In 15 min" when the start is near; "Tomorrow 09:00" or "Wed 09:00" when it is not.

    A reminder a day ahead reads as a date to plan the evening by, a near one as a count
    down; the text is made at *now*, so an app opened late still says the right thing.
    """
    if start - ctx.now < _NEAR:
        return format_relative(start, ctx.now).capitalize()
    tz = ctx.settings.tz
    days = (local(start, tz).date() - local(ctx.now, tz).date()).days
    if days == 0:
        return f"Today {format_clock(start, tz)}"
    if days == 1:
        return f"Tomorrow {format_clock(start, tz)}"
    return when(start, ctx)


def duty_started(ctx: Context) -> Iterator[Candidate]:
    span = ctx.current
    if span is None:
        return
    shift = ctx.shift_now or span.first
    # "until Tue 09:00", or ", always on call" / ", no end scheduled" for an open end.
    until = until_text(span.start, span.end, ctx)
    until = f", {until}" if is_open_end(span.end) else f" {until}"
    if shift.role is Role.SHADOW:
        title, body = "Riding along as shadow", f"Riding along as shadow{until}."
    else:
        title, body = "You are on duty", f"You are on duty as {role_text(shift)}{until}."
    alert = Alert(
        key=f"duty_started|{me_id(ctx)}|{span.start.isoformat()}",
        kind=AlertKind.DUTY_STARTED,
        title=title,
        body=body,
        subject=shift.key,
    )
    yield Candidate(alert, span.start)


def duty_ending(ctx: Context) -> Iterator[Candidate]:
    span = ctx.current
    lead = ctx.settings.duty_ending_lead
    if span is None or lead <= timedelta(0) or is_open_end(span.end):
        return  # a duty with no end never ends: no reminder, no hand-over prompt
    if ctx.now < span.end - lead:
        return
    held = urgency_order(
        [t for t in ctx.snapshot.tickets if ctx.mine(t)], ctx.settings.sla, ctx.now
    )
    off = f"Off duty at {format_clock(span.end, ctx.settings.tz)}."
    if not held:
        body = f"{off} You hold no open tickets."
    else:
        keys = ", ".join(clip(t.key, 40) for t in held[:_ENDING_KEYS_SHOWN])
        more = len(held) - _ENDING_KEYS_SHOWN
        extra = f" and {more} more" if more > 0 else ""
        noun = "ticket" if len(held) == 1 else "tickets"
        body = f"{off} You hold {len(held)} open {noun}: {keys}{extra}."
    alert = Alert(
        key=f"duty_ending|{me_id(ctx)}|{span.end.isoformat()}",
        kind=AlertKind.DUTY_ENDING,
        title=f"Shift ends {format_relative(span.end, ctx.now)}",
        body=body,
        subject=(ctx.shift_now or span.first).key,
        actions=(AlertAction.HAND_OVER,) if held else (),
    )
    yield Candidate(alert, max(span.start, span.end - lead))


def duty_instants(ctx: Context) -> Iterator[datetime]:
    lead = ctx.settings.duty_ending_lead
    spans = ([ctx.current] if ctx.current is not None else []) + list(ctx.upcoming)
    for span in spans:
        # A duty with no end has no ending to remind of: no wake-up in the year 2999.
        if lead > timedelta(0) and not is_open_end(span.end):
            yield max(span.start, span.end - lead)
    for span, before in _upcoming_with_previous_start(ctx):
        yield span.start
        yield from (at for _, at in _reminders(span, before, ctx.settings))
