"""A misbehaving Request Tracker 5 REST2, for the queue contract (contract.py) and rt tests.

The shapes of RT 5.0.3 (provider-apis.md §10, /work/notes/rt_observed.md) under
``/REST/2.0``: ticket search paged by ``page``/``per_page`` with ``next_page`` while more
follow; ``GET /ticket/N`` with a quoted ``ETag`` (the last transaction's id);
``PUT /ticket/N`` and ``PUT /ticket/N/take`` applying Owner and Status as RT does and
answering **200 with a list of messages, refusals included** (a stale ``If-Match``
gives 412); ``POST /ticket/N/comment`` (201); a ticket's history newest first and a
transaction's attachments. The token's user is sam@example.com; dana@example.com may not
own tickets. It wants ``Authorization: token <token>`` (else 401 ``Unauthorized``).

Endpoints for ``set``: "tickets", "ticket", "take", "update", "comment", "history",
"attachments", "users"; a ``times`` fault answers that many requests, then the sound
answer again. A RESET on a write applies it before cutting the connection: the answer
is what is lost. Routing and ``times`` are api_faultserver.py's; serving, stopping and the
fault modes vendor_faultserver.py's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

from tests.faultmodes import Fault
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.vendor_faultserver import HOSTILE_NAME

API = "/REST/2.0"
ME = "sam@example.com"
AGENTS = {"sam@example.com": "Sam Rivera", "priya@example.com": "Priya Natarajan"}
OBSERVER = "dana@example.com"
"""A user who may not own tickets: making her the owner is refused (with 200)."""
TICKETS = ((1, 90, 1), (2, 50, 3), (3, 20, None), (4, 5, None))
"""(number, Priority, Due in hours after creation or None) of the sound queue."""
HOSTILE_SUBJECT = "Printer \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J"
UNSET = "1970-01-01T00:00:00Z"


def stamp(instant: datetime) -> str:
    """REST2's W3CDTF in UTC."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Txn:
    """One transaction of a ticket's history."""

    id: int
    type: str
    creator: str
    field: str = ""
    content: str = ""


@dataclass
class RtTicket:
    """A ticket as the server keeps it."""

    number: int
    priority: int
    due: datetime | None
    owner: str = "Nobody"
    status: str = "new"
    history: list[Txn] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return f'"{self.history[-1].id}"'

    def json(self, created: datetime, *, subject: str | None = None) -> dict[str, object]:
        return {
            "id": str(self.number),
            "type": "ticket",
            "_url": f"http://rt{API}/ticket/{self.number}",
            "Subject": subject or f"Ticket {self.number}",
            "Priority": str(self.priority),
            "Status": self.status,
            "Due": UNSET if self.due is None else stamp(self.due),
            "Created": stamp(created),
            "Owner": _user(self.owner),
        }


