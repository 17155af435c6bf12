"""Alert rules: (previous snapshot, current snapshot, now, me, settings) -> alerts to show.

Every alert carries a dedupe key that is a pure function of the condition that raised it
(never a counter, never ``now`` except the P1 repeat index), so the store can remember
what fired across calls and restarts. ``evaluate`` never returns a key in
``already_fired`` and never the same key twice.

"My duty span" is a continuous stretch of my shifts (any role): back-to-back or
overlapping shifts merge into one span, so a shift that merely continues the current span
is not a new start. "On duty" means some shift of mine covers ``now``.

Rules:

- **duty_soon** (normal): for each span of mine starting after ``now``, reminders at
  ``start - lead`` for each lead in ``duty_soon_leads`` and, for a span whose local start
  is before 12:00, at ``evening_before`` on the local day before (only when that is
  earlier than the longest lead's reminder, which otherwise covers it, and only for the
  first span of mine after that evening instant: one evening reminder, not one per
  shift of a busy morning). The
  reminders of one span form windows: each is due from its instant until the next one's
  instant (the last until the start), so an app opened late shows the nearest reminder,
  not a pile of stale ones. Key: span start + which reminder.
- **duty_started** (normal): ``span start <= now < span end``, once per span (keyed by
  its start) - also when the app starts mid-shift. Shadows "ride along".
- **duty_ending** (normal): ``span end - duty_ending_lead <= now < span end``; lists my
  open tickets (count and up to 5 keys, most urgent first) and offers HAND_OVER when I
  hold any. A zero lead disables it. Key: span end, so an extended shift warns again.
- **shift_changed** (normal): compares my shifts in the previous and current snapshot,
  both seen from ``current.taken_at`` (not ``now``, so a timer evaluation between polls
  never re-reports a shrinking change set). Skipped unless every source in both
  snapshots is ok and both list the same sources: a failing or newly configured source
  must not look like removed or added shifts. Only shifts starting before both
  snapshots' horizon (the latest shift end each knows of) are compared, because
  providers fetch a moving window and its far edge brings new shifts every day. A shift
  is identified by ``Shift.key`` plus its end, so a lengthened shift counts as moved.
  Removed and added shifts of the same role pair up as "moved". One alert per change
  set, keyed by a digest of the sorted changed shifts.
- **new_ticket** (P1 critical, else normal; ACKNOWLEDGE, SNOOZE, OPEN): an unacknowledged
  ticket while I am on duty, or a P1 while off duty when ``new_ticket_off_duty_p1``.
  Keyed by ticket ref only, so it fires once per ticket; a ticket already acknowledged
  when first seen never raises it.
- **sla_warning** (P1 critical, else normal): ``sla_state`` is WARNING, for tickets
  assigned to me, or any ticket while I am on duty, or a P1 while off duty when
  ``new_ticket_off_duty_p1``. Key: ref + SLA kind + deadline, so a moved deadline or the
  switch from response to resolution clock warns again.
- **sla_breached** (critical): ``sla_state`` is BREACHED, same audience and key. An
  unacknowledged P1 repeats every ``breach_repeat_p1``: the key gains the index
  ``floor((now - breach_at) / repeat)``; only the current index is returned, never a
  backlog. Everything else (and an acknowledged P1) uses index 0, i.e. fires once.
- **source_down** (normal): a source with ``failures >= source_down_after``; keyed by
  name + ``last_ok_at``, so once per outage.
- **source_recovered** (low): the previous snapshot had that source down and the
  current one has it ok; keyed by the outage it ends.

Suppression (a suppressed alert is simply not returned, so it can still fire later if
its condition holds): ``paused_until > now`` suppresses everything; a snoozed ticket
(until > now) raises nothing; during quiet hours (local time in ``tz``) only P1 ticket
alerts get through, and only when ``quiet_allow_p1``.

Without ``me`` (the user is not known yet) nobody is on duty: no duty alerts, and ticket
alerts only for off-duty P1s.

The result is ordered critical, normal, low, then by the instant each condition began.
``next_instant`` gives the earliest instant after ``now`` at which the passage of time
alone can make ``evaluate`` return something new.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain

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
    Urgency,
    require_aware,
)
from traysupport.core.rotation import ROLE_ORDER, current_shift, duty_span, my_future_shifts
from traysupport.core.sla import (
    SlaClock,
    SlaPolicy,
    SlaState,
    running_clock,
    urgency_order,
)
from traysupport.core.timefmt import format_clock, format_instant, format_relative, local

TITLE_LIMIT = 120
"""Server-provided text longer than this is cut, with an ellipsis."""

_TICKET_ACTIONS = (AlertAction.ACKNOWLEDGE, AlertAction.SNOOZE, AlertAction.OPEN)
_URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.NORMAL: 1, Urgency.LOW: 2}
_ENDING_KEYS_SHOWN = 5
_CHANGES_SHOWN = 5
_NOON = time(12, 0)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily stretch of local wall-clock time without notifications; may wrap midnight.

    ``start == end`` is an empty stretch, not a whole day.
    """

    start: time
    end: time

    def contains(self, local_time: time) -> bool:
        """True when the wall-clock *local_time* lies in [start, end)."""
        # Naive times only: comparing an aware time with a naive one raises.
        at = local_time.replace(tzinfo=None)
        start, end = self.start.replace(tzinfo=None), self.end.replace(tzinfo=None)
        if start <= end:
            return start <= at < end
        return at >= start or at < end


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """What the user wants to be told, when, and what to hold back."""

    tz: tzinfo = UTC
    """The user's local zone: evening-before reminders, quiet hours, alert text."""
    duty_soon_leads: tuple[timedelta, ...] = (timedelta(minutes=15),)
    evening_before: time | None = time(18, 0)
    """Local time, the evening before, of a reminder for a shift starting before noon."""
    duty_ending_lead: timedelta = timedelta(minutes=30)
    new_ticket_off_duty_p1: bool = True
    breach_repeat_p1: timedelta | None = timedelta(minutes=15)
    """Repeat a P1 breach this often until acknowledged; None fires once."""
    source_down_after: int = 3
    """Consecutive failures before a source counts as down."""
    quiet_hours: QuietHours | None = None
    quiet_allow_p1: bool = True
    paused_until: datetime | None = None
    snoozed: tuple[tuple[str, datetime], ...] = ()
    """(ticket ref, until) pairs: a snoozed ticket raises no alerts until then."""
    sla: SlaPolicy = field(default_factory=SlaPolicy)

    def __post_init__(self) -> None:
        require_aware(self.paused_until, "AlertSettings.paused_until")
        for ref, until in self.snoozed:
            require_aware(until, f"AlertSettings.snoozed[{ref!r}]")
        if any(lead <= timedelta(0) for lead in self.duty_soon_leads):
            raise ValueError(f"duty_soon_leads must be positive, got {self.duty_soon_leads}")
        if self.duty_ending_lead < timedelta(0):
            raise ValueError(f"duty_ending_lead must not be negative: {self.duty_ending_lead}")
        if self.breach_repeat_p1 is not None and self.breach_repeat_p1 <= timedelta(0):
            raise ValueError(f"breach_repeat_p1 must be positive or None: {self.breach_repeat_p1}")
        if self.source_down_after < 1:
            raise ValueError(f"source_down_after must be at least 1: {self.source_down_after}")


