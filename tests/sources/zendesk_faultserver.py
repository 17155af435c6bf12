"""A misbehaving Zendesk Support API, for the queue contract (contract.py) and zendesk tests.

The shapes of provider-apis.md §4: a view's tickets with ``include=slas``, cursor paged
(``page[size]``/``page[after]``, ``meta.has_more``/``after_cursor``, ``links.next``);
``/users.json`` (agents), ``/users/me.json``; Show Ticket, a ticket's comments (newest
first with ``sort_order=desc``) and Update Ticket (``PUT``), which applies ``assignee_id``,
``status`` and a ``comment`` by the token's agent, refuses an assignee who is no agent
with 422 RecordInvalid, and a stale ``updated_stamp`` under ``safe_update`` with 409.
It wants ``Authorization: Basic base64("<email>/token:<token>")``.

Endpoints for ``set``: "tickets", "users", "me", "ticket", "comments", "update"; a
``times`` fault answers that many requests and then the sound answer again. A RESET on
"update" applies the write before cutting the connection: the answer is what is lost.
Routing and ``times`` are tests/sources/api_faultserver.py's; serving, stopping and the
fault modes tests/sources/vendor_faultserver.py's.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

from tests.faultmodes import Fault
from tests.faultserver import Write
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.vendor_faultserver import HOSTILE_NAME

EMAIL = "ada@example.com"
VIEW_ID = 360001
AGENTS = ((901, "Ada Lo", "ada@example.com", "admin"), (902, "Bob Ng", "bob@example.com", "agent"))
ME = 901
"""The agent the token belongs to: the author of the comments it posts."""
TICKET_IDS = (35436, 35437, 35438)
SOLVED_ID = 35439
HOSTILE_SUBJECT = "Printer \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J"


def stamp(instant: datetime) -> str:
    """Zendesk's times: ISO 8601 in UTC with Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ZTicket:
    """A ticket as the server keeps it."""

    id: int
    subject: str
    priority: str | None
    status: str = "new"
    assignee_id: int | None = None
    version: int = 0
    comments: list[dict[str, object]] = field(default_factory=list)

    def updated_at(self, now: datetime) -> str:
        return stamp(now + timedelta(seconds=self.version))

    def json(self, now: datetime, *, subject: str | None = None) -> dict[str, object]:
        return {
            "id": self.id,
            "url": f"https://example.zendesk.com/api/v2/tickets/{self.id}.json",
            "subject": self.subject if subject is None else subject,
            "status": self.status,
            "priority": self.priority,
            "assignee_id": self.assignee_id,
            "group_id": 98738,
            "created_at": stamp(now - timedelta(hours=2)),
            "updated_at": self.updated_at(now),
            "slas": {
                "policy_metrics": [
                    {
                        "breach_at": stamp(now + timedelta(hours=1)),
                        "stage": "active",
                        "metric": "first_reply_time",
                        "hours": 1,
                    }
                ]
            },
        }


def tickets(now: datetime) -> dict[int, ZTicket]:
    """The sound server's tickets: three open ones and a solved one."""
    made = [
        ZTicket(TICKET_IDS[0], "Printer on fire", "urgent"),
        ZTicket(TICKET_IDS[1], "VPN drops", None, status="open", assignee_id=902),
        ZTicket(TICKET_IDS[2], "Invoice copy", "low", status="pending", assignee_id=901),
        ZTicket(SOLVED_ID, "Old one", "normal", status="solved"),
    ]
    return {ticket.id: ticket for ticket in made}


