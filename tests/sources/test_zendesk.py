"""ZendeskSource against a local server answering in provider-apis.md §4's shapes.

Reads: a view's tickets cursor-paged with SLAs (active, paused, achieved), null
priorities, hostile subjects and impossible dates; a search; agents; me; 429 and the
rate budget; 401. Writes, with the exact requests asserted: acknowledge, hand over (the
note looked for first), 422 RecordInvalid, 409, a lost answer (one comment, not two).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.sources.zendesk_faultserver import EMAIL
from traysupport.core.model import Person, Priority, Sla, SlaKind, TicketStatus
from traysupport.sources import zendesk
from traysupport.sources.base import (
    AuthError,
    QueueSource,
    RateLimitedError,
    SourceError,
)
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError
from traysupport.sources.zendesk import ZendeskSettings, ZendeskSource
from traysupport.sources.zendesk_shapes import PriorityTable

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
TOKEN = "zd-t0ken-never-shown"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
VIEW = "/api/v2/views/360001/tickets.json"
ADA = Person("901", "Ada Lo", "ada@example.com")
BOB = Person("902", "Bob Ng", "bob@example.com")
STAMP = "2026-05-05T08:59:00Z"


def build(url: str, token: str | None = TOKEN, retries: int = 0, **settings: Any) -> ZendeskSource:
    """The source built through SPEC, as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=retries, max_retry_after=5.0)
        return HttpClient("zd", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="zd", token=token, http=http, clock=lambda: NOW)
    options: dict[str, Any] = {"url": url, "email": EMAIL, "view_id": 360001} | settings
    source = zendesk.SPEC.build(ZendeskSettings(**options), context)
    assert isinstance(source, ZendeskSource)
    return source


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[ZendeskSource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def ticket(number: int, **fields: Any) -> dict[str, Any]:
    """A ticket as §4 shows it."""
    return {
        "id": number,
        "subject": f"Ticket {number}",
        "status": "new",
        "priority": "high",
        "assignee_id": None,
        "created_at": "2026-05-05T07:00:00Z",
        "updated_at": STAMP,
        **fields,
    }


def metric(stage: str, breach_at: str | None, name: str = "first_reply_time") -> dict[str, Any]:
    return {"breach_at": breach_at, "stage": stage, "metric": name, "hours": 1}


def view_page(items: list[Any], after: str | None = None) -> dict[str, Any]:
    """A cursor page (§4): meta.has_more/after_cursor and links.next."""
    return {
        "tickets": items,
        "meta": {"has_more": after is not None, "after_cursor": after, "before_cursor": "b"},
        "links": {"next": f"https://x.zendesk.com{VIEW}?page[after]={after}" if after else None},
    }


# -- reads ------------------------------------------------------------------------------


def test_view_is_cursor_paged_with_slas_and_mapped(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    first = [
        ticket(
            1,
            priority="urgent",
            slas={"policy_metrics": [metric("active", "2026-05-05T10:00:00Z")]},
        ),
        ticket(2, priority=None, status="open", assignee_id=902),
    ]
    second = [ticket(3, priority="low", status="hold"), ticket(4, status="solved")]
    httpserver.expect_ordered_request(VIEW).respond_with_json(view_page(first, after="c1"))
    httpserver.expect_ordered_request(VIEW).respond_with_json(view_page(second))
    tickets = {t.id: t for t in source.fetch_tickets()}
    assert sorted(tickets) == ["1", "2", "3"]  # the solved one has left the queue
    one = tickets["1"]
    assert (one.key, one.title, one.priority, one.status) == (
        "1",
        "Ticket 1",
        Priority.P1,
        TicketStatus.NEW,
    )
    assert one.url == httpserver.url_for("/agent/tickets/1").replace("//agent", "/agent")
    assert one.sla == Sla(datetime(2026, 5, 5, 10, tzinfo=UTC), SlaKind.RESPONSE)
    assert tickets["2"].priority is Priority.P3  # null priority: the default
    assert tickets["2"].status is TicketStatus.IN_PROGRESS
    assert tickets["2"].assignee == Person("902", "Zendesk user 902")
    assert tickets["3"].status is TicketStatus.WAITING and tickets["3"].sla is None
    (req1, _), (req2, _) = httpserver.log
    assert req1.args.to_dict() == {"include": "slas", "page[size]": "100"}
    assert req2.args.to_dict() == {"include": "slas", "page[size]": "100", "page[after]": "c1"}
    assert req1.headers["Authorization"] == BASIC


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ([metric("paused", None)], Sla(None, SlaKind.RESPONSE, paused=True)),
        (
            [metric("paused", "2026-05-05T09:30:00Z", "requester_wait_time")],
            Sla(None, SlaKind.RESOLUTION, paused=True),
        ),
        (
            [
                metric("paused", None, "next_reply_time"),
                metric("active", "2026-05-06T09:00:00Z", "agent_work_time"),
                metric("active", "2026-05-05T12:00:00Z", "periodic_update_time"),
            ],
            Sla(datetime(2026, 5, 5, 12, tzinfo=UTC), SlaKind.RESPONSE),
        ),
        ([metric("achieved", "2026-05-05T08:00:00Z")], None),
        (
            [metric("active", "2026-99-05T08:00:00Z"), metric("paused", None)],
            Sla(None, paused=True),
        ),
        ([], None),
    ],
    ids=["paused", "paused-with-breach", "earliest-active", "achieved", "bad-metric", "none"],
)
def test_sla_from_the_policy_metrics(
    httpserver: HTTPServer, source: ZendeskSource, metrics: list[Any], expected: Sla | None
) -> None:
    item = ticket(7, slas={"policy_metrics": metrics})
    httpserver.expect_request(VIEW).respond_with_json(view_page([item]))
    (found,) = source.fetch_tickets()
    assert found.sla == expected


