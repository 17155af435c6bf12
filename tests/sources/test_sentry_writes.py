"""SentrySource's writes, the exact requests asserted (provider-apis.md §7 "Changing issues").

Acknowledge = ``PUT …/issues/{id}/ {"assignedTo": "user:<id>"}`` (none when already mine);
hand over = the same for the recipient, then ``POST …/issues/{id}/notes/ {"text": …}`` as
two steps, the note looked for first and Sentry's "already posted" taken as done; silence
= ``{"status": "ignored", "statusDetails": {}, "substatus": "archived_until_escalating"}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.sources.test_sentry import TOKEN, build, issue
from traysupport.core.model import Person
from traysupport.sources.base import RejectedError, UnconfirmedError
from traysupport.sources.sentry import SentrySource

ADA = Person("901", "Ada Lo", "ada@example.com")
BOB = Person("902", "Bob Ng", "bob@example.com")
PATH = "/api/0/organizations/acme/issues/4501/"
NOTES = PATH + "notes/"
NOTE = "Deploy 4411 broke it; rollback is ready."


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


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[SentrySource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def assigned(user_id: str | None, **fields: Any) -> dict[str, Any]:
    actor = None if user_id is None else {"type": "user", "id": user_id, "name": "x"}
    return issue(4501, assignedTo=actor, **fields)


def writes(server: HTTPServer) -> list[tuple[str, str, Any]]:
    """(method, path, JSON body) of every write the server got."""
    return [(r.method, r.path, json.loads(r.data)) for r, _ in server.log if r.method != "GET"]


def note_answer(text: str, user_id: str = "901") -> dict[str, Any]:
    """The created note (an activity of type note)."""
    return {
        "id": "77",
        "type": "note",
        "data": {"text": text},
        "user": {"id": user_id, "name": "Ada Lo"},
        "dateCreated": "2026-05-05T09:00:00Z",
    }


def test_acknowledge_assigns_me(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(assigned(None))
    httpserver.expect_ordered_request(PATH, method="PUT").respond_with_json(assigned("901"))
    source.acknowledge("4501", ADA, "key-1")
    assert writes(httpserver) == [("PUT", PATH, {"assignedTo": "user:901"})]
    put = httpserver.log[-1][0]
    assert put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert put.headers["Content-Type"].startswith("application/json")


def test_acknowledging_what_is_mine_sends_nothing(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(assigned("901"))
    source.acknowledge("4501", ADA, "key-1")
    assert writes(httpserver) == []


def test_an_answer_assigned_to_someone_else_is_unconfirmed(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(assigned(None))
    httpserver.expect_ordered_request(PATH, method="PUT").respond_with_json(assigned("902"))
    with pytest.raises(UnconfirmedError):
        source.acknowledge("4501", ADA, "key-1")


def test_hand_over_assigns_then_notes_as_two_steps(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(assigned("901"))
    httpserver.expect_ordered_request(PATH, method="PUT").respond_with_json(assigned("902"))
    httpserver.expect_ordered_request(NOTES, method="GET").respond_with_json([])
    httpserver.expect_ordered_request(NOTES, method="POST").respond_with_json(
        note_answer(NOTE), status=201
    )
    steps = Steps()
    source.hand_over("4501", BOB, NOTE, ADA, "key-2", steps=steps)
    assert writes(httpserver) == [
        ("PUT", PATH, {"assignedTo": "user:902"}),
        ("POST", NOTES, {"text": NOTE}),
    ]
    assert steps.recorded == ["assign", "note"]


def test_a_retried_hand_over_sends_only_the_note(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_ordered_request(NOTES, method="GET").respond_with_json([])
    httpserver.expect_ordered_request(NOTES, method="POST").respond_with_json(
        note_answer(NOTE), status=201
    )
    source.hand_over("4501", BOB, NOTE, ADA, "key-2", steps=Steps(("assign",), retrying=True))
    assert writes(httpserver) == [("POST", NOTES, {"text": NOTE})]


def test_a_note_already_there_is_not_posted_twice(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(assigned("902"))
    theirs = note_answer(NOTE, user_id="902")  # the same words by someone else do not count
    httpserver.expect_request(NOTES, method="GET").respond_with_json(
        [theirs, note_answer("  Deploy 4411 broke it;\nrollback is ready. ")]
    )
    steps = Steps(retrying=True)
    source.hand_over("4501", BOB, NOTE, ADA, "key-2", steps=steps)
    assert writes(httpserver) == []
    assert steps.recorded == ["assign", "note"]


def test_sentrys_already_posted_refusal_is_the_note_being_there(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_request(NOTES, method="GET").respond_with_json([])
    httpserver.expect_request(NOTES, method="POST").respond_with_json(
        {"detail": "You have already posted that comment."}, status=400
    )
    steps = Steps(("assign",), retrying=True)
    source.hand_over("4501", BOB, NOTE, ADA, "key-2", steps=steps)
    assert steps.recorded == ["note"]


def test_another_refusal_of_the_note_is_the_users_to_see(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_request(NOTES, method="GET").respond_with_json([])
    httpserver.expect_request(NOTES, method="POST").respond_with_json(
        {"detail": "You do not have permission to perform this action."}, status=400
    )
    steps = Steps(("assign",))
    with pytest.raises(RejectedError, match="do not have permission"):
        source.hand_over("4501", BOB, NOTE, ADA, "key-2", steps=steps)
    assert steps.recorded == []


def test_hand_over_without_a_note_is_one_call(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(assigned(None))
    httpserver.expect_ordered_request(PATH, method="PUT").respond_with_json(assigned("902"))
    source.hand_over("4501", BOB, "  ", ADA, "key-2")
    assert writes(httpserver) == [("PUT", PATH, {"assignedTo": "user:902"})]


def test_silence_archives_until_escalating(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(assigned(None))
    archived = assigned(None, status="ignored", substatus="archived_until_escalating")
    httpserver.expect_ordered_request(PATH, method="PUT").respond_with_json(archived)
    source.silence("4501", ADA, "key-3")
    body = {"status": "ignored", "statusDetails": {}, "substatus": "archived_until_escalating"}
    assert writes(httpserver) == [("PUT", PATH, body)]


def test_silencing_what_is_archived_sends_nothing(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    archived = assigned(None, status="ignored", substatus="archived_forever")
    httpserver.expect_request(PATH, method="GET").respond_with_json(archived)
    source.silence("4501", ADA, "key-3")
    assert writes(httpserver) == []


def test_silence_answered_still_unresolved_is_unconfirmed(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(assigned(None))
    httpserver.expect_request(PATH, method="PUT").respond_with_json(assigned(None))
    with pytest.raises(UnconfirmedError):
        source.silence("4501", ADA, "key-3")


@pytest.mark.parametrize("ticket_id", ["API-1K", "", "../1", "4501/notes"])
def test_a_short_id_or_a_path_is_not_an_issue_id(source: SentrySource, ticket_id: str) -> None:
    with pytest.raises(RejectedError, match="not a Sentry issue id"):
        source.acknowledge(ticket_id, ADA, "key-1")


def test_a_person_without_a_sentry_user_id_is_refused(source: SentrySource) -> None:
    with pytest.raises(RejectedError, match="no Sentry user id"):
        source.hand_over("4501", Person("team:7", "#backend"), NOTE, ADA, "key-2")
