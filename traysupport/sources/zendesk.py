"""Zendesk Support as a queue: a view's tickets or a search, with SLAs, written back.

provider-apis.md §4 (and §9, §10 "Zendesk SLA"). Tickets come from a view (``GET
/api/v2/views/{id}/tickets``, cursor paged) or a search (``GET /api/v2/search.json``,
paged by ``next_page``, at most 1000 results), both with SLAs sideloaded. Acknowledge and
hand over are one ``PUT /api/v2/tickets/{id}.json`` each, made repeat-safe by state
(`zendesk_writes`). Parsing lives in `zendesk_shapes`.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from traysupport.core.model import Person, Priority, Ticket
from traysupport.sources.base import (
    NO_STEPS,
    RateLimitedError,
    SourceError,
    Steps,
    auth_refusal,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import BodyLink, Cursor, Page, Paging, pages, parsed_once
from traysupport.sources.parse import JsonObject
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, Number, Text, Url, setting
from traysupport.sources.urls import Params
from traysupport.sources.zendesk_shapes import (
    PriorityTable,
    TicketReading,
    number_of,
    parse_agent,
    parse_ticket,
    parse_user,
    priority_map,
)
from traysupport.sources.zendesk_writes import TicketWrites

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # §4 "Views and search": cursor pages of up to 100, search 100 a page
MAX_PAGES = 100
"""A view of 10,000 open tickets is a view to narrow, not a queue to watch."""
SEARCH_PAGES = 10  # §4: search answers at most 1000 results; page 11 is a 422
LOW_BUDGET = 0
"""§4 "Rate limits": with this many requests left this minute, no further page is asked."""
AUTH_HINT = (
    "In Zendesk Admin Center > Apps and integrations > Zendesk API (APIs > API tokens in "
    "newer accounts), turn on Token access and add an API token; set this source's email "
    "to your Zendesk sign-in email and save the token under its token_ref. That agent must "
    "be allowed to see the view and edit its tickets."
)


class ZendeskSource:
    """A Zendesk view or search as a QueueSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        site: str,
        view_id: int = 0,
        query: str = "",
        priorities: dict[str, Priority] | None = None,
        default_priority: Priority = Priority.P3,
    ) -> None:
        self._name = name
        self._http = http
        self._site = site.rstrip("/")
        self._view_id = view_id
        self._query = query
        self._priorities = priorities or priority_map(())
        self._default_priority = default_priority
        self._people: dict[str, Person] = {}
        self._writes = TicketWrites(name, http)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    # -- reads ----------------------------------------------------------------------------

    def fetch_me(self) -> Person | None:
        """The token's agent (``GET /api/v2/users/me``); None for the anonymous user.

        Zendesk answers an unauthenticated request with an anonymous user whose id is null.
        """
        with self._auth_hint():
            answer = self._http.get_json("api/v2/users/me.json")
        user = JsonObject.of(answer, self._name, "").optional_object("user")
        if user is None or number_of(user, "id") is None:
            return None
        return parse_user(user)

    def fetch_people(self) -> list[Person]:
        """Agents and admins (who a ticket can be handed over to), with emails."""
        params: Params = {"role[]": ["agent", "admin"], "page[size]": PAGE_SIZE}
        read = self._pages("api/v2/users.json", params, self._cursor(), "users", MAX_PAGES)
        found = parsed_once(
            read, self._agent, lambda p: p.id, source=self._name, what="users", log=log
        )
        self._people = {person.id: person for person in found}
        return found

    def fetch_tickets(self) -> list[Ticket]:
        """The open tickets of the view (or search), each with its SLA where Zendesk has one."""
        reading = TicketReading(
            self._name, self._site, self._priorities, self._default_priority, self._people
        )

        def parse(value: object, path: str) -> Ticket | None:
            return parse_ticket(value, path, reading)

        read = self._ticket_pages()
        return parsed_once(read, parse, lambda t: t.id, source=self._name, what="tickets", log=log)

    def _ticket_pages(self) -> Iterator[Page]:
        if self._view_id:
            # §4 "SLA": include=slas on the list endpoints; cursor paging (§4 "Views and
            # search"): the cursor is sent back with our own parameters, so every page
            # keeps include=slas.
            path = f"api/v2/views/{self._view_id}/tickets.json"
            params: Params = {"include": "slas", "page[size]": PAGE_SIZE}
            return self._pages(path, params, self._cursor(), "tickets", MAX_PAGES)
        # §10 "Zendesk SLA": search sideloads as include=tickets(slas); next_page carries
        # the whole query.
        params = {
            "query": f"type:ticket {self._query}",
            "include": "tickets(slas)",
            "per_page": PAGE_SIZE,
        }
        return self._pages("api/v2/search.json", params, BodyLink("next_page"), "results", 0)

    def _pages(
        self, path: str, params: Params, paging: Paging, key: str, max_pages: int
    ) -> Iterator[Page]:
        def items_of(body: object) -> list[object]:
            items = JsonObject.of(body, self._name, "").require_list(key)
            # Search answers every kind of record; only tickets are asked for, but be sure.
            return [i for i in items if not isinstance(i, dict) or _is_ticket(i)]

        with self._auth_hint():
            for page in pages(
                self._http,
                path,
                params,
                paging,
                items_of=items_of,
                max_pages=max_pages or SEARCH_PAGES,
                what=key,
            ):
                yield page
                if paging.following(page) is not None:
                    self._mind_budget(page)

    @staticmethod
    def _cursor() -> Cursor:
        return Cursor("meta.after_cursor", "page[after]", more="meta.has_more")

    def _mind_budget(self, page: Page) -> None:
        """§4 "Rate limits", §9 rule 3: with the minute's requests spent, ask for no more
        pages (each would be a 429); say when the budget comes back instead."""
        headers = page.fetched.headers
        left = headers.get("X-Rate-Limit-Remaining") or headers.get("ratelimit-remaining")
        if left is None or not left.strip().isdigit() or int(left) > LOW_BUDGET:
            return
        reset = (headers.get("ratelimit-reset") or "").strip()
        wait = float(reset) if reset.isdigit() else 60.0
        problem = (
            f"Zendesk's API budget for this minute is spent after page {page.number}; "
            "no further page is asked for now"
        )
        hint = "traysupport reads the queue again later; a longer poll_seconds spends less."
        raise RateLimitedError(self._name, problem, wait, hint)

    def _agent(self, value: object, path: str) -> Person | None:
        return parse_agent(value, self._name, path)

    # -- writes (zendesk_writes) ------------------------------------------------------------

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Assign the ticket to *by* and set it open, in one PUT; nothing when it already is.

        No key is needed: the change is a state, so a repeat finds it done.
        """
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
        """Assign the ticket to *to* with *note* as a private comment, in one PUT; a note
        already there is not posted again (see `TicketWrites.hand_over`)."""
        with self._auth_hint():
            self._writes.hand_over(ticket_id, to, note, by, retrying=steps.retrying)

    def _auth_hint(self) -> AbstractContextManager[None]:
        """A 401/403 says how to make a Zendesk API token, not just "check the token"."""
        return auth_refusal(self._name, "Zendesk refused", AUTH_HINT)


def _is_ticket(item: dict[object, object]) -> bool:
    kind = item.get("result_type")
    return kind is None or kind == "ticket"


# -- the provider ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZendeskSettings:
    """A Zendesk account's queue settings."""

    subdomain: str = setting(
        Text(r"([A-Za-z0-9][A-Za-z0-9-]{0,62})?", "letters, digits and -"),
        "",
        'Your Zendesk subdomain, e.g. "acme" for acme.zendesk.com (sets the default url).',
    )
    url: str = setting(
        Url(), "", 'Zendesk base URL, e.g. "https://acme.zendesk.com"; default from subdomain.'
    )
    email: str = setting(
        Text(), "", 'The agent\'s sign-in email, for an API token ({email}/token); "": OAuth.'
    )
    view_id: int = setting(
        Number(0, 2**53, "view id"), 0, "The view whose tickets are the queue (0: use query)."
    )
    query: str = setting(
        Text(), "", 'A ticket search instead of a view, e.g. "status<solved group:Support".'
    )
    priorities: tuple[tuple[str, str], ...] = setting(
        PriorityTable(), (), 'Zendesk priority to P1..P4, e.g. { normal = "P2" }; others default.'
    )
    default_priority: str = setting(
        Choice(("P1", "P2", "P3", "P4")), "P3", "The priority of a ticket with none set."
    )


