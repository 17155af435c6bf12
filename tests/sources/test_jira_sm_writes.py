"""JiraSmSource's writes and errors against a local server in provider-apis.md §3's shapes.

With the exact requests asserted: acknowledge assigns (and applies a transition by its
name; one the issue does not offer is refused naming those it does), what is mine
already sends nothing; hand over assigns then posts an internal comment, and a retry
posts it only when my latest internal comment is not that note; Data Center's paths,
user names and Bearer token; 400, 401, 403 and 429 said well. The shapes and the
builder are tests/sources/test_jira_sm.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.sources.test_jira_sm import (
    ADA,
    BASIC,
    BOB,
    NOW,
    QUEUE,
    TOKEN,
    Recorded,
    base,
    build,
    date,
    expect_sla,
    issue,
    paged,
    sla,
)
from traysupport.core.model import Person
from traysupport.sources import jira_sm
from traysupport.sources.base import (
    AuthError,
    NotFoundError,
    QueueSource,
    RateLimitedError,
    RejectedError,
    SourceError,
)
from traysupport.sources.jira_sm import JiraSmSource


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[JiraSmSource]:
    made = build(base(httpserver))
    yield made
    made.close()


# -- writes -----------------------------------------------------------------------------


def expect_assignee(httpserver: HTTPServer, issue_id: str, account: str | None) -> None:
    assignee = {"accountId": account, "displayName": account} if account else None
    httpserver.expect_request(f"/rest/api/3/issue/{issue_id}", method="GET").respond_with_json(
        {"id": issue_id, "key": "SD-1", "fields": {"assignee": assignee}}
    )


def writes(httpserver: HTTPServer) -> list[tuple[str, str, Any]]:
    """(method, path, JSON body) of every request but GETs."""
    return [
        (req.method, req.path, json.loads(req.get_data() or b"null"))
        for req, _ in httpserver.log
        if req.method != "GET"
    ]


def test_acknowledge_assigns_to_me_then_applies_the_transition_by_name(
    httpserver: HTTPServer,
) -> None:
    made = build(base(httpserver), acknowledge_transition="start progress")
    try:
        expect_assignee(httpserver, "10001", None)
        httpserver.expect_request(
            "/rest/api/3/issue/10001/assignee", method="PUT"
        ).respond_with_data("", status=204)
        transitions = "/rest/api/3/issue/10001/transitions"
        httpserver.expect_request(transitions, method="GET").respond_with_json(
            {
                "transitions": [
                    {"id": "11", "name": "Resolve", "to": {"name": "Resolved"}},
                    {"id": "21", "name": "Start progress", "to": {"name": "Doing"}},
                ]
            }
        )
        httpserver.expect_request(transitions, method="POST").respond_with_data("", status=204)
        steps = Recorded()
        made.acknowledge("10001", ADA, "ack-1", steps=steps)
    finally:
        made.close()
    assert steps.recorded == ["assign", "transition"]
    assert writes(httpserver) == [
        ("PUT", "/rest/api/3/issue/10001/assignee", {"accountId": "acc-ada"}),
        ("POST", "/rest/api/3/issue/10001/transitions", {"transition": {"id": "21"}}),
    ]
    put = next(req for req, _ in httpserver.log if req.method == "PUT")
    assert put.headers["Authorization"] == BASIC
    assert put.headers["Content-Type"] == "application/json"
    assert "Idempotency-Key" not in put.headers
    read = httpserver.log[0][0]
    assert read.args.to_dict() == {"fields": "assignee"}


def test_acknowledging_what_is_mine_sends_nothing(httpserver: HTTPServer) -> None:
    made = build(base(httpserver), acknowledge_transition="Start progress")
    try:
        expect_assignee(httpserver, "SD-1", "acc-ada")  # by key: the CLI may give one
        httpserver.expect_request("/rest/api/3/issue/SD-1/transitions").respond_with_json(
            {"transitions": [{"id": "31", "name": "Resolve"}]}  # moved on since
        )
        made.acknowledge("SD-1", ADA, "ack-1")
    finally:
        made.close()
    assert writes(httpserver) == []


def test_a_transition_the_issue_does_not_offer_is_refused_naming_those_it_does(
    httpserver: HTTPServer,
) -> None:
    made = build(base(httpserver), acknowledge_transition="Start progress")
    try:
        expect_assignee(httpserver, "10001", None)
        httpserver.expect_request(
            "/rest/api/3/issue/10001/assignee", method="PUT"
        ).respond_with_data("", status=204)
        httpserver.expect_request("/rest/api/3/issue/10001/transitions").respond_with_json(
            {"transitions": [{"id": "31", "name": "Resolve"}, {"id": "41", "name": "Escalate"}]}
        )
        steps = Recorded()
        with pytest.raises(RejectedError) as caught:
            made.acknowledge("10001", ADA, "ack-1", steps=steps)
    finally:
        made.close()
    assert "Escalate, Resolve" in caught.value.problem
    assert "acknowledge_transition" in caught.value.hint
    assert steps.recorded == ["assign"]  # a retry sends only the transition


def test_hand_over_assigns_then_posts_an_internal_comment(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    expect_assignee(httpserver, "10001", "acc-ada")
    httpserver.expect_request("/rest/api/3/issue/10001/assignee", method="PUT").respond_with_data(
        "", status=204
    )
    httpserver.expect_request(
        "/rest/servicedeskapi/request/10001/comment", method="POST"
    ).respond_with_json(
        {"id": "9001", "body": "over to you", "public": False, "created": date(NOW)}, status=201
    )
    steps = Recorded()
    source.hand_over("10001", BOB, "over to you", ADA, "h-1", steps=steps)
    assert steps.recorded == ["assign", "comment"]
    assert writes(httpserver) == [
        ("PUT", "/rest/api/3/issue/10001/assignee", {"accountId": "acc-bob"}),
        (
            "POST",
            "/rest/servicedeskapi/request/10001/comment",
            {"body": "over to you", "public": False},
        ),
    ]
    assert not [r for r, _ in httpserver.log if r.path.endswith("/comment") and r.method == "GET"]


def comment(body: str, author: str, *, public: bool = False, at: int = 0) -> dict[str, Any]:
    return {
        "id": str(9000 + at),
        "body": body,
        "public": public,
        "author": {"accountId": author, "displayName": author},
        "created": date(NOW + timedelta(minutes=at)),
    }


@pytest.mark.parametrize(
    ("comments", "posted"),
    [
        ([comment("older", "acc-ada", at=1), comment("over  to\nyou", "acc-ada", at=2)], False),
        ([comment("over to you", "acc-ada", at=2), comment("later", "acc-ada", at=3)], True),
        ([comment("over to you", "acc-bob", at=2)], True),
        ([], True),
    ],
    ids=["mine-latest", "mine-but-not-latest", "someone-elses", "none"],
)
def test_a_retried_hand_over_posts_the_note_only_when_it_is_not_there(
    httpserver: HTTPServer, source: JiraSmSource, comments: list[Any], posted: bool
) -> None:
    path = "/rest/servicedeskapi/request/10001/comment"
    httpserver.expect_request(path, method="GET").respond_with_json(paged(comments))
    httpserver.expect_request(path, method="POST").respond_with_json(
        {"id": "9100", "body": "over to you", "public": False}, status=201
    )
    steps = Recorded(("assign",), retrying=True)
    source.hand_over("10001", BOB, "over to you", ADA, "h-1", steps=steps)
    assert steps.recorded == ["comment"]
    listed = next(req for req, _ in httpserver.log if req.method == "GET")
    assert listed.args.to_dict() == {
        "public": "false",
        "internal": "true",
        "limit": "100",
        "start": "0",
    }
    assert [m for m, _, _ in writes(httpserver)] == (["POST"] if posted else [])


# -- Data Center ------------------------------------------------------------------------


def test_data_center_uses_api_2_user_names_and_a_bearer_token(httpserver: HTTPServer) -> None:
    made = build(base(httpserver), deployment="auto", email="")  # 127.0.0.1: Data Center
    try:
        httpserver.expect_request(QUEUE).respond_with_json(
            paged([issue(1, assignee={"name": "bob", "key": "JIRAUSER1", "displayName": "Bob"})])
        )
        expect_sla(httpserver, "10001", sla())
        httpserver.expect_request("/rest/api/2/issue/10001").respond_with_json(
            {"id": "10001", "fields": {"assignee": {"name": "bob"}}}
        )
        httpserver.expect_request(
            "/rest/api/2/issue/10001/assignee", method="PUT"
        ).respond_with_data("", status=204)
        (ticket,) = made.fetch_tickets()
        made.acknowledge("10001", Person("ada", "Ada"), "ack-1")
    finally:
        made.close()
    assert ticket.assignee == Person("bob", "Bob")
    assert writes(httpserver) == [("PUT", "/rest/api/2/issue/10001/assignee", {"name": "ada"})]
    first = httpserver.log[0][0]
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["X-ExperimentalApi"] == "opt-in"


def test_auto_deployment_is_cloud_for_atlassian_net() -> None:
    assert jira_sm.is_cloud("https://acme.atlassian.net", "auto")
    assert not jira_sm.is_cloud("https://jira.example.com/jira", "auto")
    assert jira_sm.is_cloud("https://jira.example.com", "cloud")


# -- errors -----------------------------------------------------------------------------


def test_429_says_how_long_jira_asks_to_wait(httpserver: HTTPServer, source: JiraSmSource) -> None:
    httpserver.expect_request(QUEUE).respond_with_json(
        {"errorMessages": ["Rate limit exceeded"]},
        status=429,
        headers={"Retry-After": "41", "RateLimit-Reason": "jira-burst-based"},
    )
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 41


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_api_token_page(
    httpserver: HTTPServer, source: JiraSmSource, status: int
) -> None:
    httpserver.expect_request(QUEUE).respond_with_json(
        {"errorMessages": ["You are not an agent of this service desk"]}, status=status
    )
    with pytest.raises(AuthError) as caught:
        source.fetch_tickets()
    assert "id.atlassian.com/manage-profile/security/api-tokens" in caught.value.hint
    assert TOKEN not in str(caught.value)


def test_data_center_refusal_names_personal_access_tokens(httpserver: HTTPServer) -> None:
    made = build(base(httpserver), deployment="data-center", email="")
    try:
        httpserver.expect_request("/rest/api/2/myself").respond_with_data("", status=401)
        with pytest.raises(AuthError) as caught:
            made.fetch_me()
    finally:
        made.close()
    assert "Personal Access Tokens" in caught.value.hint


def test_an_assignment_jira_refuses_is_said_in_its_words(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    expect_assignee(httpserver, "10001", None)
    httpserver.expect_request("/rest/api/3/issue/10001/assignee", method="PUT").respond_with_json(
        {"errorMessages": [], "errors": {"assignee": "User 'acc-bob' cannot be assigned issues."}},
        status=400,
    )
    with pytest.raises(RejectedError) as caught:
        source.hand_over("10001", BOB, "n", ADA, "h-1")
    assert "cannot be assigned issues" in caught.value.problem


def test_a_ticket_id_that_is_no_jira_issue_is_refused_before_any_request(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    with pytest.raises(NotFoundError):
        source.acknowledge("../../admin", ADA, "k")
    assert httpserver.log == []


def test_build_needs_the_queue(httpserver: HTTPServer) -> None:
    with pytest.raises(SourceError, match="queue_id"):
        build(base(httpserver), queue_id=0)


def test_the_source_is_a_queue_source(source: JiraSmSource) -> None:
    assert isinstance(source, QueueSource)
