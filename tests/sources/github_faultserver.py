"""A misbehaving GitHub Issues API, for the queue contract (contract.py) and github tests.

The shapes of provider-apis.md §5: ``GET /repos/acme/app/issues`` (open issues and a pull
request, which the provider must skip; ``per_page``/``page`` with a ``Link`` header's
``rel="next"``), ``/repos/acme/app/assignees``, ``/users/{login}``, ``/user``; one issue,
its comments (oldest first), ``POST …/assignees`` (adds), ``PATCH`` the issue (replaces the
assignees), ``POST …/comments`` and ``POST …/labels``. Writes apply as GitHub does; an
assignee without access is silently dropped. It wants ``Authorization: Bearer <token>``.

Endpoints for ``set``: "issues", "people", "profile", "me", "issue", "comments",
"assign", "update", "comment", "label"; a ``times`` fault answers that many requests and
then the sound answer again. A RESET on a write applies it before cutting the connection.
Routing and ``times`` are tests/sources/api_faultserver.py's; serving, stopping and the
fault modes tests/sources/vendor_faultserver.py's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, cast

from tests.faultmodes import Fault, Write
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.vendor_faultserver import HOSTILE_NAME

REPO = "acme/app"
USERS = (("ada", "Ada Lo", "ada@example.com"), ("bob", "Bob Ng", None))
ME = "ada"
"""The user the token belongs to: the author of the comments it posts."""
NUMBERS = (1, 2, 3)
PULL = 4
HOSTILE_TITLE = "Printer \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J"


def stamp(instant: datetime) -> str:
    """GitHub's times: ISO 8601 in UTC with Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(login: str) -> dict[str, object]:
    return {"login": login, "id": sum(map(ord, login)), "type": "User"}


@dataclass
class Issue:
    """An issue as the server keeps it."""

    number: int
    title: str
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    comments: list[dict[str, object]] = field(default_factory=list)
    pull: bool = False

    def json(self, now: datetime, *, title: str | None = None) -> dict[str, object]:
        made: dict[str, object] = {
            "id": 9000 + self.number,
            "number": self.number,
            "title": self.title if title is None else title,
            "state": "open",
            "html_url": f"https://github.com/{REPO}/issues/{self.number}",
            "labels": [{"name": name, "color": "ededed"} for name in self.labels],
            "assignee": _user(self.assignees[0]) if self.assignees else None,
            "assignees": [_user(login) for login in self.assignees],
            "user": _user("someone"),
            "comments": len(self.comments),
            "created_at": stamp(now - timedelta(hours=2)),
            "updated_at": stamp(now),
        }
        if self.pull:
            made["pull_request"] = {"url": f"https://api.github.com/repos/{REPO}/pulls/4"}
        return made


def issues() -> dict[int, Issue]:
    """The sound server's issues: three open ones and a pull request."""
    made = [
        Issue(1, "Printer on fire", ["P1", "support"]),
        Issue(2, "VPN drops", ["support"], ["bob"]),
        Issue(3, "Invoice copy", ["priority: low"], ["ada"]),
        Issue(PULL, "Fix the printer", pull=True),
    ]
    return {issue.number: issue for issue in made}


