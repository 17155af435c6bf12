"""Jira Service Management's answers read into the model: queue issues, users, comments.

provider-apis.md §3 [SPEC: Atlassian's service_management and jira_platform OpenAPI, as
copied in xvrh/atlassian_apis@77a145823f61]. A queue's issues are Jira issue beans
(``id``, ``key``, ``fields``), and **only the fields the queue shows as columns come
back**: every field but the id and key may be missing, so each has a fallback (the
priority: `default_priority`; the status: from the assignee) except ``created``, without
which a ticket cannot be placed in time and is skipped. Cloud names a user by
``accountId`` and may hide ``emailAddress``; Data Center by ``name`` (its username).
One malformed issue, user or comment is skipped by the caller's `keep_valid`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from traysupport.core.model import Person, Priority, Ticket, TicketStatus
from traysupport.sources.opsgenie_shapes import parse_jira_user
from traysupport.sources.parse import JsonObject
from traysupport.sources.priority_table import PriorityTable as _Table

TITLE_CHARS = 500
NAME_CHARS = 200
EMAIL_CHARS = 320
ID_CHARS = 128
NOTE_CHARS = 65_536
"""A comment body longer than this is not compared (it is not a note of ours)."""
ISSUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18}")
ISSUE_ID = re.compile(r"[0-9]{1,18}")

DEFAULT_PRIORITIES: tuple[tuple[str, str], ...] = (
    ("Highest", "P1"),
    ("High", "P2"),
    ("Medium", "P3"),
    ("Low", "P4"),
    ("Lowest", "P4"),
    # Jira's scheme before 7.6, still on older Data Center projects.
    ("Blocker", "P1"),
    ("Critical", "P1"),
    ("Major", "P2"),
    ("Minor", "P3"),
    ("Trivial", "P4"),
)
WAITING_STATUSES = frozenset({"waiting for customer", "pending"})
"""JSM's service-project statuses that wait on someone else (status category "In progress")."""


PriorityTable = partial(
    _Table,
    "Jira priority name",
    '{ Highest = "P1", High = "P2", Medium = "P3", Low = "P4" }',
    defaults=DEFAULT_PRIORITIES,
    fold=True,
)
"""Jira priority name → P1..P4; any name (priority schemes are the site's own), the
defaults kept for names not given."""
priority_map = PriorityTable().mapping
"""Priority names (case-folded) to P1..P4: the defaults with the pairs laid over them."""


@dataclass(frozen=True, slots=True)
class Deployment:
    """Where Cloud and Data Center differ: the platform API's path and a user's id field."""

    cloud: bool

    @property
    def api(self) -> str:
        """The platform REST API: ``rest/api/3`` on Cloud (§3), ``rest/api/2`` on Data Center."""
        return "rest/api/3" if self.cloud else "rest/api/2"

    @property
    def user_field(self) -> str:
        """What names a user in writes: ``accountId`` (Cloud) or ``name`` (Data Center)."""
        return "accountId" if self.cloud else "name"

    def user_id(self, item: JsonObject) -> str:
        """The user's id in *item* ("" when absent)."""
        return item.optional_str(self.user_field, max_chars=ID_CHARS)


@dataclass(frozen=True, slots=True)
class IssueReading:
    """What reading a queue issue depends on besides the issue: the source and its settings."""

    source: str
    site: str
    """The site's base URL: an issue's page is ``<site>/browse/<key>``."""
    deployment: Deployment
    priorities: Mapping[str, Priority]
    default_priority: Priority
    """For an issue whose priority the queue does not show, or a name not mapped."""


@dataclass(frozen=True, slots=True)
class QueueIssue:
    """One issue of the queue: the ticket (its SLA still to fill in) and its change stamp."""

    ticket: Ticket
    stamp: str
    """Changes whenever the issue does: its ``updated`` time, else a digest of its fields."""
    exact: bool
    """True when the stamp is ``updated`` (any change moves it); False for a digest of the
    columns shown, which misses a change to a field the queue does not show."""


