"""GitHub Issues' answers read into the model: issues, users, comments; label priorities.

provider-apis.md §5 "List issues" (issue fields; the list includes pull requests, the
items with a ``pull_request`` key). An issue is known by ``owner/repo#N``: the model's id
and key both, since every write needs the repository and the number. One malformed item
is skipped by the caller's `keep_valid`, never the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from traysupport.core.model import Person, Priority, Ticket, TicketStatus
from traysupport.sources.base import BadDataError, RejectedError
from traysupport.sources.parse import JsonObject
from traysupport.sources.priority_table import PriorityTable as _Table

TITLE_CHARS = 500
LOGIN_CHARS = 39  # GitHub logins: at most 39 letters, digits and single hyphens
NAME_CHARS = 200
EMAIL_CHARS = 320
NOTE_CHARS = 65_536
"""GitHub's comment body limit; a longer body is not a note of ours."""

REPO_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
"""``owner/repo`` as GitHub spells them."""
_LOGIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\[bot\])?")
_KEY_RE = re.compile(rf"({REPO_RE.pattern})#([1-9][0-9]{{0,9}})")

DEFAULT_PRIORITIES: tuple[tuple[str, str], ...] = (
    ("P1", "P1"),
    ("P2", "P2"),
    ("P3", "P3"),
    ("P4", "P4"),
    ("priority: critical", "P1"),
    ("priority: high", "P2"),
    ("priority: medium", "P3"),
    ("priority: low", "P4"),
)
"""Labels many projects use for priority; `priorities` lays the team's own over them."""


LabelPriorities = partial(
    _Table,
    "GitHub label",
    '{ "sev1" = "P1", "priority: high" = "P2" }',
    defaults=DEFAULT_PRIORITIES,
    fold=True,  # GitHub matches labels case-blind
)
"""GitHub label → P1..P4, e.g. ``{ "sev1" = "P1", "priority: high" = "P2" }``."""
priority_map = LabelPriorities().mapping
"""Label (case-folded) → priority: defaults, then the configured pairs."""


@dataclass(frozen=True, slots=True)
class IssueReading:
    """What reading an issue depends on besides the issue: the source and its settings."""

    source: str
    repo: str
    """``owner/repo`` the list was asked of (an issue carries no repository name itself)."""
    priorities: Mapping[str, Priority]
    default_priority: Priority
    people: Mapping[str, Person]
    """Assignable users by login, case-folded (from `fetch_people`), to name the assignee."""


def parse_issue(value: object, path: str, reading: IssueReading) -> Ticket | None:
    """A Ticket from an issue; None for a pull request or a closed issue (§5)."""
    item = JsonObject.of(value, reading.source, path)
    if item.has("pull_request"):
        return None  # §5: the list includes pull requests; they are not the queue's
    if item.optional_str("state", "open", max_chars=16).lower() != "open":
        return None
    number = item.raw("number")
    if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 10**10:
        raise item.error("number", "is not an issue number")
    key = f"{reading.repo}#{number}"
    assignee = first_assignee(item, reading.people)
    return Ticket(
        id=key,
        key=key,
        title=item.optional_text("title", max_chars=TITLE_CHARS) or "(no title)",
        priority=label_priority(item, reading.priorities, reading.default_priority),
        status=TicketStatus.IN_PROGRESS if assignee else TicketStatus.NEW,
        created_at=item.require_time("created_at"),
        source=reading.source,
        url=item.optional_url("html_url") or f"https://github.com/{reading.repo}/issues/{number}",
        assignee=assignee,
        sla=None,  # GitHub has no SLA: the team's policy counts from created_at
    )


def label_names(item: JsonObject) -> list[str]:
    """The issue's label names (a label is an object with ``name``, or a bare string)."""
    raw = item.raw("labels")
    if raw is None:
        return []
    labels = item.require_list("labels")
    names: list[str] = []
    for label in labels:
        name = label.get("name") if isinstance(label, dict) else label
        if isinstance(name, str) and len(name) <= 100:
            names.append(name)
    return names


def label_priority(
    item: JsonObject, priorities: Mapping[str, Priority], default: Priority
) -> Priority:
    """The most urgent priority any of the issue's labels maps to; *default* for none."""
    found = [p for n in label_names(item) if (p := priorities.get(n.strip().casefold()))]
    return min(found, key=lambda p: p.value) if found else default


def assignee_logins(item: JsonObject) -> list[str]:
    """``assignees[].login`` in order, else the single ``assignee`` (older answers)."""
    listed = item.raw("assignees")
    users = listed if isinstance(listed, list) else [item.raw("assignee")]
    logins = []
    for user in users:
        login = user.get("login") if isinstance(user, dict) else None
        if isinstance(login, str) and _LOGIN_RE.fullmatch(login):
            logins.append(login)
    return logins


def first_assignee(item: JsonObject, people: Mapping[str, Person]) -> Person | None:
    """The first assignee, as the rotation's person when known by login (emails are rare)."""
    logins = assignee_logins(item)
    if not logins:
        return None
    return people.get(logins[0].casefold()) or Person(id=logins[0], name=logins[0])


def parse_user(value: object, source: str, path: str) -> Person:
    """A Person from a GitHub user: id = login (what writes take), name, public email."""
    item = JsonObject.of(value, source, path)
    login = item.require_str("login", max_chars=LOGIN_CHARS + 5)
    if not _LOGIN_RE.fullmatch(login):
        raise item.error("login", "is not a GitHub login")
    return Person(
        id=login,
        name=item.optional_text("name", max_chars=NAME_CHARS) or login,
        email=item.optional_text("email", max_chars=EMAIL_CHARS),
    )


@dataclass(frozen=True, slots=True)
class Comment:
    """What of an issue comment tells whether a note of ours is already there."""

    author: str
    body: str


def parse_comment(value: object, source: str, path: str) -> Comment:
    """A comment of ``GET /repos/{o}/{r}/issues/{n}/comments`` (§5)."""
    item = JsonObject.of(value, source, path)
    user = item.optional_object("user")
    author = user.optional_str("login", max_chars=LOGIN_CHARS + 5) if user else ""
    body = item.raw("body")
    return Comment(author, body if isinstance(body, str) and len(body) <= NOTE_CHARS else "")


def same_note(body: str, note: str) -> bool:
    """Whether a comment's body is *note*, white space aside."""
    return " ".join(body.split()) == " ".join(note.split())


def issue_key(source: str, ticket_id: str) -> tuple[str, int]:
    """``owner/repo`` and the number of an ``owner/repo#N`` id; RejectedError otherwise."""
    found = _KEY_RE.fullmatch(ticket_id.strip())
    if found is None:
        problem = f"{ticket_id!r} is not a GitHub issue (owner/repo#number)"
        raise RejectedError(source, problem, "Give the issue like acme/app#42.")
    return found.group(1), int(found.group(2))


def login_of(source: str, person: Person, role: str) -> str:
    """*person*'s GitHub login (their id here); RejectedError for anyone else."""
    if _LOGIN_RE.fullmatch(person.id):
        return person.id
    problem = f"{role}, {person.name!r}, has no GitHub login ({person.id!r})"
    hint = "Pick the person from this source's people (the repositories' assignable users)."
    raise RejectedError(source, problem, hint)


def issue_of(answer: object, source: str, number: int) -> JsonObject:
    """The issue object of an answer, which must be issue *number*."""
    item = JsonObject.of(answer, source, "")
    if item.raw("number") != number:
        raise BadDataError(source, f"the answer is not issue {number}")
    return item
