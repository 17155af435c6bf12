"""What `traysupport status` prints: the state as one JSON-able object, or as text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from traysupport.core.duty import Duty, duty
from traysupport.core.model import (
    ActionKind,
    Person,
    Shift,
    SourceStatus,
    Ticket,
    is_open_end,
    is_open_start,
)
from traysupport.core.sla import SlaPolicy, breach_at, sla_state, time_left, urgency_order
from traysupport.core.timefmt import format_duration, format_instant
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat().replace("+00:00", "Z")


def _shift_dict(shift: Shift | None) -> dict[str, Any] | None:
    if shift is None:
        return None
    return {"start": _iso(shift.start), "end": _iso(shift.end), "role": str(shift.role)}


def _person_dict(person: Person | None) -> dict[str, str] | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "email": person.email}


def _ticket_dict(ticket: Ticket, policy: SlaPolicy, now: datetime) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "key": ticket.key,
        "title": ticket.title,
        "priority": ticket.priority.label,
        "status": str(ticket.status),
        "assignee": ticket.assignee.name if ticket.assignee else None,
        "assignee_id": ticket.assignee.id if ticket.assignee else None,
        "url": ticket.url,
        "sla_due": _iso(breach_at(ticket, policy)),
        "sla_state": "paused" if _paused(ticket) else str(sla_state(ticket, policy, now)),
        "source": ticket.source,
        "ref": f"{ticket.source}:{ticket.key}",
    }


def status_dict(
    state: ServiceState, now: datetime, demo: bool, duty_at: datetime | None = None
) -> dict[str, Any]:
    """The state as the `status --json` object (documented in the README): the duty
    fields at *duty_at* (`status --at`, else now), the queue and sources as of *now*."""
    snapshot, me, policy = state.snapshot, state.me, state.settings.sla
    status = duty(snapshot.shifts, me, duty_at or now)
    return {
        "demo": demo,
        "at": _iso(now),
        "duty_at": _iso(status.now),
        "me": _person_dict(me),
        "on_duty": status.on_duty,
        "shift": _shift_dict(status.shift),
        "next_shift": _shift_dict(status.next_shift),
        "on_call_now": [
            {"name": s.person.name, "id": s.person.id, "role": str(s.role), "until": _iso(s.end)}
            for s in status.on_now
        ],
        "tickets": [
            _ticket_dict(t, policy, now) for t in urgency_order(snapshot.tickets, policy, now)
        ],
        "pending_actions": [
            {
                "id": e.action.id,
                "kind": str(e.action.kind),
                "source": e.action.source,
                "ticket_id": e.action.ticket_id,
                "state": str(e.state),
                "error": e.last_error,
            }
            for e in state.outbox
        ],
        "sources": [
            {
                "name": s.name,
                "provider": s.provider,
                "roles": list(s.roles),
                "ok": s.ok,
                "stale": s.stale,
                "error": s.error,
                "last_ok_at": _iso(s.last_ok_at),
            }
            for s in snapshot.sources
        ],
    }


KEY_COLUMN_MAX = 30
"""The widest the queue's key column grows; a longer key is clipped."""


def status_text(
    state: ServiceState,
    now: datetime,
    tz: tzinfo,
    demo: bool,
    duty_at: datetime | None = None,
    *,
    confirmed: Sequence[OutboxEntry] = (),
) -> str:
    """The state as a few lines for a terminal; the duty lines at *duty_at* if given.

    *confirmed* are the actions the tools confirmed (kept a while): a failed action a
    later confirmed one of its kind on its ticket made moot leaves the ticket's row, and
    is listed under "Not sent:" instead, where the user may still retry or dismiss it.
    """
    lines = (
        ["traysupport — demo team (no config found; see README to set up your team)"]
        if demo
        else []
    )
    lines += _freshness_lines(state, now, tz)
    lines += _duty_lines(state, now, tz, duty_at)
    moot = superseded(state.outbox, confirmed)
    lines += _queue_lines(state, now, moot)
    lines += _unsent_lines(state, moot)
    lines.append("Sources: " + " · ".join(_source_text(s, now) for s in state.snapshot.sources))
    return "\n".join(lines)


