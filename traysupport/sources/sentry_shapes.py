"""Sentry's answers read into the model: issues, organization members, actors, notes.

provider-apis.md §7 "Sentry API" (the issue's fields: ``count`` is a *string*,
``userCount`` a number, ``assignedTo`` null or an actor) and §10 "Sentry, as a rotation
uses it" (``priority`` high|medium|low, ``substatus``). One malformed issue or member is
skipped by the caller's `keep_valid`, never the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from traysupport.core.model import Person, Priority, Sla, SlaKind, Ticket, TicketStatus
from traysupport.sources.parse import JsonObject
from traysupport.sources.priority_table import PriorityTable as _Table

TITLE_CHARS = 500
NAME_CHARS = 200
EMAIL_CHARS = 320
ID_CHARS = 32
SHORT_ID_CHARS = 64
NOTE_CHARS = 65_536
"""A note longer than this is not compared (it is not one of ours)."""

SENTRY_PRIORITIES = ("high", "medium", "low")
"""§10: an issue's ``priority`` is one of these (set from the level, moved by escalation)."""
DEFAULT_PRIORITIES: tuple[tuple[str, str], ...] = (("high", "P1"), ("medium", "P2"), ("low", "P3"))
LEVEL_PRIORITIES = {
    "fatal": "high",
    "error": "high",
    "warning": "medium",
    "info": "low",
    "debug": "low",
}
"""§10: Sentry sets ``priority`` from the level this way; an issue without ``priority``
(self-hosted Sentry from before issue priority) is given it the same way."""
OPEN_STATUSES = frozenset({"unresolved"})
"""§7: ``status`` is unresolved|resolved|ignored; only unresolved issues are the queue (the
list asks ``is:unresolved``; one changed while the pages were read is left out)."""
NO_SLA = Sla(due_at=None, kind=SlaKind.RESPONSE, exempt=True)
"""The per-source "no SLA" (setting ``sla = "none"``): an exempt SLA, which core/sla.py
keeps as the tool's, so the team's policy does not give an error tracker's year-old issue
a breached response deadline. Shown as "no SLA"."""


PriorityTable = partial(
    _Table,
    "Sentry priority",
    '{ high = "P1", medium = "P2", low = "P3" }',
    known=SENTRY_PRIORITIES,
    defaults=DEFAULT_PRIORITIES,
)
"""Sentry priority → P1..P4; others keep their defaults."""
priority_map = PriorityTable().mapping


def sentry_id(item: JsonObject, key: str) -> str:
    """A Sentry id: digits, sent as a JSON string (or, by older servers, a number)."""
    value = item.raw(key)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= ID_CHARS:
        return value
    raise item.error(key, "is not a Sentry id (digits)")