def test_hostile_subjects_cleaned_and_bad_tickets_skipped(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    items = [
        ticket(1, subject="Printer \x1b]0;owned\x07on <b>fire</b>\u202e\x1b[2J\nnow"),
        ticket(2, created_at="2026-02-30T10:00:00Z"),  # no such day
        ticket(3, created_at="0001-01-01T00:00:00Z"),  # out of the model's range
        ticket(4, id="4; DROP"),
        ticket(5, priority="sky-high"),
        ticket(6, slas="soon"),
        ticket(8, subject=None, raw_subject=None),
        ["not", "a", "ticket"],
    ]
    httpserver.expect_request(VIEW).respond_with_json(view_page(items))
    tickets = {t.id: t for t in source.fetch_tickets()}
    assert sorted(tickets) == ["1", "8"]
    assert tickets["1"].title == "Printer ]0;ownedon <b>fire</b>[2J now"
    assert tickets["8"].title == "(no subject)"


def test_priorities_are_configurable(httpserver: HTTPServer) -> None:
    url = httpserver.url_for("").rstrip("/")
    made = build(url, priorities=(("normal", "P2"),), default_priority="P4")
    items = [ticket(1, priority="normal"), ticket(2, priority=None), ticket(3, priority="urgent")]
    httpserver.expect_request(VIEW).respond_with_json(view_page(items))
    try:
        found = {t.id: t.priority for t in made.fetch_tickets()}
    finally:
        made.close()
    assert found == {"1": Priority.P2, "2": Priority.P4, "3": Priority.P1}


@pytest.mark.parametrize("raw", [{"normal": "P5"}, {"medium": "P2"}, {"low": 4}, ["P1"]])
def test_priority_table_refuses_what_zendesk_cannot_mean(raw: object) -> None:
    with pytest.raises(InvalidValueError):
        PriorityTable().parse(raw)


def test_search_pages_by_next_page_with_sideloaded_slas(httpserver: HTTPServer) -> None:
    made = build(httpserver.url_for("").rstrip("/"), view_id=0, query="status<solved group:Ops")
    following = httpserver.url_for("/api/v2/search.json") + "?page=2&per_page=100&query=q2"
    first = {"results": [dict(ticket(1), result_type="ticket")], "next_page": following}
    second = {"results": [dict(ticket(2), result_type="ticket"), {"id": 5, "result_type": "user"}]}
    httpserver.expect_ordered_request("/api/v2/search.json").respond_with_json(first)
    httpserver.expect_ordered_request("/api/v2/search.json").respond_with_json(
        dict(second, next_page=None)
    )
    try:
        assert [t.id for t in made.fetch_tickets()] == ["1", "2"]
    finally:
        made.close()
    (req1, _), (req2, _) = httpserver.log
    assert req1.args.to_dict() == {
        "query": "type:ticket status<solved group:Ops",
        "include": "tickets(slas)",
        "per_page": "100",
    }
    assert req2.args.to_dict() == {"page": "2", "per_page": "100", "query": "q2"}


def test_429_gives_the_wait_zendesk_asks(httpserver: HTTPServer, source: ZendeskSource) -> None:
    httpserver.expect_request(VIEW).respond_with_response(
        Response("Too Many Requests", 429, headers={"Retry-After": "93"})
    )
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 93


def test_spent_rate_budget_asks_for_no_further_page(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    spent = {"x-rate-limit": "700", "x-rate-limit-remaining": "0", "ratelimit-reset": "41"}
    body = json.dumps(view_page([ticket(1)], after="c1"))
    httpserver.expect_request(VIEW).respond_with_response(
        Response(body, 200, headers=spent, content_type="application/json")
    )
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 41
    assert len(httpserver.log) == 1


def test_spent_budget_on_the_last_page_is_no_error(
    httpserver: HTTPServer, source: ZendeskSource
) -> None:
    body = json.dumps(view_page([ticket(1)]))
    httpserver.expect_request(VIEW).respond_with_response(
        Response(
            body, 200, headers={"X-Rate-Limit-Remaining": "0"}, content_type="application/json"
        )
    )
    assert [t.id for t in source.fetch_tickets()] == ["1"]


def test_401_names_the_token_to_make(httpserver: HTTPServer, source: ZendeskSource) -> None:
    httpserver.expect_request(VIEW).respond_with_json({"error": "Couldn't authenticate you"}, 401)
    with pytest.raises(AuthError) as caught:
        source.fetch_tickets()
    message = str(caught.value)
    assert "Admin Center > Apps and integrations > Zendesk API" in message
    assert "Couldn't authenticate you" in message
    assert TOKEN not in message and BASIC.split()[1] not in message


def test_people_are_agents_and_admins_paged(httpserver: HTTPServer, source: ZendeskSource) -> None:
    ada = {"id": 901, "name": "Ada Lo", "email": "ada@example.com", "role": "admin"}
    bob = {"id": 902, "name": "Bob\x1b[31m Ng", "email": "bob@example.com", "role": "agent"}
    gone = {"id": 903, "name": "Gone", "email": "g@example.com", "suspended": True}
    first = {"users": [ada, gone], "meta": {"has_more": True, "after_cursor": "u1"}}
    httpserver.expect_ordered_request("/api/v2/users.json").respond_with_json(first)
    last = {"users": [bob, {"id": None}], "meta": {"has_more": False}}
    httpserver.expect_ordered_request("/api/v2/users.json").respond_with_json(last)
    assert source.fetch_people() == [ADA, Person("902", "Bob[31m Ng", "bob@example.com")]
    (req1, _), (req2, _) = httpserver.log
    assert req1.args.getlist("role[]") == ["agent", "admin"]
    assert req2.args["page[after]"] == "u1"
    # Known agents name the assignees of the next tickets.
    httpserver.expect_request(VIEW).respond_with_json(view_page([ticket(5, assignee_id=901)]))
    assert source.fetch_tickets()[0].assignee == ADA


def test_me_is_the_tokens_agent(httpserver: HTTPServer, source: ZendeskSource) -> None:
    me = {"user": {"id": 901, "name": "Ada Lo", "email": "ada@example.com"}}
    httpserver.expect_ordered_request("/api/v2/users/me.json").respond_with_json(me)
    anonymous = {"user": {"id": None, "name": "Anonymous user", "email": "invalid@example.com"}}
    httpserver.expect_ordered_request("/api/v2/users/me.json").respond_with_json(anonymous)
    assert source.fetch_me() == ADA
    assert source.fetch_me() is None


# -- building -----------------------------------------------------------------------------


def test_subdomain_sets_the_url_and_no_email_means_oauth() -> None:
    made: list[tuple[str, str | None]] = []

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        made.append((base_url, auth))
        return HttpClient("zd", base_url, auth=auth)

    context = SourceContext(name="zd", token="oauth-tok", http=http, clock=lambda: NOW)
    source = zendesk.SPEC.build(ZendeskSettings(subdomain="acme", query="status<solved"), context)
    assert isinstance(source, QueueSource)
    source.close()  # type: ignore[attr-defined]
    assert made == [("https://acme.zendesk.com", "Bearer oauth-tok")]


@pytest.mark.parametrize(
    ("settings", "words"),
    [({"view_id": 1}, "subdomain"), ({"subdomain": "acme"}, "view_id")],
)
def test_build_says_what_is_missing(settings: dict[str, Any], words: str) -> None:
    context = SourceContext(name="zd", token="t", http=HttpClient, clock=lambda: NOW)  # type: ignore[arg-type]
    with pytest.raises(SourceError, match=words):
        zendesk.SPEC.build(ZendeskSettings(**settings), context)
