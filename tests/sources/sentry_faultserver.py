"""A misbehaving Sentry API, for the queue contract (contract.py) and the sentry tests.

The shapes of provider-apis.md §7 and §10: an organization's issues as a bare JSON array,
paged by ``cursor`` with the ``Link`` header Sentry always sends (``rel="previous"`` and
``rel="next"``, ``results="false"`` where there is nothing more); members; ``/api/0/``
(the token's user); an issue's details, ``PUT`` (``assignedTo`` "user:<id>", ``status`` /
``substatus``), and its notes (``GET``, ``POST {"text"}``; a user's same note within the
hour is refused with 400 "You have already posted that comment.", as Sentry does). An
assignee who is no member is refused with 400. It wants ``Authorization: Bearer <token>``.

Endpoints for ``set``: "issues", "members", "me", "issue", "update", "notes", "note".
Routing and ``times`` are tests/sources/api_faultserver.py's; serving, stopping and the
fault modes tests/sources/vendor_faultserver.py's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, cast

from tests.faultmodes import Fault
from tests.faultserver import Write
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.vendor_faultserver import HOSTILE_NAME

ORG = "acme"
MEMBERS = ((901, "Ada Lo", "ada@example.com"), (902, "Bob Ng", "bob@example.com"))
ME = 901
"""The user the token belongs to: the author of the notes it posts."""
ISSUE_IDS = (4501, 4502, 4503)
HOSTILE_TITLE = "Boom \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J"
ALREADY = "You have already posted that comment."


def stamp(instant: datetime) -> str:
    """Sentry's times: ISO 8601 in UTC with Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SIssue:
    """An issue as the server keeps it."""

    id: int
    title: str
    priority: str
    assignee: int | None = None
    status: str = "unresolved"
    substatus: str = "ongoing"
    notes: list[dict[str, object]] = field(default_factory=list)

    def json(self, now: datetime, *, title: str | None = None) -> dict[str, object]:
        actor = None
        if self.assignee is not None:
            name = next(m[1] for m in MEMBERS if m[0] == self.assignee)
            actor = {"type": "user", "id": str(self.assignee), "name": name}
        return {
            "id": str(self.id),
            "shortId": f"API-{self.id - 4400:X}",
            "title": self.title if title is None else title,
            "level": "error",
            "status": self.status,
            "substatus": self.substatus,
            "statusDetails": {},
            "priority": self.priority,
            "assignedTo": actor,
            "count": "1234",
            "userCount": 87,
            "firstSeen": stamp(now - timedelta(days=2)),
            "lastSeen": stamp(now),
            "permalink": f"https://acme.sentry.io/issues/{self.id}/",
            "project": {"id": "2", "name": "API", "slug": "api"},
        }


def issues() -> dict[int, SIssue]:
    """The sound server's unresolved issues."""
    made = [
        SIssue(ISSUE_IDS[0], "TypeError: x is undefined", "high"),
        SIssue(ISSUE_IDS[1], "Timeout in checkout", "medium", assignee=902),
        SIssue(ISSUE_IDS[2], "Deprecated call", "low"),
    ]
    return {issue.id: issue for issue in made}


