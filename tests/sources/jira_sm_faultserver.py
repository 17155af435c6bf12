"""A misbehaving Jira Service Management Cloud site, for the queue contract and jira-sm tests.

The shapes of provider-apis.md §3: a queue's issues (``values``, paged by ``start``/
``limit`` with ``isLastPage``), each request's SLAs, an issue's assignee, ``PUT
…/assignee`` (204; 400 with Jira's ``errors`` for a user who cannot be assigned), a
request's comments (``GET``, filtered by ``public``/``internal``; ``POST`` makes one by
the token's user, 201). It wants ``Authorization: Basic base64("<email>:<token>")``.

Endpoints for ``set``: "queue", "sla", "issue", "assign", "comments", "comment"; a
``times`` fault answers that many requests and then the sound answer again. A RESET on
"assign" or "comment" applies the write before cutting the connection: the answer is
what is lost. Routing and ``times`` are tests/sources/api_faultserver.py's; serving,
stopping and the fault modes tests/sources/vendor_faultserver.py's.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, cast

from tests.faultmodes import Fault
from tests.faultserver import Write
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.vendor_faultserver import HOSTILE_NAME

EMAIL = "ada@example.com"
DESK, QUEUE = "SD", 12
AGENTS = (("acc-ada", "Ada Lo", "ada@example.com"), ("acc-bob", "Bob Ng", None))
"""Bob hides his email, as Cloud profiles may."""
ME = "acc-ada"
ISSUE_IDS = ("10001", "10002", "10003")
DONE_ID = "10004"
HOSTILE_SUMMARY = "Printer \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J"
API = "/rest/api/3"
DESK_API = "/rest/servicedeskapi"


def jira_time(instant: datetime) -> str:
    """Jira's own times: ``2026-05-05T10:01:00.000+0000``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def date_dto(instant: datetime) -> dict[str, object]:
    """§3's DateDTO."""
    return {
        "iso8601": instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "epochMillis": int(instant.timestamp() * 1000),
        "friendly": "Today",
    }


def user(account: str) -> dict[str, object]:
    """A Cloud user bean; a hidden email is left out."""
    _, name, email = next(agent for agent in AGENTS if agent[0] == account)
    found: dict[str, object] = {"accountId": account, "displayName": name, "active": True}
    return found | ({"emailAddress": email} if email else {}) | {"accountType": "atlassian"}


@dataclass
class Issue:
    """An issue as the server keeps it."""

    id: str
    key: str
    summary: str
    priority: str
    category: str
    assignee: str | None = None
    version: int = 0
    comments: list[dict[str, object]] = field(default_factory=list)

    def json(self, now: datetime, summary: str | None = None) -> dict[str, object]:
        status = {"name": self.category.title(), "statusCategory": {"key": self.category}}
        return {
            "id": self.id,
            "key": self.key,
            "fields": {
                "summary": summary or self.summary,
                "priority": {"name": self.priority, "id": "2"},
                "status": status,
                "assignee": user(self.assignee) if self.assignee else None,
                "created": jira_time(now - timedelta(hours=2)),
                "updated": jira_time(now + timedelta(seconds=self.version)),
            },
        }

    def slas(self, now: datetime) -> list[dict[str, object]]:
        """One SLA per issue, each in another state: ongoing, paused, completed."""
        ongoing: dict[str, object] = {
            "breached": False,
            "paused": self.id == ISSUE_IDS[1],
            "withinCalendarHours": True,
            "startTime": date_dto(now - timedelta(hours=2)),
            "breachTime": date_dto(now + timedelta(hours=1)),
        }
        metric: dict[str, object] = {"id": "1", "name": "Time to first response"}
        if self.id == ISSUE_IDS[2]:
            done = dict(ongoing, stopTime=date_dto(now - timedelta(hours=1)))
            done.pop("paused")
            return [metric | {"completedCycles": [done]}]
        return [metric | {"completedCycles": [], "ongoingCycle": ongoing}]


def issues() -> dict[str, Issue]:
    """The sound server's issues: three open ones and a done one."""
    made = [
        Issue(ISSUE_IDS[0], "SD-1", "Printer on fire", "Highest", "new"),
        Issue(ISSUE_IDS[1], "SD-2", "VPN drops", "Medium", "indeterminate", assignee="acc-bob"),
        Issue(ISSUE_IDS[2], "SD-3", "Invoice copy", "Low", "indeterminate", assignee=ME),
        Issue(DONE_ID, "SD-4", "Old one", "Low", "done"),
    ]
    return {issue.id: issue for issue in made}


