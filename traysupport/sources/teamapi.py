"""The traysupport team API (docs/team-api.md): rotation and queue from one HTTP+JSON server.

Answers are read defensively: a wrong overall shape is a `BadDataError`, but one
malformed person, shift or ticket is skipped (and logged by index) while the rest of
the answer is kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote

from traysupport.core.model import (
    Person,
    Priority,
    Role,
    Shift,
    Sla,
    SlaKind,
    Ticket,
    TicketStatus,
    require_aware,
)
from traysupport.sources.base import NO_STEPS, NotFoundError, Steps
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import Cursor, pages
from traysupport.sources.parse import ItemCache, JsonObject, format_utc, keep_valid
from traysupport.sources.provider import ROLES, ProviderSpec, SourceContext
from traysupport.sources.settings import Url, setting

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PAGES = 500
"""A queue deeper than this many pages is a server bug (or a cursor loop), not a queue."""
TITLE_CHARS = 500
NAME_CHARS = 200
ID_CHARS = 256
EMAIL_CHARS = 320
_PRIORITIES = {p.label: p for p in Priority}


class TeamApiSource:
    """A team API server as both the RotationSource and the QueueSource.

    Safe to share between worker threads, like the `HttpClient` under it: the people
    cache is replaced whole, never changed in place.
    """

    def __init__(
        self, name: str, base_url: str, token: str | None = None, *, http: HttpClient | None = None
    ) -> None:
        self._name = name
        auth = f"Bearer {token}" if token else None
        self._http = http if http is not None else HttpClient(name, base_url, auth=auth)
        self._people: dict[str, Person] = {}
        self._tickets = ItemCache[Ticket]()
        self._tickets_lock = threading.Lock()

    def close(self) -> None:
        """Close the HTTP connections (also done when the source is dropped)."""
        self._http.close()

    @property
    def name(self) -> str:
        """The name shown to users and used as `Ticket.source`."""
        return self._name

    def fetch_me(self) -> Person | None:
        """The person the token belongs to, or None when the server has no ``/me``."""
        try:
            answer = self._http.get_json("me")
        except NotFoundError:
            return None
        return parse_person(answer, self._name, "me")

    def fetch_people(self) -> list[Person]:
        """Everyone on the team; remembered to resolve the ids in shifts and tickets."""
        answer = JsonObject.of(self._http.get_json("people"), self._name, "")
        items = answer.require_list("people")
        people = keep_valid(items, self._person_item, self._name, "people", log)
        self._people = _unique(people, lambda p: p.id, self._name, "people")
        return list(self._people.values())

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """Shifts overlapping [since, until), people resolved from the last fetch_people."""
        require_aware(since, "since")
        require_aware(until, "until")
        params = {"since": format_utc(since), "until": format_utc(until)}
        answer = JsonObject.of(self._http.get_json("shifts", params), self._name, "")
        items = answer.require_list("shifts")
        return keep_valid(items, self._shift_item, self._name, "shifts", log)

    def fetch_tickets(self) -> list[Ticket]:
        """All open tickets, following ``next`` cursors (bounded, and never in a loop).

        Tickets whose JSON is the same as in the last fetch are reused, not parsed again.
        """
        with self._tickets_lock:
            self._tickets.start(self._people)
            tickets = self._fetch_ticket_pages(self._tickets.parser(self._ticket_item))
            self._tickets.finish()
        return tickets

    def _fetch_ticket_pages(self, parse_item: Callable[[object, str], Ticket]) -> list[Ticket]:
        """Every page's tickets; a cursor loop or too many pages is a BadDataError (`paging`)."""
        tickets: list[Ticket] = []
        for page in pages(
            self._http,
            "tickets",
            None,
            Cursor("next", "cursor"),  # docs/team-api.md: ``next`` is sent back as ``cursor``
            items_of=lambda body: JsonObject.of(body, self._name, "").require_list("tickets"),
            max_pages=MAX_PAGES,
            what="tickets",
        ):
            path = "tickets" if page.number == 1 else f"page {page.number} tickets"
            tickets += keep_valid(page.items, parse_item, self._name, path, log)
        return list(_unique(tickets, lambda t: t.id, self._name, "tickets").values())

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Acknowledge the ticket as *by*; the key makes a repeat a no-op on the server.
        One call, so *steps* is not needed.

        Done only when the server answers, as docs/team-api.md says, with the ticket
        acknowledged (status past "new", or an acknowledged_at); else UnconfirmedError.
        """

        def acknowledged(answer: object) -> bool:
            if not isinstance(answer, dict) or answer.get("id") != ticket_id:
                return False
            status = answer.get("status")
            return (isinstance(status, str) and status != "new") or bool(
                answer.get("acknowledged_at")
            )

        self._http.post_json(
            f"tickets/{quote(ticket_id, safe='')}/acknowledge",
            {"by": by.id},
            idempotency_key=idempotency_key,
            confirm=acknowledged,
            expected=f"the ticket {ticket_id} acknowledged",
        )

    def hand_over(
        self,
        ticket_id: str,
        to: Person,
        note: str,
        by: Person,
        idempotency_key: str,
        *,
        steps: Steps = NO_STEPS,
    ) -> None:
        """Reassign the ticket to *to* with *note*, as *by*; repeat-safe with the same key.
        One call (the team API takes the note with the reassignment), so no *steps*.

        Done only when the server answers with the ticket assigned to *to*.
        """

        def handed_over(answer: object) -> bool:
            return (
                isinstance(answer, dict)
                and answer.get("id") == ticket_id
                and answer.get("assignee_id") == to.id
            )

        self._http.post_json(
            f"tickets/{quote(ticket_id, safe='')}/handover",
            {"to": to.id, "note": note, "by": by.id},
            idempotency_key=idempotency_key,
            confirm=handed_over,
            expected=f"the ticket {ticket_id} handed over to {to.id}",
        )

    def _person_item(self, value: object, path: str) -> Person:
        return parse_person(value, self._name, path)

    def _shift_item(self, value: object, path: str) -> Shift:
        return parse_shift(value, self._name, path, self._people)

    def _ticket_item(self, value: object, path: str) -> Ticket:
        return parse_ticket(value, self._name, path, self._people)


def parse_person(value: object, source: str, path: str) -> Person:
    """A Person from ``{"id", "name", "email"?}``."""
    item = JsonObject.of(value, source, path)
    return Person(
        id=item.require_str("id", max_chars=ID_CHARS),
        name=item.require_text("name", max_chars=NAME_CHARS),
        email=item.optional_text("email", max_chars=EMAIL_CHARS),
    )


def parse_shift(value: object, source: str, path: str, people: Mapping[str, Person]) -> Shift:
    """A Shift from the contract's shape; ``person_id`` resolved against *people*."""
    item = JsonObject.of(value, source, path)
    person_id = item.require_str("person_id", max_chars=ID_CHARS)
    start = item.require_time("start")
    end = item.require_time("end")
    if end <= start:
        raise item.error("end", "is not after start")
    return Shift(
        person=_resolve(person_id, people),
        start=start,
        end=end,
        role=item.optional_choice("role", Role, Role.PRIMARY),
        rotation=item.optional_text("rotation", max_chars=NAME_CHARS),
        out_of_hours=item.optional_bool("out_of_hours"),
    )