@dataclass(frozen=True, slots=True)
class _Span:
    """A continuous stretch of my duty; `first` is the most senior shift that opens it."""

    start: datetime
    end: datetime
    first: Shift


@dataclass(frozen=True, slots=True)
class _Context:
    """Everything the rules share for one evaluation, with all instants in UTC."""

    snapshot: Snapshot
    now: datetime
    me: Person | None
    settings: AlertSettings
    current: _Span | None
    shift_now: Shift | None
    upcoming: tuple[_Span, ...]
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
class _Candidate:
    """An alert whose condition holds, with the instant it began and its ticket, if any."""

    alert: Alert
    since: datetime
    ticket: Ticket | None = None


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
    ctx = _context(current, _utc(now), me, settings)
    return _due_alerts(previous, trusted, ctx, already_fired)


def next_instant(
    current: Snapshot, now: datetime, me: Person | None, settings: AlertSettings
) -> datetime | None:
    """The earliest UTC instant after *now* at which time alone may make a new alert due."""
    require_aware(now, "now")
    return _next_instant(_context(current, _utc(now), me, settings))


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
    ctx = _context(current, _utc(now), me, settings)
    return Plan(_due_alerts(previous, trusted, ctx, already_fired), _next_instant(ctx))


def _due_alerts(
    previous: Snapshot | None,
    trusted: Snapshot | None,
    context: _Context,
    already_fired: Collection[str],
) -> list[Alert]:
    fired = already_fired if isinstance(already_fired, (set, frozenset)) else set(already_fired)
    ctx = replace(context, fired=fired)
    settings = ctx.settings
    if _paused(settings, ctx.now):
        return []
    quiet = _in_quiet_hours(settings, ctx.now)
    snoozed = _snoozed_refs(settings, ctx.now)
    chosen: dict[str, _Candidate] = {}
    for candidate in _candidates(previous, trusted or previous, ctx):
        key = candidate.alert.key
        if key in fired or key in chosen or _suppressed(candidate, ctx, quiet, snoozed):
            continue
        chosen[key] = candidate
    ordered = sorted(chosen.values(), key=_order)
    return [candidate.alert for candidate in ordered]


