"""Acknowledge and hand over written to Jira Service Management: assign, transition, comment.

provider-apis.md §3 "Assign, comment, transition" [SPEC jira_platform, service_management]:

- assign: ``PUT /rest/api/3/issue/{id}/assignee {"accountId"}`` (Data Center:
  ``/rest/api/2`` with ``{"name"}``), answered 204 with no body; it needs *Assign Issues*;
- transition: ``GET …/issue/{id}/transitions`` → ``transitions[]{id, name}``, then
  ``POST …/issue/{id}/transitions {"transition": {"id"}}``, answered 204;
- internal comment: ``POST /rest/servicedeskapi/request/{id}/comment {"body", "public":
  false}``, answered 201 with the comment; ``GET`` the same path lists them (paged,
  oldest first), ``public=false`` leaving out the ones customers see.

Jira takes no idempotency key, so repeats are made harmless by state: the assignee is
read first (already theirs: nothing sent), and a note is looked for among the request's
internal comments before it is posted again (`IssueWriter.hand_over`).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from traysupport.core.model import Person
from traysupport.sources.base import NO_STEPS, NotFoundError, RejectedError, Steps
from traysupport.sources.http import HttpClient
from traysupport.sources.jira_sm_shapes import (
    ISSUE_ID,
    ISSUE_KEY,
    Comment,
    Deployment,
    parse_comment,
    same_note,
)
from traysupport.sources.paging import OffsetLimit, pages
from traysupport.sources.parse import JsonObject, clean_text, keep_valid

log = logging.getLogger(__name__)

COMMENT_PAGES = 10
"""A request's internal comments read (100 a page) when looking for a note of ours."""


