"""PagerDuty incident writes against a local server in provider-apis.md §1's shapes.

The exact requests (method, path, body, ``From``); the incident read first, so that a
repeat sends nothing and a resolved one is not reopened; the hand-over's two steps
("reassign", "note"), a failed note retried alone and never posted twice; the errors a
user can act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.sources.test_pagerduty_incidents import (
    ADA,
    BOB,
    ME,
    TO,
    build,
    incident,
    ref,
)
from traysupport.core.model import Person
from traysupport.sources.base import (
    AuthError,
    ConflictError,
    RejectedError,
    UnavailableError,
    UnconfirmedError,
)
from traysupport.sources.pagerduty import PagerDutySource


class Steps:
    """The outbox's steps of one action, in memory."""

    def __init__(self, done: tuple[str, ...] = (), retrying: bool = False) -> None:
        self.kept = set(done)
        self.recorded: list[str] = []
        self.retrying = retrying

    def done(self, step: str) -> bool:
        return step in self.kept

    def record(self, step: str) -> None:
        self.kept.add(step)
        self.recorded.append(step)


def writes(server: HTTPServer) -> list[tuple[str, str, Any, str | None]]:
    """(method, path, JSON body, From) of every write the server got."""
    return [
        (r.method, r.path, json.loads(r.data), r.headers.get("From"))
        for r, _ in server.log
        if r.method != "GET"
    ]


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[PagerDutySource]:
    src = build(httpserver.url_for(""))
    yield src
    src.close()


def serve_incident(server: HTTPServer, **kw: Any) -> None:
    server.expect_request("/incidents/PI42", method="GET").respond_with_json(
        {"incident": incident(42, **kw)}
    )


def test_acknowledge_sends_the_documented_put_with_from(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver)
    answer = incident(42, status="acknowledged")
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(
        {"incident": answer}
    )
    source.acknowledge("PI42", ME, "k1")
    assert writes(httpserver) == [
        (
            "PUT",
            "/incidents/PI42",
            {"incident": {"type": "incident_reference", "status": "acknowledged"}},
            "ada@example.com",
        )
    ]
    put = httpserver.log[-1][0]
    assert put.headers["Content-Type"] == "application/json"
    assert put.headers["Accept"] == "application/vnd.pagerduty+json;version=2"