def _next_instant(ctx: _Context) -> datetime | None:
    settings = ctx.settings
    if _paused(settings, ctx.now) and settings.paused_until is not None:
        # Nothing can be shown before the pause ends; whatever is due then shows then.
        return _utc(settings.paused_until)
    instants = chain(_duty_instants(ctx), _ticket_instants(ctx), _suppression_ends(ctx))
    return min((at for at in instants if at > ctx.now), default=None)


# --- evaluation plumbing ----------------------------------------------------------------


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _context(snapshot: Snapshot, now: datetime, me: Person | None, s: AlertSettings) -> _Context:
    # Computed once per evaluation: the rules and the next instant all need them.
    clocks = tuple(running_clock(ticket, s.sla) for ticket in snapshot.tickets)
    if me is None:
        return _Context(snapshot, now, None, s, None, None, (), clocks)
    shifts = snapshot.shifts
    span = duty_span(shifts, me, now)
    shift_now = current_shift(shifts, me, now)
    current = None
    if span is not None:
        start, end = _utc(span[0]), _utc(span[1])
        first = current_shift(shifts, me, start) or shift_now
        current = None if first is None else _Span(start, end, first)
    after = current.end if current is not None else now
    later = (sh for sh in my_future_shifts(shifts, me, now) if _utc(sh.start) > after)
    upcoming = tuple(_merge_spans(later))
    return _Context(snapshot, now, me, s, current, shift_now, upcoming, clocks)


def _seniority(shift: Shift) -> tuple[int, str]:
    return ROLE_ORDER[shift.role], shift.key


def _merge_spans(shifts: Iterable[Shift]) -> list[_Span]:
    """Merge my shifts into spans (back-to-back or overlapping shifts join), sorted by start."""
    spans: list[_Span] = []
    for shift in sorted(shifts, key=lambda sh: (_utc(sh.start), _seniority(sh))):
        start, end = _utc(shift.start), _utc(shift.end)
        if spans and start <= spans[-1].end:
            last = spans[-1]
            spans[-1] = _Span(last.start, max(last.end, end), last.first)
        else:
            spans.append(_Span(start, end, shift))
    return spans


