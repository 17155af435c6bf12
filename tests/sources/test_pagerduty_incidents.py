"""PagerDuty incidents as the queue, read from a local server in provider-apis.md §1's shapes.

Open incidents whatever their age (``date_range=all``), of me by default, paged;
priority by the account's priority order, else urgency (the writes are in
test_pagerduty_incident_writes.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.clock import FakeClock
from traysupport.core.model import Person, Priority, TicketStatus
from traysupport.sources import pagerduty
from traysupport.sources.base import (
    QueueSource,
    RateLimitedError,
    SourceError,
)
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.pagerduty import PagerDutySettings, PagerDutySource
from traysupport.sources.pagerduty_incident_shapes import UrgencyTable
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
ADA = {"id": "PU1", "type": "user", "name": "Ada Lo", "email": "ada@example.com"}
BOB = {"id": "PU2", "type": "user", "name": "Bob Ng", "email": "bob@example.com"}
ME = Person("PU1", "Ada Lo", "ada@example.com")
TO = Person("PU2", "Bob Ng", "bob@example.com")
PRIORITIES = [  # §10: listed most to least severe; the names say nothing
    {"id": "PSEV1", "type": "priority", "name": "Sev-A"},
    {"id": "PSEV2", "type": "priority", "name": "P1"},
    {"id": "PSEV3", "type": "priority", "name": "Sev-C"},
    {"id": "PSEV4", "type": "priority", "name": "Sev-D"},
    {"id": "PSEV5", "type": "priority", "name": "Sev-E"},
]


def ref(item: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"id": item["id"], "type": f"{kind}_reference", "summary": item["name"]}


def incident(number: int, **kw: Any) -> dict[str, Any]:
    """One incident as §1 "Open incidents" shows it."""
    body: dict[str, Any] = {
        "id": f"PI{number}",
        "type": "incident",
        "incident_number": number,
        "title": f"Incident {number}",
        "status": "triggered",
        "urgency": "high",
        "created_at": "2026-01-05T03:10:00Z",  # months old: only date_range=all finds it
        "html_url": f"https://acme.pagerduty.com/incidents/PI{number}",
        "service": {"id": "PSV", "type": "service_reference", "summary": "db"},
        "assignments": [{"at": "2026-01-05T03:10:01Z", "assignee": ADA}],
        "acknowledgements": [],
        "priority": None,
    }
    return body | kw


def listing(items: list[Any], offset: int = 0, more: bool = False, key: str = "incidents") -> Any:
    return {key: items, "limit": 100, "offset": offset, "more": more, "total": None}


def build(url: str, clock: FakeClock | None = None, **settings: Any) -> PagerDutySource:
    """The source through SPEC, as the app builds it; the client never sleeps or retries."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=0)
        return HttpClient("pd", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    now = clock or FakeClock(NOW)
    context = SourceContext(name="pd", token="k3y", http=http, clock=lambda: now.now)
    source = pagerduty.SPEC.build(PagerDutySettings(url=url, **settings), context)
    assert isinstance(source, PagerDutySource)
    return source


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[PagerDutySource]:
    src = build(httpserver.url_for(""))
    yield src
    src.close()


def test_spec_serves_both_roles(source: PagerDutySource) -> None:
    assert pagerduty.SPEC.roles == {"rotation", "queue"}
    assert isinstance(source, QueueSource)


def test_my_open_incidents_whatever_their_age(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    acked = incident(
        43,
        status="acknowledged",
        urgency="low",
        priority={"id": "PSEV2", "type": "priority_reference", "summary": "P1"},
        assignments=[{"at": "2026-01-05T03:10:01Z", "assignee": BOB}],
        acknowledgements=[
            {"at": "2026-01-05T04:00:00Z", "acknowledger": ref(BOB, "user")},
            {"at": "2026-01-05T03:30:00Z", "acknowledger": ref(ADA, "user")},
        ],
    )
    httpserver.expect_request("/users/me").respond_with_json({"user": ADA})
    httpserver.expect_request("/priorities").respond_with_json(
        listing(PRIORITIES, key="priorities")
    )
    httpserver.expect_request("/incidents").respond_with_json(listing([incident(42), acked]))
    first, second = source.fetch_tickets()
    asked = httpserver.log[-1][0]
    assert asked.args.getlist("statuses[]") == ["triggered", "acknowledged"]
    assert asked.args["date_range"] == "all"  # not the default last month
    assert "since" not in asked.args and "until" not in asked.args
    assert asked.args.getlist("user_ids[]") == ["PU1"]  # the token's user
    assert asked.args["include[]"] == "assignees"
    assert asked.headers["Authorization"] == "Token token=k3y"
    assert (first.id, first.key, first.title, first.status) == (
        "PI42",
        "42",
        "Incident 42",
        TicketStatus.NEW,
    )
    assert first.url == "https://acme.pagerduty.com/incidents/PI42"
    assert first.created_at == datetime(2026, 1, 5, 3, 10, tzinfo=UTC)
    assert first.priority is Priority.P1  # no priority: urgency high
    assert first.assignee == Person("PU1", "Ada Lo", "ada@example.com")
    assert first.acknowledged_at is None and first.source == "pd"
    # The second level in the account's order, whatever its name says.
    assert second.priority is Priority.P2
    assert second.status is TicketStatus.ACKNOWLEDGED
    assert second.assignee is not None and second.assignee.email == "bob@example.com"
    assert second.acknowledged_at == datetime(2026, 1, 5, 3, 30, tzinfo=UTC)


def test_configured_scope_and_paging(httpserver: HTTPServer) -> None:
    src = build(
        httpserver.url_for(""), user_ids=("PU7",), team_ids=("PT1", "PT2"), service_ids=("PS",)
    )
    httpserver.expect_request("/priorities").respond_with_json(listing([], key="priorities"))
    answers = {
        "0": listing([incident(1)], more=True),
        "1": listing([incident(2), incident(1)], offset=1),  # a page that shifted repeats one
    }

    def page(request: Request) -> Response:
        return Response(
            json.dumps(answers[request.args["offset"]]), content_type="application/json"
        )

    httpserver.expect_request("/incidents").respond_with_handler(page)
    try:
        tickets = src.fetch_tickets()
    finally:
        src.close()
    assert [t.id for t in tickets] == ["PI1", "PI2"]
    reads = [r for r, _ in httpserver.log if r.path == "/incidents"]
    assert [r.args["offset"] for r in reads] == ["0", "1"]
    assert [r.args["limit"] for r in reads] == ["100", "100"]
    asked = reads[1].args
    assert asked.getlist("user_ids[]") == ["PU7"]
    assert asked.getlist("team_ids[]") == ["PT1", "PT2"]
    assert asked.getlist("service_ids[]") == ["PS"]
    assert "/users/me" not in [r.path for r, _ in httpserver.log]


def test_priorities_past_the_fourth_are_p4(httpserver: HTTPServer, source: PagerDutySource) -> None:
    httpserver.expect_request("/users/me").respond_with_json({"user": ADA})
    httpserver.expect_request("/priorities").respond_with_json(
        listing(PRIORITIES, key="priorities")
    )
    items = [
        incident(n, urgency="low", priority={"id": pid, "type": "priority_reference"})
        for n, pid in enumerate(["PSEV1", "PSEV3", "PSEV4", "PSEV5", "PGONE"], 1)
    ]
    httpserver.expect_request("/incidents").respond_with_json(listing(items))
    priorities = [t.priority.label for t in source.fetch_tickets()]
    assert priorities == ["P1", "P3", "P4", "P4", "P3"]  # an unknown priority: urgency


def test_without_priorities_urgency_decides_and_is_not_asked_again_soon(
    httpserver: HTTPServer,
) -> None:
    clock = FakeClock(NOW)
    src = build(httpserver.url_for(""), clock, user_ids=("PU1",), urgencies=(("low", "P4"),))
    body = {"error": {"message": "Priorities are not enabled for this account", "code": 2100}}
    httpserver.expect_request("/priorities").respond_with_json(body, status=402)
    items = [incident(1, urgency="low"), incident(2, priority={"id": "PSEV1"})]
    httpserver.expect_request("/incidents").respond_with_json(listing(items))
    try:
        assert [t.priority for t in src.fetch_tickets()] == [Priority.P4, Priority.P1]
        clock.now = NOW + timedelta(hours=1)
        src.fetch_tickets()
        asked = [r.path for r, _ in httpserver.log].count("/priorities")
        assert asked == 1, "the account's priorities were asked for at every poll"
        clock.now = NOW + timedelta(hours=7)
        src.fetch_tickets()
        assert [r.path for r, _ in httpserver.log].count("/priorities") == 2
    finally:
        src.close()


def test_bad_and_closed_incidents_are_skipped(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    httpserver.expect_request("/users/me").respond_with_json({"user": ADA})
    httpserver.expect_request("/priorities").respond_with_json(listing([], key="priorities"))
    items = [
        "not an incident",
        incident(1, created_at="2026-13-45T00:00:00Z"),
        incident(2, urgency="whenever"),
        incident(3, status="resolved"),
        incident(4, assignments=[{"assignee": {"type": "user"}}]),
        incident(5, id=None),
        incident(6, title="Disk \x1b[31mfull\u202e"),
    ]
    httpserver.expect_request("/incidents").respond_with_json(listing(items))
    (only,) = source.fetch_tickets()
    assert only.id == "PI6" and only.title.startswith("Disk")
    assert "\x1b" not in only.title and "\u202e" not in only.title


def test_an_account_key_with_no_scope_says_what_to_set(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    body = {"error": {"message": "Requester User Not Found", "code": 2011}}
    httpserver.expect_request("/users/me").respond_with_json(body, status=400)
    httpserver.expect_request("/priorities").respond_with_json(listing([], key="priorities"))
    with pytest.raises(SourceError) as caught:
        source.fetch_tickets()
    assert "user_ids" in str(caught.value) and "team_ids" in str(caught.value)


def test_rate_limit_headers_on_the_incidents(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    httpserver.expect_request("/users/me").respond_with_json({"user": ADA})
    httpserver.expect_request("/priorities").respond_with_json(listing([], key="priorities"))
    headers = {"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "30"}
    body = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    httpserver.expect_request("/incidents").respond_with_json(body, status=429, headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == pytest.approx(30, abs=2)


def test_urgency_table_setting() -> None:
    assert UrgencyTable().parse({"low": "P4"}) == (("low", "P4"),)
    for bad in ({"medium": "P2"}, {"high": "P9"}, ["high"]):
        with pytest.raises(InvalidValueError):
            UrgencyTable().parse(bad)
