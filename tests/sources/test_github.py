"""GitHubSource's reads against a local server in provider-apis.md §5's shapes.

Open issues per repository with the label filter, pull requests skipped, Link-header
paging, priority from labels, a conditional second poll (If-None-Match, and a 304 gives
the same tickets), the primary and secondary rate limits as RateLimitedError (never
AuthError), the people from the assignable users with their public emails, and who I am.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from traysupport.core.model import Person, Priority, TicketStatus
from traysupport.sources import github
from traysupport.sources.base import AuthError, RateLimitedError
from traysupport.sources.github import GitHubSettings, GitHubSource
from traysupport.sources.github_shapes import LabelPriorities
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
TOKEN = "ghp_t0ken-never-shown"
ISSUES = "/repos/acme/app/issues"


def build(url: str, retries: int = 0, **settings: Any) -> GitHubSource:
    """The source built through SPEC, as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=retries, max_retry_after=5.0)
        return HttpClient("gh", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="gh", token=TOKEN, http=http, clock=lambda: NOW)
    options: dict[str, Any] = {"url": url, "repos": ("acme/app",)} | settings
    source = github.SPEC.build(GitHubSettings(**options), context)
    assert isinstance(source, GitHubSource)
    return source


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[GitHubSource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def issue(number: int, **fields: Any) -> dict[str, Any]:
    """An issue as §5 lists it."""
    return {
        "id": 1000 + number,
        "number": number,
        "title": f"Issue {number}",
        "state": "open",
        "html_url": f"https://github.com/acme/app/issues/{number}",
        "labels": [],
        "assignee": None,
        "assignees": [],
        "user": {"login": "someone", "id": 5},
        "comments": 0,
        "created_at": "2026-05-05T07:00:00Z",
        "updated_at": "2026-05-05T08:00:00Z",
    } | fields


def user(login: str, **fields: Any) -> dict[str, Any]:
    return {"login": login, "id": hash(login) % 10_000, "type": "User"} | fields


def test_open_issues_become_tickets_and_pull_requests_are_skipped(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    pr = issue(3, pull_request={"url": "https://api.github.com/repos/acme/app/pulls/3"})
    mine = issue(
        2, labels=[{"name": "priority: high", "color": "f00"}], assignees=[user("ada"), user("bob")]
    )
    httpserver.expect_request(ISSUES, method="GET").respond_with_json([issue(1), mine, pr])
    tickets = source.fetch_tickets()
    assert [t.key for t in tickets] == ["acme/app#1", "acme/app#2"]
    first, second = tickets
    assert first.id == "acme/app#1" and first.source == "gh"
    assert first.url == "https://github.com/acme/app/issues/1"
    assert first.created_at == datetime(2026, 5, 5, 7, 0, tzinfo=UTC)
    assert (first.priority, first.status, first.assignee, first.sla) == (
        Priority.P3,
        TicketStatus.NEW,
        None,
        None,
    )
    assert second.priority is Priority.P2
    assert second.assignee == Person("ada", "ada")  # the first of the assignees
    assert second.status is TicketStatus.IN_PROGRESS
    request = httpserver.log[0][0]
    assert request.args.to_dict() == {"state": "open", "per_page": "100"}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_the_label_filter_and_configured_priorities(httpserver: HTTPServer) -> None:
    labels = [{"name": "support"}, {"name": "Sev1"}, {"name": "P3"}]
    httpserver.expect_request(ISSUES).respond_with_json([issue(7, labels=labels)])
    made = build(
        httpserver.url_for("").rstrip("/"),
        labels=("support", "oncall"),
        priorities=(("sev1", "P1"),),
        default_priority="P4",
    )
    try:
        (ticket,) = made.fetch_tickets()
    finally:
        made.close()
    assert ticket.priority is Priority.P1  # the most urgent label wins, matched case-blind
    assert httpserver.log[0][0].args["labels"] == "support,oncall"


def test_label_priorities_refuse_what_is_no_priority() -> None:
    with pytest.raises(InvalidValueError):
        LabelPriorities().parse({"sev1": "urgent"})
    assert LabelPriorities().parse({"sev1": "P1"}) == (("sev1", "P1"),)


def test_every_page_of_the_link_header_is_followed(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    second = httpserver.url_for(ISSUES) + "?state=open&per_page=100&page=2"
    link = f'<{second}>; rel="next", <{second}>; rel="last"'
    httpserver.expect_ordered_request(
        ISSUES, query_string="state=open&per_page=100"
    ).respond_with_json([issue(1)], headers={"Link": link})
    httpserver.expect_ordered_request(
        ISSUES, query_string="state=open&per_page=100&page=2"
    ).respond_with_json([issue(2)])
    assert [t.key for t in source.fetch_tickets()] == ["acme/app#1", "acme/app#2"]


def test_a_second_poll_is_conditional_and_a_304_gives_the_same_tickets(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    etag = '"644b5b0155e6404a9cc4bd9d8b1ae730"'
    httpserver.expect_ordered_request(ISSUES).respond_with_json(
        [issue(1), issue(2)], headers={"ETag": etag}
    )
    httpserver.expect_ordered_request(
        ISSUES, headers={"If-None-Match": etag}
    ).respond_with_response(
        Response(status=304, headers={"ETag": etag, "x-ratelimit-remaining": "4999"})
    )
    first = source.fetch_tickets()
    again = source.fetch_tickets()
    assert again == first and len(first) == 2
    assert "If-None-Match" not in httpserver.log[0][0].headers
    assert httpserver.log[1][0].headers["If-None-Match"] == etag
    assert httpserver.log[1][1].status_code == 304


def test_the_primary_limit_is_a_rate_limit_not_an_auth_error(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    reset = int(NOW.timestamp()) + 600
    body = {"message": "API rate limit exceeded for user ID 1."}
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    httpserver.expect_request(ISSUES).respond_with_json(body, status=403, headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert not isinstance(caught.value, AuthError)


@pytest.mark.parametrize("status", [403, 429])
def test_the_secondary_limit_with_retry_after_is_a_rate_limit(
    httpserver: HTTPServer, source: GitHubSource, status: int
) -> None:
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
    headers = {"retry-after": "600", "x-ratelimit-remaining": "4321"}
    httpserver.expect_request(ISSUES).respond_with_json(body, status=status, headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after is not None and caught.value.retry_after >= 599


def test_the_secondary_limit_with_only_a_message_waits_a_minute(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
    httpserver.expect_request(ISSUES).respond_with_json(
        body, status=403, headers={"x-ratelimit-remaining": "4321"}
    )
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 60.0


def test_a_403_without_a_limit_is_an_auth_error_naming_the_token_to_make(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    body = {"message": "Resource not accessible by personal access token"}
    httpserver.expect_request(ISSUES).respond_with_json(body, status=403)
    with pytest.raises(AuthError) as caught:
        source.fetch_tickets()
    assert "Issues: Read and write" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_no_page_is_asked_for_once_the_quota_is_spent(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    second = httpserver.url_for(ISSUES) + "?page=2"
    headers = {
        "Link": f'<{second}>; rel="next"',
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(NOW.timestamp()) + 120),
    }
    httpserver.expect_request(ISSUES).respond_with_json([issue(1)], headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 120.0
    assert len(httpserver.log) == 1


def test_people_are_the_assignable_users_with_their_public_emails(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    httpserver.expect_request("/repos/acme/app/assignees").respond_with_json(
        [user("ada"), user("bob")]
    )
    httpserver.expect_request("/users/ada").respond_with_json(
        user("ada", name="Ada Lo", email="ada@example.com")
    )
    httpserver.expect_request("/users/bob").respond_with_json(user("bob", name=None, email=None))
    people = source.fetch_people()
    assert people == [Person("ada", "Ada Lo", "ada@example.com"), Person("bob", "bob", "")]
    httpserver.expect_request(ISSUES).respond_with_json([issue(1, assignees=[user("Ada")])])
    (ticket,) = source.fetch_tickets()
    assert ticket.assignee == Person("ada", "Ada Lo", "ada@example.com")


def test_me_is_the_tokens_user(httpserver: HTTPServer, source: GitHubSource) -> None:
    httpserver.expect_request("/user").respond_with_json(
        user("ada", name="Ada Lo", email="ada@example.com")
    )
    assert source.fetch_me() == Person("ada", "Ada Lo", "ada@example.com")


def test_a_bad_issue_is_skipped_not_the_answer(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    bad = [issue(4, created_at="yesterday"), issue(5) | {"number": "five"}, "not an issue"]
    httpserver.expect_request(ISSUES).respond_with_json([issue(1), *bad])
    assert [t.key for t in source.fetch_tickets()] == ["acme/app#1"]


def test_settings_want_owner_slash_repo() -> None:
    with pytest.raises(InvalidValueError):
        github.RepoList().parse(["acme"])
    assert github.RepoList().parse(["acme/app"]) == ("acme/app",)
    assert json.dumps(GitHubSettings().url) == '"https://api.github.com"'
