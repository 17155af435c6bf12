"""JiraSmSource reading a local server answering in provider-apis.md §3's shapes.

A queue paged by ``start``/``limit`` until ``isLastPage``, only the columns the queue
shows, Jira's ``+0200`` times, hidden emails, done issues; each request's SLA (ongoing,
paused, outside calendar hours, no ongoing cycle, completed cycles, another SLA's name),
asked again only for issues that changed, in a bounded cache; assignable people; myself.
The writes and the errors are in tests/sources/test_jira_sm_writes.py.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.clock import FakeClock
from traysupport.core.model import Person, Priority, Sla, SlaKind, TicketStatus
from traysupport.sources import jira_sm
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.jira_sm import JiraSmSettings, JiraSmSource
from traysupport.sources.jira_sm_shapes import PriorityTable
from traysupport.sources.jira_sm_sla import SlaReader
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
TOKEN = "jira-t0ken-never-shown"
EMAIL = "ada@example.com"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
QUEUE = "/rest/servicedeskapi/servicedesk/SD/queue/12/issue"
ADA = Person("acc-ada", "Ada Lo", "ada@example.com")
BOB = Person("acc-bob", "Bob Ng")
BREACH = datetime(2026, 5, 5, 10, 30, tzinfo=UTC)


class Recorded:
    """Steps that remember what was recorded; *done* and *retrying* as an outbox would say."""

    def __init__(self, done: tuple[str, ...] = (), *, retrying: bool = False) -> None:
        self.finished = list(done)
        self.recorded: list[str] = []
        self.retrying = retrying

    def done(self, step: str) -> bool:
        return step in self.finished

    def record(self, step: str) -> None:
        self.recorded.append(step)
        self.finished.append(step)


def build(
    url: str,
    *,
    clock: FakeClock | None = None,
    token: str | None = TOKEN,
    **settings: Any,
) -> JiraSmSource:
    """The source built through SPEC, as the app does, as Cloud unless told; it never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=0, max_retry_after=5.0)
        return HttpClient("jsm", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    now = clock or FakeClock(NOW)
    context = SourceContext(name="jsm", token=token, http=http, clock=now)
    options: dict[str, Any] = {
        "url": url,
        "deployment": "cloud",
        "email": EMAIL,
        "service_desk_id": "SD",
        "queue_id": 12,
    } | settings
    source = jira_sm.SPEC.build(JiraSmSettings(**options), context)
    assert isinstance(source, JiraSmSource)
    return source


def base(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/").rstrip("/")


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[JiraSmSource]:
    made = build(base(httpserver))
    yield made
    made.close()


def issue(number: int, **fields: Any) -> dict[str, Any]:
    """A queue issue as §3 shows it (a queue showing these columns)."""
    shown: dict[str, Any] = {
        "summary": f"Request {number}",
        "priority": {"name": "High", "id": "2"},
        "status": {"name": "Waiting for support", "statusCategory": {"key": "new"}},
        "assignee": None,
        "created": "2026-05-05T10:01:00.000+0200",
        "updated": "2026-05-05T10:30:00.000+0200",
    }
    return {"id": str(10000 + number), "key": f"SD-{number}", "fields": shown | fields}


def paged(values: list[Any], start: int = 0, last: bool = True) -> dict[str, Any]:
    """§3's paged reply."""
    return {
        "size": len(values),
        "start": start,
        "limit": 50,
        "isLastPage": last,
        "_links": {"base": "https://acme.atlassian.net/rest/servicedeskapi"},
        "values": values,
    }


def date(instant: datetime, *, millis: bool = True) -> dict[str, Any]:
    dto: dict[str, Any] = {"iso8601": instant.strftime("%Y-%m-%dT%H:%M:%S+0000")}
    return dto | ({"epochMillis": int(instant.timestamp() * 1000)} if millis else {})


def sla(name: str = "Time to first response", **ongoing: Any) -> dict[str, Any]:
    """An SLA metric with an ongoing cycle (§3), *ongoing* laid over a running one."""
    cycle = {
        "breachTime": date(BREACH),
        "breached": False,
        "paused": False,
        "withinCalendarHours": True,
        "remainingTime": {"millis": 5400000, "friendly": "1h 30m"},
    } | ongoing
    return {"id": "1", "name": name, "completedCycles": [], "ongoingCycle": cycle}


def completed(name: str = "Time to first response") -> dict[str, Any]:
    """An SLA whose only cycle is completed: no ongoingCycle."""
    cycle = {"breachTime": date(BREACH), "breached": True, "stopTime": date(NOW)}
    return {"id": "1", "name": name, "completedCycles": [cycle]}


def expect_sla(httpserver: HTTPServer, issue_id: str, *metrics: dict[str, Any]) -> None:
    path = f"/rest/servicedeskapi/request/{issue_id}/sla"
    httpserver.expect_request(path).respond_with_json(paged(list(metrics)))


def sla_requests(httpserver: HTTPServer) -> list[str]:
    return [req.path for req, _ in httpserver.log if req.path.endswith("/sla")]


# -- the queue --------------------------------------------------------------------------


def test_queue_is_paged_until_its_last_page_and_mapped(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    first = [
        issue(1, priority={"name": "Highest"}),
        issue(
            2,
            priority={"name": "Sev 9"},
            status={"name": "Waiting for customer", "statusCategory": {"key": "indeterminate"}},
            assignee={"accountId": "acc-bob", "displayName": "Bob Ng", "active": True},
        ),
    ]
    second = [
        issue(3, status={"name": "Resolved", "statusCategory": {"key": "done"}}),
        issue(
            4,
            assignee={
                "accountId": "acc-ada",
                "displayName": "Ada Lo",
                "emailAddress": "ada@example.com",
            },
        ),
    ]
    httpserver.expect_ordered_request(QUEUE).respond_with_json(paged(first, last=False))
    httpserver.expect_ordered_request(QUEUE).respond_with_json(paged(second, start=2))
    for number in (1, 2, 4):
        expect_sla(httpserver, str(10000 + number), sla())
    tickets = {t.key: t for t in source.fetch_tickets()}
    (one, _), (two, _) = httpserver.log[:2]
    assert (one.args["start"], one.args["limit"]) == ("0", "50")
    assert (two.args["start"], two.args["limit"]) == ("2", "50")
    assert one.headers["Authorization"] == BASIC
    assert sorted(tickets) == ["SD-1", "SD-2", "SD-4"]  # the done one has left the queue
    first_ticket = tickets["SD-1"]
    assert (first_ticket.id, first_ticket.title, first_ticket.priority) == (
        "10001",
        "Request 1",
        Priority.P1,
    )
    assert first_ticket.status is TicketStatus.NEW
    assert first_ticket.created_at == datetime(2026, 5, 5, 8, 1, tzinfo=UTC)  # +0200 read
    assert first_ticket.url == f"{base(httpserver)}/browse/SD-1"
    assert first_ticket.source == "jsm"
    bob = tickets["SD-2"]
    assert bob.priority is Priority.P3  # a name not mapped: default_priority
    assert bob.status is TicketStatus.WAITING
    assert bob.assignee == BOB  # Cloud hid his email
    mine = tickets["SD-4"]
    assert mine.assignee == ADA
    assert mine.status is TicketStatus.ACKNOWLEDGED  # to do, but someone holds it


def test_a_queue_showing_few_columns_still_gives_tickets_and_skips_bad_ones(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    bare = {"id": "10007", "key": "SD-7", "fields": {"created": "2026-05-05T08:00:00.000+0000"}}
    bad = [
        {"id": "10008", "key": "SD-8", "fields": {"summary": "no created"}},
        {"id": "x", "key": "SD-9", "fields": {"created": "2026-05-05T08:00:00.000+0000"}},
        {"id": "10010", "key": "SD 10\u202e", "fields": {}},
        "not an issue",
    ]
    httpserver.expect_request(QUEUE).respond_with_json(paged([bare, *bad]))
    expect_sla(httpserver, "10007")
    (ticket,) = source.fetch_tickets()
    assert (ticket.key, ticket.title, ticket.priority, ticket.status) == (
        "SD-7",
        "(no summary)",
        Priority.P3,
        TicketStatus.NEW,
    )
    assert ticket.sla is None  # no SLA of that name: the team's policy decides


def test_priorities_are_configurable_by_name_case_aside(httpserver: HTTPServer) -> None:
    made = build(base(httpserver), priorities=(("sev 1", "P1"), ("Highest", "P2")))
    try:
        items = [issue(1, priority={"name": "Sev 1"}), issue(2, priority={"name": "HIGHEST"})]
        httpserver.expect_request(QUEUE).respond_with_json(paged(items))
        expect_sla(httpserver, "10001")
        expect_sla(httpserver, "10002")
        found = {t.key: t.priority for t in made.fetch_tickets()}
    finally:
        made.close()
    assert found == {"SD-1": Priority.P1, "SD-2": Priority.P2}
    with pytest.raises(InvalidValueError):
        PriorityTable().parse({"Highest": "P0"})
    assert PriorityTable().parse({"Sev 1": "p1"}) == (("Sev 1", "p1"),)


# -- SLAs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ([sla()], Sla(BREACH, SlaKind.RESPONSE)),
        ([sla(breachTime=date(BREACH, millis=False))], Sla(BREACH, SlaKind.RESPONSE)),
        ([sla(paused=True)], Sla(None, SlaKind.RESPONSE, paused=True)),
        # Jira's breach time already skips hours outside the calendar: kept as the deadline.
        ([sla(withinCalendarHours=False)], Sla(BREACH, SlaKind.RESPONSE)),
        (
            [sla(breached=True, breachTime=date(NOW - timedelta(hours=1)))],
            Sla(NOW - timedelta(hours=1), SlaKind.RESPONSE),
        ),
        ([completed()], None),
        ([sla("Time to resolution")], None),  # not the SLA asked for
        ([], None),
    ],
    ids=[
        "ongoing",
        "iso-only",
        "paused",
        "outside-hours",
        "breached",
        "completed",
        "other-name",
        "none",
    ],
)
def test_the_configured_sla_gives_the_deadline(
    httpserver: HTTPServer, source: JiraSmSource, metrics: list[Any], expected: Sla | None
) -> None:
    httpserver.expect_request(QUEUE).respond_with_json(paged([issue(1)]))
    expect_sla(httpserver, "10001", *metrics)
    (ticket,) = source.fetch_tickets()
    assert ticket.sla == expected


def test_sla_name_picks_another_sla_case_aside(httpserver: HTTPServer) -> None:
    made = build(base(httpserver), sla_name="time to RESOLUTION")
    try:
        httpserver.expect_request(QUEUE).respond_with_json(paged([issue(1)]))
        later = BREACH + timedelta(hours=6)
        expect_sla(httpserver, "10001", sla(), sla("Time to resolution", breachTime=date(later)))
        (ticket,) = made.fetch_tickets()
    finally:
        made.close()
    assert ticket.sla == Sla(later, SlaKind.RESOLUTION)


def test_an_unchanged_issue_costs_no_sla_request_on_the_next_poll(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    queue = [issue(1), issue(2)]
    httpserver.expect_request(QUEUE).respond_with_handler(
        lambda request: Response(json.dumps(paged(queue)), content_type="application/json")
    )
    expect_sla(httpserver, "10001", sla())
    expect_sla(httpserver, "10002", sla(paused=True))
    first = source.fetch_tickets()
    assert len(sla_requests(httpserver)) == 2
    again = source.fetch_tickets()
    assert len(sla_requests(httpserver)) == 2, "an unchanged issue's SLA was asked for again"
    assert again == first
    queue[1] = issue(2, updated="2026-05-05T10:45:00.000+0200")  # someone changed it
    source.fetch_tickets()
    assert sla_requests(httpserver)[2:] == ["/rest/servicedeskapi/request/10002/sla"]


def test_without_the_updated_column_the_sla_is_asked_again_after_a_while(
    httpserver: HTTPServer,
) -> None:
    clock = FakeClock(NOW)
    made = build(base(httpserver), clock=clock)
    try:
        shown = issue(1)
        del shown["fields"]["updated"]
        httpserver.expect_request(QUEUE).respond_with_json(paged([shown]))
        expect_sla(httpserver, "10001", sla())
        made.fetch_tickets()
        made.fetch_tickets()
        assert len(sla_requests(httpserver)) == 1
        clock.now += timedelta(minutes=11)
        made.fetch_tickets()
    finally:
        made.close()
    assert len(sla_requests(httpserver)) == 2


def test_a_request_without_slas_is_not_asked_again_but_an_unreadable_answer_is(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    httpserver.expect_request(QUEUE).respond_with_json(paged([issue(1), issue(2)]))
    httpserver.expect_request("/rest/servicedeskapi/request/10001/sla").respond_with_json(
        {"errorMessages": ["This issue is not a request"]}, status=404
    )
    httpserver.expect_request("/rest/servicedeskapi/request/10002/sla").respond_with_data(
        "<html>login</html>", content_type="text/html"
    )
    for _ in range(2):
        assert [t.sla for t in source.fetch_tickets()] == [None, None]
    asked = sla_requests(httpserver)
    assert asked.count("/rest/servicedeskapi/request/10001/sla") == 1
    assert asked.count("/rest/servicedeskapi/request/10002/sla") == 2


def test_the_sla_cache_is_bounded_and_forgets_issues_that_left(httpserver: HTTPServer) -> None:
    for issue_id in ("1", "2", "3"):
        expect_sla(httpserver, issue_id, sla())
    client = HttpClient("jsm", base(httpserver), limits=HttpLimits(max_retries=0))
    try:
        reader = SlaReader("jsm", client, clock=lambda: NOW, max_entries=2)
        for issue_id in ("1", "2", "3"):
            reader.sla(issue_id, "s", exact=True)
        reader.sla("1", "s", exact=True)  # pushed out by 3: asked again
        reader.sla("3", "s", exact=True)  # kept
        reader.keep_only(["1"])
        reader.sla("3", "s", exact=True)  # forgotten: asked again
    finally:
        client.close()
    asked = [path.split("/")[-2] for path in sla_requests(httpserver)]
    assert asked == ["1", "2", "3", "1", "3"]


# -- people and me ----------------------------------------------------------------------


def test_people_are_the_projects_assignable_users_emails_where_shown(
    httpserver: HTTPServer, source: JiraSmSource
) -> None:
    httpserver.expect_request("/rest/servicedeskapi/servicedesk/SD").respond_with_json(
        {"id": "1", "projectId": "10000", "projectKey": "SD", "projectName": "Support"}
    )
    httpserver.expect_request("/rest/api/3/user/assignable/search").respond_with_json(
        [
            {
                "accountId": "acc-ada",
                "displayName": "Ada Lo",
                "emailAddress": "ada@example.com",
                "active": True,
                "accountType": "atlassian",
            },
            {"accountId": "acc-bob", "displayName": "Bob Ng", "active": True},
            {"accountId": "acc-old", "displayName": "Gone", "active": False},
            {"accountId": "acc-bot", "displayName": "Automation", "accountType": "app"},
            {"displayName": "no id"},
        ]
    )
    assert source.fetch_people() == [ADA, BOB]
    request = httpserver.log[-1][0]
    assert request.args.to_dict() == {"project": "SD", "maxResults": "1000"}
    source.fetch_people()
    assert [r.path for r, _ in httpserver.log].count("/rest/servicedeskapi/servicedesk/SD") == 1


def test_fetch_me_is_myself(httpserver: HTTPServer, source: JiraSmSource) -> None:
    httpserver.expect_request("/rest/api/3/myself").respond_with_json(
        {"accountId": "acc-ada", "displayName": "Ada Lo", "emailAddress": "ada@example.com"}
    )
    assert source.fetch_me() == ADA