def _candidates(
    previous: Snapshot | None, trusted: Snapshot | None, ctx: _Context
) -> Iterator[_Candidate]:
    yield from _duty_soon(ctx)
    yield from _duty_started(ctx)
    yield from _duty_ending(ctx)
    yield from _shift_changed(trusted, ctx)
    yield from _new_tickets(ctx)
    yield from _sla_alerts(ctx)
    yield from _source_down(ctx)
    yield from _source_recovered(previous, ctx)


def _paused(settings: AlertSettings, now: datetime) -> bool:
    return settings.paused_until is not None and _utc(settings.paused_until) > now


def _in_quiet_hours(settings: AlertSettings, now: datetime) -> bool:
    quiet = settings.quiet_hours
    return quiet is not None and quiet.contains(local(now, settings.tz).time())


def _snoozed_refs(settings: AlertSettings, now: datetime) -> frozenset[str]:
    return frozenset(ref for ref, until in settings.snoozed if _utc(until) > now)


def _suppressed(candidate: _Candidate, ctx: _Context, quiet: bool, snoozed: frozenset[str]) -> bool:
    ticket = candidate.ticket
    if ticket is not None and ticket.ref in snoozed:
        return True
    if not quiet:
        return False
    # Only ticket rules attach a ticket, so this lets exactly the P1 ticket alerts through.
    p1_ticket = ticket is not None and ticket.priority is Priority.P1
    return not (ctx.settings.quiet_allow_p1 and p1_ticket)


def _order(candidate: _Candidate) -> tuple[int, datetime, str]:
    alert = candidate.alert
    return _URGENCY_RANK[alert.urgency], candidate.since, alert.key


# --- text helpers -----------------------------------------------------------------------