def _build(settings: ZendeskSettings, context: SourceContext) -> ZendeskSource:
    site = settings.url or (
        f"https://{settings.subdomain}.zendesk.com" if settings.subdomain else ""
    )
    if not site:
        raise SourceError(
            context.name, "neither url nor subdomain is set", 'Set subdomain = "acme" (or url).'
        )
    if not (settings.view_id or settings.query.strip()):
        raise SourceError(
            context.name,
            "neither view_id nor query says which tickets are the queue",
            "Set view_id to a view's id (from its URL) or query to a ticket search.",
        )
    auth = None
    if context.token and settings.email:  # §4 "Auth": Basic base64("{email}/token:{token}")
        pair = f"{settings.email}/token:{context.token}".encode()
        auth = "Basic " + base64.b64encode(pair).decode("ascii")
    elif context.token:  # §4: an OAuth access token
        auth = f"Bearer {context.token}"
    return ZendeskSource(
        context.name,
        context.http(site, auth=auth),
        site=site,
        view_id=settings.view_id,
        query=settings.query.strip(),
        priorities=priority_map(settings.priorities),
        default_priority=Priority.parse(settings.default_priority),
    )


SPEC = ProviderSpec(
    name="zendesk",
    roles=frozenset({"queue"}),
    settings=ZendeskSettings,
    build=_build,
    description="Zendesk Support: a view's (or a search's) tickets with SLAs; ack and hand over.",
    docs="docs/providers.md#zendesk",
)
