"""What Request Tracker 5's REST2 answers look like, read defensively (provider-apis.md §10).

The `rt` source (sources/rt.py) talks; this module reads: a ticket of a search, the
state of one ticket (owner, status, ETag) a write starts from, a user, the list of
messages RT answers a change with, and its history entries. It also holds the setting
that maps RT's numeric Priority to P1..P4 by ranges (`PriorityRanges`).

Facts (bestpractical/rt lib/RT/REST2.pm and lib/RT/REST2/Resource/*.pm at rt-5.0.3):
- users are named by their user name everywhere: ``"Owner": {"id": "alice", ...}``, and
  ``{"id": "Nobody"}`` for an unowned ticket (Util.pm ``expand_uid``);
- times are W3CDTF in UTC (``format_datetime``): an unset date is ``1970-01-01T00:00:00Z``;
- a change answers 200 with a JSON list of messages for people, also when RT refused
  it (Record/Writable.pm ``update_resource``); only re-reading the ticket tells.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from traysupport.core.model import Person, Priority, Sla, SlaKind, Ticket, TicketStatus
from traysupport.sources.paging import Page, PageRequest
from traysupport.sources.parse import JsonObject, clean_text
from traysupport.sources.settings import InvalidValueError, TextTable, toml_text

NOBODY = "Nobody"
"""The user RT makes the owner of an unowned ticket."""
SYSTEM_USERS = frozenset({NOBODY, "RT_System"})
"""RT's own users: never a person to hand a ticket to."""
UNSET_DATE = "1970-01-01T00:00:00"
"""How REST2 writes a date that is not set (``Due`` without a deadline)."""
ACTIVE_STATUSES = {
    "new": TicketStatus.NEW,
    "open": TicketStatus.IN_PROGRESS,
    "stalled": TicketStatus.WAITING,
}
"""RT's default lifecycle's active statuses; a custom lifecycle's other ones read as open."""
INACTIVE_STATUSES = frozenset({"resolved", "rejected", "deleted"})
"""Closed in RT's default lifecycle: such a ticket is not in the queue, whatever the query."""
NAMED_PRIORITIES = {"low": 0, "medium": 50, "high": 100}
"""RT 5's default ``%PriorityAsString`` names, should a server answer with one."""
ID_CHARS = 64
NAME_CHARS = 200
TITLE_CHARS = 500
EMAIL_CHARS = 320
MESSAGE_CHARS = 300
PER_PAGE = 100  # REST2.pm "Paging": 20 by default, at most 100

DEFAULT_PRIORITIES: tuple[tuple[str, str], ...] = (
    ("P1", "90.."),
    ("P2", "50..89"),
    ("P3", "20..49"),
    ("P4", "..19"),
)
"""RT 5's default names fall as High (100) → P1, Medium (50) → P2, Low (0) → P4."""

_RANGE = re.compile(r"\s*(-?\d{1,9})?\s*\.\.\s*(-?\d{1,9})?\s*")


@dataclass(frozen=True, slots=True)
class PriorityRange:
    """RT priorities from *low* to *high* (inclusive; None: no bound) are *priority*."""

    priority: Priority
    low: int | None
    high: int | None

    def holds(self, value: int) -> bool:
        """Whether *value* is in the range."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


class PriorityRanges(TextTable):
    """A table of P1..P4 to ranges of RT's numeric Priority: ``{ P1 = "90..", P4 = "..19" }``.

    Stored as the table's pairs (a `TextTable`, so every editor of tables edits it);
    `parse` also checks that the ranges are well formed, do not overlap and leave no
    number out, so every ticket gets exactly one priority.
    """

    label = 'table of P1..P4 = "low..high"'

    def parse(self, raw: object) -> tuple[tuple[str, str], ...]:
        pairs = super().parse(raw)
        ranges(pairs)
        return pairs


def ranges(pairs: tuple[tuple[str, str], ...]) -> tuple[PriorityRange, ...]:
    """The ranges of a `PriorityRanges` table, sorted; `InvalidValueError` when unsound."""
    fix = 'write it like { P1 = "90..", P2 = "50..89", P3 = "20..49", P4 = "..19" }'
    labels = {p.label: p for p in Priority}
    found: list[PriorityRange] = []
    for key, text in pairs:
        priority = labels.get(key.strip().upper())
        match = _RANGE.fullmatch(text)
        if priority is None:
            raise InvalidValueError(f"has {toml_text(key)}, which is not one of P1..P4", fix)
        if match is None or (match[1] is None and match[2] is None):
            problem = f'has {key} = {toml_text(text)}, which is not a range like "50..89"'
            raise InvalidValueError(problem, fix)
        low, high = (None if g is None else int(g) for g in match.groups())
        if low is not None and high is not None and low > high:
            raise InvalidValueError(
                f"has {key} = {toml_text(text)}, which ends before it starts", fix
            )
        found.append(PriorityRange(priority, low, high))
    if not found:
        raise InvalidValueError("is empty", fix)
    found.sort(key=lambda r: float("-inf") if r.low is None else r.low)
    if found[0].low is not None or found[-1].high is not None:
        raise InvalidValueError("leaves the lowest or the highest priorities out", fix)
    for before, after in pairwise(found):
        if before.high is None or after.low is None or after.low <= before.high:
            raise InvalidValueError(
                f"has {before.priority.label} and {after.priority.label} overlapping", fix
            )
        if after.low != before.high + 1:
            gap = f"{before.high + 1}..{after.low - 1}"
            raise InvalidValueError(f"leaves the priorities {gap} out", fix)
    return tuple(found)


def priority_of(item: JsonObject, key: str, table: tuple[PriorityRange, ...]) -> Priority:
    """The P1..P4 of the item's RT Priority (a number, or a numeric string as REST2 sends)."""
    value = item.raw(key)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        number = int(value)
    elif isinstance(value, str):
        number = NAMED_PRIORITIES.get(value.strip().casefold())
    if number is None:
        raise item.error(key, "is not a number")
    return next(r.priority for r in table if r.holds(number))


