"""IntercomSource reads against a local server in provider-apis.md §10's shapes.

The search (POST, paged by ``pages.next.starting_after`` sent back in the body), both
priority forms, ``waiting_since`` null and snoozed (paused SLA), the policy counting from
``waiting_since``, admins and me, the pinned version header, region base URLs, 429 with
``X-RateLimit-Reset`` (Unix time), 401 with a hint, and a search retried after a 503.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport.core.model import Person, Priority, Sla, TicketStatus
from traysupport.core.sla import SlaPolicy, breach_at
from traysupport.sources import intercom
from traysupport.sources.base import AuthError, BadDataError, RateLimitedError, SourceError
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.intercom import IntercomSettings, IntercomSource
from traysupport.sources.intercom_shapes import PriorityTable
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
T0 = int(NOW.timestamp())
TOKEN = "ic-t0ken-never-shown"
ME = {"type": "admin", "id": "991267", "name": "Ada Lo", "email": "ada@example.com"}
SEARCH = "/conversations/search"


def build(
    url: str, retries: int = 0, clock: float | None = None, **settings: Any
) -> IntercomSource:
    """The source built through SPEC, as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=retries, max_retry_after=5.0)
        extra: dict[str, Any] = {"clock": (lambda: clock)} if clock is not None else {}
        return HttpClient(
            "ic", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs, **extra
        )

    context = SourceContext(name="ic", token=TOKEN, http=http, clock=lambda: NOW)
    options: dict[str, Any] = {"url": url, "workspace_id": "abc123", "team_ids": ("5017691",)}
    source = intercom.SPEC.build(IntercomSettings(**(options | settings)), context)
    assert isinstance(source, IntercomSource)
    return source


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[IntercomSource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def conversation(cid: str, **fields: Any) -> dict[str, Any]:
    """A conversation as §10 shows it (times in Unix seconds, 0 for unassigned)."""
    return {
        "type": "conversation",
        "id": cid,
        "title": f"Conversation {cid}",
        "created_at": T0 - 7200,
        "updated_at": T0 - 60,
        "waiting_since": T0 - 600,
        "snoozed_until": None,
        "open": True,
        "state": "open",
        "priority": "not_priority",
        "admin_assignee_id": 0,
        "team_assignee_id": 5017691,
        **fields,
    }


def page(items: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    pages: dict[str, Any] = {"type": "pages", "page": 1, "per_page": 150, "total_pages": 2}
    if after:
        pages["next"] = {"page": 2, "starting_after": after}
    return {"type": "conversation.list", "conversations": items, "total_count": 3, "pages": pages}


def team_query() -> dict[str, Any]:
    return {
        "operator": "AND",
        "value": [
            {"field": "open", "operator": "=", "value": True},
            {
                "operator": "OR",
                "value": [
                    {"field": "team_assignee_id", "operator": "=", "value": 5017691},
                    {"field": "admin_assignee_id", "operator": "=", "value": 991267},
                ],
            },
        ],
    }


def expect_me(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/me", method="GET").respond_with_json(ME)


def test_search_is_paged_by_the_body_cursor(httpserver: HTTPServer, source: IntercomSource) -> None:
    expect_me(httpserver)
    first = {"query": team_query(), "pagination": {"per_page": 150}}
    second = {"query": team_query(), "pagination": {"per_page": 150, "starting_after": "WzE3"}}
    httpserver.expect_oneshot_request(SEARCH, method="POST", json=first).respond_with_json(
        page([conversation("101"), conversation("102")], after="WzE3")
    )
    httpserver.expect_oneshot_request(SEARCH, method="POST", json=second).respond_with_json(
        page([conversation("103", admin_assignee_id=991267)])
    )
    tickets = source.fetch_tickets()
    assert [t.id for t in tickets] == ["101", "102", "103"]
    httpserver.check_assertions()
    for request, _ in httpserver.log:
        assert request.headers["Intercom-Version"] == "2.16"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    one = tickets[0]
    assert one.key == "101"
    assert one.url == "https://app.intercom.com/a/inbox/abc123/inbox/conversation/101"
    assert one.status is TicketStatus.NEW and one.assignee is None
    assert tickets[2].assignee == Person("991267", "Intercom admin 991267")
    assert tickets[2].status is TicketStatus.ACKNOWLEDGED


def test_only_teams_when_mine_is_off(httpserver: HTTPServer) -> None:
    made = build(httpserver.url_for("").rstrip("/"), mine=False)
    query = {
        "operator": "AND",
        "value": [
            {"field": "open", "operator": "=", "value": True},
            {"field": "team_assignee_id", "operator": "=", "value": 5017691},
        ],
    }
    body = {"query": query, "pagination": {"per_page": 150}}
    httpserver.expect_request(SEARCH, method="POST", json=body).respond_with_json(page([]))
    try:
        assert made.fetch_tickets() == []
    finally:
        made.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("priority", Priority.P2),
        ("not_priority", Priority.P3),
        ("urgent", Priority.P1),
        ("high", Priority.P2),
        ("medium", Priority.P3),
        ("low", Priority.P4),
        ("none", Priority.P3),
        (None, Priority.P3),
    ],
)
def test_both_priority_forms(
    httpserver: HTTPServer, source: IntercomSource, value: str | None, expected: Priority
) -> None:
    expect_me(httpserver)
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        page([conversation("101", priority=value)])
    )
    assert source.fetch_tickets()[0].priority is expected