def _user(name: str, **extra: str) -> dict[str, str]:
    return {"id": name, "type": "user", "_url": f"http://rt{API}/user/{name}", **extra}


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = {"message": "Not Found"}
    UNAUTHORIZED: ClassVar[object] = {"message": "Unauthorized"}
    WRITES = frozenset({"take", "update", "comment"})
    WRITE_HEADER = "If-Match"

    @property
    def owner(self) -> RtFaultServer:
        return cast(RtFaultServer, self.server.vendor)

    def _endpoint(self, path: str) -> tuple[str | None, int]:
        return _endpoint(self.command, path)

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        if hostile and isinstance(body, list):
            body = [f"{m} {HOSTILE_NAME}" for m in body]
        self._json(status, body)

    def _read(
        self, endpoint: str, number: int, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        owner = self.owner
        if endpoint == "tickets":
            self._tickets_page(query, hostile=hostile)
            return
        if endpoint == "users":
            people = [_user(n, Name=n, EmailAddress=n, RealName=r) for n, r in AGENTS.items()]
            self._json(200, {"page": 1, "count": len(people), "items": people})
            return
        with owner.lock:
            if endpoint == "attachments":
                txn = owner.txn(number)
                items = [] if txn is None else [{"id": str(txn.id), "Content": txn.content}]
                self._json(200, {"page": 1, "count": len(items), "items": items})
                return
            ticket = owner.tickets.get(number)
            if ticket is None:
                self._json(404, {"message": "Not Found"})
                return
            if endpoint == "ticket":
                body = ticket.json(owner.now) | {"id": ticket.number}
                self._json(200, body, (("ETag", ticket.etag),))
                return
            size = int(query.get("per_page", ["20"])[0])
            newest = [
                {"id": str(t.id), "Type": t.type, "Field": t.field, "Creator": _user(t.creator)}
                for t in reversed(ticket.history)
            ][:size]
        self._json(200, {"page": 1, "count": len(newest), "total": None, "items": newest})

    def _tickets_page(self, query: dict[str, list[str]], *, hostile: bool) -> None:
        owner = self.owner
        with owner.lock:
            items: list[object] = [
                t.json(owner.now, subject=HOSTILE_SUBJECT if hostile and t.number == 2 else None)
                for t in owner.tickets.values()
            ]
        if hostile:  # a bad Due, a closed one, no id, not a ticket at all
            sound = cast(dict[str, object], items[0])
            items += [
                sound | {"id": "98", "Due": "2026-13-99T99:00:00Z"},
                sound | {"id": "99", "Status": "resolved"},
                {k: v for k, v in sound.items() if k != "id"},
                "not a ticket",
            ]
        page = max(int(query.get("page", ["1"])[0]), 1)
        size = min(int(query.get("per_page", ["20"])[0]), owner.page_size)
        chunk = items[(page - 1) * size : page * size]
        body: dict[str, object] = {
            "page": page,
            "per_page": size,
            "count": len(chunk),
            "total": len(items),
            "items": chunk,
        }
        if page * size < len(items):
            asked = {k: v[0] for k, v in query.items()} | {"page": str(page + 1)}
            body["next_page"] = f"{owner.origin}{API}/tickets?{urlencode(asked)}"
        self._json(200, body)

    # RT's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        return json.dumps({"message": "injected fault"}).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return json.dumps({"page": 1, "count": 0, "items": []}).encode()

    def _wrong_shape(self) -> bytes:
        return json.dumps({"items": {"not": "a list"}, "message": "not messages"}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'{"items":["' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _echo_body(self, echo: str) -> object:
        return {"message": f"Unauthorized (Authorization: {echo})"}


_ROUTES = (
    ("GET", re.compile(rf"{API}/tickets/?"), "tickets"),
    ("GET", re.compile(rf"{API}/users(?:/privileged)?/?"), "users"),
    ("GET", re.compile(rf"{API}/ticket/(\d+)/?"), "ticket"),
    ("GET", re.compile(rf"{API}/ticket/(\d+)/history/?"), "history"),
    ("GET", re.compile(rf"{API}/transaction/(\d+)/attachments/?"), "attachments"),
    ("PUT", re.compile(rf"{API}/ticket/(\d+)/?"), "update"),
    ("PUT", re.compile(rf"{API}/ticket/(\d+)/take"), "take"),
    ("POST", re.compile(rf"{API}/ticket/(\d+)/comment"), "comment"),
)


def _endpoint(method: str, path: str) -> tuple[str | None, int]:
    for verb, pattern, name in _ROUTES:
        match = pattern.fullmatch(path)
        if verb == method and match:
            return name, int(match[1]) if match.groups() else 0
    return None, 0


class RtFaultServer(ApiFaultServer):
    """RT on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "rt"

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.authorization = f"token {token}"
        self.lock = self._lock
        self._next_txn = 40
        self.tickets: dict[int, RtTicket] = {}
        for number, priority, hours in TICKETS:
            due = None if hours is None else self.now + timedelta(hours=hours)
            ticket = RtTicket(number, priority, due)
            self.tickets[number] = ticket
            self._add(ticket, "Create", "root")

    def state(self, number: int) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """What a repeat must not change: owner, status, and every comment."""
        with self._lock:
            ticket = self.tickets[number]
            comments = tuple((t.creator, t.content) for t in ticket.history if t.type == "Comment")
            return ticket.owner, ticket.status, comments

    def txn(self, txn_id: int) -> Txn | None:
        """The transaction with this id (the lock held)."""
        found = (t for ticket in self.tickets.values() for t in ticket.history if t.id == txn_id)
        return next(found, None)

    def write(
        self, endpoint: str, number: int, raw: bytes, if_match: str | None
    ) -> tuple[int, Any]:
        """Apply a change as RT 5.0.3 does; (status, answer)."""
        with self._lock:
            ticket = self.tickets.get(number)
            if ticket is None:
                return 404, {"message": "Not Found"}
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return 400, {"message": "malformed JSON"}
            if endpoint == "comment":
                self._add(ticket, "Comment", ME, content=str(body.get("Content", "")))
                return 201, ["Comments added"]
            if if_match is not None and if_match != ticket.etag:
                return 412, {"message": "Precondition Failed"}
            said: list[str] = []
            if endpoint == "take":
                said.append(self._set_owner(ticket, ME, take=True))
            if "Owner" in body:
                said.append(f"Ticket {number}: " + self._set_owner(ticket, str(body["Owner"])))
            status = body.get("Status")
            if isinstance(status, str) and status != ticket.status:
                said.append(f"Ticket {number}: Status changed from '{ticket.status}' to '{status}'")
                ticket.status = status
                self._add(ticket, "Status", ME, "Status")
            return 200, said

    def _set_owner(self, ticket: RtTicket, name: str, *, take: bool = False) -> str:
        if ticket.owner == name:
            return "That user already owns that ticket"
        if take and ticket.owner != "Nobody":
            return "You can only take tickets that are unowned"
        if name not in AGENTS:
            return "That user may not own tickets in that queue"
        old, ticket.owner = ticket.owner, name
        self._add(ticket, "Set", ME, "Owner")
        self._add(ticket, "SetWatcher", ME, "Owner")
        return f"Owner changed from {old} to {name}"

    def _add(
        self, ticket: RtTicket, kind: str, creator: str, field: str = "", content: str = ""
    ) -> None:
        self._next_txn += 1
        ticket.history.append(Txn(self._next_txn, kind, creator, field, content))
