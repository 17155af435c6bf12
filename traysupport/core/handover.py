"""End-of-shift handover: which tickets I pass on, to whom, and the note the ticket tool gets.

The recipient defaults to whoever is next on duty when my duty ends
(`duty.Duty.on_next`); the UI lets the user pick someone else. The note is plain text,
bounded in length so no ticket tool rejects it for size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from traysupport.core.duty import duty
from traysupport.core.model import Person, Snapshot, Ticket
from traysupport.core.sla import SlaPolicy, urgency_order
from traysupport.core.timefmt import format_instant, format_utc_offset

NOTE_LIMIT = 4000
"""The longest handover text written to a ticket tool, in characters."""


@dataclass(frozen=True, slots=True)
class HandoverPlan:
    """What a handover would contain: my open tickets, most urgent first, and who gets them."""

    giver: Person
    recipient: Person | None
    tickets: tuple[Ticket, ...]


def plan_handover(snapshot: Snapshot, me: Person, now: datetime, policy: SlaPolicy) -> HandoverPlan:
    """The handover of my open tickets to the default recipient (None if nobody is next)."""
    mine = [t for t in snapshot.tickets if t.assignee is not None and t.assignee.id == me.id]
    return HandoverPlan(
        giver=me,
        recipient=duty(snapshot.shifts, me, now).on_next,
        tickets=tuple(urgency_order(mine, policy, now)),
    )


def handover_note(giver: Person, recipient: Person, note: str, now: datetime, tz: tzinfo) -> str:
    """The text written to the ticket tool: "Handed over by Alice to Bob at Mon 17:00 UTC+01:00: …".

    The user's note is trimmed; an empty one leaves just the first part. The whole text is
    at most `NOTE_LIMIT` characters, the note cut with an ellipsis when it would exceed it.
    """
    when = f"{format_instant(now, tz)} {format_utc_offset(now, tz)}"
    head = f"Handed over by {_name(giver)} to {_name(recipient)} at {when}"
    # Windows line ends from a text box would show as doubled lines in some tools.
    text = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return head[:NOTE_LIMIT]
    full = f"{head}: {text}"
    if len(full) <= NOTE_LIMIT:
        return full
    return full[: NOTE_LIMIT - 1].rstrip() + "…"


def _name(person: Person) -> str:
    # Names come from servers; a newline in one would break the one-line header.
    return " ".join(person.name.split()) or person.id
