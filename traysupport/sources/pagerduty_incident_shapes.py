"""Read PagerDuty incidents, their states and notes (provider-apis.md §1, §10 quirks).

An open incident (triggered, acknowledged) becomes a `Ticket`: its key is the incident
number PagerDuty shows, its url the web page, its assignee the first assignment's (a
full user with ``include[]=assignees``), its priority the account priority's rank when
the account has priorities, else its urgency's (configurable, default high P1, low P3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from traysupport.core.model import Priority, Ticket, TicketStatus
from traysupport.sources.pagerduty_oncalls import ID_CHARS, parse_user
from traysupport.sources.parse import JsonObject
from traysupport.sources.priority_table import PriorityTable as _Table

TITLE_CHARS = 500
NOTE_CHARS = 65536
OPEN = {"triggered": TicketStatus.NEW, "acknowledged": TicketStatus.ACKNOWLEDGED}
"""§1 "Open incidents": the statuses of an open incident; resolved ones leave the queue."""
DEFAULT_URGENCIES = (("high", "P1"), ("low", "P3"))


UrgencyTable = partial(
    _Table,
    "urgency",
    '{ high = "P1", low = "P3" }',
    known=("high", "low"),
    defaults=DEFAULT_URGENCIES,
    label="table of urgency (high, low) = P1..P4",
)
"""PagerDuty urgency → P1..P4, e.g. ``{ low = "P4" }``; the other keeps its default."""
urgency_map = UrgencyTable().mapping


@dataclass(frozen=True, slots=True)
class Reading:
    """What reading an incident needs besides the item."""

    source: str
    ranks: Mapping[str, Priority]
    """Priority id → P1..P4 by the account's order; empty without priorities."""
    urgencies: Mapping[str, Priority]


def parse_incident(value: object, path: str, reading: Reading) -> Ticket | None:
    """An open incident as a Ticket; None for one no longer open (resolved)."""
    item = JsonObject.of(value, reading.source, path)
    status = OPEN.get(item.require_str("status", max_chars=32))
    if status is None:
        return None
    incident_id = item.require_str("id", max_chars=ID_CHARS)
    number = item.raw("incident_number")
    counted = isinstance(number, int) and not isinstance(number, bool) and number > 0
    assignments = item.raw("assignments")
    first = assignments[0] if isinstance(assignments, list) and assignments else None
    assignee = None
    if first is not None:
        assignment = JsonObject.of(first, reading.source, item.field_path("assignments[0]"))
        path = assignment.field_path("assignee")
        assignee = parse_user(assignment.raw("assignee"), reading.source, path)
    return Ticket(
        id=incident_id,
        key=str(number) if counted else incident_id,  # what PagerDuty shows: #42
        title=item.optional_text("title", max_chars=TITLE_CHARS)
        or item.require_text("summary", max_chars=TITLE_CHARS),
        priority=_priority(item, reading),
        status=status,
        created_at=item.require_time("created_at"),
        source=reading.source,
        url=item.optional_url("html_url"),
        assignee=assignee,
        acknowledged_at=_first_acknowledged(item),
    )


def _priority(item: JsonObject, reading: Reading) -> Priority:
    """The account priority's rank when it has one we know, else the urgency's."""
    priority = item.optional_object("priority")
    if priority is not None:
        ranked = reading.ranks.get(priority.optional_str("id", max_chars=ID_CHARS))
        if ranked is not None:
            return ranked
    urgency = reading.urgencies.get(item.optional_str("urgency", max_chars=16).lower())
    if urgency is None:
        raise item.error("urgency", "is neither high nor low")
    return urgency


def _first_acknowledged(item: JsonObject) -> datetime | None:
    found = item.raw("acknowledgements")
    times = [
        JsonObject.of(entry, item.source, item.field_path("acknowledgements")).require_time("at")
        for entry in (found if isinstance(found, list) else [])
    ]
    return min(times) if times else None


@dataclass(frozen=True, slots=True)
class IncidentState:
    """What a write decides on: status, who it is assigned to, who acknowledged it."""

    id: str
    status: str
    assignee_ids: frozenset[str]
    acknowledger_ids: frozenset[str]


def state_of(answer: object, source: str) -> IncidentState:
    """The state of ``{"incident": {...}}`` (a GET's or a PUT's answer)."""
    incident = JsonObject.of(answer, source, "").optional_object("incident")
    if incident is None:
        raise JsonObject.of(answer, source, "").error("incident", "is missing")

    def ids(key: str, inner: str) -> frozenset[str]:
        listed = incident.raw(key)
        found: set[str] = set()
        for entry in listed if isinstance(listed, list) else []:
            person = JsonObject.of(entry, source, key).optional_object(inner)
            if person is not None:
                found.add(person.require_str("id", max_chars=ID_CHARS))
        return frozenset(found)

    return IncidentState(
        id=incident.require_str("id", max_chars=ID_CHARS),
        status=incident.require_str("status", max_chars=32),
        assignee_ids=ids("assignments", "assignee"),
        acknowledger_ids=ids("acknowledgements", "acknowledger"),
    )


def note_text(answer: object, source: str) -> str:
    note = JsonObject.of(answer, source, "").optional_object("note")
    return "" if note is None else note.optional_str("content", max_chars=NOTE_CHARS).strip()