def _clip(text: str, limit: int = TITLE_LIMIT) -> str:
    """Server text on one line, cut to *limit* characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _role_text(shift: Shift) -> str:
    where = f" on {_clip(shift.rotation)}" if shift.rotation.strip() else ""
    return f"{shift.role}{where}"


def _when(instant: datetime, ctx: _Context) -> str:
    return format_instant(instant, ctx.settings.tz, ctx.now)


def _me_id(ctx: _Context) -> str:
    return ctx.me.id if ctx.me is not None else ""


# --- duty rules -------------------------------------------------------------------------


def _leads(settings: AlertSettings) -> list[timedelta]:
    return sorted(set(settings.duty_soon_leads), reverse=True)


def _reminders(
    span: _Span, before: datetime | None, settings: AlertSettings
) -> list[tuple[str, datetime]]:
    """The (name, instant) reminders of an upcoming span, earliest first.

    *before* is the start of my span before this one (None if none): when it starts
    after the evening reminder's instant, that evening already has a duty of mine to
    remind of, and a second evening reminder would only add noise.
    """
    leads = _leads(settings)
    reminders = [(f"lead{int(lead.total_seconds())}", span.start - lead) for lead in leads]
    evening = _evening_before(span.start, settings)
    first_lead = reminders[0][1] if reminders else span.start
    if evening is not None and evening < first_lead and (before is None or before < evening):
        reminders.insert(0, ("evening", evening))
    return reminders


def _upcoming_with_previous_start(ctx: _Context) -> Iterator[tuple[_Span, datetime | None]]:
    """Each upcoming span with the start of my span before it, past ones included.

    All of my spans count, not only those after *now*: the answer must not change as
    time passes, or a reminder could fall due at an instant `next_instant` never named.
    """
    me = ctx.me
    if me is None:
        return
    starts = [
        span.start for span in _merge_spans(s for s in ctx.snapshot.shifts if s.person.id == me.id)
    ]
    for span in ctx.upcoming:
        index = bisect_left(starts, span.start)
        yield span, starts[index - 1] if index > 0 else None


def _evening_before(start: datetime, settings: AlertSettings) -> datetime | None:
    if settings.evening_before is None:
        return None
    starts_at = local(start, settings.tz)
    if starts_at.time() >= _NOON:
        return None
    return _wall_instant(starts_at.date() - timedelta(days=1), settings.evening_before, settings.tz)


def _duty_soon(ctx: _Context) -> Iterator[_Candidate]:
    for span, before in _upcoming_with_previous_start(ctx):
        due = [(name, at) for name, at in _reminders(span, before, ctx.settings) if at <= ctx.now]
        if not due:
            # Spans are sorted, but reminders of a later span can still come first
            # (an evening reminder is earlier than a lead), so keep looking.
            continue
        name, since = due[-1]
        body = (
            f"On duty at {_when(span.start, ctx)} as {_role_text(span.first)}"
            f" (until {_when(span.end, ctx)})"
        )
        alert = Alert(
            key=f"duty_soon|{_me_id(ctx)}|{span.start.isoformat()}|{name}",
            kind=AlertKind.DUTY_SOON,
            title=f"On duty {format_relative(span.start, ctx.now)}",
            body=body,
            subject=span.first.key,
        )
        yield _Candidate(alert, since)


def _duty_started(ctx: _Context) -> Iterator[_Candidate]:
    span = ctx.current
    if span is None:
        return
    shift = ctx.shift_now or span.first
    until = _when(span.end, ctx)
    if shift.role is Role.SHADOW:
        title, body = "Riding along as shadow", f"Riding along as shadow until {until}."
    else:
        title, body = "You are on duty", f"You are on duty as {_role_text(shift)} until {until}."
    alert = Alert(
        key=f"duty_started|{_me_id(ctx)}|{span.start.isoformat()}",
        kind=AlertKind.DUTY_STARTED,
        title=title,
        body=body,
        subject=shift.key,
    )
    yield _Candidate(alert, span.start)


def _duty_ending(ctx: _Context) -> Iterator[_Candidate]:
    span = ctx.current
    lead = ctx.settings.duty_ending_lead
    if span is None or lead <= timedelta(0) or ctx.now < span.end - lead:
        return
    held = urgency_order(
        [t for t in ctx.snapshot.tickets if ctx.mine(t)], ctx.settings.sla, ctx.now
    )
    off = f"Off duty at {format_clock(span.end, ctx.settings.tz)}."
    if not held:
        body = f"{off} You hold no open tickets."
    else:
        keys = ", ".join(_clip(t.key, 40) for t in held[:_ENDING_KEYS_SHOWN])
        more = len(held) - _ENDING_KEYS_SHOWN
        extra = f" and {more} more" if more > 0 else ""
        noun = "ticket" if len(held) == 1 else "tickets"
        body = f"{off} You hold {len(held)} open {noun}: {keys}{extra}."
    alert = Alert(
        key=f"duty_ending|{_me_id(ctx)}|{span.end.isoformat()}",
        kind=AlertKind.DUTY_ENDING,
        title=f"Shift ends {format_relative(span.end, ctx.now)}",
        body=body,
        subject=(ctx.shift_now or span.first).key,
        actions=(AlertAction.HAND_OVER,) if held else (),
    )
    yield _Candidate(alert, max(span.start, span.end - lead))


# --- shift changes ----------------------------------------------------------------------


def _trustworthy(previous: Snapshot, current: Snapshot) -> bool:
    """Both snapshots' rotation data can be compared: same sources, all of them ok."""
    names_before = {s.name for s in previous.sources}
    names_now = {s.name for s in current.sources}
    every = chain(previous.sources, current.sources)
    return names_before == names_now and all(s.ok for s in every)


def _horizon(snapshot: Snapshot) -> datetime | None:
    return max((_utc(s.end) for s in snapshot.shifts), default=None)


def _identity(shift: Shift) -> str:
    return f"{shift.key}|{_utc(shift.end).isoformat()}"


def _compared(snapshot: Snapshot, me: Person, at: datetime, horizon: datetime) -> dict[str, Shift]:
    shifts = my_future_shifts(snapshot.shifts, me, at)
    return {_identity(s): s for s in shifts if _utc(s.start) < horizon}


