"""The queue's rows, worked out once per state: what each ticket shows that does not
depend on the time, in urgency order, and the texts of its time-dependent cells.

Pure functions of the state (no Qt): the service's home thread builds the rows of a new
state (`build_rows`, `change_marks`) so the GUI thread only resets the model with them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from traysupport.core.model import ActionKind, Ticket, TicketStatus
from traysupport.core.sla import SlaClock, running_clock
from traysupport.core.timefmt import format_duration, format_instant
from traysupport.service import ServiceState
from traysupport.sources.parse import clean_text
from traysupport.store import OutboxEntry, OutboxState

STATUS_TEXT = {
    TicketStatus.NEW: "New",
    TicketStatus.ACKNOWLEDGED: "Acknowledged",
    TicketStatus.IN_PROGRESS: "In progress",
    TicketStatus.WAITING: "Waiting",
}
PENDING_TEXT = {
    ActionKind.ACKNOWLEDGE: "Acknowledging…",
    ActionKind.HAND_OVER: "Handing over…",
    ActionKind.SILENCE: "Silencing…",
}
ACTION_NAME = {
    ActionKind.ACKNOWLEDGE: "Acknowledge",
    ActionKind.HAND_OVER: "Hand over",
    ActionKind.SILENCE: "Silence",
}


class Row(NamedTuple):
    """Everything a row shows that does not depend on the time."""

    ticket: Ticket
    priority: str
    key: str
    title: str
    assignee: str
    assignee_id: str | None
    clock: SlaClock | None
    entry: OutboxEntry | None
    snoozed_until: datetime | None
    origin: str = ""
    """The Key cell's tooltip: which source (and provider) the ticket comes from."""


def _pick_entry(current: OutboxEntry | None, new: OutboxEntry) -> OutboxEntry:
    """Which of two actions on one ticket to show: a failure (the user must act), else the later."""
    if current is None:
        return new
    if (current.state is OutboxState.FAILED) != (new.state is OutboxState.FAILED):
        return current if current.state is OutboxState.FAILED else new
    return new


def _entries_by_ticket(state: ServiceState) -> dict[tuple[str, str], OutboxEntry]:
    """The action to show per (source, ticket id): `pending_for`, for all tickets in one pass."""
    shown: dict[tuple[str, str], OutboxEntry] = {}
    for entry in state.outbox:
        if entry.action.kind is ActionKind.SNOOZE:
            continue  # local only; shown through the snooze itself
        where = (entry.action.source, entry.action.ticket_id)
        shown[where] = _pick_entry(shown.get(where), entry)
    return shown


_NO_DEADLINE = datetime(1970, 1, 1, tzinfo=UTC)


def _order_key(row: Row) -> tuple[bool, datetime, int, datetime, str]:
    """`core.sla.urgency_order`'s key, from the clock computed once per row.

    Ordering by the deadline is ordering by time left at any `now`, so the order does
    not change as time passes and `tick` never has to move rows.
    """
    ticket, clock = row.ticket, row.clock
    # Any constant will do without a clock: the flag before it already sets those apart.
    due = _NO_DEADLINE if clock is None else clock.breach_at
    return (clock is None, due, ticket.priority.value, ticket.created_at, ticket.ref)


Rows = list[Row]
"""What `build_rows` makes, and `QueueModel.set_state` may be handed ready-made."""
ChangeMarks = tuple[list[datetime], list[int]]
"""What `change_marks` makes: instants in order, and the row that changes at each."""


_NAME_CHARS = 40


def source_labels(state: ServiceState) -> tuple[bool, dict[str, str]]:
    """Whether the listed tickets come from more than one source, and per source name the
    Key cell's tooltip ("From source alpha (jira)"). Names come from the config, but are
    cleaned like server text all the same: they end up in cells and tooltips."""
    providers = {s.name: s.provider for s in state.snapshot.sources}
    names = {t.source for t in state.snapshot.tickets}
    tips = {}
    for name in names:
        provider = clean_text(providers.get(name, ""), _NAME_CHARS)
        shown = clean_text(name, _NAME_CHARS) or "?"
        tips[name] = f"From source {shown}" + (f" ({provider})" if provider else "")
    return len(names) > 1, tips


