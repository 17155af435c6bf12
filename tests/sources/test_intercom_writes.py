"""Intercom write-backs against a local server, the exact requests asserted (§10).

Acknowledge = one assignment part (none when already mine); hand over = assignment,
then an internal note by ``/reply``: two steps, the note never posted twice (a repeat,
a retry after a lost answer), the assignment not sent again when the note alone failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.sources.test_intercom import TOKEN, build, conversation
from traysupport.core.model import Person
from traysupport.sources.base import (
    NotFoundError,
    RejectedError,
    UnavailableError,
    UnconfirmedError,
)
from traysupport.sources.intercom import IntercomSource

ADA = Person("991267", "Ada Lo", "ada@example.com")
BOB = Person("991268", "Bob Ng", "bob@example.com")
CONV = "/conversations/101"


class Steps:
    """The outbox's steps for one action, in memory."""

    def __init__(self, done: tuple[str, ...] = (), retrying: bool = False) -> None:
        self.kept = list(done)
        self.retrying = retrying

    def done(self, step: str) -> bool:
        return step in self.kept

    def record(self, step: str) -> None:
        self.kept.append(step)


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[IntercomSource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def with_parts(parts: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    box = {"type": "conversation_part.list", "conversation_parts": parts}
    return conversation("101", conversation_parts=box, total_count=len(parts), **fields)


def note_part(author: str, body: str) -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "part_type": "note",
        "body": body,
        "author": {"type": "admin", "id": author},
    }


def writes(httpserver: HTTPServer) -> list[tuple[str, str, Any]]:
    return [(r.method, r.path, json.loads(r.data)) for r, _ in httpserver.log if r.method == "POST"]


def test_acknowledge_assigns_to_me(httpserver: HTTPServer, source: IntercomSource) -> None:
    httpserver.expect_request(CONV, method="GET").respond_with_json(with_parts([]))
    httpserver.expect_request(f"{CONV}/parts", method="POST").respond_with_json(
        with_parts([], admin_assignee_id=991267)
    )
    source.acknowledge("101", ADA, "k1")
    assert writes(httpserver) == [
        (
            "POST",
            f"{CONV}/parts",
            {
                "message_type": "assignment",
                "type": "admin",
                "admin_id": "991267",
                "assignee_id": "991267",
            },
        )
    ]
    request = httpserver.log[-1][0]
    assert request.headers["Intercom-Version"] == "2.16"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_acknowledge_already_mine_sends_nothing(
    httpserver: HTTPServer, source: IntercomSource
) -> None:
    httpserver.expect_request(CONV, method="GET").respond_with_json(
        with_parts([], admin_assignee_id=991267)
    )
    source.acknowledge("101", ADA, "k1")
    assert writes(httpserver) == []


def test_acknowledge_unconfirmed_when_the_answer_is_not_the_assignment(
    httpserver: HTTPServer, source: IntercomSource
) -> None:
    httpserver.expect_request(CONV, method="GET").respond_with_json(with_parts([]))
    httpserver.expect_request(f"{CONV}/parts", method="POST").respond_with_json(with_parts([]))
    with pytest.raises(UnconfirmedError):
        source.acknowledge("101", ADA, "k1")


def test_hand_over_assigns_then_notes(httpserver: HTTPServer, source: IntercomSource) -> None:
    httpserver.expect_request(CONV, method="GET").respond_with_json(
        with_parts([], admin_assignee_id=991267)
    )
    httpserver.expect_request(f"{CONV}/parts", method="POST").respond_with_json(
        with_parts([], admin_assignee_id=991268)
    )
    httpserver.expect_request(f"{CONV}/reply", method="POST").respond_with_json(
        with_parts([note_part("991267", "<p>over to you</p>")], admin_assignee_id=991268)
    )
    steps = Steps()
    source.hand_over("101", BOB, "over to you", ADA, "h1", steps=steps)
    assert writes(httpserver) == [
        (
            "POST",
            f"{CONV}/parts",
            {
                "message_type": "assignment",
                "type": "admin",
                "admin_id": "991267",
                "assignee_id": "991268",
            },
        ),
        (
            "POST",
            f"{CONV}/reply",
            {"message_type": "note", "type": "admin", "admin_id": "991267", "body": "over to you"},
        ),
    ]
    assert steps.kept == ["assign", "note"]


def test_a_failed_note_is_retried_alone(httpserver: HTTPServer, source: IntercomSource) -> None:
    """The note's 503 fails the action; the retry sends only the note, once."""
    httpserver.expect_request(CONV, method="GET").respond_with_json(
        with_parts([], admin_assignee_id=991267)
    )
    httpserver.expect_request(f"{CONV}/parts", method="POST").respond_with_json(
        with_parts([], admin_assignee_id=991268)
    )
    httpserver.expect_oneshot_request(f"{CONV}/reply", method="POST").respond_with_json(
        {"type": "error.list", "errors": [{"code": "server_error", "message": "busy"}]}, status=503
    )
    steps = Steps()
    with pytest.raises(UnavailableError):
        source.hand_over("101", BOB, "over to you", ADA, "h1", steps=steps)
    assert steps.kept == ["assign"]
    assert len([w for w in writes(httpserver) if w[1].endswith("/reply")]) == 1  # not retried
    httpserver.expect_request(f"{CONV}/reply", method="POST").respond_with_json(
        with_parts([note_part("991267", "<p>over to you</p>")], admin_assignee_id=991268)
    )
    steps.retrying = True
    source.hand_over("101", BOB, "over to you", ADA, "h1", steps=steps)
    paths = [w[1] for w in writes(httpserver)]
    assert paths == [f"{CONV}/parts", f"{CONV}/reply", f"{CONV}/reply"]
    assert steps.kept == ["assign", "note"]


def test_a_retry_finds_the_note_posted(httpserver: HTTPServer, source: IntercomSource) -> None:
    """The note's answer was lost, but the note is there: the retry posts nothing."""
    httpserver.expect_request(CONV, method="GET").respond_with_json(
        with_parts(
            [note_part("991268", "<p>over to you</p>"), note_part("991267", "<p>over to you</p>")],
            admin_assignee_id=991268,
        )
    )
    steps = Steps(done=("assign",), retrying=True)
    source.hand_over("101", BOB, "over to you", ADA, "h1", steps=steps)
    assert writes(httpserver) == []
    assert steps.kept == ["assign", "note"]


def test_a_repeat_without_steps_posts_nothing(
    httpserver: HTTPServer, source: IntercomSource
) -> None:
    httpserver.expect_request(CONV, method="GET").respond_with_json(
        with_parts([note_part("991267", "<p>over &amp; out</p>")], admin_assignee_id=991268)
    )
    source.hand_over("101", BOB, "over & out", ADA, "h1")
    assert writes(httpserver) == []


def test_another_note_of_mine_does_not_count(
    httpserver: HTTPServer, source: IntercomSource
) -> None:
    httpserver.expect_request(CONV, method="GET").respond_with_json(
        with_parts([note_part("991267", "<p>old note</p>")], admin_assignee_id=991268)
    )
    httpserver.expect_request(f"{CONV}/reply", method="POST").respond_with_json(
        with_parts([], admin_assignee_id=991268)
    )
    source.hand_over("101", BOB, "new note", ADA, "h1")
    assert [w[1] for w in writes(httpserver)] == [f"{CONV}/reply"]


def test_errors(httpserver: HTTPServer, source: IntercomSource) -> None:
    def missing(request: Request) -> Response:
        body = {
            "type": "error.list",
            "errors": [{"code": "not_found", "message": "Resource Not Found"}],
        }
        return Response(json.dumps(body), 404, content_type="application/json")

    httpserver.expect_request(CONV, method="GET").respond_with_handler(missing)
    with pytest.raises(NotFoundError):
        source.acknowledge("101", ADA, "k")
    with pytest.raises(RejectedError):
        source.acknowledge("../admins", ADA, "k")
    with pytest.raises(RejectedError):
        source.acknowledge("101", Person("ada@example.com", "Ada"), "k")