def _shift_changed(previous: Snapshot | None, ctx: _Context) -> Iterator[_Candidate]:
    current, me = ctx.snapshot, ctx.me
    if previous is None or me is None or not _trustworthy(previous, current):
        return
    horizons = [h for h in (_horizon(previous), _horizon(current)) if h is not None]
    if not horizons:
        return
    at, horizon = _utc(current.taken_at), min(horizons)
    before = _compared(previous, me, at, horizon)
    after = _compared(current, me, at, horizon)
    removed = [before[k] for k in sorted(before.keys() - after.keys())]
    added = [after[k] for k in sorted(after.keys() - before.keys())]
    if not removed and not added:
        return
    changed = sorted([f"-{_identity(s)}" for s in removed] + [f"+{_identity(s)}" for s in added])
    digest = hashlib.sha256("\n".join(changed).encode()).hexdigest()[:16]
    lines = _change_lines(removed, added, ctx)
    shown = lines[:_CHANGES_SHOWN]
    if len(lines) > _CHANGES_SHOWN:
        shown.append(f"and {len(lines) - _CHANGES_SHOWN} more")
    alert = Alert(
        key=f"shift_changed|{me.id}|{digest}",
        kind=AlertKind.SHIFT_CHANGED,
        title="Your shifts changed",
        body="\n".join(shown),
        subject=(removed + added)[0].key,
    )
    yield _Candidate(alert, at)


def _shift_text(shift: Shift, ctx: _Context) -> str:
    return f"{_when(shift.start, ctx)} to {_when(shift.end, ctx)}"


def _change_lines(removed: Sequence[Shift], added: Sequence[Shift], ctx: _Context) -> list[str]:
    """One line per change; a removed and an added shift of the same role read as a move."""
    by_start = sorted(added, key=lambda s: _utc(s.start))
    unmatched = list(by_start)
    lines: list[str] = []
    for old in sorted(removed, key=lambda s: _utc(s.start)):
        new = next((s for s in unmatched if s.role is old.role), None)
        if new is None:
            lines.append(f"Removed: {_role_text(old)} {_shift_text(old, ctx)}")
            continue
        unmatched.remove(new)
        moved = f"{_shift_text(old, ctx)} → {_shift_text(new, ctx)}"
        lines.append(f"Moved: {_role_text(old)} {moved}")
    lines.extend(f"Added: {_role_text(s)} {_shift_text(s, ctx)}" for s in unmatched)
    return lines


# --- ticket rules -----------------------------------------------------------------------


def _ticket_urgency(ticket: Ticket) -> Urgency:
    return Urgency.CRITICAL if ticket.priority is Priority.P1 else Urgency.NORMAL


def _ticket_head(ticket: Ticket) -> str:
    return f"{ticket.priority.label} {_clip(ticket.key, 40)}"


def _new_tickets(ctx: _Context) -> Iterator[_Candidate]:
    off_duty_p1 = ctx.settings.new_ticket_off_duty_p1
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        if ticket.acknowledged:
            continue
        if not ctx.on_duty and not (off_duty_p1 and ticket.priority is Priority.P1):
            continue
        key = f"new_ticket|{ticket.ref}"
        if key in ctx.fired:
            continue  # checked before the text is made: most tickets were seen before
        body = _clip(ticket.title)
        if clock is not None:
            due = clock.breach_at
            state = "due" if due > ctx.now else "breached"
            body += f"\nSLA {state} {format_relative(due, ctx.now)} ({_when(due, ctx)})."
        alert = Alert(
            key=key,
            kind=AlertKind.NEW_TICKET,
            title=f"New {_ticket_head(ticket)}",
            body=body,
            urgency=_ticket_urgency(ticket),
            subject=ticket.ref,
            actions=_TICKET_ACTIONS,
        )
        yield _Candidate(alert, _utc(ticket.created_at), ticket)