def key_text(key: str, source: str, several: bool) -> str:
    """The Key cell: the ticket's key, prefixed by its source's name ("alpha:DEMO-1004")
    when tickets from several sources are listed, so equal keys can be told apart (a
    prefix rather than a second line or a colour: it is read out and searched as text)."""
    if not several:
        return key
    return f"{clean_text(source, _NAME_CHARS) or '?'}:{key}"


def build_rows(state: ServiceState, now: datetime) -> Rows:
    """One row per ticket, most urgent first (pure: any thread may build them)."""
    policy = state.settings.sla
    several, tips = source_labels(state)
    entries = _entries_by_ticket(state)
    snoozes = {ref: until for ref, until in state.settings.snoozed if until > now}
    me_id = None if state.me is None else state.me.id
    rows = []
    for t in state.snapshot.tickets:
        who = t.assignee
        rows.append(
            Row(
                t,
                t.priority.label,
                key_text(t.key, t.source, several),
                t.title,
                "" if who is None else "You" if who.id == me_id else who.name,
                None if who is None else who.id,
                running_clock(t, policy),
                entries.get((t.source, t.id)),
                snoozes.get(t.ref),
                tips[t.source],
            )
        )
    rows.sort(key=_order_key)
    return rows


def change_marks(rows: Rows) -> ChangeMarks:
    """When each row's look changes (a warning, a breach, a snooze's end), in time order,
    with the row's index: what `QueueModel.tick` repaints. Pure: any thread may make it."""
    marks = sorted(
        (instant, i)
        for i, r in enumerate(rows)
        for instant in (
            *((r.clock.warn_at, r.clock.breach_at) if r.clock else ()),
            *((r.snoozed_until,) if r.snoozed_until else ()),
        )
    )
    return [m[0] for m in marks], [m[1] for m in marks]


def sla_text(clock: SlaClock | None, now: datetime) -> str:
    """The countdown: "12 min", "breached 3 min ago", or "—" without a running SLA."""
    if clock is None:
        return "—"
    left = clock.breach_at - now
    if left > timedelta(0):
        return format_duration(left)
    if -left < timedelta(seconds=1):
        return "breached just now"
    return f"breached {format_duration(-left)} ago"


def age_text(created_at: datetime, now: datetime) -> str:
    """A ticket's age in its largest unit: "<1 min", "12 min", "3 h", "2 d"."""
    age = now - created_at
    if age < timedelta(minutes=1):
        return "<1 min"
    return " ".join(format_duration(age).split()[:2])


def state_text(row: Row, now: datetime) -> str:
    """The State column: the action in flight or failed, a snooze, else the ticket's status."""
    entry = row.entry
    if entry is not None:
        if entry.state is OutboxState.FAILED:
            return f"Failed: {entry.last_error or 'refused'} — Retry"
        return PENDING_TEXT.get(entry.action.kind, "Sending…")
    if row.snoozed_until is not None and row.snoozed_until > now:
        return "Snoozed"
    return STATUS_TEXT.get(row.ticket.status, str(row.ticket.status))


def entry_tip(entry: OutboxEntry, tz: Any, now: datetime) -> str:
    """What the user needs to know about an unconfirmed action, for its tooltip."""
    what = ACTION_NAME.get(entry.action.kind, "Action")
    if entry.state is OutboxState.FAILED:
        return f"{what} failed: {entry.last_error}\nSelect the ticket and press Retry (Ctrl+R)."
    if entry.last_error:
        again = format_instant(entry.next_attempt_at, tz, now)
        return f"{what}: the last try failed ({entry.last_error}); trying again at {again}."
    return f"{what}: waiting for the ticket tool to confirm."
