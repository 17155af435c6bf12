"""ZendeskSource's write-backs against a local server in provider-apis.md §4's shapes.

The exact requests of acknowledge and hand over (Show Ticket first, one Update Ticket
PUT with ``safe_update``), the note looked for before it is posted again, 422
RecordInvalid with Zendesk's words, 409 retried once, and a lost answer that ends with
one note, not two (against tests/sources/zendesk_faultserver.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.faultmodes import Fault
from tests.sources.test_zendesk import BASIC, NOW, STAMP, TOKEN, build, ticket
from tests.sources.zendesk_faultserver import ZendeskFaultServer
from traysupport.core.model import Person
from traysupport.sources.base import ConflictError, RejectedError, UnconfirmedError
from traysupport.sources.server_messages import server_message
from traysupport.sources.zendesk import ZendeskSource

ADA = Person("901", "Ada Lo", "ada@example.com")
BOB = Person("902", "Bob Ng", "bob@example.com")


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[ZendeskSource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def answered(number: int, **fields: Any) -> dict[str, Any]:
    """Show/Update Ticket's answer (§4)."""
    return {"ticket": ticket(number, **fields), "audit": {"events": []}}


def puts(server: HTTPServer) -> list[tuple[str, Any]]:
    """(path, JSON body) of every PUT received."""
    return [(r.path, json.loads(r.data)) for r, _ in server.log if r.method == "PUT"]


