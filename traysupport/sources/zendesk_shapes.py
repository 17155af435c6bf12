"""Zendesk Support's answers read into the model: tickets with their SLA, agents, comments.

provider-apis.md §4 (field values from zenpy's scrape of the docs) and §10 "Zendesk SLA".
Ids are JSON numbers in Zendesk; they become strings here (the model's ids) and go back
as numbers in writes (`number_of`). One malformed ticket, user or SLA metric is skipped
by the caller's `keep_valid`, never the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from traysupport.core.model import Person, Priority, Sla, SlaKind, Ticket, TicketStatus
from traysupport.sources.base import BadDataError
from traysupport.sources.parse import JsonObject, keep_valid
from traysupport.sources.priority_table import PriorityTable as _Table

log = logging.getLogger(__name__)

TITLE_CHARS = 500
NAME_CHARS = 200
EMAIL_CHARS = 320
NOTE_CHARS = 65_536
"""A comment body longer than this is not compared (it is not a note of ours)."""
MAX_ID = 2**63 - 1

ZENDESK_PRIORITIES = ("urgent", "high", "normal", "low")
"""§4 "Ticket field values": ``priority`` is one of these, or null."""
DEFAULT_PRIORITIES: tuple[tuple[str, str], ...] = (
    ("urgent", "P1"),
    ("high", "P2"),
    ("normal", "P3"),
    ("low", "P4"),
)
OPEN_STATUSES = {
    "new": TicketStatus.NEW,
    "open": TicketStatus.IN_PROGRESS,  # an unassigned open ticket is NEW (`_status`)
    "pending": TicketStatus.WAITING,  # waiting for the requester
    "hold": TicketStatus.WAITING,  # waiting for a third party
}
CLOSED_STATUSES = frozenset({"solved", "closed"})
"""§4: a view may list solved tickets; they have left the queue, and are not bad data."""
RESOLUTION_METRICS = frozenset({"agent_work_time", "requester_wait_time", "total_resolution_time"})
"""§4 "SLA": these measure the way to a solution; the reply metrics (first_reply_time,
next_reply_time, periodic_update_time, pausable_update_time...) are response clocks."""


PriorityTable = partial(
    _Table,
    "Zendesk priority",
    '{ urgent = "P1", high = "P2", normal = "P3", low = "P4" }',
    known=ZENDESK_PRIORITIES,
    defaults=DEFAULT_PRIORITIES,
)
"""Zendesk priority → P1..P4; others keep their defaults."""
priority_map = PriorityTable().mapping


def number_of(item: JsonObject, key: str) -> str | None:
    """A Zendesk id (a positive JSON integer, or its digits as a string) as text; None if null."""
    value = item.raw(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise item.error(key, "is not a Zendesk id (a positive whole number)")
    return str(value)


def require_number(item: JsonObject, key: str) -> str:
    """`number_of` for a field that must be there."""
    found = number_of(item, key)
    if found is None:
        raise item.error(key, "is missing")
    return found


@dataclass(frozen=True, slots=True)
class TicketReading:
    """What reading a ticket depends on besides the ticket: the source and its settings."""

    source: str
    site: str
    """``https://<subdomain>.zendesk.com``: the agent's page of a ticket is under it."""
    priorities: Mapping[str, Priority]
    default_priority: Priority
    """For a ticket with no priority (null), which Zendesk allows."""
    people: Mapping[str, Person]
    """Agents by id (from `fetch_people`), to name the assignee."""


def parse_ticket(value: object, path: str, reading: TicketReading) -> Ticket | None:
    """A Ticket from a Zendesk ticket object; None when it is solved or closed."""
    item = JsonObject.of(value, reading.source, path)
    status = item.require_str("status", max_chars=16).lower()
    if status in CLOSED_STATUSES:
        return None
    number = require_number(item, "id")
    assignee_id = number_of(item, "assignee_id")
    return Ticket(
        id=number,
        key=number,  # Zendesk shows tickets by number (#35436); the CLI takes it bare
        title=item.optional_text("subject", max_chars=TITLE_CHARS)
        or item.optional_text("raw_subject", max_chars=TITLE_CHARS)
        or "(no subject)",
        priority=_priority(item, reading),
        status=_status(item, status, assignee_id),
        created_at=item.require_time("created_at"),
        source=reading.source,
        url=f"{reading.site}/agent/tickets/{number}",
        assignee=_person(assignee_id, reading.people) if assignee_id else None,
        sla=parse_slas(item.optional_object("slas"), reading.source),
    )


