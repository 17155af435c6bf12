"""The JSON shapes Opsgenie and its successor, JSM operations, share (provider-apis.md §2, §10).

Jira Service Management operations ("who is on call", §10) answers "shapes as Opsgenie's"
(§2 "On-call endpoints" [SPEC; SDK]), with two differences handled here:

- a collection comes under ``data`` (Opsgenie's BaseResponse) **or** ``values`` (JSM) —
  `items_of` reads both, and a single object under ``data`` or bare at the top;
- the next page is ``paging.next`` (Opsgenie, §2 "Alerts": ``paging{first,next,...}``)
  or ``links.next`` / ``_links.next`` (Atlassian's paged replies, §3): `NextLink` follows
  whichever is there.

Recipients carry ``name`` = username = email in Opsgenie; in JSM they are Atlassian
account ids, which the JSM source resolves (Jira ``/rest/api/3/user/bulk``, §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from traysupport.core.model import Person
from traysupport.sources.base import BadDataError
from traysupport.sources.paging import CURSOR_CHARS, Page, PageRequest
from traysupport.sources.parse import JsonObject, as_list

ID_CHARS = 256
NAME_CHARS = 200
EMAIL_CHARS = 320
NEXT_PATHS = (("paging", "next"), ("links", "next"), ("_links", "next"))
"""Where the next page's link may be (Opsgenie first, then Atlassian's two spellings)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """One schedule of the account: its id and name (``GET schedules``)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Period:
    """One timeline period: a recipient on call in one rotation, [start, end)."""

    person: Person
    start: datetime
    end: datetime
    rotation: str


def body_of(answer: object, source: str) -> JsonObject:
    """The answer's payload: the object under ``data`` (Opsgenie) or the answer itself (JSM)."""
    top = JsonObject.of(answer, source, "")
    data = top.raw("data")
    return JsonObject.of(data, source, "data") if isinstance(data, dict) else top


def items_of(answer: object, source: str) -> list[object]:
    """A collection's raw items: ``data[]`` (Opsgenie) or ``values[]`` (JSM), both shapes (§10)."""
    top = JsonObject.of(answer, source, "")
    for key in ("data", "values"):
        value = top.raw(key)
        if isinstance(value, list):
            return value
    if top.has("data") or top.has("values"):
        raise BadDataError(source, "the answer's data/values is not a list")
    raise BadDataError(source, "the answer has neither data nor values")


@dataclass(frozen=True, slots=True)
class NextLink:
    """Follow ``paging.next``, ``links.next`` or ``_links.next``, relative ones resolved."""

    def first(self, request: PageRequest) -> PageRequest:
        """The caller's request as it is."""
        return request

    def following(self, page: Page) -> PageRequest | None:
        """The linked URL, when the body has one (JSM's ``isLastPage: true`` ends it too)."""
        body = page.body()
        if body.optional_bool("isLastPage") or body.optional_bool("isLast"):
            return None
        for parent_key, key in NEXT_PATHS:
            parent = body.optional_object(parent_key)
            link = parent.optional_str(key, max_chars=CURSOR_CHARS) if parent else ""
            if link:
                return PageRequest(urljoin(page.fetched.url, link))
        return None


def parse_schedule(value: object, source: str, path: str) -> Schedule:
    """One ``GET schedules`` item: ``{id, name, ...}``."""
    item = JsonObject.of(value, source, path)
    return Schedule(
        id=item.require_str("id", max_chars=ID_CHARS),
        name=item.require_text("name", max_chars=NAME_CHARS),
    )


def recipient_person(value: object, source: str, path: str) -> Person | None:
    """A user recipient/participant as a Person; None for a team, escalation or "none".

    Opsgenie's ``name`` is the username, which is the email (§2, the on-calls example).
    A JSM recipient may carry only its account id: the name is then the id until resolved.
    """
    item = JsonObject.of(value, source, path)
    kind = item.optional_str("type", "user", max_chars=40).lower()
    if kind != "user":
        return None
    user_id = item.require_str("id", max_chars=ID_CHARS)
    name = item.optional_text("name", max_chars=NAME_CHARS) or user_id
    email = name if "@" in name and " " not in name and len(name) <= EMAIL_CHARS else ""
    return Person(id=user_id, name=name, email=email)


def parse_oncall_people(answer: object, source: str) -> list[object]:
    """The raw ``onCallParticipants[]`` of an on-calls answer (§2 "on-calls")."""
    body = body_of(answer, source)
    raw = body.raw("onCallParticipants")
    return [] if raw is None else as_list(raw, source, body.field_path("onCallParticipants"))


def timeline_periods(answer: object, source: str, schedule: Schedule) -> list[tuple[str, object]]:
    """(rotation name, raw period) for every period of ``finalTimeline.rotations[]`` (§2)."""
    body = body_of(answer, source)
    final = body.optional_object("finalTimeline")
    if final is None:
        return []
    found: list[tuple[str, object]] = []
    rotations = final.raw("rotations")
    for index, raw in enumerate(as_list(rotations or [], source, final.field_path("rotations"))):
        if not isinstance(raw, dict):
            continue  # a broken rotation loses only its own periods
        rotation = JsonObject(raw, source, f"{final.field_path('rotations')}[{index}]")
        name = rotation.optional_text("name", max_chars=NAME_CHARS) if _is_str(raw, "name") else ""
        label = f"{schedule.name} / {name}" if name else schedule.name
        periods = rotation.raw("periods")
        if isinstance(periods, list):
            found += [(label, period) for period in periods]
    return found


def parse_period(label: str, value: object, source: str, path: str) -> Period | None:
    """One timeline period; None when its recipient is not a user (a team, "none")."""
    item = JsonObject.of(value, source, path)
    start = item.require_time("startDate")
    end = item.require_time("endDate")
    if end <= start:
        raise item.error("endDate", "is not after startDate")
    person = recipient_person(item.raw("recipient"), source, item.field_path("recipient"))
    if person is None:
        return None
    return Period(person=person, start=start, end=end, rotation=label)


def parse_jira_user(value: object, source: str, path: str) -> Person:
    """One Jira user (``/rest/api/3/user/bulk`` value): accountId, displayName, emailAddress."""
    item = JsonObject.of(value, source, path)
    account = item.require_str("accountId", max_chars=ID_CHARS)
    return Person(
        id=account,
        name=item.optional_text("displayName", max_chars=NAME_CHARS) or account,
        email=item.optional_text("emailAddress", max_chars=EMAIL_CHARS),
    )


def _is_str(raw: dict[str, object], key: str) -> bool:
    return isinstance(raw.get(key), str)
