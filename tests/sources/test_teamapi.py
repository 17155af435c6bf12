"""TeamApiSource against a real local server answering as docs/team-api.md says."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport.core.model import (
    Person,
    Priority,
    Role,
    Sla,
    SlaKind,
    TicketStatus,
)
from traysupport.sources import teamapi
from traysupport.sources.base import (
    BadDataError,
    ConflictError,
    NotFoundError,
    QueueSource,
    RejectedError,
    RotationSource,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.teamapi import TeamApiSource, parse_person, parse_shift, parse_ticket

ALICE = {"id": "alice", "name": "Alice Martin", "email": "alice@example.com"}
BOB = {"id": "bob", "name": "Bob Okafor"}
PEOPLE = {"people": [ALICE, BOB]}

SHIFTS = {
    "shifts": [
        {
            "person_id": "alice",
            "start": "2026-12-01T09:00:00Z",
            "end": "2026-12-01T17:00:00Z",
            "role": "primary",
            "rotation": "EU",
            "out_of_hours": False,
        },
        {
            "person_id": "bob",
            "start": "2026-12-01T18:00:00+01:00",
            "end": "2026-12-02T09:00:00+01:00",
            "role": "secondary",
            "out_of_hours": True,
        },
        {"person_id": "zed", "start": "2026-12-02T09:00:00Z", "end": "2026-12-02T17:00:00Z"},
    ]
}

FULL_TICKET = {
    "id": "142",
    "key": "SUP-142",
    "title": "Checkout returns 500",
    "priority": "P1",
    "status": "new",
    "created_at": "2026-12-01T09:12:00Z",
    "url": "https://support.example.com/t/142",
    "assignee_id": "bob",
    "acknowledged_at": None,
    "sla": {"due_at": "2026-12-01T10:12:00Z", "kind": "response", "paused": False},
    "custom_field": {"servers": "may add their own"},
}
MINIMAL_TICKET = {
    "id": "143",
    "title": "Slow search",
    "priority": "P3",
    "created_at": "2026-12-01T10:00:00+02:00",
}


def ticket(ticket_id: str, **fields: Any) -> dict[str, Any]:
    """A valid ticket with *fields* changed (None removes a field)."""
    made: dict[str, Any] = {**MINIMAL_TICKET, "id": ticket_id, **fields}
    return {k: v for k, v in made.items() if v is not None}


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[TeamApiSource]:
    http = HttpClient(
        "team-api", httpserver.url_for("/api/v1"), auth="Bearer tok", sleep=lambda s: None
    )
    yield TeamApiSource("team-api", httpserver.url_for("/api/v1"), http=http)
    http.close()


def test_implements_both_protocols(source: TeamApiSource) -> None:
    assert isinstance(source, RotationSource)
    assert isinstance(source, QueueSource)
    assert source.name == "team-api"


def test_token_sent_as_bearer(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/me").respond_with_json(ALICE)
    made = TeamApiSource("team-api", httpserver.url_for("/api/v1"), "s3cret")
    assert made.fetch_me() == Person("alice", "Alice Martin", "alice@example.com")
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer s3cret"


def test_no_token_sends_no_authorization(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/people").respond_with_json(PEOPLE)
    TeamApiSource("team-api", httpserver.url_for("/api/v1")).fetch_people()
    assert "Authorization" not in httpserver.log[0][0].headers


def test_me_404_is_none(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/me").respond_with_json(
        {"error": {"code": "not_found", "message": "no /me here"}}, status=404
    )
    assert source.fetch_me() is None


def test_me_malformed_is_bad_data(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/me").respond_with_json({"id": "alice"})
    with pytest.raises(BadDataError, match=r"team-api: me\.name is missing"):
        source.fetch_me()


def test_people_round_trip(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/people").respond_with_json(PEOPLE)
    assert source.fetch_people() == [
        Person("alice", "Alice Martin", "alice@example.com"),
        Person("bob", "Bob Okafor", ""),
    ]


def test_shifts_round_trip(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/people").respond_with_json(PEOPLE)
    httpserver.expect_request(
        "/api/v1/shifts",
        query_string={"since": "2026-12-01T00:00:00Z", "until": "2026-12-08T00:00:00Z"},
    ).respond_with_json(SHIFTS)
    source.fetch_people()
    since = datetime(2026, 12, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    shifts = source.fetch_shifts(since, datetime(2026, 12, 8, tzinfo=UTC))
    assert [s.person for s in shifts] == [
        Person("alice", "Alice Martin", "alice@example.com"),
        Person("bob", "Bob Okafor"),
        Person("zed", "zed"),
    ]
    first, second, third = shifts
    assert (first.role, first.rotation, first.out_of_hours) == (Role.PRIMARY, "EU", False)
    assert second.start == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert second.start.tzinfo is UTC
    assert (second.role, second.out_of_hours) == (Role.SECONDARY, True)
    assert (third.role, third.rotation, third.out_of_hours) == (Role.PRIMARY, "", False)


def test_shifts_reject_naive_bounds(source: TeamApiSource) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        source.fetch_shifts(datetime(2026, 12, 1), datetime(2026, 12, 2, tzinfo=UTC))


def test_tickets_round_trip(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/people").respond_with_json(PEOPLE)
    httpserver.expect_request("/api/v1/tickets").respond_with_json(
        {"tickets": [FULL_TICKET, MINIMAL_TICKET], "next": None}
    )
    source.fetch_people()
    full, minimal = source.fetch_tickets()
    assert full.id == "142"
    assert full.key == "SUP-142"
    assert full.title == "Checkout returns 500"
    assert full.priority is Priority.P1
    assert full.status is TicketStatus.NEW
    assert full.created_at == datetime(2026, 12, 1, 9, 12, tzinfo=UTC)
    assert full.url == "https://support.example.com/t/142"
    assert full.assignee == Person("bob", "Bob Okafor")
    assert full.sla == Sla(datetime(2026, 12, 1, 10, 12, tzinfo=UTC), SlaKind.RESPONSE, False)
    assert full.acknowledged_at is None
    assert full.source == "team-api"
    assert full.ref == "team-api:142"
    # Missing optional fields take the contract's defaults.
    assert minimal.key == "143"
    assert minimal.status is TicketStatus.NEW
    assert (minimal.url, minimal.assignee, minimal.sla) == ("", None, None)
    assert minimal.created_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_unknown_assignee_becomes_a_stand_in(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/tickets").respond_with_json(
        {"tickets": [ticket("1", assignee_id="ghost", status="in_progress")], "next": None}
    )
    (only,) = source.fetch_tickets()
    assert only.assignee == Person("ghost", "ghost")
    assert only.status is TicketStatus.IN_PROGRESS


def test_pagination_over_three_pages(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_ordered_request("/api/v1/tickets", query_string="").respond_with_json(
        {"tickets": [ticket("1")], "next": "c2"}
    )
    httpserver.expect_ordered_request(
        "/api/v1/tickets", query_string={"cursor": "c2"}
    ).respond_with_json({"tickets": [ticket("2"), ticket("3")], "next": "c3"})
    httpserver.expect_ordered_request(
        "/api/v1/tickets", query_string={"cursor": "c3"}
    ).respond_with_json({"tickets": [ticket("4")], "next": None})
    assert [t.id for t in source.fetch_tickets()] == ["1", "2", "3", "4"]
    httpserver.check_assertions()


def test_repeated_cursor_is_bad_data_not_a_partial_queue(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    # A looping cursor is the server's fault: the last good queue is kept (the error),
    # rather than a queue cut short at the loop, whose missing tickets would come back as new.
    def page(request: Request) -> Response:
        cursor = request.args.get("cursor", "start")
        following = {"start": "a", "a": "b", "b": "a"}[cursor]
        body = {"tickets": [ticket(f"t-{cursor}")], "next": following}
        import json

        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/api/v1/tickets").respond_with_handler(page)
    with pytest.raises(BadDataError, match="one already read"):
        source.fetch_tickets()
    assert len(httpserver.log) == 3


def test_pages_are_bounded(
    httpserver: HTTPServer, source: TeamApiSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(teamapi, "MAX_PAGES", 4)

    def endless(request: Request) -> Response:
        number = int(request.args.get("cursor", "0")) + 1
        body = f'{{"tickets": [], "next": "{number}"}}'
        return Response(body, content_type="application/json")

    httpserver.expect_request("/api/v1/tickets").respond_with_handler(endless)
    with pytest.raises(BadDataError, match="past 4 pages") as caught:
        source.fetch_tickets()
    assert caught.value.source == "team-api"
    assert len(httpserver.log) == 4


def test_duplicate_ticket_ids_keep_the_first(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_ordered_request("/api/v1/tickets").respond_with_json(
        {"tickets": [ticket("1", title="first")], "next": "p2"}
    )
    httpserver.expect_ordered_request("/api/v1/tickets").respond_with_json(
        {"tickets": [ticket("1", title="again"), ticket("2")], "next": None}
    )
    assert [(t.id, t.title) for t in source.fetch_tickets()] == [
        ("1", "first"),
        ("2", "Slow search"),
    ]


def test_malformed_tickets_skipped_good_ones_kept(
    httpserver: HTTPServer, source: TeamApiSource, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    items = [
        ticket("good-1"),
        ticket("no-title", title=None),
        ticket("p9", priority="P9"),
        ticket("naive", created_at="2026-12-01T09:00:00"),
        ticket("bad-status", status="closed"),
        ticket("bad-sla", sla={"kind": "response"}),
        "not an object",
        ticket("good-2", priority="p2"),
    ]
    httpserver.expect_request("/api/v1/tickets").respond_with_json({"tickets": items, "next": None})
    assert [t.id for t in source.fetch_tickets()] == ["good-1", "good-2"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "team-api: skipped tickets[1]: tickets[1].title is missing",
        "team-api: skipped tickets[2]: tickets[2].priority is not one of P1..P4",
        "team-api: skipped tickets[3]: tickets[3].created_at is a time without an offset "
        "(add Z or +hh:mm)",
        "team-api: skipped tickets[4]: tickets[4].status is not one of 'new', "
        "'acknowledged', 'in_progress', 'waiting'",
        "team-api: skipped tickets[5]: tickets[5].sla.due_at is missing",
        "team-api: skipped tickets[6]: tickets[6] is not an object",
    ]


def test_malformed_shifts_skipped_good_ones_kept(
    httpserver: HTTPServer, source: TeamApiSource, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"person_id": "alice", "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T17:00:00Z"}
    items = [
        {**good, "end": "2026-12-01T08:00:00Z"},
        {**good, "start": "2026-12-01T09:00:00"},
        {**good, "role": "boss"},
        {**good, "out_of_hours": "yes"},
        {**good, "person_id": 7},
        good,
    ]
    httpserver.expect_request("/api/v1/shifts").respond_with_json({"shifts": items})
    shifts = source.fetch_shifts(
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    )
    assert len(shifts) == 1
    assert shifts[0].person == Person("alice", "alice")
    assert "shifts[0].end is not after start" in caplog.text
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert [m.split(":")[1].strip() for m in skipped] == [f"skipped shifts[{i}]" for i in range(5)]
    assert "2026-12-01T08:00:00Z" not in caplog.text, "logs carry the index, not the content"


def test_html_in_titles_is_kept_as_text(httpserver: HTTPServer, source: TeamApiSource) -> None:
    title = "<b>Checkout</b> <script>alert('x')</script> &amp; more"
    httpserver.expect_request("/api/v1/tickets").respond_with_json(
        {"tickets": [ticket("1", title=title)], "next": None}
    )
    assert source.fetch_tickets()[0].title == title


def test_titles_lose_control_characters_and_are_bounded(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    httpserver.expect_request("/api/v1/tickets").respond_with_json(
        {
            "tickets": [
                ticket("1", title="line one\nline\x07 two\u202e"),
                ticket("2", title="x" * 5000),
            ],
            "next": None,
        }
    )
    first, second = source.fetch_tickets()
    assert first.title == "line one line two"
    assert len(second.title) == 500
    assert second.title.endswith("…")


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("javascript:alert(document.cookie)", ""),
        ("file:///etc/passwd", ""),
        ("data:text/html,<script>x</script>", ""),
        ("//evil.example.com/x", ""),
        ("http://support.example.com/t/1", "http://support.example.com/t/1"),
        ("HTTPS://support.example.com/t/1", "HTTPS://support.example.com/t/1"),
    ],
)
def test_only_web_urls_are_kept(
    httpserver: HTTPServer, source: TeamApiSource, url: str, kept: str
) -> None:
    httpserver.expect_request("/api/v1/tickets").respond_with_json(
        {"tickets": [ticket("1", url=url)], "next": None}
    )
    assert source.fetch_tickets()[0].url == kept


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ([FULL_TICKET], "the answer is not an object"),
        ({"items": []}, "tickets is missing"),
        ({"tickets": {"0": FULL_TICKET}}, "tickets is not a list"),
        ({"tickets": [], "next": 2}, "next is not a string"),
        ({"tickets": [], "next": "c2\x1b[2J"}, "next contains control or bidi characters"),
    ],
)
def test_wrong_top_level_shape_is_bad_data(
    httpserver: HTTPServer, source: TeamApiSource, body: object, words: str
) -> None:
    httpserver.expect_request("/api/v1/tickets").respond_with_json(body)
    with pytest.raises(BadDataError, match=words):
        source.fetch_tickets()


@pytest.mark.parametrize("endpoint", ["people", "shifts"])
def test_wrong_top_level_shape_of_people_and_shifts(
    httpserver: HTTPServer, source: TeamApiSource, endpoint: str
) -> None:
    httpserver.expect_request(f"/api/v1/{endpoint}").respond_with_json({"data": []})
    with pytest.raises(BadDataError, match=f"{endpoint} is missing"):
        if endpoint == "people":
            source.fetch_people()
        else:
            source.fetch_shifts(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))


def test_acknowledge_round_trip(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request(
        "/api/v1/tickets/142/acknowledge",
        method="POST",
        json={"by": "alice"},
        headers={"Idempotency-Key": "7f1d3c0e-5a8b-4c2d-9e6f-0a1b2c3d4e5f"},
    ).respond_with_json({**FULL_TICKET, "status": "acknowledged"})
    source.acknowledge(
        "142", Person("alice", "Alice Martin"), "7f1d3c0e-5a8b-4c2d-9e6f-0a1b2c3d4e5f"
    )
    assert len(httpserver.log) == 1
    assert httpserver.log[0][1].status_code == 200


def test_hand_over_round_trip(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request(
        "/api/v1/tickets/142/handover",
        method="POST",
        json={"to": "bob", "note": "DB is the suspect; see the graph", "by": "alice"},
        headers={"Idempotency-Key": "key-7"},
    ).respond_with_json({**FULL_TICKET, "assignee_id": "bob"})
    source.hand_over(
        "142",
        Person("bob", "Bob Okafor"),
        "DB is the suspect; see the graph",
        Person("alice", "Alice Martin"),
        "key-7",
    )
    assert httpserver.log[0][1].status_code == 200


def test_ticket_ids_are_escaped_in_action_urls(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    # Werkzeug matches on the decoded path; the raw request line shows what was sent.
    httpserver.expect_request("/api/v1/tickets/a/../b/acknowledge").respond_with_json(
        {"id": "a/../b", "status": "acknowledged"}
    )
    source.acknowledge("a/../b", Person("alice", "A"), "k")
    assert httpserver.log[0][0].environ["REQUEST_URI"] == "/api/v1/tickets/a%2F..%2Fb/acknowledge"


def test_acknowledge_conflict_carries_the_server_message(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    httpserver.expect_request("/api/v1/tickets/142/acknowledge", method="POST").respond_with_json(
        {"error": {"code": "conflict", "message": "ticket 142 is closed"}}, status=409
    )
    with pytest.raises(ConflictError) as caught:
        source.acknowledge("142", Person("alice", "A"), "k")
    assert "ticket 142 is closed" in str(caught.value)
    assert "Refresh and look at the ticket" in str(caught.value)


def test_hand_over_to_unknown_recipient_says_why(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    httpserver.expect_request("/api/v1/tickets/142/handover", method="POST").respond_with_json(
        {"error": {"code": "invalid", "message": "unknown recipient: zed"}}, status=422
    )
    with pytest.raises(RejectedError) as caught:
        source.hand_over("142", Person("zed", "Z"), "", Person("alice", "A"), "k")
    message = str(caught.value)
    assert message.startswith("team-api: the server refused POST ")
    assert "(422): unknown recipient: zed" in message


def test_unknown_ticket_is_not_found(httpserver: HTTPServer, source: TeamApiSource) -> None:
    httpserver.expect_request("/api/v1/tickets/9/acknowledge", method="POST").respond_with_json(
        {"error": {"code": "not_found", "message": "no ticket T-9"}}, status=404
    )
    with pytest.raises(NotFoundError, match="no ticket T-9"):
        source.acknowledge("9", Person("alice", "A"), "k")


# --- parsers never crash on hostile data ----------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
TIMES = st.sampled_from(
    ["2026-12-01T09:00:00Z", "2026-12-01T09:00:00", "9999-12-31T23:59:59-05:00", "x", ""]
)
PLAUSIBLE = JSON | TIMES | st.sampled_from(["P1", "P9", "new", "primary", "bob", True])
KEYS = [*FULL_TICKET, "person_id", "start", "end", "role", "rotation", "out_of_hours", "name"]
ITEMS = (
    JSON
    | st.dictionaries(st.sampled_from(KEYS), PLAUSIBLE)
    | st.builds(
        lambda extra: {**FULL_TICKET, **extra}, st.dictionaries(st.sampled_from(KEYS), PLAUSIBLE)
    )
)
PEOPLE_BY_ID = {"bob": Person("bob", "Bob")}


@settings(max_examples=300, deadline=None)
@given(ITEMS)
def test_item_parsers_raise_only_bad_data(value: object) -> None:
    for parse in (
        lambda: parse_ticket(value, "s", "t", PEOPLE_BY_ID),
        lambda: parse_shift(value, "s", "t", PEOPLE_BY_ID),
        lambda: parse_person(value, "s", "t"),
    ):
        try:
            parse()
        except BadDataError as error:
            assert error.source == "s"
            assert error.problem.startswith("t")


def test_unchanged_tickets_are_reused_and_changed_ones_parsed_again(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    """The merge step: a poll that sees the same JSON reuses the parsed ticket."""
    answers = [
        {"tickets": [ticket("1"), ticket("2"), ticket("3")], "next": None},
        {"tickets": [ticket("1"), ticket("2", title="Now urgent", priority="P1")], "next": None},
    ]
    for answer in answers:
        httpserver.expect_ordered_request("/api/v1/tickets").respond_with_json(answer)
    first = {t.id: t for t in source.fetch_tickets()}
    second = {t.id: t for t in source.fetch_tickets()}
    assert second["1"] is first["1"]  # same JSON: the very same object
    assert second["2"] is not first["2"]
    assert (second["2"].title, second["2"].priority) == ("Now urgent", Priority.P1)
    assert set(second) == {"1", "2"}  # the closed ticket is gone, not kept by the cache


def test_a_renamed_assignee_is_not_hidden_by_reuse(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    page = {"tickets": [ticket("1", assignee_id="bob")], "next": None}
    for name in ("Bob", "Robert"):
        httpserver.expect_ordered_request("/api/v1/people").respond_with_json(
            {"people": [{"id": "bob", "name": name}]}
        )
        httpserver.expect_ordered_request("/api/v1/tickets").respond_with_json(page)
    source.fetch_people()
    assert source.fetch_tickets()[0].assignee == Person("bob", "Bob")
    source.fetch_people()
    assert source.fetch_tickets()[0].assignee == Person("bob", "Robert")
