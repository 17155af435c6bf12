"""Sentry's write-backs: assign (acknowledge), assign + note (hand over), archive (silence).

provider-apis.md §7 "Changing issues": ``PUT /api/0/organizations/{org}/issues/{id}/`` with
``{"assignedTo": "user:<id>"}`` (scope ``event:write``) answers the updated issue. Notes:
``POST …/issues/{id}/notes/`` ``{"text": …}`` (Sentry's URL routes take ``notes`` or
``comments``: getsentry/sentry ``src/sentry/api/urls.py``, GroupNotesEndpoint; §10 left
the path UNCONFIRMED). Silence: ``{"status": "ignored", "statusDetails": {}, "substatus":
"archived_until_escalating"}``, the body Sentry's own web app sends for "Archive until
escalating" (getsentry/sentry ``static/app`` ARCHIVE_UNTIL_ESCALATING; §10 had it [INF]).

Sentry takes no idempotency key, so a repeat is made harmless by state: the issue is read
first (already assigned to that user, or already archived: nothing is sent), and a note
is looked for among the issue's notes before it is posted. Sentry itself refuses the same
note by the same user within an hour with 400 "You have already posted that comment.";
that answer is taken as the note being there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from traysupport.core.model import Person
from traysupport.sources.base import NO_STEPS, RejectedError, Steps
from traysupport.sources.http import HttpClient
from traysupport.sources.parse import JsonObject, keep_valid
from traysupport.sources.sentry_shapes import (
    ID_CHARS,
    Note,
    assignee_user,
    parse_note,
    same_note,
    sentry_id,
)

log = logging.getLogger(__name__)

NOTES_LOOKED_AT = 100
"""Notes searched for ours before posting it again (the first page, newest first)."""
ARCHIVE = {"status": "ignored", "statusDetails": {}, "substatus": "archived_until_escalating"}
ALREADY_POSTED = "already posted that comment"
"""Sentry's GroupNotesEndpoint refuses a duplicate note within an hour with these words."""


class IssueWrites:
    """The writes of one Sentry source, through its `HttpClient` (thread-safe like it)."""

    def __init__(self, name: str, http: HttpClient, organization: str) -> None:
        self._name = name
        self._http = http
        self._org = organization

    def acknowledge(self, issue_id: str, by: Person) -> None:
        """Assign the issue to *by*; nothing sent when it already is *by*'s."""
        self._assign(issue_id, self._user_id(by, "who acknowledges"))

    def hand_over(
        self, issue_id: str, to: Person, note: str, by: Person, steps: Steps = NO_STEPS
    ) -> None:
        """Assign the issue to *to* ("assign"), then post *note* as a note ("note").

        Two calls, two steps: when the note fails, only the note is sent again. The note
        is not posted when *by*'s latest notes already hold it.
        """
        recipient = self._user_id(to, "the recipient")
        author = self._user_id(by, "who hands over")
        if not steps.done("assign"):
            self._assign(issue_id, recipient)
            steps.record("assign")
        if note.strip() and not steps.done("note"):
            self._note(issue_id, author, note)
            steps.record("note")

    def silence(self, issue_id: str) -> None:
        """Archive the issue until it escalates; nothing sent when it already is."""
        path = self._path(issue_id)
        issue = self._issue(path)
        if issue.optional_str("status", max_chars=32).lower() == "ignored":
            return  # archived already (until escalating, or longer): leave it so
        self._http.request(
            "PUT",
            path,
            json_body=ARCHIVE,
            confirm=lambda answer: self._confirms(answer, issue_id, _archived),
            expected=f"issue {issue_id} archived until escalating",
        )

    # -- the calls --------------------------------------------------------------------

    def _assign(self, issue_id: str, user_id: str) -> None:
        path = self._path(issue_id)
        if assignee_user(self._issue(path)) == user_id:
            return  # already theirs: a repeat, or someone did it in Sentry

        def assigned(issue: JsonObject) -> bool:
            return assignee_user(issue) == user_id

        self._http.request(
            "PUT",
            path,
            json_body={"assignedTo": f"user:{user_id}"},
            confirm=lambda answer: self._confirms(answer, issue_id, assigned),
            expected=f"issue {issue_id} assigned to user {user_id}",
        )

    def _note(self, issue_id: str, author: str, note: str) -> None:
        path = f"{self._path(issue_id)}notes/"
        if self._noted(path, author, note):
            return
        try:
            self._http.post_json(
                path,
                {"text": note},
                confirm=lambda answer: _is_note(answer, self._name, note),
                expected=f"the note on issue {issue_id}",
            )
        except RejectedError as refused:
            if ALREADY_POSTED not in str(refused).lower():
                raise
            log.info("%s: Sentry already has the note on issue %s", self._name, issue_id)

    def _noted(self, path: str, author: str, note: str) -> bool:
        """Whether one of *author*'s notes (of the newest page) is this note."""
        answer = self._http.get_json(path)
        items = answer if isinstance(answer, list) else []
        notes: list[Note] = keep_valid(
            items[:NOTES_LOOKED_AT],
            lambda v, p: parse_note(v, self._name, p),
            self._name,
            "notes",
            log,
        )
        return any(n.author_id == author and same_note(n.text, note) for n in notes)

    def _issue(self, path: str) -> JsonObject:
        return JsonObject.of(self._http.get_json(path), self._name, "")

    def _confirms(
        self, answer: object, issue_id: str, confirmed: Callable[[JsonObject], bool]
    ) -> bool:
        """The answered issue is this one (when it says), in the state asked for."""
        issue = JsonObject.of(answer, self._name, "")
        if issue.raw("id") is not None and sentry_id(issue, "id") != issue_id:
            return False
        return confirmed(issue)

    def _path(self, issue_id: str) -> str:
        text = issue_id.strip()
        if not (text.isascii() and text.isdigit() and 0 < len(text) <= ID_CHARS):
            problem = f"{issue_id!r} is not a Sentry issue id"
            hint = "Give the issue's numeric id (from its URL, e.g. 4501), not its short id."
            raise RejectedError(self._name, problem, hint)
        return f"api/0/organizations/{self._org}/issues/{text}/"

    def _user_id(self, person: Person, role: str) -> str:
        if person.id.isascii() and person.id.isdigit() and 0 < len(person.id) <= ID_CHARS:
            return person.id
        problem = f"{role}, {person.name!r}, has no Sentry user id ({person.id!r})"
        hint = "Pick the person from this source's people (organization members, by email)."
        raise RejectedError(self._name, problem, hint)


def _archived(issue: JsonObject) -> bool:
    status = issue.optional_str("status", max_chars=32).lower()
    substatus = issue.optional_str("substatus", max_chars=64).lower()
    # An answer without substatus (older Sentry) is confirmed by its status alone.
    return status == "ignored" and substatus in ("", "archived_until_escalating")


def _is_note(answer: object, source: str, note: str) -> bool:
    """The answer is the created note: ``{"type": "note", "data": {"text": …}}``."""
    item = JsonObject.of(answer, source, "")
    if item.optional_str("type", "note", max_chars=32) != "note":
        return False
    return same_note(parse_note(answer, source, "").text, note)