def hostile_items(now: datetime) -> list[object]:
    """Bad issues the provider must skip, one problem each."""
    good = Issue("20001", "SD-90", "x", "High", "new").json(now)
    fields = cast(dict[str, object], good["fields"])
    return [
        dict(good, fields=dict(fields, created="2026-13-45T25:61:00.000+0000")),
        dict(good, id="not-a-number"),
        dict(good, key="SD-9\x1b[2J"),
        dict(good, fields=dict(fields, created=None)),
        dict(good, fields="not an object"),
        "not an issue",
    ]


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = {"errorMessages": ["Not found"], "errors": {}}
    UNAUTHORIZED: ClassVar[object] = {
        "errorMessages": ["Client must be authenticated"],
        "errors": {},
    }
    WRITES = frozenset({"assign", "comment"})

    @property
    def owner(self) -> JiraSmFaultServer:
        return cast(JiraSmFaultServer, self.server.vendor)

    def _endpoint(self, path: str) -> tuple[str | None, str]:
        return _endpoint(self.command, path)

    def _read(
        self, endpoint: str, issue_id: str, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        owner, now = self.owner, self.owner.now
        if endpoint == "queue":
            items: list[object] = [issue.json(now) for issue in owner.issues.values()]
            if hostile:
                items[0] = owner.issues[ISSUE_IDS[0]].json(now, summary=HOSTILE_SUMMARY)
                items += hostile_items(now)
            self._page(items, query)
        elif issue_id not in owner.issues:
            self._json(404, {"errorMessages": ["Issue does not exist"], "errors": {}})
        elif endpoint == "sla":
            metrics: list[object] = list(owner.issues[issue_id].slas(now))
            if hostile:
                metrics = [{"name": HOSTILE_NAME, "ongoingCycle": {"breachTime": "x"}}, 7, *metrics]
            self._page(metrics, query)
        elif endpoint == "issue":
            self._json(200, owner.issues[issue_id].json(now))
        else:  # comments, oldest first; public=false leaves out the public ones
            comments = list(owner.issues[issue_id].comments)
            if query.get("public") == ["false"]:
                comments = [c for c in comments if c.get("public") is False]
            self._page(list(comments), query)

    def _page(self, items: list[object], query: dict[str, list[str]]) -> None:
        start = int(query.get("start", ["0"])[0])
        limit = min(int(query.get("limit", ["50"])[0]), self.owner.page_size)
        chunk = items[start : start + limit]
        last = start + limit >= len(items)
        self._json(
            200,
            {
                "size": len(chunk),
                "start": start,
                "limit": limit,
                "isLastPage": last,
                "_links": {"base": f"{self.owner.origin}{DESK_API}"},
                "values": chunk,
            },
        )

    # Jira's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        body = {"errorMessages": [f"injected {fault.status}"], "errors": {}}
        return json.dumps(body).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return json.dumps({"values": [], "isLastPage": True}).encode()

    def _wrong_shape(self) -> bytes:
        return json.dumps({"values": {"not": "a list"}, "fields": [1], "public": 3}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'{"values":["' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _echo_body(self, echo: str) -> object:
        return {"errorMessages": [f"Client must be authenticated ({echo})"], "errors": {}}


def _endpoint(method: str, path: str) -> tuple[str | None, str]:
    """The endpoint a request is for, and the issue id in its path ("" if none)."""
    if method == "GET" and path == f"{DESK_API}/servicedesk/{DESK}/queue/{QUEUE}/issue":
        return "queue", ""
    parts = path.strip("/").split("/")
    if path.startswith(f"{DESK_API}/request/") and len(parts) == 5:
        kind = {"sla": "sla", "comment": "comments" if method == "GET" else "comment"}
        return kind.get(parts[4]), parts[3]
    if path.startswith(f"{API}/issue/") and len(parts) in (5, 6):
        if len(parts) == 5 and method == "GET":
            return "issue", parts[4]
        if len(parts) == 6 and parts[5] == "assignee" and method == "PUT":
            return "assign", parts[4]
    return None, ""


class JiraSmFaultServer(ApiFaultServer):
    """Jira Cloud on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "jira-sm"

    def __init__(self, token: str, page_size: int = 50, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.issues = issues()
        self.received: list[Write] = []
        pair = f"{EMAIL}:{token}".encode()
        self.authorization = "Basic " + base64.b64encode(pair).decode("ascii")

    @property
    def writes(self) -> list[Any]:
        """Every write received (Jira takes no idempotency key; recorded as sent)."""
        with self._lock:
            return list(self.received)

    def state(self, issue_id: str) -> tuple[object, ...]:
        """What a repeat must not change: the assignee and every comment."""
        with self._lock:
            issue = self.issues[issue_id]
            comments = tuple(json.dumps(c, sort_keys=True) for c in issue.comments)
            return issue.assignee, comments

    def write(
        self, endpoint: str, issue_id: str, raw: bytes, authorization: str | None
    ) -> tuple[int, Any]:
        """Apply an assignment or a comment as Jira would; (status, answer or None)."""
        with self._lock:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            self.received.append(Write(endpoint, issue_id, body, None, authorization))
            issue = self.issues.get(issue_id)
            if issue is None:
                return 404, {"errorMessages": ["Issue does not exist"], "errors": {}}
            if not isinstance(body, dict):
                return 400, {"errorMessages": ["Unexpected body"], "errors": {}}
            issue.version += 1
            if endpoint == "assign":
                account = body.get("accountId")
                if account not in {agent[0] for agent in AGENTS}:
                    said = f"User '{account}' cannot be assigned issues."
                    return 400, {"errorMessages": [], "errors": {"assignee": said}}
                issue.assignee = account
                return 204, None
            comment = {
                "id": str(9000 + len(issue.comments)),
                "body": body.get("body"),
                "public": body.get("public", True),
                "author": user(ME),
                "created": date_dto(self.now + timedelta(seconds=issue.version)),
            }
            issue.comments.append(comment)
            return 201, comment