def hostile_items(now: datetime) -> list[object]:
    """Bad issues the provider must skip, one problem each."""
    good = SIssue(1, "x", "high").json(now)
    return [
        dict(good, id="1", firstSeen="2026-13-45T25:61:00Z"),
        dict(good, id="not-a-number"),
        dict(good, id="2", status="exploded"),
        dict(good, id="3", priority="sky-high"),
        dict(good, id="4", assignedTo="not an actor"),
        "not an issue",
    ]


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = {"detail": "The requested resource does not exist"}
    UNAUTHORIZED: ClassVar[object] = {"detail": "Invalid token"}
    WRITES = frozenset({"update", "note"})

    @property
    def owner(self) -> SentryFaultServer:
        return cast(SentryFaultServer, self.server.vendor)

    def _endpoint(self, path: str) -> tuple[str | None, int]:
        return _endpoint(self.command, path)

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        if hostile and isinstance(body, dict) and "title" in body:
            body = dict(body, title=HOSTILE_TITLE)
        self._json(status, body)

    def _read(
        self, endpoint: str, issue_id: int, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        owner, now = self.owner, self.owner.now
        if endpoint == "issues":
            self._issues_page(query, hostile=hostile)
        elif endpoint == "members":
            members: list[object] = [_member(*m) for m in MEMBERS]
            if hostile:
                members += [_member(903, HOSTILE_NAME, "e@example.com"), {"user": {"id": None}}]
            self._json(200, members, (("Link", self._link("members/", 0, 100, more=False)),))
        elif endpoint == "me":
            user = {"id": str(ME), "name": MEMBERS[0][1], "email": MEMBERS[0][2]}
            self._json(200, {"version": "0", "user": user})
        elif issue_id not in owner.issues:
            self._json(404, self.NOT_FOUND)
        elif endpoint == "issue":
            self._json(200, owner.issues[issue_id].json(now))
        else:  # notes, newest first as Sentry lists them
            self._json(200, list(reversed(owner.issues[issue_id].notes)))

    def _issues_page(self, query: dict[str, list[str]], *, hostile: bool) -> None:
        owner, now = self.owner, self.owner.now
        items: list[object] = [
            i.json(now) for i in owner.issues.values() if i.status == "unresolved"
        ]
        if hostile:
            items[0] = owner.issues[ISSUE_IDS[0]].json(now, title=HOSTILE_TITLE)
            items += hostile_items(now)
        cursor = query.get("cursor", ["0:0:0"])[0].split(":")
        offset = int(cursor[1]) if len(cursor) == 3 and cursor[1].isdigit() else 0
        size = min(int(query.get("limit", ["100"])[0]), owner.page_size)
        chunk, more = items[offset : offset + size], offset + size < len(items)
        headers = (
            ("Link", self._link("issues/", offset, size, more=more)),
            ("X-Sentry-Rate-Limit-Limit", "40"),
            ("X-Sentry-Rate-Limit-Remaining", "39"),
        )
        self._json(200, chunk, headers)

    def _link(self, tail: str, offset: int, size: int, *, more: bool) -> str:
        """§7's Link: previous and next always, with ``results`` and ``cursor``."""
        base = f"{self.owner.origin}/api/0/organizations/{ORG}/{tail}"
        before, after = f"0:{max(offset - size, 0)}:1", f"0:{offset + size}:0"
        had = "true" if offset > 0 else "false"
        return (
            f'<{base}?limit={size}&cursor={before}>; rel="previous"; results="{had}"; '
            f'cursor="{before}", <{base}?limit={size}&cursor={after}>; rel="next"; '
            f'results="{"true" if more else "false"}"; cursor="{after}"'
        )

    # Sentry's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        return json.dumps({"detail": f"injected {fault.status}"}).encode(), "application/json"

    def _drip_body(self) -> bytes:
        # Long enough that dripping it a byte at a time outlasts the client's read timeout.
        return json.dumps([{"id": "1", "title": "slow"}] * 4).encode()

    def _wrong_shape(self) -> bytes:
        return json.dumps({"issues": {"not": "a list"}, "id": [1]}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'[{"title":"' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _echo_body(self, echo: str) -> object:
        return {"detail": f"Invalid token ({echo})"}


def _endpoint(method: str, path: str) -> tuple[str | None, int]:
    """The endpoint a request is for, and the issue id in its path (0 if none)."""
    parts = path.strip("/").split("/")
    if parts == ["api", "0"] and method == "GET":
        return "me", 0
    if parts[:4] != ["api", "0", "organizations", ORG]:
        return None, 0
    rest = parts[4:]
    if method == "GET" and rest == ["issues"]:
        return "issues", 0
    if method == "GET" and rest == ["members"]:
        return "members", 0
    if len(rest) >= 2 and rest[0] == "issues" and rest[1].isdigit():
        number = int(rest[1])
        if len(rest) == 2:
            return {"GET": "issue", "PUT": "update"}.get(method), number
        if rest[2:] in (["notes"], ["comments"]):
            return {"GET": "notes", "POST": "note"}.get(method), number
    return None, 0


def _member(user_id: int, name: str, email: str) -> dict[str, object]:
    user = {"id": str(user_id), "name": name, "email": email}
    return {"id": str(user_id + 100), "email": email, "name": name, "pending": False, "user": user}


class SentryFaultServer(ApiFaultServer):
    """Sentry on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "sentry"

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.issues = issues()
        self.received: list[Write] = []
        self.authorization = f"Bearer {token}"

    @property
    def writes(self) -> list[Any]:
        """Every PUT and POST received (Sentry takes no idempotency key)."""
        with self._lock:
            return list(self.received)

    def state(self, issue_id: int) -> tuple[int | None, str, str, tuple[str, ...]]:
        """What a repeat must not change: assignee, status, substatus, every note."""
        with self._lock:
            issue = self.issues[issue_id]
            notes = tuple(json.dumps(n, sort_keys=True) for n in issue.notes)
            return issue.assignee, issue.status, issue.substatus, notes

    def write(
        self, endpoint: str, issue_id: int, raw: bytes, authorization: str | None
    ) -> tuple[int, Any]:
        """Apply a PUT ("update") or a note ("note") as Sentry would; (status, answer)."""
        with self._lock:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            self.received.append(Write(endpoint, str(issue_id), body, None, authorization))
            issue = self.issues.get(issue_id)
            if issue is None:
                return 404, {"detail": "The requested resource does not exist"}
            if not isinstance(body, dict):
                return 400, {"detail": "Invalid body"}
            if endpoint == "note":
                return self._note(issue, body)
            assigned = body.get("assignedTo")
            if isinstance(assigned, str):
                user = assigned.removeprefix("user:")
                if not user.isdigit() or int(user) not in {m[0] for m in MEMBERS}:
                    return 400, {"assignedTo": ["Unknown actor input"]}
                issue.assignee = int(user)
            if "status" in body:
                issue.status = str(body["status"])
                issue.substatus = str(body.get("substatus", ""))
            return 200, issue.json(self.now)

    def _note(self, issue: SIssue, body: dict[str, Any]) -> tuple[int, Any]:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return 400, {"detail": "text: This field may not be blank."}
        if any(n["data"] == {"text": text} for n in issue.notes):
            return 400, {"detail": ALREADY}
        note = {
            "id": str(7000 + len(issue.notes)),
            "type": "note",
            "data": {"text": text},
            "user": {"id": str(ME), "name": MEMBERS[0][1]},
            "dateCreated": stamp(self.now),
        }
        issue.notes.append(note)
        return 201, note
