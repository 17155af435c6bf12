"""Intercom as a queue: the open conversations of teams (or the token's admin), written back.

provider-apis.md §10 "Intercom (REST; pin Intercom-Version: 2.16)". Conversations are
found with ``POST /conversations/search`` (a read sent by POST: `HttpClient.search_json`
retries it as a read), paged by ``pages.next.starting_after`` sent back in the body's
``pagination``. Every request carries ``Intercom-Version: 2.16``, so the shapes do not
move under us; priorities of both of Intercom's forms are mapped (`intercom_shapes`).
Intercom gives no breach time: the team policy's clock counts from ``waiting_since``.
Acknowledge and hand over are in `intercom_writes`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from traysupport.core.model import Person, Priority, Ticket
from traysupport.sources.base import NO_STEPS, BadDataError, SourceError, Steps, auth_refusal
from traysupport.sources.http import HttpClient
from traysupport.sources.intercom_shapes import (
    PriorityTable,
    Reading,
    parse_admin,
    parse_conversation,
    priority_map,
)
from traysupport.sources.intercom_writes import ConversationWrites
from traysupport.sources.paging import CURSOR_CHARS, Page, PageRequest, parsed_once
from traysupport.sources.parse import JsonObject, keep_valid
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, Flag, Text, TextList, Url, setting

log = logging.getLogger(__name__)

API_VERSION = "2.16"
"""§10: pinned, so ``priority`` has the 2.16 values (older ones are mapped too)."""
REGIONS = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}
"""§10 "Base URLs": a workspace's data lives in one region; its token works only there."""
PAGE_SIZE = 150  # §10: per_page max 150
MAX_PAGES = 40
"""6,000 open conversations is an inbox to narrow, not a queue to watch."""
AUTH_HINT = (
    "In Intercom's Developer Hub, open your app (or create a private one for this "
    "workspace) > Configure > Authentication and copy its access token; it needs the "
    "Read and list conversations, Write conversations and Read admins permissions. Check "
    "that region matches the workspace (us, eu or au)."
)