def test_priorities_are_configurable(httpserver: HTTPServer) -> None:
    made = build(httpserver.url_for("").rstrip("/"), mine=False, priorities=(("priority", "P1"),))
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        page([conversation("1", priority="priority"), conversation("2", priority="sky")])
    )
    try:
        tickets = made.fetch_tickets()
    finally:
        made.close()
    assert [(t.id, t.priority) for t in tickets] == [("1", Priority.P1)]  # "sky" skipped


def test_priority_table_refuses_unknown_names() -> None:
    with pytest.raises(InvalidValueError):
        PriorityTable().parse({"sky": "P1"})
    with pytest.raises(InvalidValueError):
        PriorityTable().parse({"urgent": "P9"})


def test_the_policy_counts_from_waiting_since(
    httpserver: HTTPServer, source: IntercomSource
) -> None:
    """No breach time in the API (§10): the P3 target runs from when the customer waited."""
    expect_me(httpserver)
    items = [
        conversation("1"),
        conversation("2", waiting_since=None),
        conversation("3", state="snoozed", snoozed_until=T0 + 3600),
        conversation("4", state="closed", open=False),
    ]
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(page(items))
    waiting, answered, snoozed = source.fetch_tickets()
    assert waiting.created_at == NOW - timedelta(minutes=10)
    assert waiting.sla is None
    assert breach_at(waiting, SlaPolicy()) == NOW - timedelta(minutes=10) + timedelta(hours=24)
    assert answered.created_at == NOW - timedelta(hours=2)
    assert answered.sla == Sla(due_at=None, paused=True)
    assert answered.status is TicketStatus.WAITING
    assert breach_at(answered, SlaPolicy()) is None
    assert snoozed.sla == Sla(due_at=None, paused=True)


def test_a_bad_conversation_is_skipped(httpserver: HTTPServer, source: IntercomSource) -> None:
    expect_me(httpserver)
    items: list[Any] = [
        conversation("1", created_at="yesterday"),
        conversation("2", id=None),
        conversation("3", admin_assignee_id=True),
        "not a conversation",
        conversation("5", title="On <b>fire</b>\x1b[2J"),
    ]
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(page(items))
    tickets = source.fetch_tickets()
    assert [t.id for t in tickets] == ["5"]
    assert "\x1b" not in tickets[0].title