def concerns_me(ticket: Ticket, me: Person | None, on_duty: bool, settings: AlertSettings) -> bool:
    """True when *ticket*'s SLA is mine to watch: it is assigned to me, I am on duty, or it
    is a P1 and P1s reach me off duty. The tray icon uses the same rule as the alerts."""
    if on_duty or (me is not None and ticket.assignee is not None and ticket.assignee.id == me.id):
        return True
    return settings.new_ticket_off_duty_p1 and ticket.priority is Priority.P1


def _audience(ticket: Ticket, ctx: _Context) -> bool:
    """True when an SLA alert about *ticket* concerns me."""
    return concerns_me(ticket, ctx.me, ctx.on_duty, ctx.settings)


def _repeat(ticket: Ticket, settings: AlertSettings) -> timedelta | None:
    """How often *ticket*'s breach repeats: an unacknowledged P1 only; None = once."""
    if ticket.priority is not Priority.P1 or ticket.acknowledged:
        return None
    return settings.breach_repeat_p1


def _sla_alerts(ctx: _Context) -> Iterator[_Candidate]:
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        if clock is None or not _audience(ticket, ctx):
            continue
        state = clock.state(ctx.now)
        if state is SlaState.WARNING:
            yield from _sla_warning(ticket, clock, ctx)
        elif state is SlaState.BREACHED:
            yield from _sla_breached(ticket, clock, ctx)


def _sla_actions(ticket: Ticket) -> tuple[AlertAction, ...]:
    # Offering to acknowledge an acknowledged ticket (a running resolution SLA) is noise.
    return (AlertAction.SNOOZE, AlertAction.OPEN) if ticket.acknowledged else _TICKET_ACTIONS


def _sla_warning(ticket: Ticket, clock: SlaClock, ctx: _Context) -> Iterator[_Candidate]:
    kind, due = clock.kind, clock.breach_at
    key = f"sla_warning|{ticket.ref}|{kind}|{due.isoformat()}"
    if key in ctx.fired:
        return
    alert = Alert(
        key=key,
        kind=AlertKind.SLA_WARNING,
        title=f"{_ticket_head(ticket)}: {kind} SLA due {format_relative(due, ctx.now)}",
        body=f"{_clip(ticket.title)}\nDue at {_when(due, ctx)}.",
        urgency=_ticket_urgency(ticket),
        subject=ticket.ref,
        actions=_sla_actions(ticket),
    )
    yield _Candidate(alert, clock.warn_at, ticket)


def _sla_breached(ticket: Ticket, clock: SlaClock, ctx: _Context) -> Iterator[_Candidate]:
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
        body=f"{_clip(ticket.title)}\nWas due at {_when(due, ctx)} ({ago}).",
        urgency=Urgency.CRITICAL,
        subject=ticket.ref,
        actions=_sla_actions(ticket),
    )
    yield _Candidate(alert, due + index * (repeat or timedelta(0)), ticket)


# --- source rules -----------------------------------------------------------------------


def _down(status: SourceStatus, settings: AlertSettings) -> bool:
    return status.failures >= settings.source_down_after


def _outage(status: SourceStatus) -> str:
    return status.last_ok_at.astimezone(UTC).isoformat() if status.last_ok_at else "never"


def _source_down(ctx: _Context) -> Iterator[_Candidate]:
    for status in ctx.snapshot.sources:
        if not _down(status, ctx.settings):
            continue
        error = _clip(status.error) if status.error.strip() else "it did not answer"
        if status.last_ok_at is None:
            shown = "No data from it yet."
        else:
            shown = f"Showing data from {_when(status.last_ok_at, ctx)}."
        alert = Alert(
            key=f"source_down|{status.name}|{_outage(status)}",
            kind=AlertKind.SOURCE_DOWN,
            title=f"Can't reach {_clip(status.name, 60)}",
            body=f"{status.failures} failed fetches in a row: {error}\n{shown}",
            subject=status.name,
        )
        yield _Candidate(alert, ctx.now)