def parse_ticket(value: object, source: str, path: str, people: Mapping[str, Person]) -> Ticket:
    """A Ticket from the contract's shape; text cleaned, non-web URLs dropped.

    Ids (the ticket's, the assignee's) are kept verbatim or the ticket is skipped; key
    and title are cleaned; times are clamped or refused (see `parse.parse_time`).
    """
    item = JsonObject.of(value, source, path)
    ticket_id = item.require_str("id", max_chars=ID_CHARS)
    assignee_id = item.optional_str("assignee_id", max_chars=ID_CHARS)
    return Ticket(
        id=ticket_id,
        key=item.optional_text("key", max_chars=NAME_CHARS) or ticket_id,
        title=item.require_text("title", max_chars=TITLE_CHARS),
        priority=_priority(item),
        status=item.optional_choice("status", TicketStatus, TicketStatus.NEW),
        created_at=item.require_time("created_at"),
        source=source,
        url=item.optional_url("url"),
        assignee=_resolve(assignee_id, people) if assignee_id else None,
        sla=_sla(item.optional_object("sla")),
        acknowledged_at=item.optional_time("acknowledged_at"),
    )


def _priority(item: JsonObject) -> Priority:
    """Exactly "P1".."P4", as the contract says (any case)."""
    priority = _PRIORITIES.get(item.require_str("priority", max_chars=8).strip().upper())
    if priority is None:
        raise item.error("priority", "is not one of P1..P4")
    return priority


def _sla(item: JsonObject | None) -> Sla | None:
    if item is None:
        return None
    return Sla(
        due_at=item.require_time("due_at"),
        kind=item.optional_choice("kind", SlaKind, SlaKind.RESPONSE),
        paused=item.optional_bool("paused"),
    )


def _resolve(person_id: str, people: Mapping[str, Person]) -> Person:
    """The known person with this id, or a stand-in named by the id."""
    return people.get(person_id) or Person(id=person_id, name=person_id)


def _unique(items: list[T], key: Callable[[T], str], source: str, what: str) -> dict[str, T]:
    """Items by id, the first of each id kept: a page that shifted under us repeats some."""
    kept: dict[str, T] = {}
    for item in items:
        kept.setdefault(key(item), item)
    if len(kept) < len(items):
        log.warning(
            "%s: %d %s repeated an id; kept the first of each", source, len(items) - len(kept), what
        )
    return kept


# -- the providers --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamApiSettings:
    """A team API server's own settings."""

    url: str = setting(
        Url(), "", 'Base URL of the team API, e.g. "https://support.example.com/api/v1".'
    )


def _build_team_api(settings: TeamApiSettings, context: SourceContext) -> TeamApiSource:
    auth = f"Bearer {context.token}" if context.token else None
    return TeamApiSource(context.name, settings.url, http=context.http(settings.url, auth=auth))


SPEC = ProviderSpec(
    name="team-api",
    roles=frozenset(ROLES),
    settings=TeamApiSettings,
    build=_build_team_api,
    description="The traysupport team API, for a team's own tools (docs/team-api.md).",
    docs="docs/providers.md#team-api",
    required=("url",),
    needs_token=False,  # a home-grown server on the team's network may ask for none
)


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """The demo team has nothing to set."""


def _build_demo(_settings: DemoSettings, context: SourceContext) -> TeamApiSource:
    return TeamApiSource(context.name, context.local_url, http=context.http(context.local_url))


DEMO_SPEC = ProviderSpec(
    name="demo",
    roles=frozenset(ROLES),
    settings=DemoSettings,
    build=_build_demo,
    description="The embedded demo team: made-up people and tickets, no server needed.",
    docs="docs/providers.md#demo",
    needs_token=False,
)