class IssueWriter:
    """The write-backs of one Jira site. Thread-safe: it keeps no state between calls."""

    def __init__(
        self, source: str, http: HttpClient, deployment: Deployment, transition: str = ""
    ) -> None:
        self._name = source
        self._http = http
        self._deployment = deployment
        self._transition = transition.strip()

    def acknowledge(self, ticket_id: str, by: Person, *, steps: Steps = NO_STEPS) -> None:
        """Assign the issue to *by* (nothing sent when it is theirs already), then apply
        the configured transition. Steps "assign" and "transition"; Jira takes no key."""
        issue = self._issue_ref(ticket_id)
        quiet = steps.retrying  # a missing transition may be one applied before
        if not steps.done("assign"):
            if self._assignee(issue) == by.id:
                quiet = True
            else:
                self._assign(issue, by, "who acknowledges")
            steps.record("assign")
        if self._transition and not steps.done("transition"):
            self._apply_transition(issue, quiet=quiet)
            steps.record("transition")

    def hand_over(
        self,
        ticket_id: str,
        to: Person,
        note: str,
        by: Person,
        *,
        steps: Steps = NO_STEPS,
    ) -> None:
        """Assign the issue to *to*, then add *note* as an internal comment; steps
        "assign" and "comment". The note is not posted again when *by*'s latest internal
        comment already is it (looked for on a retry, or when *to* held the issue already)."""
        issue = self._issue_ref(ticket_id)
        again = steps.retrying
        if not steps.done("assign"):
            if self._assignee(issue) == to.id:
                again = True  # nothing to assign: perhaps an earlier try got through
            else:
                self._assign(issue, to, "the recipient")
            steps.record("assign")
        if note.strip() and not steps.done("comment"):
            if not (again and self._noted(issue, by, note)):
                self._http.post_json(
                    f"rest/servicedeskapi/request/{issue}/comment",
                    {"body": note, "public": False},  # §3: public false = internal
                    confirm=_is_internal_comment,
                    expected="the internal comment Jira made",
                )
            steps.record("comment")

    def _issue_ref(self, ticket_id: str) -> str:
        """*ticket_id* (an issue id or key) for a URL path; anything else is no Jira issue."""
        text = ticket_id.strip()
        if not (ISSUE_ID.fullmatch(text) or ISSUE_KEY.fullmatch(text)):
            problem = f"{clean_text(ticket_id, 40)!r} is not a Jira issue id or key"
            raise NotFoundError(self._name, problem, "Give the issue's key, e.g. SD-42.")
        return quote(text, safe="")

    def _assignee(self, issue: str) -> str | None:
        """The issue's assignee's id now (None: unassigned)."""
        answer = self._http.get_json(
            f"{self._deployment.api}/issue/{issue}", {"fields": "assignee"}
        )
        fields = JsonObject.of(answer, self._name, "issue").optional_object("fields")
        assignee = fields.optional_object("assignee") if fields is not None else None
        if assignee is None:
            return None
        return self._deployment.user_id(assignee) or None

    def _assign(self, issue: str, person: Person, role: str) -> None:
        """``PUT …/issue/{id}/assignee``; Jira's documented answer is 204, no body (§3)."""
        if not person.id.strip():
            problem = f"{role}, {person.name!r}, has no Jira user id"
            hint = "Pick the person from this source's people (matched by email)."
            raise RejectedError(self._name, problem, hint)
        self._http.request(
            "PUT",
            f"{self._deployment.api}/issue/{issue}/assignee",
            json_body={self._deployment.user_field: person.id},
            confirm=_is_empty,
            expected="Jira's empty 204 answer",
        )

    def _apply_transition(self, issue: str, *, quiet: bool) -> None:
        """POST the transition named as configured; when the issue's status offers none,
        fine if the issue was mine already (done before, or moved on), else refused."""
        answer = self._http.get_json(f"{self._deployment.api}/issue/{issue}/transitions")
        offered = JsonObject.of(answer, self._name, "").require_list("transitions")
        names: dict[str, tuple[str, str]] = {}  # folded name: (name, id)
        for index, raw in enumerate(offered):
            if not isinstance(raw, dict):
                continue  # a broken transition is not the one asked for
            item = JsonObject(raw, self._name, f"transitions[{index}]")
            name = item.optional_text("name", max_chars=200)
            transition_id = item.optional_str("id", max_chars=32)
            if name and transition_id.isdigit():
                names.setdefault(name.casefold(), (name, transition_id))
        chosen = names.get(self._transition.casefold())
        if chosen is None:
            if quiet:
                log.info("%s: no transition %r offered now", self._name, self._transition)
                return
            listed = ", ".join(sorted(name for name, _ in names.values())) or "none"
            raise RejectedError(
                self._name,
                f"Jira offers no transition named {self._transition!r} for this issue now "
                f"(it offers: {clean_text(listed, 200)})",
                "Check acknowledge_transition in Settings: a transition's name as the "
                "issue's workflow buttons show it.",
            )
        self._http.post_json(
            f"{self._deployment.api}/issue/{issue}/transitions",
            {"transition": {"id": chosen[1]}},
            confirm=_is_empty,
            expected="Jira's empty 204 answer",
        )

    def _noted(self, issue: str, by: Person, note: str) -> bool:
        """Whether *by*'s latest internal comment on the request is *note*."""
        mine: list[Comment] = []
        for page in pages(
            self._http,
            f"rest/servicedeskapi/request/{issue}/comment",
            {"public": "false", "internal": "true"},
            OffsetLimit(limit=100, offset_param="start", more="", last="isLastPage"),
            items_of=lambda body: JsonObject.of(body, self._name, "").require_list("values"),
            max_pages=COMMENT_PAGES,
            what="comments",
        ):
            for comment in keep_valid(page.items, self._comment, self._name, "comments", log):
                if comment.author_id == by.id and not comment.public:
                    mine.append(comment)
        if not mine:
            return False
        # The newest by its creation time; listed order (oldest first) breaks ties.
        latest = max(enumerate(mine), key=lambda pair: (pair[1].created, pair[0]))[1]
        return same_note(latest.body, note)

    def _comment(self, value: object, path: str) -> Comment:
        return parse_comment(value, self._name, path, self._deployment)


def _is_empty(answer: object) -> bool:
    """Jira's 204: no body."""
    return answer is None


def _is_internal_comment(answer: object) -> bool:
    """§3: 201 with the comment made, ``public: false``."""
    return isinstance(answer, dict) and answer.get("public") is False and bool(answer.get("id"))
