"""Intercom's answers read into the model: conversations, admins, notes.

provider-apis.md §10 "Intercom (REST; pin Intercom-Version: 2.16)". Times are Unix
seconds; ids are strings in conversations but numbers in some places (admin ids in
``admin_assignee_id``), and 0 means unassigned. One malformed conversation or admin is
skipped by the caller's `keep_valid`, never the answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from traysupport.core.model import EARLIEST, LATEST, Person, Priority, Sla, Ticket, TicketStatus
from traysupport.sources.base import BadDataError
from traysupport.sources.parse import JsonObject
from traysupport.sources.priority_table import PriorityTable as _Table

TITLE_CHARS = 500
NAME_CHARS = 200
EMAIL_CHARS = 320
ID_CHARS = 64
NOTE_CHARS = 65_536

INTERCOM_PRIORITIES = ("priority", "not_priority", "urgent", "high", "medium", "low", "none")
"""§10: ``priority|not_priority`` up to 2.15, ``none|low|medium|high|urgent`` in 2.16."""
DEFAULT_PRIORITIES: tuple[tuple[str, str], ...] = (
    ("urgent", "P1"),
    ("high", "P2"),
    ("priority", "P2"),  # the old flag: marked as priority in the inbox
    ("medium", "P3"),
    ("not_priority", "P3"),
    ("none", "P3"),
    ("low", "P4"),
)


PriorityTable = partial(
    _Table,
    "Intercom priority",
    '{ urgent = "P1", high = "P2", priority = "P2", none = "P3" }',
    known=INTERCOM_PRIORITIES,
    defaults=DEFAULT_PRIORITIES,
)
"""Intercom priority → P1..P4, e.g. ``{ priority = "P1", urgent = "P1" }``."""
priority_map = PriorityTable().mapping


def id_of(item: JsonObject, key: str) -> str | None:
    """An Intercom id (a string or a whole number) as text; None for null, "" and 0
    (§10: ``admin_assignee_id``/``team_assignee_id`` are 0 when unassigned)."""
    value = item.raw(key)
    if value is None or value in ("", "0") or (type(value) is int and value == 0):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    plain = isinstance(value, str) and len(value) <= ID_CHARS and value.isascii()
    if plain and str(value).replace("-", "").replace("_", "").isalnum():
        return str(value)
    raise item.error(key, "is not an Intercom id")


def unix_time(item: JsonObject, key: str) -> datetime | None:
    """A time given in Unix seconds (§10); None when null or absent."""
    value = item.raw(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise item.error(key, "is not a time (Unix seconds)")
    try:
        instant = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise item.error(key, "is out of range") from None
    if instant < EARLIEST:
        raise item.error(key, "is out of range")
    return min(instant, LATEST)


@dataclass(frozen=True, slots=True)
class Reading:
    """What reading a conversation depends on besides it: the source and its settings."""

    source: str
    workspace_id: str
    """The app (workspace) id in the inbox's URLs; "" gives no link."""
    priorities: Mapping[str, Priority]
    people: Mapping[str, Person]
    """Admins by id (from `fetch_people`), to name the assignee."""


def parse_conversation(value: object, path: str, reading: Reading) -> Ticket | None:
    """A Ticket from a conversation; None when it is closed.

    Intercom gives no breach time (§10), so the ticket's clock is the team policy's,
    which counts from ``created_at`` (core/sla.py rule 1): ``created_at`` is set to
    ``waiting_since``, when the customer started waiting. With ``waiting_since`` null
    (the last reply was a teammate's) or the conversation snoozed, nobody is waiting:
    the SLA is paused (rule 1 keeps a paused tool clock) and the status WAITING.
    """
    item = JsonObject.of(value, reading.source, path)
    state = item.optional_str("state", max_chars=16).lower()
    if state == "closed" or item.raw("open") is False:
        return None
    conversation_id = id_of(item, "id")
    if conversation_id is None:
        raise item.error("id", "is missing")
    created = unix_time(item, "created_at")
    if created is None:
        raise item.error("created_at", "is missing")
    waiting = unix_time(item, "waiting_since")
    admin = id_of(item, "admin_assignee_id")
    paused = waiting is None or state == "snoozed"
    if paused:
        status = TicketStatus.WAITING
    else:
        status = TicketStatus.ACKNOWLEDGED if admin else TicketStatus.NEW
    url = ""
    if reading.workspace_id:
        url = (
            f"https://app.intercom.com/a/inbox/{reading.workspace_id}/inbox/conversation/"
            f"{conversation_id}"
        )
    return Ticket(
        id=conversation_id,
        key=conversation_id,  # the inbox shows conversations by their id
        title=_title(item),
        priority=_priority(item, reading.priorities),
        status=status,
        created_at=created if waiting is None else waiting,
        source=reading.source,
        url=url,
        assignee=(reading.people.get(admin) or Person(admin, f"Intercom admin {admin}"))
        if admin
        else None,
        sla=Sla(due_at=None, paused=True) if paused else None,
    )


def _title(item: JsonObject) -> str:
    title = item.optional_text("title", max_chars=TITLE_CHARS)
    if title:
        return title
    source = item.optional_object("source")
    if source is not None:
        subject = plain_text(source.optional_str("subject", max_chars=NOTE_CHARS))
        body = plain_text(source.optional_str("body", max_chars=NOTE_CHARS))
        text = (subject or body)[:TITLE_CHARS].strip()
        if text:
            return text
    return "(no subject)"


def _priority(item: JsonObject, priorities: Mapping[str, Priority]) -> Priority:
    name = item.optional_str("priority", max_chars=16).lower() or "none"
    found = priorities.get(name)
    if found is None:
        raise item.error("priority", f"is not one of {', '.join(INTERCOM_PRIORITIES)}")
    return found


def parse_admin(value: object, source: str, path: str) -> Person:
    """An admin (teammate), with the email Intercom gives."""
    item = JsonObject.of(value, source, path)
    admin_id = id_of(item, "id")
    if admin_id is None:
        raise item.error("id", "is missing")
    email = item.optional_str("email", max_chars=EMAIL_CHARS)
    name = item.optional_text("name", max_chars=NAME_CHARS) or email or f"Intercom admin {admin_id}"
    return Person(admin_id, name, email)


_TAGS = re.compile(r"<[^>]*>")


def plain_text(body: str) -> str:
    """Intercom's HTML body as plain text (it keeps a note we send as ``<p>text</p>``)."""
    return " ".join(html.unescape(_TAGS.sub(" ", body)).split())


def notes_by(conversation: JsonObject, author: str) -> list[str]:
    """The plain text of *author*'s notes in the conversation's parts, oldest first."""
    parts_box = conversation.optional_object("conversation_parts")
    if parts_box is None:
        return []
    found: list[str] = []
    for index, value in enumerate(parts_box.require_list("conversation_parts")):
        try:
            part = JsonObject.of(value, conversation.source, f"conversation_parts[{index}]")
            if part.optional_str("part_type", max_chars=32) != "note":
                continue
            by = part.optional_object("author")
            if by is not None and id_of(by, "id") == author:
                found.append(plain_text(part.optional_str("body", max_chars=NOTE_CHARS)))
        except BadDataError:
            continue  # one odd part does not hide the others
    return found