def parse_issue(value: object, path: str, reading: IssueReading) -> QueueIssue | None:
    """A queue issue as a ticket; None when its status is done (it left the queue)."""
    item = JsonObject.of(value, reading.source, path)
    issue_id = item.require_str("id", max_chars=20)
    if not ISSUE_ID.fullmatch(issue_id):
        raise item.error("id", "is not a Jira issue id")
    key = item.require_str("key", max_chars=ID_CHARS)
    if not ISSUE_KEY.fullmatch(key):
        raise item.error("key", "is not a Jira issue key")
    fields = item.optional_object("fields") or JsonObject({}, reading.source, f"{path}.fields")
    category, status_name = _status(fields)
    if category == "done":
        return None
    person = None
    if fields.has("assignee"):
        where = fields.field_path("assignee")
        person = parse_user(fields.raw("assignee"), reading.source, where, reading.deployment)
    ticket = Ticket(
        id=issue_id,
        key=key,
        title=fields.optional_text("summary", max_chars=TITLE_CHARS) or "(no summary)",
        priority=_priority(fields, reading),
        status=_ticket_status(category, status_name, person is not None),
        created_at=fields.require_time("created"),
        source=reading.source,
        url=f"{reading.site}/browse/{key}",
        assignee=person,
    )
    updated = fields.raw("updated")
    if isinstance(updated, str) and updated.strip():
        return QueueIssue(ticket, f"updated {updated[:64]}", exact=True)
    shown = json.dumps(item.raw("fields"), sort_keys=True, default=str)
    return QueueIssue(ticket, "fields " + hashlib.sha256(shown.encode()).hexdigest(), exact=False)


def _status(fields: JsonObject) -> tuple[str, str]:
    """(status category key: "new", "indeterminate", "done" or "", status name folded)."""
    status = fields.optional_object("status")
    if status is None:
        return "", ""
    category = status.optional_object("statusCategory")
    key = category.optional_str("key", max_chars=32).lower() if category else ""
    return key, status.optional_text("name", max_chars=NAME_CHARS).casefold()


def _ticket_status(category: str, name: str, assigned: bool) -> TicketStatus:
    """Jira's status category as the queue's status.

    "To do" (new) is NEW until someone holds it: acknowledging assigns the issue, and an
    issue with an assignee is acknowledged even when no transition moved it on.
    """
    if category == "indeterminate":
        return TicketStatus.WAITING if name in WAITING_STATUSES else TicketStatus.IN_PROGRESS
    return TicketStatus.ACKNOWLEDGED if assigned else TicketStatus.NEW


def _priority(fields: JsonObject, reading: IssueReading) -> Priority:
    priority = fields.optional_object("priority")
    name = priority.optional_text("name", max_chars=NAME_CHARS) if priority else ""
    return reading.priorities.get(name.casefold(), reading.default_priority)


def parse_user(value: object, source: str, path: str, deployment: Deployment) -> Person:
    """A Jira user: Cloud ``accountId`` (email often hidden), Data Center ``name``."""
    if deployment.cloud:
        return parse_jira_user(value, source, path)
    item = JsonObject.of(value, source, path)
    name = item.require_str("name", max_chars=ID_CHARS)
    return Person(
        id=name,
        name=item.optional_text("displayName", max_chars=NAME_CHARS) or name,
        email=item.optional_text("emailAddress", max_chars=EMAIL_CHARS),
    )


def user_item(value: object, source: str, path: str, deployment: Deployment) -> Person | None:
    """A user of a user list; None for an inactive one (no hand-over to them) or an app."""
    item = JsonObject.of(value, source, path)
    person = parse_user(value, source, path, deployment)
    kind = item.optional_str("accountType", "atlassian", max_chars=32)
    if not item.optional_bool("active", default=True) or kind != "atlassian":
        return None
    return person


@dataclass(frozen=True, slots=True)
class Comment:
    """What of a request comment tells whether a note of ours is already there."""

    author_id: str
    body: str
    public: bool
    created: int
    """Its ``created.epochMillis``; 0 when absent."""


def parse_comment(value: object, source: str, path: str, deployment: Deployment) -> Comment:
    """A ``GET /rest/servicedeskapi/request/{key}/comment`` value (§3): body, public, author."""
    item = JsonObject.of(value, source, path)
    author = item.optional_object("author")
    body = item.raw("body")
    if not isinstance(body, str) or len(body) > NOTE_CHARS:
        body = ""
    return Comment(
        author_id=deployment.user_id(author) if author is not None else "",
        body=body,
        public=item.raw("public") is not False,
        created=_millis(item.optional_object("created")),
    )


def _millis(date: JsonObject | None) -> int:
    millis = date.raw("epochMillis") if date is not None else None
    return millis if isinstance(millis, int) and not isinstance(millis, bool) else 0


def same_note(body: str, note: str) -> bool:
    """Whether a comment's body is *note*, white space aside (Jira may rewrap it)."""
    return " ".join(body.split()) == " ".join(note.split())