def superseded(
    entries: Sequence[OutboxEntry], confirmed: Sequence[OutboxEntry]
) -> dict[str, OutboxEntry]:
    """Failed *entries* by id, each with the *confirmed* action that made it moot: one of
    the same kind on the same ticket, made later (an acknowledge that went through after
    a refused one; a hand-over to someone else after a refused one)."""
    latest: dict[tuple[str, str, str], OutboxEntry] = {}
    for done in confirmed:
        a = done.action
        mark = (a.kind, a.source, a.ticket_id)
        if mark not in latest or latest[mark].action.created_at < a.created_at:
            latest[mark] = done
    found = {}
    for entry in entries:
        a = entry.action
        later = latest.get((a.kind, a.source, a.ticket_id))
        if entry.state is OutboxState.FAILED and later and later.action.created_at > a.created_at:
            found[entry.id] = later
    return found


def _unsent_lines(state: ServiceState, moot: dict[str, OutboxEntry]) -> list[str]:
    """Failed actions the queue's rows do not show: on tickets the queue no longer lists
    (a removed source, a closed ticket), and those a later confirmed action made moot
    (said so). The user decides: `traysupport retry` or `dismiss` with the ticket."""
    listed = {t.ref for t in state.snapshot.tickets}
    lines = []
    for entry in state.outbox:
        action = entry.action
        ref = f"{action.source}:{action.ticket_id}"
        if entry.state is not OutboxState.FAILED or (ref in listed and entry.id not in moot):
            continue
        line = f"  {action.kind} {ref} — {_one_line(entry.last_error, 160)}"
        if entry.id in moot:
            line += f" (a later {action.kind} was confirmed)"
        lines.append(line)
    return ["Not sent:", *lines] if lines else []


def _source_text(status: SourceStatus, now: datetime) -> str:
    """One source's health: ok, or stale with how old its data is and why."""
    if status.ok:
        return f"{status.name} ok"
    seen = status.last_ok_at
    age = "" if seen is None else f", data {format_duration(now - seen)} old"
    return f"{status.name} STALE ({status.error}{age})"


def _freshness_lines(state: ServiceState, now: datetime, tz: tzinfo) -> list[str]:
    """A warning first when no source answered: what follows is old data, or none."""
    sources = state.snapshot.sources
    if not sources or any(s.ok for s in sources):
        return []
    saved = [s.last_ok_at for s in sources if s.last_ok_at is not None]
    if not saved:
        return ["No source answered, and there is no saved data to show (see Sources below)."]
    oldest = min(saved)
    return [
        f"No source answered: showing saved data from {format_instant(oldest, tz, now)}"
        f" ({format_duration(now - oldest)} old)."
    ]


def _duty_lines(
    state: ServiceState, now: datetime, tz: tzinfo, at: datetime | None = None
) -> list[str]:
    me = state.me
    status = duty(state.snapshot.shifts, me, now if at is None else at)
    lines = []
    if at is not None:
        lines.append(
            f"Duty at {format_instant(at, tz, now)} (asked with --at; the queue below is now):"
        )
    if me is None and not state.snapshot.people:
        # Nothing to look for the user in: say so, rather than that they are missing.
        lines.append("You: not known yet (no data from the rotation)")
    elif me is None:
        lines.append("You: not found on the team (set `me` in the config to your id or email)")
    else:
        lines += _my_duty_lines(me, status, tz, now)
    who = ", ".join(_on_now_texts(status.on_now, tz, now))
    lines.append(f"On duty {'now' if at is None else 'then'}: {who or 'nobody'}")
    return lines


def _on_now_texts(on_now: tuple[Shift, ...], tz: tzinfo, now: datetime) -> list[str]:
    """Each shift on: name (role, until when). A person on twice in one role (a day turn
    and a night cover) gets each rotation's name, so the two read as two, not a repeat."""
    seen: dict[tuple[str, str], int] = {}
    for s in on_now:
        seen[(s.person.id, s.role)] = seen.get((s.person.id, s.role), 0) + 1
    texts = []
    for s in on_now:
        rotation = _one_line(s.rotation, 40) if seen[(s.person.id, s.role)] > 1 else ""
        parts = [str(s.role), rotation, _until(s, tz, now)]
        texts.append(f"{s.person.name} ({', '.join(p for p in parts if p)})")
    return list(dict.fromkeys(texts))  # the same rotation read twice: said once