def test_a_cursor_loop_ends(httpserver: HTTPServer, source: IntercomSource) -> None:
    expect_me(httpserver)
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        page([conversation("1")], after="same")
    )
    with pytest.raises(BadDataError, match="cursor"):
        source.fetch_tickets()
    assert len(httpserver.log) == 3  # me, page 1, page 2 (same cursor again): no third


def test_people_and_me(httpserver: HTTPServer, source: IntercomSource) -> None:
    bob = {"type": "admin", "id": "991268", "name": "Bob Ng", "email": "bob@example.com"}
    httpserver.expect_request("/admins").respond_with_json(
        {"type": "admin.list", "admins": [ME, bob, {"id": None}, ME]}
    )
    expect_me(httpserver)
    assert source.fetch_people() == [
        Person("991267", "Ada Lo", "ada@example.com"),
        Person("991268", "Bob Ng", "bob@example.com"),
    ]
    assert source.fetch_me() == Person("991267", "Ada Lo", "ada@example.com")


def test_assignee_named_from_people(httpserver: HTTPServer, source: IntercomSource) -> None:
    httpserver.expect_request("/admins").respond_with_json({"type": "admin.list", "admins": [ME]})
    expect_me(httpserver)
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        page([conversation("1", admin_assignee_id=991267)])
    )
    source.fetch_people()
    assert source.fetch_tickets()[0].assignee == Person("991267", "Ada Lo", "ada@example.com")


def test_429_waits_until_the_reset(httpserver: HTTPServer) -> None:
    """§10: 429 with X-RateLimit-Reset as Unix time; the wait runs to that instant."""
    made = build(httpserver.url_for("").rstrip("/"), mine=False, clock=float(T0))
    body = {"type": "error.list", "errors": [{"code": "rate_limit_exceeded", "message": "slow"}]}
    headers = {"X-RateLimit-Limit": "167", "X-RateLimit-Remaining": "0"}
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        body, status=429, headers=headers | {"X-RateLimit-Reset": str(T0 + 8)}
    )
    try:
        with pytest.raises(RateLimitedError) as caught:
            made.fetch_tickets()
    finally:
        made.close()
    assert caught.value.retry_after == pytest.approx(8, abs=1)


def test_a_search_is_retried_after_a_503(httpserver: HTTPServer) -> None:
    made = build(httpserver.url_for("").rstrip("/"), retries=2, mine=False)
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_json({}, status=503)
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_json(
        page([conversation("1")])
    )
    try:
        assert [t.id for t in made.fetch_tickets()] == ["1"]
    finally:
        made.close()


def test_401_says_how_to_get_a_token(httpserver: HTTPServer, source: IntercomSource) -> None:
    def refuse(request: Request) -> Response:
        body = {
            "type": "error.list",
            "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}],
        }
        return Response(json.dumps(body), 401, content_type="application/json")

    httpserver.expect_request("/me").respond_with_handler(refuse)
    with pytest.raises(AuthError) as caught:
        source.fetch_me()
    assert "Developer Hub" in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("region", "base"),
    [
        ("us", "https://api.intercom.io"),
        ("eu", "https://api.eu.intercom.io"),
        ("au", "https://api.au.intercom.io"),
    ],
)
def test_region_sets_the_base_url(region: str, base: str) -> None:
    made: list[str] = []

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        made.append(base_url)
        assert kwargs["headers"] == {"Intercom-Version": "2.16"}
        return HttpClient("ic", base_url, auth=auth, **kwargs)

    context = SourceContext(name="ic", token=TOKEN, http=http, clock=lambda: NOW)
    source = intercom.SPEC.build(IntercomSettings(region=region), context)
    source.close()
    assert made == [base]


def test_no_teams_and_not_mine_is_refused() -> None:
    context = SourceContext(name="ic", token=TOKEN, http=HttpClient, clock=lambda: NOW)  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="team_ids"):
        intercom.SPEC.build(IntercomSettings(mine=False), context)
