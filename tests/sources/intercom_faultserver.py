"""A misbehaving Intercom API (provider-apis.md §10), for the queue contract and tests.

``POST /conversations/search`` (open conversations, paged by ``pages.next.starting_after``
sent back as ``pagination.starting_after``), ``GET /me``, ``GET /admins``,
``GET /conversations/{id}`` (with its parts), ``POST /conversations/{id}/parts``
(assignment) and ``POST /conversations/{id}/reply`` (note), each answering the
conversation. It wants ``Authorization: Bearer <token>`` and ``Intercom-Version: 2.16``.

Endpoints for ``set``: "search", "me", "admins", "conversation", and "write" for both
kinds of part (assignment and note), so a ``times`` fault hits the first write of an
action, whichever it is. A RESET on "write" applies the part before cutting the
connection: the answer is what is lost. Routing and ``times`` are
tests/sources/api_faultserver.py's; serving and fault modes vendor_faultserver.py's.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, cast

from tests.faultmodes import Fault
from tests.faultserver import Write
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.vendor_faultserver import HOSTILE_NAME

ADMINS = (("991267", "Ada Lo", "ada@example.com"), ("991268", "Bob Ng", "bob@example.com"))
ME = ADMINS[0][0]
TEAM = 5017691
CONVERSATION_IDS = ("101", "102", "103")
HOSTILE_TITLE = "Printer \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J"


@dataclass
class IConversation:
    """A conversation as the server keeps it."""

    id: str
    title: str
    priority: str
    admin_assignee_id: int = 0
    parts: list[dict[str, object]] = field(default_factory=list)

    def json(self, now: datetime, *, title: str | None = None) -> dict[str, object]:
        t0 = int(now.timestamp())
        return {
            "type": "conversation",
            "id": self.id,
            "title": self.title if title is None else title,
            "created_at": t0 - 7200,
            "updated_at": t0 - 60 + len(self.parts),
            "waiting_since": t0 - 600,
            "snoozed_until": None,
            "open": True,
            "state": "open",
            "priority": self.priority,
            "admin_assignee_id": self.admin_assignee_id,
            "team_assignee_id": TEAM,
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": list(self.parts),
                "total_count": len(self.parts),
            },
        }


def conversations() -> dict[str, IConversation]:
    made = [
        IConversation("101", "Printer on fire", "priority"),
        IConversation("102", "VPN drops", "not_priority", admin_assignee_id=991268),
        IConversation("103", "Invoice copy", "high", admin_assignee_id=991267),
    ]
    return {c.id: c for c in made}


def hostile_items(now: datetime) -> list[object]:
    """Bad conversations the provider must skip, one problem each."""
    good = IConversation("1", "x", "priority").json(now)
    return [
        dict(good, id="9", created_at="yesterday"),
        dict(good, id=None),
        dict(good, id="10", priority="sky-high"),
        dict(good, id="11", admin_assignee_id=True),
        "not a conversation",
    ]


def _error(code: str, message: str) -> dict[str, object]:
    return {
        "type": "error.list",
        "request_id": "r1",
        "errors": [{"code": code, "message": message}],
    }


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = _error("not_found", "Resource Not Found")
    UNAUTHORIZED: ClassVar[object] = _error("unauthorized", "Access Token Invalid")
    WRITES = frozenset({"write"})
    body_seen = b""

    @property
    def owner(self) -> IntercomFaultServer:
        return cast(IntercomFaultServer, self.server.vendor)

    def do_POST(self) -> None:  # noqa: N802  (http.server names it)
        # The search's cursor is in its body: keep it for `_read`, then route as usual.
        length = int(self.headers.get("Content-Length") or 0)
        self.body_seen = self.rfile.read(length) if length else b""
        self.rfile = io.BytesIO(self.body_seen)
        self.do_GET()

    def _endpoint(self, path: str) -> tuple[str | None, str]:
        parts = path.strip("/").split("/")
        if self.command == "POST" and parts == ["conversations", "search"]:
            return "search", ""
        if self.command == "GET" and parts in (["me"], ["admins"]):
            return parts[0], ""
        if len(parts) >= 2 and parts[0] == "conversations" and parts[1].isalnum():
            if len(parts) == 2 and self.command == "GET":
                return "conversation", parts[1]
            if len(parts) == 3 and parts[2] in ("parts", "reply") and self.command == "POST":
                return "write", f"{parts[1]}/{parts[2]}"
        return None, ""

    def _authorized(self, *accepted: str) -> bool:
        return super()._authorized(*accepted) and self.headers.get("Intercom-Version") == "2.16"

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        if hostile and isinstance(body, dict) and "title" in body:
            body = dict(body, title=HOSTILE_TITLE)
        self._json(status, body)

    def _read(self, endpoint: str, key: str, query: dict[str, list[str]], *, hostile: bool) -> None:
        owner, now = self.owner, self.owner.now
        if endpoint == "me":
            self._json(200, _admin(*ADMINS[0]))
        elif endpoint == "admins":
            admins: list[object] = [_admin(*a) for a in ADMINS]
            if hostile:
                admins += [_admin("991269", HOSTILE_NAME, "eve@example.com"), {"id": None}]
            self._json(200, {"type": "admin.list", "admins": admins})
        elif endpoint == "conversation":
            found = owner.conversations.get(key)
            if found is None:
                self._json(404, _error("not_found", "Conversation Not Found"))
            else:
                self._json(200, found.json(now))
        else:
            self._search(hostile=hostile)

    def _search(self, *, hostile: bool) -> None:
        owner, now = self.owner, self.owner.now
        items: list[object] = [c.json(now) for c in owner.conversations.values()]
        if hostile:
            items[0] = owner.conversations["101"].json(now, title=HOSTILE_TITLE)
            items += hostile_items(now)
        try:
            asked = json.loads(self.body_seen)
            after = int(asked["pagination"].get("starting_after") or 0)
            size = min(int(asked["pagination"]["per_page"]), owner.page_size)
        except (ValueError, KeyError, TypeError, AttributeError):
            self._json(400, _error("parameter_invalid", "Invalid search body"))
            return
        chunk, more = items[after : after + size], after + size < len(items)
        pages: dict[str, object] = {"type": "pages", "per_page": size}
        if more:
            pages["next"] = {"page": after // size + 2, "starting_after": str(after + size)}
        body = {"type": "conversation.list", "conversations": chunk, "pages": pages}
        self._json(200, body, (("X-RateLimit-Limit", "167"), ("X-RateLimit-Remaining", "166")))

    # Intercom's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        return json.dumps(
            _error("injected", f"injected {fault.status}")
        ).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return json.dumps({"conversations": [], "pages": {}}).encode()

    def _wrong_shape(self) -> bytes:
        return json.dumps({"conversations": {"not": "a list"}, "admins": 3, "id": [1]}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'{"conversations":["' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _echo_body(self, echo: str) -> object:
        return _error("unauthorized", f"Access Token Invalid ({echo})")


def _admin(admin_id: str, name: str, email: str) -> dict[str, object]:
    return {"type": "admin", "id": admin_id, "name": name, "email": email}


class IntercomFaultServer(ApiFaultServer):
    """Intercom on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "intercom"

    def __init__(self, token: str, page_size: int = 150, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.conversations = conversations()
        self.received: list[Write] = []
        self.authorization = f"Bearer {token}"

    @property
    def writes(self) -> list[Any]:
        """Every part posted (Intercom takes no idempotency key)."""
        with self._lock:
            return list(self.received)

    def state(self, conversation_id: str) -> tuple[int, tuple[str, ...]]:
        """What a repeat must not change: the assignee and every part (notes included)."""
        with self._lock:
            found = self.conversations[conversation_id]
            return found.admin_assignee_id, tuple(
                json.dumps(p, sort_keys=True) for p in found.parts
            )

    def write(
        self, endpoint: str, key: str, raw: bytes, authorization: str | None
    ) -> tuple[int, Any]:
        """Apply an assignment (``…/parts``) or a note (``…/reply``) as Intercom would."""
        with self._lock:
            conversation_id, kind = key.split("/")
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            self.received.append(Write(kind, conversation_id, body, None, authorization))
            found = self.conversations.get(conversation_id)
            if found is None:
                return 404, _error("not_found", "Conversation Not Found")
            if not isinstance(body, dict) or body.get("admin_id") not in {a[0] for a in ADMINS}:
                return 400, _error("parameter_invalid", "admin_id is invalid")
            part: dict[str, object] = {
                "type": "conversation_part",
                "id": str(7000 + len(found.parts)),
                "author": {"type": "admin", "id": body["admin_id"]},
            }
            if kind == "parts" and body.get("message_type") == "assignment":
                assignee = str(body.get("assignee_id"))
                if assignee not in {a[0] for a in ADMINS}:
                    return 400, _error("parameter_invalid", "assignee_id is not an admin")
                found.admin_assignee_id = int(assignee)
                part |= {
                    "part_type": "assignment",
                    "body": None,
                    "assigned_to": {"type": "admin", "id": assignee},
                }
            elif kind == "reply" and body.get("message_type") == "note":
                part |= {"part_type": "note", "body": f"<p>{body.get('body')}</p>"}
            else:
                return 400, _error("parameter_invalid", "message_type is not supported here")
            found.parts.append(part)
            return 200, found.json(self.now)
