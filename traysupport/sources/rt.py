"""Request Tracker 5 (REST2) as a queue source: tickets of a TicketSQL query, written back.

provider-apis.md §10 "Request Tracker 5 REST2", checked against bestpractical/rt
(lib/RT/REST2.pm's documentation and lib/RT/REST2/Resource/*.pm at rt-5.0.3) and against
Debian 12's RT 5.0.3 (what it really answers: /work/notes/rt_observed.md, kept in
tests/rt/). The answers' shapes are read in `rt_shapes`.

- Tickets: ``GET /REST/2.0/tickets?query=<TicketSQL>&fields=...`` paged by ``page`` /
  ``per_page`` (at most 100) while the answer has a ``next_page``; each ticket's Due is
  its SLA deadline (1970-01-01 means none), its Owner the assignee (Nobody: no one).
- Acknowledge = take: ``PUT /ticket/N/take`` (with ``{"Status": "open"}`` for a new
  ticket), or ``PUT /ticket/N {"Status": "open"}`` when it is already mine.
- Hand over = ``PUT /ticket/N {"Owner": <user>}``, then ``POST /ticket/N/comment``.

RT answers a change with 200 and a list of messages, refusals included; so every change
is sent with ``If-Match`` (the ETag read just before: RT answers 412 when the ticket
changed meanwhile) and decided by reading the ticket again. A refusal is raised with
RT's own words, so it stays in the outbox for the user to see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from traysupport.core.model import Person, Ticket
from traysupport.sources.base import (
    NO_STEPS,
    ConflictError,
    NotFoundError,
    RejectedError,
    SourceError,
    Steps,
    auth_refusal,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import Page, pages, parsed_once
from traysupport.sources.parse import JsonObject, keep_valid
from traysupport.sources.provider import QUEUE, ProviderSpec, SourceContext
from traysupport.sources.rt_shapes import (
    DEFAULT_PRIORITIES,
    PER_PAGE,
    SYSTEM_USERS,
    HistoryEntry,
    PriorityRange,
    PriorityRanges,
    RtPaging,
    TicketState,
    changes_owner,
    holds_text,
    is_messages,
    parse_entry,
    parse_state,
    parse_ticket,
    parse_user,
    ranges,
    said,
)
from traysupport.sources.settings import Text, Url, setting

log = logging.getLogger(__name__)

API_PATH = "/REST/2.0"
MAX_PAGES = 100
HISTORY_DEPTH = 20
"""How many of a ticket's newest transactions the duplicate-comment check reads."""
TICKET_FIELDS = "Subject,Priority,Due,Owner,Status,Created"
DEFAULT_QUERY = "Queue = 'Support' AND Status = '__Active__'"
"""TicketSQL: ``__Active__`` is every active status of the queue's lifecycle (RT 4.2+)."""
AUTH_HINT = (
    "In RT, open Logged in as > Settings > Auth Tokens, create a token and save it under "
    "this source's token_ref. Its user needs ShowTicket (and SeeQueue) on the queue; to "
    "write back, OwnTicket and TakeTicket (acknowledge), ModifyTicket and CommentOnTicket "
    "(hand over); to list people, a privileged user."
)


