"""The demo team's tickets as it keeps them, and everything it says in the wire shapes of
docs/team-api.md: people, shifts and tickets as JSON (plus the extra fields
``acknowledged_by`` and ``notes``), paging cursors, and `DemoError` with the status the
contract gives for a refusal. `scenario` plays the team; this says how it answers.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime

from traysupport.core.model import Person, Priority, Shift, TicketStatus

JsonObject = dict[str, object]
"""A JSON object as it goes on the wire."""


class DemoError(Exception):
    """A request the demo team refuses, with the HTTP status the contract gives for it."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")


@dataclass(slots=True)
class DemoNote:
    """A note kept on a ticket (a hand over's)."""

    by: str
    at: datetime
    text: str


@dataclass(slots=True)
class DemoTicket:
    """A demo ticket as the team keeps it, open or closed."""

    id: str
    title: str
    priority: Priority
    created_offset: float
    created_at: datetime
    status: TicketStatus = TicketStatus.NEW
    assignee_id: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    sla_due_at: datetime | None = None
    closed_at: datetime | None = None
    notes: list[DemoNote] = field(default_factory=list)


def iso(instant: datetime) -> str:
    """*instant* as ISO 8601 in UTC with a "Z"."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def person_json(person: Person) -> JsonObject:
    """GET /people's shape for *person*."""
    return {"id": person.id, "name": person.name, "email": person.email}


def shift_json(shift: Shift) -> JsonObject:
    """GET /shifts' shape for *shift*."""
    return {
        "person_id": shift.person.id,
        "start": iso(shift.start),
        "end": iso(shift.end),
        "role": str(shift.role),
        "rotation": shift.rotation,
        "out_of_hours": shift.out_of_hours,
    }


def encode_cursor(after_id: str) -> str:
    """The opaque paging cursor for "tickets after *after_id*"."""
    return base64.urlsafe_b64encode(f"after:{after_id}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> int:
    """The ticket id a cursor points after; DemoError 400 for anything not ours."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        kind, _, after = text.partition(":")
        if kind == "after" and after.isdigit():
            return int(after)
    except (UnicodeError, binascii.Error, ValueError):
        pass
    raise DemoError(400, "unknown cursor; list the tickets again without one")


def ticket_json(ticket: DemoTicket, site_url: str) -> JsonObject:
    """GET /tickets/{id}'s shape for *ticket*, its page under *site_url*."""
    sla = None
    # A response deadline is met by the acknowledgement, as in a real tool; the app
    # keeps any deadline the tool still gives running.
    if ticket.sla_due_at is not None and ticket.acknowledged_at is None:
        sla = {"due_at": iso(ticket.sla_due_at), "kind": "response", "paused": False}
    acknowledged = None if ticket.acknowledged_at is None else iso(ticket.acknowledged_at)
    return {
        "id": ticket.id,
        "key": f"DEMO-{ticket.id}",
        "title": ticket.title,
        "priority": ticket.priority.label,
        "status": str(ticket.status),
        "created_at": iso(ticket.created_at),
        "url": f"{site_url}/ticket/{ticket.id}",
        "assignee_id": ticket.assignee_id,
        "acknowledged_at": acknowledged,
        "acknowledged_by": ticket.acknowledged_by,
        "sla": sla,
        "notes": [{"by": n.by, "at": iso(n.at), "text": n.text} for n in ticket.notes],
    }
