"""What the rules share for one evaluation: my duty spans, the SLA clocks, and the text helpers."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from traysupport.core.alerts.settings import AlertSettings
from traysupport.core.duty import duty
from traysupport.core.model import (
    Alert,
    Person,
    Shift,
    Snapshot,
    Ticket,
    is_open_end,
    is_open_start,
)
from traysupport.core.rotation import ROLE_ORDER, current_shift, my_future_shifts
from traysupport.core.sla import SlaClock, running_clock
from traysupport.core.timefmt import format_instant

TITLE_LIMIT = 120
"""Server-provided text longer than this is cut, with an ellipsis."""


@dataclass(frozen=True, slots=True)
class Span:
    """A continuous stretch of my duty; `first` is the most senior shift that opens it."""

    start: datetime
    end: datetime
    first: Shift


@dataclass(frozen=True, slots=True)
class Context:
    """Everything the rules share for one evaluation, with all instants in UTC."""

    snapshot: Snapshot
    now: datetime
    me: Person | None
    settings: AlertSettings
    current: Span | None
    shift_now: Shift | None
    upcoming: tuple[Span, ...]
    clocks: tuple[SlaClock | None, ...]
    """The running SLA clock of each ticket of the snapshot, in order (None: can't fire)."""
    fired: Collection[str] = frozenset()
    """Keys already fired: rules skip them before making the alert's text."""

    @property
    def on_duty(self) -> bool:
        """True when a shift of mine covers now."""
        return self.current is not None

    def mine(self, ticket: Ticket) -> bool:
        """True when *ticket* is assigned to me."""
        return (
            self.me is not None and ticket.assignee is not None and ticket.assignee.id == self.me.id
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """An alert whose condition holds, with the instant it began and its ticket, if any."""

    alert: Alert
    since: datetime
    ticket: Ticket | None = None


def utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def make_context(snapshot: Snapshot, now: datetime, me: Person | None, s: AlertSettings) -> Context:
    # Computed once per evaluation: the rules and the next instant all need them.
    clocks = tuple(running_clock(ticket, s.sla) for ticket in snapshot.tickets)
    if me is None:
        return Context(snapshot, now, None, s, None, None, (), clocks)
    shifts = snapshot.shifts
    status = duty(shifts, me, now)
    shift_now = status.shift
    current = None
    if status.start is not None and status.until is not None:
        first = current_shift(shifts, me, status.start) or shift_now
        current = None if first is None else Span(status.start, status.until, first)
    after = current.end if current is not None else now
    later = (sh for sh in my_future_shifts(shifts, me, now) if utc(sh.start) > after)
    upcoming = tuple(merge_spans(later))
    return Context(snapshot, now, me, s, current, shift_now, upcoming, clocks)


def _seniority(shift: Shift) -> tuple[int, str]:
    return ROLE_ORDER[shift.role], shift.key


def merge_spans(shifts: Iterable[Shift]) -> list[Span]:
    """Merge my shifts into spans (back-to-back or overlapping shifts join), sorted by start."""
    spans: list[Span] = []
    for shift in sorted(shifts, key=lambda sh: (utc(sh.start), _seniority(sh))):
        start, end = utc(shift.start), utc(shift.end)
        if spans and start <= spans[-1].end:
            last = spans[-1]
            spans[-1] = Span(last.start, max(last.end, end), last.first)
        else:
            spans.append(Span(start, end, shift))
    return spans


# --- text helpers -----------------------------------------------------------------------


def clip(text: str, limit: int = TITLE_LIMIT) -> str:
    """Server text on one line, cut to *limit* characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def role_text(shift: Shift) -> str:
    """ "primary on Payments", marked "(out of hours)" for evening, night and weekend cover."""
    where = f" on {clip(shift.rotation)}" if shift.rotation.strip() else ""
    hours = " (out of hours)" if shift.out_of_hours else ""
    return f"{shift.role}{where}{hours}"


def when(instant: datetime, ctx: Context) -> str:
    return format_instant(instant, ctx.settings.tz, ctx.now)


def until_text(start: datetime, end: datetime, ctx: Context) -> str:
    """ "until Tue 09:00"; for a duty with no end (a permanent on-call, held as the model's
    far bound), "always on call" or "no end scheduled", as `status` says it."""
    if not is_open_end(end):
        return f"until {when(end, ctx)}"
    return "always on call" if is_open_start(start) else "no end scheduled"


def span_text(start: datetime, end: datetime, ctx: Context) -> str:
    """ "Wed 09:00 to Wed 17:00"; a missing start or end (the model's far bounds) is said
    in words, never as a day in 1900 or 3000."""
    if is_open_start(start):
        return until_text(start, end, ctx)
    if is_open_end(end):
        return f"from {when(start, ctx)}, no end scheduled"
    return f"{when(start, ctx)} to {when(end, ctx)}"


def me_id(ctx: Context) -> str:
    return ctx.me.id if ctx.me is not None else ""