def hostile_items(now: datetime) -> list[object]:
    """Bad tickets the provider must skip, one problem each."""
    good = {"subject": "x", "status": "open", "priority": "high", "created_at": stamp(now)}
    return [
        dict(good, id=1, created_at="2026-13-45T25:61:00Z"),  # an impossible date
        dict(good, id="not-a-number"),
        dict(good, id=2, status="exploded"),
        dict(good, id=3, priority="sky-high"),
        dict(good, id=4, slas="not an object"),
        "not a ticket",
    ]


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = {"error": "InvalidEndpoint", "description": "Not found"}
    UNAUTHORIZED: ClassVar[object] = {"error": "Couldn't authenticate you"}
    WRITES = frozenset({"update"})

    @property
    def owner(self) -> ZendeskFaultServer:
        return cast(ZendeskFaultServer, self.server.vendor)

    def _endpoint(self, path: str) -> tuple[str | None, int]:
        return _endpoint(self.command, path)

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        self._json(status, _with_subject(body, HOSTILE_SUBJECT) if hostile else body)

    def _read(
        self, endpoint: str, ticket_id: int, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        owner, now = self.owner, self.owner.now
        if endpoint == "tickets":
            self._tickets_page(query, hostile=hostile)
        elif endpoint == "users":
            users = [_user(*agent) for agent in AGENTS]
            if hostile:
                users += [dict(_user(903, "x", "e@example.com", "agent"), name=HOSTILE_NAME)]
                users += [
                    {"id": None, "name": "no id"},
                    dict(_user(904, "Gone", "", ""), active=False),
                ]
            self._json(200, {"users": users, "meta": {"has_more": False}, "links": {"next": None}})
        elif endpoint == "me":
            self._json(200, {"user": _user(*AGENTS[0])})
        elif ticket_id not in owner.tickets:
            self._json(404, {"error": "RecordNotFound", "description": "Not found"})
        elif endpoint == "ticket":
            self._json(200, {"ticket": owner.tickets[ticket_id].json(now)})
        else:  # comments, newest first as sort_order=desc asks
            comments = list(owner.tickets[ticket_id].comments)
            if query.get("sort_order") == ["desc"]:
                comments.reverse()
            size = int(query.get("page[size]", ["100"])[0])
            meta = {"has_more": len(comments) > size, "after_cursor": None}
            self._json(200, {"comments": comments[:size], "meta": meta, "links": {"next": None}})

    def _tickets_page(self, query: dict[str, list[str]], *, hostile: bool) -> None:
        owner, now = self.owner, self.owner.now
        items: list[object] = [t.json(now) for t in owner.tickets.values()]
        if hostile:
            items[0] = owner.tickets[TICKET_IDS[0]].json(now, subject=HOSTILE_SUBJECT)
            items += hostile_items(now)
        after = int(query.get("page[after]", ["0"])[0])
        size = min(int(query.get("page[size]", ["100"])[0]), owner.page_size)
        chunk, more = items[after : after + size], after + size < len(items)
        cursor = str(after + size) if more else None
        next_query = urlencode({"include": "slas", "page[size]": size, "page[after]": cursor})
        next_url = f"{owner.origin}/api/v2/views/{VIEW_ID}/tickets.json?{next_query}"
        self._json(
            200,
            {
                "tickets": chunk,
                "meta": {"has_more": more, "after_cursor": cursor, "before_cursor": str(after)},
                "links": {"next": next_url if more else None, "prev": None},
            },
            (("X-Rate-Limit", "700"), ("X-Rate-Limit-Remaining", "699")),
        )

    # Zendesk's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        body = {"error": "InjectedFault", "description": f"injected {fault.status}"}
        return json.dumps(body).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return json.dumps({"tickets": [], "meta": {"has_more": False}}).encode()

    def _wrong_shape(self) -> bytes:
        return json.dumps({"tickets": {"not": "a list"}, "ticket": [1], "users": 3}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'{"tickets":["' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _echo_body(self, echo: str) -> object:
        return {"error": f"Couldn't authenticate you ({echo})"}


def _endpoint(method: str, path: str) -> tuple[str | None, int]:
    """The endpoint a request is for, and the ticket number in its path (0 if none)."""
    parts = path.strip("/").split("/")
    if parts[:2] != ["api", "v2"]:
        return None, 0
    rest = parts[2:]
    if method == "GET" and rest == ["views", str(VIEW_ID), "tickets.json"]:
        return "tickets", 0
    if method == "GET" and rest == ["users.json"]:
        return "users", 0
    if method == "GET" and rest == ["users", "me.json"]:
        return "me", 0
    if len(rest) >= 2 and rest[0] == "tickets":
        number = rest[1].removesuffix(".json")
        if not number.isdigit():
            return None, 0
        if len(rest) == 2:
            return ("ticket" if method == "GET" else "update"), int(number)
        if rest[2:] == ["comments.json"] and method == "GET":
            return "comments", int(number)
    return None, 0


def _user(user_id: int, name: str, email: str, role: str) -> dict[str, object]:
    return {"id": user_id, "name": name, "email": email, "role": role, "active": True}


def _with_subject(body: dict[str, Any], subject: str) -> dict[str, Any]:
    ticket = body.get("ticket")
    return dict(body, ticket=dict(ticket, subject=subject)) if isinstance(ticket, dict) else body


class ZendeskFaultServer(ApiFaultServer):
    """Zendesk on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "zendesk"

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.tickets = tickets(self.now)
        self.received: list[Write] = []
        pair = f"{EMAIL}/token:{token}".encode()
        self.authorization = "Basic " + base64.b64encode(pair).decode("ascii")

    @property
    def writes(self) -> list[Any]:
        """Every PUT received (Zendesk takes no idempotency key; it is recorded as sent)."""
        with self._lock:
            return list(self.received)

    def state(self, ticket_id: int) -> tuple[int | None, str, tuple[str, ...]]:
        """What a repeat must not change: assignee, status, and every comment."""
        with self._lock:
            ticket = self.tickets[ticket_id]
            comments = tuple(json.dumps(c, sort_keys=True) for c in ticket.comments)
            return ticket.assignee_id, ticket.status, comments

    def write(
        self, endpoint: str, ticket_id: int, raw: bytes, authorization: str | None
    ) -> tuple[int, Any]:
        """Apply an Update Ticket body (*endpoint* "update") as Zendesk would; (status, answer)."""
        with self._lock:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            self.received.append(Write(endpoint, str(ticket_id), body, None, authorization))
            ticket = self.tickets.get(ticket_id)
            if ticket is None:
                return 404, {"error": "RecordNotFound", "description": "Not found"}
            change = body.get("ticket") if isinstance(body, dict) else None
            if not isinstance(change, dict):
                return 400, {"error": "InvalidValue", "description": "ticket is missing"}
            stale = change.get("updated_stamp") != ticket.updated_at(self.now)
            if change.get("safe_update") and stale:
                described = "Safe Update prevented the update due to outdated ticket data."
                return 409, {"error": "UpdateConflict", "description": described}
            assignee = change.get("assignee_id", ticket.assignee_id)
            if assignee is not None and assignee not in {a[0] for a in AGENTS}:
                problem = {
                    "description": "Assignee is not a member of the group",
                    "error": "InvalidValue",
                }
                return 422, {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {"assignee": [problem]},
                }
            ticket.assignee_id = assignee
            ticket.status = change.get("status", ticket.status)
            comment = change.get("comment")
            if isinstance(comment, dict):
                ticket.comments.append(
                    {
                        "id": 7000 + len(ticket.comments),
                        "author_id": ME,
                        "body": comment.get("body"),
                        "public": comment.get("public", True),
                        "created_at": ticket.updated_at(self.now),
                    }
                )
            ticket.version += 1
            return 200, {"ticket": ticket.json(self.now), "audit": {"events": []}}