def _until(shift: Shift, tz: tzinfo, now: datetime) -> str:
    """When *shift* ends, said for a person: a permanent on-call has no date to show."""
    if not is_open_end(shift.end):
        return f"until {format_instant(shift.end, tz, now)}"
    return "always on call" if is_open_start(shift.start) else "no end"


def _my_duty_lines(me: Person, status: Duty, tz: tzinfo, now: datetime) -> list[str]:
    """My duty and next shift, with the role and "none scheduled" as the tray menu says them.

    Lengths count from the duty's instant (`status --at`'s, else now), said "then" if not now.
    """
    until, nxt, at = status.until, status.next_shift, status.now
    then = "" if at == now else " then"
    if until is None:
        lines = [f"You ({me.name}): off duty{then}"]
    elif is_open_end(until):
        shift = status.shift
        forever = shift is not None and is_open_start(shift.start)
        always = "always on call" if forever else "no end scheduled"
        lines = [f"You ({me.name}): ON DUTY{then} as {status.role}, {always}"]
    else:
        lines = [
            f"You ({me.name}): ON DUTY{then} as {status.role} until "
            f"{format_instant(until, tz, now)} ({format_duration(until - at)} left{then})"
        ]
    if nxt is None:
        return [*lines, "Your next shift: none scheduled"]
    gap = format_duration(nxt.start - at)
    later = f"in {gap}" if at == now else f"{gap} after then"
    return [
        *lines,
        f"Your next shift: {format_instant(nxt.start, tz, now)} → "
        f"{'no end' if is_open_end(nxt.end) else format_instant(nxt.end, tz, now)}"
        f" as {nxt.role} ({later})",
    ]


def _queue_lines(state: ServiceState, now: datetime, moot: dict[str, OutboxEntry]) -> list[str]:
    policy = state.settings.sla
    tickets = urgency_order(state.snapshot.tickets, policy, now)
    lines = [f"Queue: {len(tickets)} open"]
    stale = {s.name for s in state.snapshot.sources if not s.ok}
    # With several queues a key alone may not say where a ticket lives (or be unique).
    several = len({t.source for t in tickets}) > 1
    keys = [_one_line(f"{t.source}:{t.key}" if several else t.key, KEY_COLUMN_MAX) for t in tickets]
    # As wide as the longest key shown (12 at least, as before), so the columns line up.
    width = max([12, *map(len, keys)])
    for t, key in zip(tickets, keys, strict=True):
        left = time_left(t, policy, now)
        sla_text = (
            ("SLA paused" if _paused(t) else "no SLA")
            if left is None
            else (
                f"breached {format_duration(-left)} ago"
                if left.total_seconds() <= 0
                else f"SLA in {format_duration(left)}"
            )
        )
        who = t.assignee.name if t.assignee else "unassigned"
        pending = _action_mark(tuple(e for e in state.pending_for(t) if e.id not in moot))
        pending += " [stale]" if t.source in stale else ""
        lines.append(
            f"  {t.priority.label}  {key:<{width}} {sla_text:<22} {who:<20} "
            f"{_one_line(t.title)}{pending}"
        )
    return lines


def _paused(ticket: Ticket) -> bool:
    """The tool says the ticket's SLA clock is paused (no countdown to show)."""
    return ticket.sla is not None and ticket.sla.paused


def _action_mark(entries: tuple[OutboxEntry, ...]) -> str:
    """A queued ticket's actions: a refusal with the tool's words (the user must act),
    else "[pending]" while one is still to be sent."""
    failed = [e for e in entries if e.state is OutboxState.FAILED]
    if failed:
        return f" [failed: {_one_line(failed[-1].last_error or 'refused', 160)}]"
    if any(e.action.kind is ActionKind.SILENCE for e in entries):
        return " [pending silence]"  # it leaves the queue once the tool confirms
    return " [pending]" if entries else ""


def _one_line(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