class IntercomSource:
    """An Intercom inbox as a QueueSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        workspace_id: str = "",
        team_ids: tuple[str, ...] = (),
        mine: bool = True,
        priorities: dict[str, Priority] | None = None,
    ) -> None:
        self._name = name
        self._http = http
        self._workspace_id = workspace_id
        self._team_ids = team_ids
        self._mine = mine
        self._priorities = priorities or priority_map(())
        self._people: dict[str, Person] = {}
        self._me: Person | None = None
        self._writes = ConversationWrites(name, http)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    # -- reads ----------------------------------------------------------------------------

    def fetch_me(self) -> Person | None:
        """The admin the token belongs to (``GET /me``, §10)."""
        with self._auth_hint():
            answer = self._http.get_json("me")
        self._me = parse_admin(answer, self._name, "me")
        return self._me

    def fetch_people(self) -> list[Person]:
        """The workspace's admins (teammates), with emails (``GET /admins``)."""
        with self._auth_hint():
            answer = self._http.get_json("admins")
        items = JsonObject.of(answer, self._name, "").require_list("admins")
        found: list[Person] = []
        for person in keep_valid(
            items, lambda v, p: parse_admin(v, self._name, p), self._name, "admins", log
        ):
            if all(person.id != seen.id for seen in found):
                found.append(person)
        self._people = {person.id: person for person in found}
        return found

    def fetch_tickets(self) -> list[Ticket]:
        """The open conversations of the teams and/or the token's admin."""
        reading = Reading(self._name, self._workspace_id, self._priorities, self._people)
        return parsed_once(
            self._search_pages(),
            lambda v, p: parse_conversation(v, p, reading),
            lambda t: t.id,
            source=self._name,
            what="conversations",
            log=log,
        )

    def _query(self) -> dict[str, object]:
        """§10: open, and assigned to one of the teams or to me."""
        assigned = [_equals("team_assignee_id", team) for team in self._team_ids]
        if self._mine:
            me = self._me or self.fetch_me()
            if me is not None:
                assigned.append(_equals("admin_assignee_id", me.id))
        whose = assigned[0] if len(assigned) == 1 else {"operator": "OR", "value": assigned}
        return {"operator": "AND", "value": [_equals("open", True), whose]}

    def _search_pages(self) -> Iterator[Page]:
        """Each page of the search; the cursor goes back in the body (§10)."""
        query = self._query()
        pagination: dict[str, object] = {"per_page": PAGE_SIZE}
        seen: set[str] = set()
        with self._auth_hint():
            for number in range(1, MAX_PAGES + 1):
                body = {"query": query, "pagination": pagination}
                fetched = self._http.search_json("conversations/search", body)
                answer = JsonObject.of(fetched.body, self._name, "")
                items = answer.require_list("conversations")
                yield Page(number, items, fetched, PageRequest("conversations/search"), self._name)
                cursor = _next_cursor(answer)
                if cursor is None:
                    return
                if cursor in seen or len(cursor) > CURSOR_CHARS:
                    problem = f"page {number} of conversations gives a cursor already followed"
                    raise BadDataError(self._name, problem)
                seen.add(cursor)
                pagination = {"per_page": PAGE_SIZE, "starting_after": cursor}
        problem = f"the search goes on past {MAX_PAGES} pages of {PAGE_SIZE} conversations"
        raise BadDataError(self._name, problem, "Narrow team_ids to the teams you answer for.")

    # -- writes (intercom_writes) -----------------------------------------------------------

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Assign the conversation to *by* (§10); nothing when it already is theirs."""
        with self._auth_hint():
            self._writes.acknowledge(ticket_id, by)

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
        """Assign to *to*, then *note* as an internal note: two steps (§10)."""
        with self._auth_hint():
            self._writes.hand_over(ticket_id, to, note, by, steps)

    def _auth_hint(self) -> AbstractContextManager[None]:
        return auth_refusal(self._name, "Intercom refused", AUTH_HINT)


def _equals(field: str, value: object) -> dict[str, object]:
    if isinstance(value, str) and value.isdigit():
        value = int(value)  # §10: ids are numbers in the search's example
    return {"field": field, "operator": "=", "value": value}


def _next_cursor(answer: JsonObject) -> str | None:
    """``pages.next.starting_after``; None on the last page (no ``next``)."""
    page_info = answer.optional_object("pages")
    following = page_info.optional_object("next") if page_info is not None else None
    if following is None:
        return None
    return following.optional_str("starting_after", max_chars=CURSOR_CHARS + 1) or None


# -- the provider ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntercomSettings:
    """An Intercom workspace's queue settings."""

    region: str = setting(
        Choice(tuple(REGIONS)), "us", "Where the workspace's data is hosted: us, eu or au."
    )
    url: str = setting(Url(), "", "The API base URL; default from region (api.intercom.io).")
    workspace_id: str = setting(
        Text(r"([A-Za-z0-9]{1,32})?", "letters and digits"),
        "",
        'The workspace (app) id in your inbox URL, app.intercom.com/a/inbox/<id>/; "" no links.',
    )
    team_ids: tuple[str, ...] = setting(
        TextList(), (), 'The teams whose open conversations are the queue, e.g. ["5017691"].'
    )
    mine: bool = setting(Flag(), True, "Also the open conversations assigned to the token's admin.")
    priorities: tuple[tuple[str, str], ...] = setting(
        PriorityTable(), (), 'Intercom priority to P1..P4, e.g. { priority = "P1" }.'
    )


def _build(settings: IntercomSettings, context: SourceContext) -> IntercomSource:
    if not (settings.team_ids or settings.mine):
        raise SourceError(
            context.name,
            "neither team_ids nor mine says whose conversations are the queue",
            'Set team_ids = ["<team id>"], or mine = true.',
        )
    base = settings.url or REGIONS[settings.region]
    auth = f"Bearer {context.token}" if context.token else None
    http = context.http(base, auth=auth, headers={"Intercom-Version": API_VERSION})
    return IntercomSource(
        context.name,
        http,
        workspace_id=settings.workspace_id,
        team_ids=settings.team_ids,
        mine=settings.mine,
        priorities=priority_map(settings.priorities),
    )


SPEC = ProviderSpec(
    name="intercom",
    roles=frozenset({"queue"}),
    settings=IntercomSettings,
    build=_build,
    description="Intercom: a team's (or my) open conversations; assign and hand over with a note.",
    docs="docs/providers.md#intercom",
)