def hostile_items(now: datetime) -> list[object]:
    """Bad issues the provider must skip, one problem each."""
    good = {"title": "x", "state": "open", "created_at": stamp(now), "labels": []}
    return [
        dict(good, number=11, created_at="2026-13-45T25:61:00Z"),  # an impossible date
        dict(good, number="not-a-number"),
        dict(good, number=12, labels="not a list"),
        dict(good, number=13, assignees=[{"login": HOSTILE_NAME}]),
        "not an issue",
    ]


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = {"message": "Not Found", "documentation_url": "https://docs"}
    UNAUTHORIZED: ClassVar[object] = {"message": "Bad credentials"}
    WRITES = frozenset({"assign", "update", "comment", "label"})

    @property
    def owner(self) -> GitHubFaultServer:
        return cast(GitHubFaultServer, self.server.vendor)

    def do_PATCH(self) -> None:  # noqa: N802  (http.server names it)
        self.do_GET()

    def _endpoint(self, path: str) -> tuple[str | None, Any]:
        return _endpoint(self.command, path)

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        if hostile and isinstance(body, dict) and "title" in body:
            body = dict(body, title=HOSTILE_TITLE)
        self._json(status, body)

    def _read(
        self, endpoint: str, number: int, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        owner, now = self.owner, self.owner.now
        if endpoint == "issues":
            items: list[object] = [i.json(now) for i in owner.issues.values()]
            if hostile:
                items[0] = owner.issues[NUMBERS[0]].json(now, title=HOSTILE_TITLE)
                items += hostile_items(now)
            self._page(items, query)
        elif endpoint == "people":
            people: list[object] = [_user(login) for login, _, _ in USERS]
            if hostile:
                people += [{"login": HOSTILE_NAME}, {"id": 5}]
            self._page(people, query)
        elif endpoint in ("profile", "me"):
            login = ME if endpoint == "me" else str(number)
            found = next((u for u in USERS if u[0] == login), None)
            if found is None:
                self._json(404, self.NOT_FOUND)
            else:
                self._json(200, _user(login) | {"name": found[1], "email": found[2]})
        elif number not in owner.issues:
            self._json(404, self.NOT_FOUND)
        elif endpoint == "issue":
            self._json(200, owner.issues[number].json(now))
        else:  # comments, oldest first
            self._page(list(owner.issues[number].comments), query)

    def _page(self, items: list[object], query: dict[str, list[str]]) -> None:
        """One page of *items*, with the Link header's next when more are left (§5)."""
        owner = self.owner
        page = int(query.get("page", ["1"])[0])
        size = min(int(query.get("per_page", ["30"])[0]), owner.page_size)
        chunk = items[(page - 1) * size : page * size]
        headers: list[tuple[str, str]] = [("x-ratelimit-remaining", "4999")]
        if page * size < len(items):
            rest = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "page")
            link = f"{owner.origin}{self.path.split('?')[0]}?{rest}&page={page + 1}"
            headers.append(("Link", f'<{link}>; rel="next"'))
        self._json(200, chunk, tuple(headers))

    # GitHub's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        body = {"message": f"injected {fault.status}", "documentation_url": "https://docs"}
        return json.dumps(body).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return b"[" + b" " * 256 + b"]"  # sound JSON, too slow to arrive in time

    def _wrong_shape(self) -> bytes:
        return json.dumps({"issues": "not a list", "number": "x"}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'[{"title":"' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _echo_body(self, echo: str) -> object:
        return {"message": f"Bad credentials ({echo})"}


def _endpoint(method: str, path: str) -> tuple[str | None, Any]:
    """The endpoint a request is for, and the issue number (or login) in its path."""
    parts = path.strip("/").split("/")
    if method == "GET" and parts == ["user"]:
        return "me", 0
    if method == "GET" and len(parts) == 2 and parts[0] == "users":
        return "profile", parts[1]
    if parts[:3] != ["repos", *REPO.split("/")]:
        return None, 0
    rest = parts[3:]
    if method == "GET" and rest == ["assignees"]:
        return "people", 0
    if method == "GET" and rest == ["issues"]:
        return "issues", 0
    if len(rest) < 2 or rest[0] != "issues" or not rest[1].isdigit():
        return None, 0
    number, tail = int(rest[1]), rest[2:]
    routes = {
        ("GET", ()): "issue",
        ("PATCH", ()): "update",
        ("GET", ("comments",)): "comments",
        ("POST", ("comments",)): "comment",
        ("POST", ("assignees",)): "assign",
        ("POST", ("labels",)): "label",
    }
    return routes.get((method, tuple(tail))), number


class GitHubFaultServer(ApiFaultServer):
    """GitHub on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "github"

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.issues = issues()
        self.received: list[Write] = []
        self.authorization = f"Bearer {token}"

    @property
    def writes(self) -> list[Any]:
        """Every write received (GitHub takes no idempotency key; it is recorded as none)."""
        with self._lock:
            return list(self.received)

    def state(self, number: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """What a repeat must not change: assignees, labels, and every comment."""
        with self._lock:
            issue = self.issues[number]
            comments = tuple(json.dumps(c, sort_keys=True) for c in issue.comments)
            return tuple(issue.assignees), tuple(issue.labels), comments

    def write(
        self, endpoint: str, number: int, raw: bytes, authorization: str | None
    ) -> tuple[int, Any]:
        """Apply a write as GitHub would; (status, answer)."""
        with self._lock:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            self.received.append(Write(endpoint, str(number), body, None, authorization))
            issue = self.issues.get(number)
            if issue is None:
                return 404, {"message": "Not Found"}
            if not isinstance(body, dict):
                return 400, {"message": "Problems parsing JSON"}
            allowed = {login for login, _, _ in USERS}
            if endpoint == "assign":  # adds; §5: users without access are silently ignored
                for login in body.get("assignees", []):
                    if login in allowed and login not in issue.assignees:
                        issue.assignees.append(login)
                return 201, issue.json(self.now)
            if endpoint == "update":  # replaces the assignees
                issue.assignees = [a for a in body.get("assignees", []) if a in allowed]
                return 200, issue.json(self.now)
            if endpoint == "label":
                for name in body.get("labels", []):
                    if name not in issue.labels:
                        issue.labels.append(name)
                return 200, [{"name": name} for name in issue.labels]
            comment = {
                "id": 7000 + len(issue.comments),
                "body": body.get("body"),
                "user": _user(ME),
                "created_at": stamp(self.now),
            }
            issue.comments.append(comment)
            return 201, comment