def test_acknowledge_is_one_put_assigning_me_and_opening(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path = "/api/v2/tickets/35436.json"
    httpserver.expect_ordered_request(path, method="GET").respond_with_json(answered(35436))
    done = answered(35436, assignee_id=901, status="open")
    httpserver.expect_ordered_request(path, method="PUT").respond_with_json(done)
    source.acknowledge("35436", ADA, "k1")
    assert puts(httpserver) == [
        (
            path,
            {
                "ticket": {
                    "assignee_id": 901,
                    "status": "open",
                    "safe_update": True,
                    "updated_stamp": STAMP,
                }
            },
        )
    ]
    put = httpserver.log[-1][0]
    assert put.headers["Authorization"] == BASIC
    assert put.headers["Content-Type"].startswith("application/json")
    assert "Idempotency-Key" not in put.headers


def test_acknowledging_what_is_mine_and_open_sends_nothing(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    mine = answered(35436, assignee_id=901, status="open")
    httpserver.expect_request("/api/v2/tickets/35436.json", method="GET").respond_with_json(mine)
    source.acknowledge("35436", ADA, "k1")
    assert puts(httpserver) == []


def test_an_answer_that_does_not_show_the_change_is_unconfirmed(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path = "/api/v2/tickets/35436.json"
    httpserver.expect_ordered_request(path, method="GET").respond_with_json(answered(35436))
    other = answered(35436, assignee_id=902, status="open")  # a trigger moved it at once
    httpserver.expect_ordered_request(path, method="PUT").respond_with_json(other)
    with pytest.raises(UnconfirmedError):
        source.acknowledge("35436", ADA, "k1")


def comments_answer(*comments: dict[str, Any]) -> dict[str, Any]:
    return {"comments": list(comments), "meta": {"has_more": False}, "links": {"next": None}}


def comment(author: int, body: str, public: bool = False) -> dict[str, Any]:
    return {"id": 1, "author_id": author, "body": body, "public": public}


def test_hand_over_is_one_put_with_assignee_and_private_note(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path = "/api/v2/tickets/35436.json"
    mine = answered(35436, assignee_id=901, status="open")
    httpserver.expect_ordered_request(path, method="GET").respond_with_json(mine)
    done = answered(35436, assignee_id=902, status="open")
    httpserver.expect_ordered_request(path, method="PUT").respond_with_json(done)
    source.hand_over("35436", BOB, "Logs in the drive; call the customer at 3", ADA, "h1")
    note = {"body": "Logs in the drive; call the customer at 3", "public": False}
    assert puts(httpserver) == [
        (
            path,
            {
                "ticket": {
                    "assignee_id": 902,
                    "comment": note,
                    "safe_update": True,
                    "updated_stamp": STAMP,
                }
            },
        )
    ]
    assert len(httpserver.log) == 2  # a fresh hand-over needs no look at the comments


def test_hand_over_already_assigned_sends_only_the_missing_note(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path, notes = "/api/v2/tickets/35436.json", "/api/v2/tickets/35436/comments.json"
    theirs = answered(35436, assignee_id=902, status="open")
    httpserver.expect_ordered_request(path, method="GET").respond_with_json(theirs)
    # Bob wrote the same words; only a note of mine counts.
    same_words = comment(902, "over to you")
    httpserver.expect_ordered_request(notes).respond_with_json(comments_answer(same_words))
    httpserver.expect_ordered_request(path, method="PUT").respond_with_json(theirs)
    source.hand_over("35436", BOB, "over to you", ADA, "h1")
    (sent,) = puts(httpserver)
    assert sent[1]["ticket"]["comment"] == {"body": "over to you", "public": False}
    assert "assignee_id" not in sent[1]["ticket"]
    asked = [r for r, _ in httpserver.log if r.path.endswith("/comments.json")]
    assert asked[0].args.to_dict() == {"sort_order": "desc", "page[size]": "30"}


def test_hand_over_done_before_sends_nothing(httpserver: HTTPServer, source: ZendeskSource) -> None:
    path, notes = "/api/v2/tickets/35436.json", "/api/v2/tickets/35436/comments.json"
    theirs = answered(35436, assignee_id=902, status="open")
    httpserver.expect_request(path, method="GET").respond_with_json(theirs)
    mine = comment(901, "over  to\r\nyou")  # Zendesk may rewrap what it stores
    httpserver.expect_request(notes).respond_with_json(comments_answer(comment(902, "ok"), mine))
    source.hand_over("35436", BOB, "over to you", ADA, "h1")
    assert puts(httpserver) == []


class Retrying:
    """Steps of an action tried before (the outbox's, as the source sees them)."""

    retrying = True

    def done(self, step: str) -> bool:
        return False

    def record(self, step: str) -> None:
        pass


def test_a_retried_hand_over_whose_note_is_there_sends_nothing(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    # The earlier attempt went through (one PUT carries both); someone took the ticket since.
    path, notes = "/api/v2/tickets/35436.json", "/api/v2/tickets/35436/comments.json"
    taken = answered(35436, assignee_id=903, status="open")
    httpserver.expect_request(path, method="GET").respond_with_json(taken)
    httpserver.expect_request(notes).respond_with_json(comments_answer(comment(901, "over")))
    source.hand_over("35436", BOB, "over", ADA, "h1", steps=Retrying())
    assert puts(httpserver) == []
    # Not a retry: the same words handed over again are a new hand-over.
    httpserver.expect_request(path, method="PUT").respond_with_json(
        answered(35436, assignee_id=902)
    )
    source.hand_over("35436", BOB, "over", ADA, "h2")
    (sent,) = puts(httpserver)
    assert sent[1]["ticket"]["assignee_id"] == 902 and "comment" in sent[1]["ticket"]


def test_record_invalid_is_rejected_with_zendesks_words(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path = "/api/v2/tickets/35436.json"
    httpserver.expect_request(path, method="GET").respond_with_json(answered(35436))
    httpserver.expect_request("/api/v2/tickets/35436/comments.json").respond_with_json(
        comments_answer()
    )
    refusal = {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"assignee": [{"description": "Assignee is not a member of the group"}]},
    }
    httpserver.expect_request(path, method="PUT").respond_with_json(refusal, 422)
    with pytest.raises(RejectedError) as caught:
        source.hand_over("35436", BOB, "n", ADA, "h1")
    assert "Record validation errors: Assignee is not a member of the group" in str(caught.value)
    assert len(puts(httpserver)) == 1


def test_server_message_reads_zendesks_error_shapes() -> None:
    assert server_message({"error": "RecordNotFound", "description": "Not found"}) == "Not found"
    assert server_message({"error": "Couldn't authenticate you"}) == "Couldn't authenticate you"


def test_a_conflict_is_retried_once_with_the_new_stamp(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path = "/api/v2/tickets/35436.json"
    conflict = {"error": "UpdateConflict", "description": "Safe Update prevented the update"}
    httpserver.expect_ordered_request(path, method="GET").respond_with_json(answered(35436))
    httpserver.expect_ordered_request(path, method="PUT").respond_with_json(conflict, 409)
    newer = answered(35436, updated_at="2026-05-05T09:00:30Z", priority="urgent")
    httpserver.expect_ordered_request(path, method="GET").respond_with_json(newer)
    done = answered(35436, assignee_id=901, status="open")
    httpserver.expect_ordered_request(path, method="PUT").respond_with_json(done)
    source.acknowledge("35436", ADA, "k1")
    stamps = [body["ticket"]["updated_stamp"] for _path, body in puts(httpserver)]
    assert stamps == [STAMP, "2026-05-05T09:00:30Z"]


def test_a_second_conflict_is_a_conflict_error(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    path = "/api/v2/tickets/35436.json"
    conflict = {"error": "UpdateConflict", "description": "Safe Update prevented the update"}
    httpserver.expect_request(path, method="GET").respond_with_json(answered(35436))
    httpserver.expect_request(path, method="PUT").respond_with_json(conflict, 409)
    with pytest.raises(ConflictError, match="Safe Update prevented the update"):
        source.acknowledge("35436", ADA, "k1")
    assert len(puts(httpserver)) == 2


@pytest.mark.parametrize(("ticket_id", "person"), [("abc", ADA), ("35436", Person("ada", "Ada"))])
def test_ids_zendesk_cannot_take_are_refused_before_any_request(
    httpserver: HTTPServer, source: ZendeskSource, ticket_id: str, person: Person
) -> None:
    with pytest.raises(RejectedError):
        source.acknowledge(ticket_id, person, "k1")
    assert httpserver.log == []


def test_a_lost_answer_retried_leaves_one_note() -> None:
    """The PUT applied, its answer lost: the client's retry must not post the note twice."""
    server = ZendeskFaultServer(TOKEN).start()
    try:
        made = build(server.url, retries=1)
        try:
            server.set("update", Fault.reset(), times=1)
            made.hand_over("35436", BOB, "over to you", ADA, "h1")
            made.hand_over("35436", BOB, "over to you", ADA, "h1", steps=Retrying())
        finally:
            made.close()
        assignee, _status, comments = server.state(35436)
    finally:
        server.stop()
    assert assignee == 902
    assert [json.loads(c)["body"] for c in comments] == ["over to you"]


def test_the_fault_server_refuses_a_stale_stamp() -> None:
    """The double behind the lost-answer test answers as Zendesk's safe_update does."""
    server = ZendeskFaultServer(TOKEN, now=NOW).start()
    try:
        body = {"ticket": {"status": "open", "safe_update": True, "updated_stamp": "old"}}
        status, _answer = server.write("update", 35436, json.dumps(body).encode(), BASIC)
    finally:
        server.stop()
    assert status == 409