def user_name(item: JsonObject, key: str) -> str | None:
    """The user name of a user field (``{"id": "alice"}``); None for Nobody or hidden.

    REST2 writes "" where the token may not see the user: as good as no one, here.
    """
    value = item.raw(key)
    if value is None or value == "":
        return None
    user = JsonObject.of(value, item.source, item.field_path(key))
    name = user.require_str("id", max_chars=ID_CHARS)
    return None if name == NOBODY else name


def parse_user(value: object, source: str, path: str) -> Person:
    """A Person from a REST2 user (``id`` = its user name; ``RealName``, ``EmailAddress``)."""
    item = JsonObject.of(value, source, path)
    name = item.require_str("id", max_chars=ID_CHARS)
    shown = item.optional_text("RealName", max_chars=NAME_CHARS) or clean_text(name, NAME_CHARS)
    email = item.optional_text("EmailAddress", max_chars=EMAIL_CHARS)
    return Person(id=name, name=shown, email=email)


def parse_ticket(
    value: object,
    source: str,
    path: str,
    *,
    web_url: str,
    people: Mapping[str, Person],
    priorities: tuple[PriorityRange, ...],
) -> Ticket:
    """A Ticket from one item of ``GET /tickets?fields=...``; its Due is the SLA deadline.

    *web_url* is RT's base URL (the ticket's page is ``Ticket/Display.html?id=N``); an
    Owner expanded with ``fields[Owner]`` carries its RealName and EmailAddress, else
    the person comes from *people* (fetch_people) or stands in by user name.
    """
    item = JsonObject.of(value, source, path)
    number = _ticket_number(item)
    status_text = item.require_str("Status", max_chars=ID_CHARS).casefold()
    if status_text in INACTIVE_STATUSES:
        raise item.error("Status", "is closed (the query should leave such tickets out)")
    status = ACTIVE_STATUSES.get(status_text, TicketStatus.IN_PROGRESS)
    owner = user_name(item, "Owner")
    due = _due(item)
    return Ticket(
        id=number,
        key=number,
        title=item.require_text("Subject", max_chars=TITLE_CHARS) or f"Ticket {number}",
        priority=priority_of(item, "Priority", priorities),
        status=status,
        created_at=item.require_time("Created"),
        source=source,
        url=f"{web_url.rstrip('/')}/Ticket/Display.html?id={number}",
        assignee=None if owner is None else _owner(item, owner, people),
        # RT's Due is the next deadline: the response while new, the resolution after.
        sla=None
        if due is None
        else Sla(due, SlaKind.RESPONSE if status is TicketStatus.NEW else SlaKind.RESOLUTION),
    )


