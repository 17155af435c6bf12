"""GitHub Issues' write-backs: acknowledge (assign me, optionally a label) and hand over.

provider-apis.md §5 "Changes". GitHub takes no idempotency key, so a repeat is made
harmless by state: the issue is read first and only what is missing is sent. Assigning
is a state (a repeat changes nothing); a comment is not, so before one is posted on a
retry (the outbox's ``steps.retrying``) or when the issue is already the recipient's (an
earlier try got that far), the issue's comments are read and an identical one by the
same author means it is there. Every write is confirmed from the answered issue (or
label list), never from a bare 2xx; GitHub silently drops an assignee without access to
the repository, which the answer shows, and that is a `RejectedError`.
"""

from __future__ import annotations

import logging

from traysupport.core.model import Person
from traysupport.sources.base import NO_STEPS, BadDataError, RejectedError, Steps
from traysupport.sources.github_shapes import (
    Comment,
    assignee_logins,
    issue_key,
    issue_of,
    label_names,
    login_of,
    parse_comment,
    same_note,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import LinkHeader, pages
from traysupport.sources.parse import JsonObject, keep_valid

log = logging.getLogger(__name__)

COMMENT_PAGES = 30
"""Comments are read oldest first, 100 a page; an issue with more than 3000 is not ours."""


class IssueWrites:
    """The writes of one GitHub source, through its `HttpClient` (thread-safe like it)."""

    def __init__(self, name: str, http: HttpClient, *, acknowledge_label: str = "") -> None:
        self._name = name
        self._http = http
        self._label = acknowledge_label

    def acknowledge(self, ticket_id: str, by: Person, *, steps: Steps = NO_STEPS) -> None:
        """Add *by* to the assignees (``POST …/assignees``), then the acknowledge label.

        Steps "assign" and "label"; each is skipped when the issue already shows it, so
        acknowledging what is already mine sends nothing.
        """
        repo, number = issue_key(self._name, ticket_id)
        me = login_of(self._name, by, "who acknowledges")
        issue = self._issue(repo, number)
        base = f"repos/{repo}/issues/{number}"
        if not steps.done("assign"):
            if not _has(assignee_logins(issue), me):
                answer = self._http.post_json(
                    f"{base}/assignees",
                    {"assignees": [me]},
                    confirm=lambda a: _is_issue(a, number),
                    expected=f"issue {number}",
                )
                self._check_assigned(issue_of(answer, self._name, number), me, want_only=False)
            steps.record("assign")
        if self._label and not steps.done("label"):
            if not _has(label_names(issue), self._label):
                self._http.post_json(
                    f"{base}/labels",
                    {"labels": [self._label]},
                    confirm=lambda a: _lists_label(a, self._label),
                    expected=f"the labels of issue {number}, with {self._label!r}",
                )
            steps.record("label")

    def hand_over(
        self, ticket_id: str, to: Person, note: str, by: Person, *, steps: Steps = NO_STEPS
    ) -> None:
        """Make *to* the only assignee (``PATCH`` the issue), then post *note* as a comment.

        Steps "assign" and "comment". The PATCH replaces the assignees, so whoever handed
        over is no longer assigned (the ticket leaves their list, as in the other tools).
        """
        repo, number = issue_key(self._name, ticket_id)
        them = login_of(self._name, to, "the recipient")
        author = login_of(self._name, by, "who hands over")
        base = f"repos/{repo}/issues/{number}"
        already = False
        if not steps.done("assign"):
            issue = self._issue(repo, number)
            logins = assignee_logins(issue)
            already = len(logins) == 1 and _has(logins, them)
            if not already:
                answer = self._http.request(
                    "PATCH",
                    base,
                    json_body={"assignees": [them]},
                    confirm=lambda a: _is_issue(a, number),
                    expected=f"issue {number}",
                )
                self._check_assigned(issue_of(answer, self._name, number), them, want_only=True)
            steps.record("assign")
        if note.strip() and not steps.done("comment"):
            if not ((steps.retrying or already) and self._noted(base, author, note)):
                self._http.post_json(
                    f"{base}/comments",
                    {"body": note},
                    confirm=lambda a: _is_comment(a, note),
                    expected="the new comment",
                )
            steps.record("comment")

    def _issue(self, repo: str, number: int) -> JsonObject:
        answer = self._http.get_json(f"repos/{repo}/issues/{number}")
        return issue_of(answer, self._name, number)

    def _check_assigned(self, issue: JsonObject, login: str, *, want_only: bool) -> None:
        """GitHub answers 201/200 and drops an assignee it cannot take: say so."""
        logins = assignee_logins(issue)
        if _has(logins, login) and (len(logins) == 1 or not want_only):
            return
        problem = f"GitHub did not assign {login} (the issue's assignees: {logins or 'none'})"
        hint = f"{login} needs access to the repository (triage or more) to be assigned."
        raise RejectedError(self._name, problem, hint)

    def _noted(self, base: str, author: str, note: str) -> bool:
        """Whether *author*'s latest comment on the issue is *note*."""
        latest: Comment | None = None
        for page in pages(
            self._http,
            f"{base}/comments",
            {"per_page": 100},
            LinkHeader(),
            items_of=lambda body: _listed(body, self._name),
            max_pages=COMMENT_PAGES,
            what="comments",
        ):
            comments: list[Comment] = keep_valid(
                page.items,
                lambda v, p: parse_comment(v, self._name, p),
                self._name,
                "comments",
                log,
            )
            mine = [c for c in comments if c.author.casefold() == author.casefold()]
            latest = mine[-1] if mine else latest
        return latest is not None and same_note(latest.body, note)


def _listed(body: object, source: str) -> list[object]:
    if not isinstance(body, list):
        raise BadDataError(source, "the answer is not a list")
    return body


def _has(names: list[str], name: str) -> bool:
    return name.casefold() in {n.casefold() for n in names}


def _is_issue(answer: object, number: int) -> bool:
    return isinstance(answer, dict) and answer.get("number") == number


def _is_comment(answer: object, note: str) -> bool:
    body = answer.get("body") if isinstance(answer, dict) else None
    return isinstance(body, str) and same_note(body, note)


def _lists_label(answer: object, label: str) -> bool:
    """§5: adding labels answers the issue's labels, a list of ``{name}``."""
    if not isinstance(answer, list):
        return False
    names = [a.get("name") for a in answer if isinstance(a, dict)]
    return label.casefold() in {n.casefold() for n in names if isinstance(n, str)}