def _source_recovered(previous: Snapshot | None, ctx: _Context) -> Iterator[_Candidate]:
    if previous is None:
        return
    was_down = {s.name: s for s in previous.sources if _down(s, ctx.settings)}
    for status in ctx.snapshot.sources:
        before = was_down.get(status.name)
        if before is None or not status.ok:
            continue
        alert = Alert(
            key=f"source_recovered|{status.name}|{_outage(before)}",
            kind=AlertKind.SOURCE_RECOVERED,
            title=f"{_clip(status.name, 60)} is back",
            body="Fetching works again; the data is up to date.",
            urgency=Urgency.LOW,
            subject=status.name,
        )
        yield _Candidate(alert, ctx.now)


# --- next instant -----------------------------------------------------------------------


def _duty_instants(ctx: _Context) -> Iterator[datetime]:
    lead = ctx.settings.duty_ending_lead
    spans = ([ctx.current] if ctx.current is not None else []) + list(ctx.upcoming)
    for span in spans:
        if lead > timedelta(0):
            yield max(span.start, span.end - lead)
    for span, before in _upcoming_with_previous_start(ctx):
        yield span.start
        yield from (at for _, at in _reminders(span, before, ctx.settings))


def _ticket_instants(ctx: _Context) -> Iterator[datetime]:
    for ticket, clock in zip(ctx.snapshot.tickets, ctx.clocks, strict=True):
        if clock is None:
            continue
        due = clock.breach_at
        yield clock.warn_at
        yield due
        repeat = _repeat(ticket, ctx.settings)
        if repeat is not None and due <= ctx.now:
            yield due + ((ctx.now - due) // repeat + 1) * repeat


def _suppression_ends(ctx: _Context) -> Iterator[datetime]:
    settings = ctx.settings
    yield from (_utc(until) for _, until in settings.snoozed)
    if settings.quiet_hours is not None and _in_quiet_hours(settings, ctx.now):
        yield _quiet_end(settings.quiet_hours, ctx.now, settings.tz)


# --- wall-clock maths -------------------------------------------------------------------


def _wall_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant the wall clock in *tz* reads *day* *at* (the first, if it reads it twice).

    In a DST gap the wall clock skips *at*; the result is then the instant of the skip.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    readable = [u for u in (first, second) if _wall(u, tz) == naive]
    if readable:
        return min(readable)
    return _first_wall_at_least(min(first, second), max(first, second), naive, tz)


def _wall(instant: datetime, tz: tzinfo) -> datetime:
    return local(instant, tz).replace(tzinfo=None)


def _first_wall_at_least(lo: datetime, hi: datetime, naive: datetime, tz: tzinfo) -> datetime:
    # Bisect to the microsecond: the wall clock is monotonic across a spring-forward gap.
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if _wall(mid, tz) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def _quiet_end(quiet: QuietHours, now: datetime, tz: tzinfo) -> datetime:
    """The first instant after *now* when the wall clock leaves the quiet hours (or may)."""
    today = local(now, tz).date()
    naive_end = quiet.end.replace(tzinfo=None)
    candidates = []
    for offset in (-1, 0, 1, 2):
        naive = datetime.combine(today + timedelta(days=offset), naive_end)
        for fold in (0, 1):
            candidates.append(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC))
    end = min(at for at in candidates if at > now)
    # A DST change in between can move the wall clock out of the quiet hours early (a gap
    # skipping the end, or a fall back before the start); waking at the change is safe.
    change = _offset_change(now, end, tz)
    return end if change is None else min(end, change)


def _offset_change(start: datetime, end: datetime, tz: tzinfo) -> datetime | None:
    """The first instant in (start, end] where *tz*'s UTC offset differs from at *start*."""
    offset = local(start, tz).utcoffset()
    if local(end, tz).utcoffset() == offset:
        return None
    lo, hi = start, end
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if local(mid, tz).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return hi