def _ticket_number(item: JsonObject) -> str:
    """The ticket's number: a string in search results, a number in ``GET /ticket/N``."""
    value = item.raw("id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    text = item.require_str("id", max_chars=ID_CHARS)
    if not text.isdigit():
        raise item.error("id", "is not a ticket number")
    return text


def _due(item: JsonObject) -> datetime | None:
    """The Due date, None when RT has none (1970-01-01, "", null or absent)."""
    value = item.raw("Due")
    if value is None or value == "" or (isinstance(value, str) and value.startswith(UNSET_DATE)):
        return None
    return item.require_time("Due")


def _owner(item: JsonObject, name: str, people: Mapping[str, Person]) -> Person:
    expanded = JsonObject.of(item.raw("Owner"), item.source, item.field_path("Owner"))
    if expanded.has("RealName") or expanded.has("EmailAddress"):
        return parse_user(item.raw("Owner"), item.source, item.field_path("Owner"))
    return people.get(name) or Person(id=name, name=clean_text(name, NAME_CHARS))


@dataclass(frozen=True, slots=True)
class TicketState:
    """What a write to one ticket starts from and is checked against."""

    owner: str | None
    """The owner's user name; None when unowned (Nobody)."""
    status: str
    """RT's status, lower case ("new", "open", "stalled"...)."""
    etag: str
    """The ``ETag`` RT gave the ticket (its last transaction); "" when it gave none."""


def parse_state(value: object, etag: str, source: str) -> TicketState:
    """The owner and status of ``GET /ticket/N``'s answer."""
    item = JsonObject.of(value, source, "ticket")
    return TicketState(
        owner=user_name(item, "Owner"),
        status=item.require_str("Status", max_chars=ID_CHARS).casefold(),
        etag=etag,
    )


def is_messages(answer: object) -> bool:
    """Whether a change's answer is REST2's: a JSON list of messages (strings)."""
    return isinstance(answer, list) and all(isinstance(m, str | None) for m in answer)


def said(answer: object) -> str:
    """RT's messages of a change, cleaned and joined: its own words for a refusal."""
    if not isinstance(answer, list):
        return ""
    words = [clean_text(m, MESSAGE_CHARS) for m in answer if isinstance(m, str)]
    return clean_text("; ".join(w for w in words if w), MESSAGE_CHARS)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One transaction of a ticket's history, as the duplicate-comment check reads it."""

    id: str
    type: str
    field: str
    creator: str | None


OWNER_CHANGES = frozenset({"Take", "Give", "Steal", "Untake", "Force"})
"""Transaction types of an owner change in older RT; RT 5 writes Set with Field Owner."""


def parse_entry(value: object, source: str, path: str) -> HistoryEntry:
    """A history entry of ``GET /ticket/N/history?fields=Type,Field,Creator``."""
    item = JsonObject.of(value, source, path)
    return HistoryEntry(
        id=item.require_str("id", max_chars=ID_CHARS)
        if isinstance(item.raw("id"), str)
        else str(_positive(item, "id")),
        type=item.optional_str("Type", max_chars=ID_CHARS),
        field=item.optional_str("Field", max_chars=ID_CHARS),
        creator=user_name(item, "Creator"),
    )


def changes_owner(entry: HistoryEntry) -> bool:
    """Whether the entry moved the ticket to another owner."""
    # RT 5 writes Set and SetWatcher, both with Field Owner (observed on 5.0.3).
    return entry.type in OWNER_CHANGES or (
        entry.type in ("Set", "SetWatcher") and entry.field == "Owner"
    )


def _positive(item: JsonObject, key: str) -> int:
    value = item.raw(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise item.error(key, "is not an id")
    return value


def holds_text(content: object, note: str) -> bool:
    """Whether an attachment's Content is *note*: as a list gives it (raw), or in base64.

    ``GET /attachment/N`` base64-encodes Content (Resource/Attachment.pm); a list's
    ``fields=Content`` gives it as stored. Line endings and outer space do not count.
    """
    if not isinstance(content, str):
        return False
    return _same_text(content, note) or _same_text(_decoded(content), note)


def _decoded(text: str) -> str:
    """*text* decoded from base64 when it is base64 of UTF-8, else ""."""
    try:
        return base64.b64decode(text, validate=False).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


def _same_text(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))

    return bool(a.strip()) and norm(a) == norm(b)


@dataclass(frozen=True, slots=True)
class RtPaging:
    """REST2 paging: ``page``/``per_page``, the next page while ``next_page`` is there.

    RT builds ``next_page`` from the URL it was asked at, which behind a proxy may be
    another host than ours; so only its presence is read and ``page`` counted here.
    """

    per_page: int = PER_PAGE

    def first(self, request: PageRequest) -> PageRequest:
        """The caller's request, page 1."""
        extra = {"page": 1, "per_page": self.per_page}
        return PageRequest(request.path_or_url, {**(request.params or {}), **extra})

    def following(self, page: Page) -> PageRequest | None:
        """The next page's request while the answer names one (and this one had items)."""
        link = page.body().raw("next_page")
        if not (isinstance(link, str) and link) or not page.items:
            return None
        params = dict(page.request.params or {})
        params["page"] = page.number + 1
        return PageRequest(page.request.path_or_url, params)