class RtSource:
    """One RT queue (a TicketSQL query) as a QueueSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        web_url: str,
        query: str = DEFAULT_QUERY,
        priorities: tuple[PriorityRange, ...] = ranges(DEFAULT_PRIORITIES),
        page_size: int = PER_PAGE,
    ) -> None:
        self._name = name
        self._page_size = page_size
        self._http = http
        self._web_url = web_url.rstrip("/")
        self._query = query
        self._priorities = priorities
        self._people: Mapping[str, Person] = {}

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    def fetch_me(self) -> Person | None:
        """None: REST2 has no "who am I" (set ``me`` to your RT user name or email)."""
        return None

    def fetch_people(self) -> list[Person]:
        """RT's users with an email, but RT's own (Nobody, RT_System); needs a privileged token.

        ``/users/privileged`` (RT 5.0.8 and later) lists those who can own tickets; older
        RT (Debian 12's 5.0.3) has only ``/users``, everyone, requestors too: the service
        keeps those whose email matches the rotation's people.
        """
        params = {"fields": "Name,RealName,EmailAddress", "orderby": "Name"}
        with self._auth_hint():
            try:
                found = self._collect("users/privileged", params, "people")
            except NotFoundError:
                found = self._collect("users", params, "people")
        people = [
            person
            for person in keep_valid(found, self._user_item, self._name, "people", log)
            if person.id not in SYSTEM_USERS and person.email
        ]
        self._people = {person.id: person for person in people}
        return people

    def fetch_tickets(self) -> list[Ticket]:
        """Every ticket the query finds, ordered by number; a malformed one is skipped."""
        params = {
            "query": self._query,
            "fields": TICKET_FIELDS,
            "fields[Owner]": "Name,RealName,EmailAddress",
            "orderby": "id",  # without it RT's order is not stable across pages (observed)
            "order": "ASC",
        }
        with self._auth_hint(), self._query_hint():
            read = self._pages("tickets", params, "tickets")
            tickets = parsed_once(
                read, self._ticket_item, lambda t: t.id, source=self._name, what="tickets", log=log
            )
        return tickets

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Take the ticket (owner: the token's user) and open it; one call.

        Nothing is sent when *by* owns it already and it is past new. A ticket someone
        else owns is asked for all the same: RT refuses in its own words (ConflictError).
        """
        number = _number(self._name, ticket_id)
        with self._auth_hint():
            before = self._state(number)
            if before.owner == by.id and before.status != "new":
                return
            if before.owner == by.id:
                path, body = f"ticket/{number}", {"Status": "open"}
            elif before.owner is None and before.status == "new":
                path, body = f"ticket/{number}/take", {"Status": "open"}
            else:  # unowned and open already, or someone else's: only the take
                path, body = f"ticket/{number}/take", {}
            self._change(
                number,
                path,
                body,
                before,
                what=f"let {by.id} take ticket {number}",
                done=lambda after: after.owner == by.id and after.status != "new",
                conflict=lambda after: after.owner not in (None, by.id),
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
        """Make *to* the owner, then comment *note* (internal); two steps, each kept.

        The owner is set only when it is not *to* already; the comment is posted only
        when the ticket's newest comment of *by* since the last owner change is not
        this same text (a retry after a lost answer posts it once).
        """
        number = _number(self._name, ticket_id)
        with self._auth_hint():
            if not steps.done("owner"):
                before = self._state(number)
                if before.owner != to.id:
                    self._change(
                        number,
                        f"ticket/{number}",
                        {"Owner": to.id},
                        before,
                        what=f"make {to.id} the owner of ticket {number}",
                        done=lambda after: after.owner == to.id,
                        conflict=lambda after: after.owner not in (before.owner, to.id),
                    )
                steps.record("owner")
            if note.strip() and not steps.done("comment"):
                if not self._commented(number, note, by):
                    self._http.post_json(
                        f"ticket/{number}/comment",
                        {"Content": note, "ContentType": "text/plain"},
                        confirm=is_messages,  # 201 ["Comments added"]; refusals are 400
                        expected="RT's list of messages",
                    )
                steps.record("comment")

    # -- reading -------------------------------------------------------------------------

    def _state(self, number: str) -> TicketState:
        """The ticket's owner, status and ETag, as of now."""
        fetched = self._http.get_json_page(f"ticket/{number}")
        return parse_state(fetched.body, fetched.headers.get("ETag", ""), self._name)

    def _commented(self, number: str, note: str, by: Person) -> bool:
        """Whether *by* commented *note* on the ticket since its owner last changed."""
        params = {"fields": "Type,Field,Creator", "orderby": "id", "order": "DESC"}
        answer = self._http.get_json(
            f"ticket/{number}/history", {**params, "per_page": HISTORY_DEPTH}
        )
        items = JsonObject.of(answer, self._name, "").require_list("items")
        for entry in keep_valid(items, self._entry_item, self._name, "history", log):
            if entry.type == "Comment" and entry.creator == by.id:
                if self._holds(entry.id, note):
                    return True
            elif changes_owner(entry):
                return False
        return False

    def _holds(self, transaction_id: str, note: str) -> bool:
        """Whether the transaction's attachments carry *note*."""
        answer = self._http.get_json(
            f"transaction/{transaction_id}/attachments",
            {"fields": "Content,ContentType", "per_page": PER_PAGE},
        )
        items = JsonObject.of(answer, self._name, "").require_list("items")
        return any(isinstance(i, dict) and holds_text(i.get("Content"), note) for i in items)

    def _collect(self, path: str, params: dict[str, str], what: str) -> list[object]:
        return [item for page in self._pages(path, params, what) for item in page.items]

    def _pages(self, path: str, params: Mapping[str, str | int], what: str) -> Iterator[Page]:
        return pages(
            self._http,
            path,
            dict(params),
            RtPaging(self._page_size),
            items_of=lambda body: JsonObject.of(body, self._name, "").require_list("items"),
            max_pages=MAX_PAGES,
            what=what,
        )

    def _ticket_item(self, value: object, path: str) -> Ticket:
        return parse_ticket(
            value,
            self._name,
            path,
            web_url=self._web_url,
            people=self._people,
            priorities=self._priorities,
        )

    def _user_item(self, value: object, path: str) -> Person:
        return parse_user(value, self._name, path)

    def _entry_item(self, value: object, path: str) -> HistoryEntry:
        return parse_entry(value, self._name, path)

    # -- writing -------------------------------------------------------------------------

    def _change(
        self,
        number: str,
        path: str,
        body: dict[str, str],
        before: TicketState,
        *,
        what: str,
        done: Callable[[TicketState], bool],
        conflict: Callable[[TicketState], bool],
    ) -> None:
        """PUT *body* with If-Match; done when the ticket read again says so, else refused."""
        headers = {"If-Match": before.etag} if before.etag else None
        try:
            answer = self._http.request(
                "PUT",
                path,
                json_body=body,
                headers=headers,
                confirm=is_messages,
                expected="RT's list of messages",
            )
        except RejectedError as refused:  # 400, or 412: the ticket changed since it was read
            after = self._state(number)
            if done(after):  # a retry of a change whose answer was lost: it is there
                return
            if after.etag != before.etag:
                problem = f"ticket {number} changed in RT meanwhile, so it did not {what}"
                raise ConflictError(self._name, f"{problem} ({refused.problem})") from None
            raise
        after = self._state(number)
        if done(after):
            return
        words = said(answer) or "RT gave no reason"
        error = ConflictError if conflict(after) else RejectedError
        raise error(self._name, f"RT refused to {what}: {words}")

    def _auth_hint(self) -> AbstractContextManager[None]:
        """A 401/403 says how to get an RT auth token and which rights it needs."""
        return auth_refusal(self._name, "RT refused the token", AUTH_HINT)

    @contextmanager
    def _query_hint(self) -> Iterator[None]:
        """RT answers a TicketSQL it cannot parse with 400: point at the query setting."""
        try:
            yield
        except RejectedError as exc:
            hint = "Check the source's query setting (TicketSQL, as in RT's Query Builder)."
            raise RejectedError(self._name, exc.problem, hint) from None


def _number(source: str, ticket_id: str) -> str:
    """The ticket number of *ticket_id* ("42", or "#42"); anything else is no RT ticket."""
    number = ticket_id.strip().lstrip("#")
    if not number.isdigit() or len(number) > 18:
        raise NotFoundError(source, "that is not an RT ticket number", "Use the ticket's number.")
    return str(int(number))


# -- the provider ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RtSettings:
    """A Request Tracker server's settings."""

    url: str = setting(
        Url(), "", 'RT\'s base URL, e.g. "https://rt.example.com" (REST2 is under /REST/2.0).'
    )
    query: str = setting(
        Text(),
        DEFAULT_QUERY,
        "TicketSQL finding the queue's open tickets, as in the Query Builder.",
    )
    priorities: tuple[tuple[str, str], ...] = setting(
        PriorityRanges(),
        DEFAULT_PRIORITIES,
        'Ranges of RT\'s Priority for P1..P4, e.g. { P1 = "90..", P2 = "50..89", P4 = "..19" }.',
    )


def web_root(url: str) -> str:
    """RT's web root from the configured URL, which may end in /REST/2.0 by mistake."""
    root = url.strip().rstrip("/")
    if root.lower().endswith(API_PATH.lower()):
        root = root[: -len(API_PATH)]
    return root.rstrip("/")


def _build(settings: RtSettings, context: SourceContext) -> RtSource:
    root = web_root(settings.url)
    if not urlsplit(root).netloc:
        raise SourceError(context.name, "the url is not RT's address", "Set url in Settings.")
    auth = f"token {context.token}" if context.token else None  # §10: the word "token"
    return RtSource(
        context.name,
        context.http(root + API_PATH, auth=auth),
        web_url=root,
        query=settings.query.strip() or DEFAULT_QUERY,
        priorities=ranges(settings.priorities),
    )


SPEC = ProviderSpec(
    name="rt",
    roles=frozenset({QUEUE}),
    settings=RtSettings,
    build=_build,
    description="Request Tracker 5 (REST2): a TicketSQL queue; take and hand over written back.",
    docs="docs/providers.md#rt",
    required=("url",),
)