def test_acknowledged_by_me_already_sends_nothing(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    mine = [{"at": "2026-01-05T04:00:00Z", "acknowledger": ref(ADA, "user")}]
    serve_incident(httpserver, status="acknowledged", acknowledgements=mine)
    source.acknowledge("PI42", ME, "k1")
    assert writes(httpserver) == []


def test_acknowledge_with_an_account_key_uses_from_email(httpserver: HTTPServer) -> None:
    src = build(httpserver.url_for(""), from_email="ops-bot@example.com")
    serve_incident(httpserver)
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(
        {"incident": incident(42, status="acknowledged")}
    )
    try:
        src.acknowledge("PI42", Person("PU1", "Ada Lo"), "k1")
    finally:
        src.close()
    assert writes(httpserver)[0][3] == "ops-bot@example.com"


def test_no_email_for_from_is_refused_before_sending(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    with pytest.raises(RejectedError) as caught:
        source.acknowledge("PI42", Person("PU1", "Ada Lo"), "k1")
    assert "from_email" in str(caught.value)
    assert httpserver.log == []


def test_a_resolved_incident_is_not_reopened(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver, status="resolved")
    with pytest.raises(ConflictError):
        source.acknowledge("PI42", ME, "k1")
    with pytest.raises(ConflictError):
        source.hand_over("PI42", TO, "n", ME, "h1")
    assert writes(httpserver) == []


def test_an_answer_that_is_not_acknowledged_is_not_done(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver)
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(
        {"incident": incident(42)}
    )
    with pytest.raises(UnconfirmedError):
        source.acknowledge("PI42", ME, "k1")


def test_missing_from_is_said_in_pagerdutys_words(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver)
    body = {"error": {"message": "Requester User Not Found", "code": 2016}}
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(body, status=400)
    with pytest.raises(RejectedError) as caught:
        source.acknowledge("PI42", ME, "k1")
    assert "Requester User Not Found" in str(caught.value)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_write_names_the_key_to_make(
    httpserver: HTTPServer, source: PagerDutySource, status: int
) -> None:
    serve_incident(httpserver)
    body = {"error": {"message": "Access Denied", "code": 2010}}
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(
        body, status=status
    )
    with pytest.raises(AuthError) as caught:
        source.acknowledge("PI42", ME, "k1")
    message = str(caught.value)
    assert "user token" in message and "From" in message and "from_email" in message
    assert "k3y" not in message


def note_answer(content: str, user: dict[str, Any] = ADA) -> dict[str, Any]:
    """§1 "Note": the answer (200, not 201: §10)."""
    return {
        "note": {
            "id": "PN1",
            "user": ref(user, "user"),
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": content,
            "created_at": "2026-05-06T12:00:00Z",
        }
    }


def test_hand_over_is_a_reassignment_then_a_note(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver, status="acknowledged")
    reassigned = incident(42, assignments=[{"at": "2026-05-06T12:00:00Z", "assignee": BOB}])
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(
        {"incident": reassigned}
    )
    httpserver.expect_request("/incidents/PI42/notes", method="POST").respond_with_json(
        note_answer("Over to you")
    )
    steps = Steps()
    source.hand_over("PI42", TO, "Over to you", ME, "h1", steps=steps)
    assignee = {"id": "PU2", "type": "user_reference"}
    assert writes(httpserver) == [
        (
            "PUT",
            "/incidents/PI42",
            {"incident": {"type": "incident_reference", "assignments": [{"assignee": assignee}]}},
            "ada@example.com",
        ),
        ("POST", "/incidents/PI42/notes", {"note": {"content": "Over to you"}}, "ada@example.com"),
    ]
    assert steps.recorded == ["reassign", "note"]
    # a first attempt that had to reassign did not look for the note
    assert "/incidents/PI42/notes" not in [r.path for r, _ in httpserver.log if r.method == "GET"]


def test_a_failed_note_leaves_only_the_note_to_retry(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver)
    reassigned = incident(42, assignments=[{"assignee": BOB}])
    httpserver.expect_request("/incidents/PI42", method="PUT").respond_with_json(
        {"incident": reassigned}
    )
    httpserver.expect_request("/incidents/PI42/notes", method="POST").respond_with_json(
        {"error": {"message": "Internal error", "code": 2000}}, status=500
    )
    steps = Steps()
    with pytest.raises(UnavailableError):
        source.hand_over("PI42", TO, "Over to you", ME, "h1", steps=steps)
    assert steps.recorded == ["reassign"]


def test_a_retry_sends_only_the_note_once(httpserver: HTTPServer, source: PagerDutySource) -> None:
    httpserver.expect_request("/incidents/PI42/notes", method="GET").respond_with_json(
        {"notes": [note_answer("Over to you", BOB)["note"]]}  # same text, someone else's
    )
    httpserver.expect_request("/incidents/PI42/notes", method="POST").respond_with_json(
        note_answer("Over to you")
    )
    steps = Steps(done=("reassign",), retrying=True)
    source.hand_over("PI42", TO, "Over to you", ME, "h1", steps=steps)
    assert [(m, p) for m, p, _b, _f in writes(httpserver)] == [("POST", "/incidents/PI42/notes")]
    assert steps.recorded == ["note"]


def test_a_retry_finding_its_note_posts_nothing(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    httpserver.expect_request("/incidents/PI42/notes", method="GET").respond_with_json(
        {"notes": [note_answer("Over to you")["note"]]}
    )
    steps = Steps(done=("reassign",), retrying=True)
    source.hand_over("PI42", TO, "Over to you", ME, "h1", steps=steps)
    assert writes(httpserver) == []
    assert steps.recorded == ["note"]


def test_already_with_the_recipient_reassigns_nothing_and_checks_the_note(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    serve_incident(httpserver, assignments=[{"assignee": BOB}])
    seen: list[Request] = []

    def notes(request: Request) -> Response:
        seen.append(request)
        body = {"notes": [note_answer("Over to you")["note"]]}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/incidents/PI42/notes", method="GET").respond_with_handler(notes)
    source.hand_over("PI42", TO, "Over to you", ME, "h1")
    assert writes(httpserver) == [] and len(seen) == 1