def _priority(item: JsonObject, reading: TicketReading) -> Priority:
    name = item.optional_str("priority", max_chars=16).lower()
    if not name:
        return reading.default_priority
    found = reading.priorities.get(name)
    if found is None:
        raise item.error("priority", f"is not one of {', '.join(ZENDESK_PRIORITIES)}")
    return found


def _status(item: JsonObject, status: str, assignee_id: str | None) -> TicketStatus:
    found = OPEN_STATUSES.get(status)
    if found is None:
        raise item.error("status", "is not a Zendesk ticket status")
    if found is TicketStatus.IN_PROGRESS and assignee_id is None:
        return TicketStatus.NEW  # open but nobody holds it: still to be taken
    return found


def _person(user_id: str, people: Mapping[str, Person]) -> Person:
    """The agent with this id, or a stand-in named by the number Zendesk gives."""
    return people.get(user_id) or Person(id=user_id, name=f"Zendesk user {user_id}")


@dataclass(frozen=True, slots=True)
class _Metric:
    stage: str
    kind: SlaKind
    breach_at: datetime | None


def parse_slas(slas: JsonObject | None, source: str) -> Sla | None:
    """The ticket's SLA from ``include=slas`` (§4 "SLA", §10 "Zendesk SLA").

    The earliest ``breach_at`` of an *active* policy metric is the deadline. With none
    active but one *paused* (pending or on hold, where the policy pauses the clock), the
    SLA is paused: shown as such, never counted down. Achieved metrics and a ticket
    without a policy give None (the team's policy applies). A malformed metric is
    skipped and logged; a malformed ``slas`` skips the ticket.
    """
    if slas is None:
        return None
    listed = slas.raw("policy_metrics")
    if listed is None:
        return None
    items = slas.require_list("policy_metrics")
    metrics = keep_valid(items, lambda v, p: _metric(v, p, source), source, slas.path, log)
    active = [m for m in metrics if m.stage == "active" and m.breach_at is not None]
    if active:
        first = min(active, key=lambda m: m.breach_at or datetime.max)
        return Sla(due_at=first.breach_at, kind=first.kind)
    paused = [m for m in metrics if m.stage == "paused"]
    if paused:
        return Sla(due_at=None, kind=paused[0].kind, paused=True)
    return None


def _metric(value: object, path: str, source: str) -> _Metric:
    item = JsonObject.of(value, source, path)
    name = item.optional_str("metric", max_chars=64)
    kind = SlaKind.RESOLUTION if name in RESOLUTION_METRICS else SlaKind.RESPONSE
    return _Metric(
        stage=item.require_str("stage", max_chars=32).lower(),
        kind=kind,
        breach_at=item.optional_time("breach_at"),
    )


def parse_agent(value: object, source: str, path: str) -> Person | None:
    """An agent from a Zendesk user; None when suspended or deactivated (no hand-over to them)."""
    item = JsonObject.of(value, source, path)
    person = parse_user(item)
    if item.optional_bool("suspended") or not item.optional_bool("active", default=True):
        return None
    return person


def parse_user(item: JsonObject) -> Person:
    """A Person from a Zendesk user: id, name, email."""
    return Person(
        id=require_number(item, "id"),
        name=item.require_text("name", max_chars=NAME_CHARS),
        email=item.optional_text("email", max_chars=EMAIL_CHARS),
    )


@dataclass(frozen=True, slots=True)
class Comment:
    """What of a ticket comment tells whether a note of ours is already there."""

    author_id: str | None
    body: str
    public: bool


def parse_comment(value: object, source: str, path: str) -> Comment:
    """A comment of ``GET /api/v2/tickets/{id}/comments`` (body, or plain_body)."""
    item = JsonObject.of(value, source, path)
    body = item.raw("body")
    if not isinstance(body, str):
        body = item.raw("plain_body")
    if not isinstance(body, str) or len(body) > NOTE_CHARS:
        body = ""
    public = item.raw("public")
    return Comment(number_of(item, "author_id"), body, public is not False)


def same_note(body: str, note: str) -> bool:
    """Whether a comment's body is *note*, white space aside (Zendesk may rewrap it)."""
    return " ".join(body.split()) == " ".join(note.split())


def ticket_of(answer: object, source: str) -> JsonObject:
    """The ``ticket`` of a Show or Update Ticket answer (§4)."""
    return _required_object(JsonObject.of(answer, source, ""), "ticket")


def _required_object(item: JsonObject, key: str) -> JsonObject:
    found = item.optional_object(key)
    if found is None:
        raise BadDataError(item.source, f"{item.field_path(key)} is missing")
    return found
