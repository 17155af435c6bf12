"""GitHubSource's write-backs against a local server in provider-apis.md §5's shapes.

The exact requests: acknowledge reads the issue, then ``POST …/assignees`` (nothing when
already mine) and the optional label; hand over ``PATCH``es the assignees to the
recipient and ``POST``s the comment; a retry (steps.retrying) finds the comment there and
does not post it twice; an assignee GitHub silently dropped is a RejectedError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.faultmodes import Fault
from tests.sources.github_faultserver import GitHubFaultServer
from tests.sources.test_github import TOKEN, build, issue, user
from traysupport.core.model import Person
from traysupport.sources.base import RejectedError, UnavailableError
from traysupport.sources.github import GitHubSource

ADA = Person("ada", "Ada Lo", "ada@example.com")
BOB = Person("bob", "Bob Ng")
ISSUE = "/repos/acme/app/issues/42"


class Steps:
    """The outbox's steps, in memory."""

    def __init__(self, retrying: bool = False, done: tuple[str, ...] = ()) -> None:
        self.retrying = retrying
        self.recorded: list[str] = list(done)

    def done(self, step: str) -> bool:
        return step in self.recorded

    def record(self, step: str) -> None:
        self.recorded.append(step)


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[GitHubSource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def writes(server: HTTPServer) -> list[tuple[str, str, Any]]:
    """(method, path, JSON body) of every write received."""
    return [(r.method, r.path, json.loads(r.data)) for r, _ in server.log if r.method != "GET"]


def test_acknowledge_reads_the_issue_then_assigns_me(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    httpserver.expect_ordered_request(ISSUE, method="GET").respond_with_json(issue(42))
    httpserver.expect_ordered_request(f"{ISSUE}/assignees", method="POST").respond_with_json(
        issue(42, assignees=[user("ada")]), status=201
    )
    steps = Steps()
    source.acknowledge("acme/app#42", ADA, "k1", steps=steps)
    assert writes(httpserver) == [("POST", f"{ISSUE}/assignees", {"assignees": ["ada"]})]
    post = httpserver.log[-1][0]
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.headers["Accept"] == "application/vnd.github+json"
    assert post.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert steps.recorded == ["assign"]


def test_acknowledging_what_is_mine_sends_nothing(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    httpserver.expect_request(ISSUE, method="GET").respond_with_json(
        issue(42, assignees=[user("bob"), user("Ada")])
    )
    source.acknowledge("acme/app#42", ADA, "k1")
    assert writes(httpserver) == []


def test_acknowledge_adds_the_label_when_one_is_set(httpserver: HTTPServer) -> None:
    made = build(httpserver.url_for("").rstrip("/"), acknowledge_label="triaged")
    httpserver.expect_ordered_request(ISSUE, method="GET").respond_with_json(issue(42))
    httpserver.expect_ordered_request(f"{ISSUE}/assignees", method="POST").respond_with_json(
        issue(42, assignees=[user("ada")]), status=201
    )
    httpserver.expect_ordered_request(f"{ISSUE}/labels", method="POST").respond_with_json(
        [{"name": "bug"}, {"name": "triaged"}]
    )
    try:
        made.acknowledge("acme/app#42", ADA, "k1")
    finally:
        made.close()
    assert writes(httpserver) == [
        ("POST", f"{ISSUE}/assignees", {"assignees": ["ada"]}),
        ("POST", f"{ISSUE}/labels", {"labels": ["triaged"]}),
    ]


def test_an_assignee_github_dropped_is_rejected(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    httpserver.expect_ordered_request(ISSUE, method="GET").respond_with_json(issue(42))
    httpserver.expect_ordered_request(f"{ISSUE}/assignees", method="POST").respond_with_json(
        issue(42),
        status=201,  # §5: users without access are ignored, not refused
    )
    with pytest.raises(RejectedError, match="did not assign ada"):
        source.acknowledge("acme/app#42", ADA, "k1")


def test_hand_over_replaces_the_assignees_then_comments(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    httpserver.expect_ordered_request(ISSUE, method="GET").respond_with_json(
        issue(42, assignees=[user("ada")])
    )
    httpserver.expect_ordered_request(ISSUE, method="PATCH").respond_with_json(
        issue(42, assignees=[user("bob")])
    )
    httpserver.expect_ordered_request(f"{ISSUE}/comments", method="POST").respond_with_json(
        {"id": 1, "body": "over to you", "user": user("ada")}, status=201
    )
    steps = Steps()
    source.hand_over("acme/app#42", BOB, "over to you", ADA, "h1", steps=steps)
    assert writes(httpserver) == [
        ("PATCH", ISSUE, {"assignees": ["bob"]}),
        ("POST", f"{ISSUE}/comments", {"body": "over to you"}),
    ]
    assert steps.recorded == ["assign", "comment"]


def test_a_retried_hand_over_finds_its_comment_and_posts_nothing(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    page2 = httpserver.url_for(f"{ISSUE}/comments") + "?per_page=100&page=2"
    httpserver.expect_ordered_request(
        f"{ISSUE}/comments", query_string="per_page=100"
    ).respond_with_json(
        [{"id": 1, "body": "old", "user": user("ada")}], headers={"Link": f'<{page2}>; rel="next"'}
    )
    httpserver.expect_ordered_request(
        f"{ISSUE}/comments", query_string="per_page=100&page=2"
    ).respond_with_json(
        [
            {"id": 2, "body": "over  to\nyou", "user": user("ada")},
            {"id": 3, "body": "thanks", "user": user("bob")},
        ]
    )
    steps = Steps(retrying=True, done=("assign",))
    source.hand_over("acme/app#42", BOB, "over to you", ADA, "h1", steps=steps)
    assert writes(httpserver) == []
    assert steps.recorded == ["assign", "comment"]


def test_a_retried_hand_over_posts_a_comment_that_is_missing(
    httpserver: HTTPServer, source: GitHubSource
) -> None:
    httpserver.expect_ordered_request(f"{ISSUE}/comments", method="GET").respond_with_json(
        [{"id": 1, "body": "over to you", "user": user("bob")}]  # someone else's words
    )
    httpserver.expect_ordered_request(f"{ISSUE}/comments", method="POST").respond_with_json(
        {"id": 2, "body": "over to you", "user": user("ada")}, status=201
    )
    source.hand_over(
        "acme/app#42", BOB, "over to you", ADA, "h1", steps=Steps(True, done=("assign",))
    )
    assert writes(httpserver) == [("POST", f"{ISSUE}/comments", {"body": "over to you"})]


def test_a_ticket_that_is_no_issue_key_is_rejected(source: GitHubSource) -> None:
    with pytest.raises(RejectedError, match="owner/repo#number"):
        source.acknowledge("42", ADA, "k1")


def test_a_comment_whose_answer_was_lost_is_not_posted_again() -> None:
    server = GitHubFaultServer(TOKEN).start()
    try:
        made = build(server.url)
        made_steps = Steps()
        server.set("comment", Fault.reset(), times=1)
        try:
            with pytest.raises(UnavailableError):
                made.hand_over("acme/app#1", BOB, "over to you", ADA, "h1", steps=made_steps)
            assert made_steps.recorded == ["assign"]  # the outbox retries the comment only
            made_steps.retrying = True
            made.hand_over("acme/app#1", BOB, "over to you", ADA, "h1", steps=made_steps)
        finally:
            made.close()
        assignees, _labels, comments = server.state(1)
        assert (assignees, len(comments)) == (("bob",), 1)
        assert [w.endpoint for w in server.writes] == ["update", "comment"]
    finally:
        server.stop()