def short_count(number: int) -> str:
    """1234 → "1.2k", 2_500_000 → "2.5M": the counts as Sentry's issue list shows them."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if number >= size:
            text = f"{number / size:.1f}".removesuffix(".0")
            return f"{text}{suffix}"
    return str(number)


def _count(item: JsonObject, key: str) -> int:
    """``count`` is a string of digits, ``userCount`` a number (§7); absent or odd → 0."""
    value = item.raw(key)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


@dataclass(frozen=True, slots=True)
class IssueReading:
    """What reading an issue depends on besides the issue: the source and its settings."""

    source: str
    priorities: Mapping[str, Priority]
    people: Mapping[str, Person]
    """Members by user id (from `fetch_people`), to give the assignee an email."""
    no_sla: bool


def parse_issue(value: object, path: str, reading: IssueReading) -> Ticket | None:
    """A Ticket from a Sentry issue; None when it is no longer unresolved.

    The Ticket model has no field for counts, so the event and user counts go at the end of
    the title: "TypeError: x is undefined · 128 events · 9 users".
    """
    item = JsonObject.of(value, reading.source, path)
    status = item.require_str("status", max_chars=32).lower()
    if status not in OPEN_STATUSES:
        if status in ("resolved", "ignored", "muted", "reprocessing", "pending_merge"):
            return None
        raise item.error("status", "is not a Sentry issue status")
    issue_id = sentry_id(item, "id")
    events, users = _count(item, "count"), _count(item, "userCount")
    title = item.optional_text("title", max_chars=TITLE_CHARS) or "(no title)"
    suffix = f" · {short_count(events)} event{'' if events == 1 else 's'}"
    suffix += f" · {short_count(users)} user{'' if users == 1 else 's'}"
    assignee = parse_actor(item.optional_object("assignedTo"), reading.people)
    return Ticket(
        id=issue_id,
        key=item.require_str("shortId", max_chars=SHORT_ID_CHARS),
        title=title + suffix,
        priority=_priority(item, reading),
        status=TicketStatus.NEW if assignee is None else TicketStatus.IN_PROGRESS,
        created_at=item.require_time("firstSeen"),
        source=reading.source,
        url=item.optional_url("permalink"),
        assignee=assignee,
        sla=NO_SLA if reading.no_sla else None,
    )


def _priority(item: JsonObject, reading: IssueReading) -> Priority:
    name = item.optional_str("priority", max_chars=16).lower()
    if not name:
        # Self-hosted Sentry before issue priority: §10's own rule, from the level.
        level = item.optional_str("level", max_chars=16).lower()
        name = LEVEL_PRIORITIES.get(level, "medium")
    found = reading.priorities.get(name)
    if found is None:
        raise item.error("priority", f"is not one of {', '.join(SENTRY_PRIORITIES)}")
    return found


def parse_actor(actor: JsonObject | None, people: Mapping[str, Person]) -> Person | None:
    """The assignee from ``assignedTo`` (§7: null or an actor ``{type, id, name, email}``).

    A user is the Person with the user's id (the member's email when known); a team is a
    Person whose id is ``team:<id>``, named ``#<team>``, so it is never mistaken for a person.
    """
    if actor is None:
        return None
    kind = actor.optional_str("type", "user", max_chars=16).lower()
    actor_id = sentry_id(actor, "id")
    name = actor.optional_text("name", max_chars=NAME_CHARS)
    if kind == "team":
        return Person(id=f"team:{actor_id}", name=f"#{name or actor_id}")
    known = people.get(actor_id)
    if known is not None:
        return known
    email = actor.optional_text("email", max_chars=EMAIL_CHARS)
    return Person(id=actor_id, name=name or email or f"Sentry user {actor_id}", email=email)


def assignee_user(issue: JsonObject) -> str | None:
    """The user id the issue is assigned to; None when nobody or a team holds it."""
    actor = issue.optional_object("assignedTo")
    if actor is None or actor.optional_str("type", "user", max_chars=16).lower() != "user":
        return None
    return sentry_id(actor, "id")


def parse_member(value: object, source: str, path: str) -> Person | None:
    """A Person from an organization member (``GET …/members/``): the *user*'s id (what
    ``assignedTo`` takes as ``user:<id>``), name and email; None for a pending invite."""
    item = JsonObject.of(value, source, path)
    if item.optional_bool("pending") or item.optional_bool("expired"):
        return None
    user = item.optional_object("user")
    if user is None:
        return None  # an invitation not yet accepted: no user to assign
    return parse_user(user, fallback_email=item.optional_text("email", max_chars=EMAIL_CHARS))


def parse_user(user: JsonObject, *, fallback_email: str = "") -> Person:
    """A Person from a Sentry user object (``id``, ``name``, ``email``, ``username``)."""
    email = user.optional_text("email", max_chars=EMAIL_CHARS) or fallback_email
    name = (
        user.optional_text("name", max_chars=NAME_CHARS)
        or user.optional_text("username", max_chars=NAME_CHARS)
        or email
    )
    return Person(id=sentry_id(user, "id"), name=name or "(no name)", email=email)


@dataclass(frozen=True, slots=True)
class Note:
    """What of an issue's note (an activity of type "note") tells whether ours is there."""

    author_id: str | None
    text: str


def parse_note(value: object, source: str, path: str) -> Note:
    """A note of ``GET …/issues/{id}/notes/``: ``{"user": {...}, "data": {"text": ...}}``."""
    item = JsonObject.of(value, source, path)
    data = item.optional_object("data")
    text = data.raw("text") if data is not None else None
    user = item.optional_object("user")
    author = sentry_id(user, "id") if user is not None and user.raw("id") is not None else None
    return Note(author, text if isinstance(text, str) and len(text) <= NOTE_CHARS else "")


def same_note(text: str, note: str) -> bool:
    """Whether a note's text is *note*, white space aside."""
    return " ".join(text.split()) == " ".join(note.split())
