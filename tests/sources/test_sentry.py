"""SentrySource's reads against a local server answering in provider-apis.md §7 / §10 shapes.

Issues as a bare array, Link-header paged with ``results="false"`` on the last page; the
query sent (team, priority, environment, project ids from slugs); priorities mapped and
configurable; counts in the title; hostile titles and bad issues skipped; members; me;
429 with Retry-After and with X-Sentry-Rate-Limit-Reset; the spent budget; 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from traysupport.core.model import Person, Priority, TicketStatus
from traysupport.sources import sentry
from traysupport.sources.base import AuthError, QueueSource, RateLimitedError, SourceError
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext
from traysupport.sources.sentry import SentrySettings, SentrySource
from traysupport.sources.sentry_shapes import NO_SLA, PriorityTable, short_count
from traysupport.sources.settings import InvalidValueError

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
TOKEN = "sntrys_t0ken-never-shown"
ISSUES = "/api/0/organizations/acme/issues/"


def build(url: str, retries: int = 0, **settings: Any) -> SentrySource:
    """The source built through SPEC, as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=retries, max_retry_after=5.0)
        return HttpClient("sn", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="sn", token=TOKEN, http=http, clock=lambda: NOW)
    options: dict[str, Any] = {"url": url, "organization": "acme"} | settings
    source = sentry.SPEC.build(SentrySettings(**options), context)
    assert isinstance(source, SentrySource)
    return source


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[SentrySource]:
    made = build(httpserver.url_for("").rstrip("/"))
    yield made
    made.close()


def issue(number: int, **fields: Any) -> dict[str, Any]:
    """An issue as §7 shows it (count a string, userCount a number) with §10's priority."""
    return {
        "id": str(number),
        "shortId": f"API-{number}",
        "title": f"TypeError {number}",
        "culprit": "app/views.py in get",
        "level": "error",
        "status": "unresolved",
        "substatus": "ongoing",
        "statusDetails": {},
        "priority": "high",
        "assignedTo": None,
        "count": "1234",
        "userCount": 87,
        "firstSeen": "2026-05-01T08:00:00Z",
        "lastSeen": "2026-05-05T08:00:00Z",
        "permalink": f"https://acme.sentry.io/issues/{number}/",
        "project": {"id": "2", "name": "API", "slug": "api"},
        **fields,
    }


def link(base: str, cursor: str, more: bool) -> str:
    """Sentry's Link header (§7): previous and next always, ``results`` saying which lead on."""
    prev = f'<{base}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1"'
    nxt = f'<{base}?cursor={cursor}>; rel="next"; results="{str(more).lower()}"; cursor="{cursor}"'
    return f"{prev}, {nxt}"


def test_issues_are_link_paged_until_results_false(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    url = httpserver.url_for(ISSUES)
    httpserver.expect_request(ISSUES, query_string={"cursor": "0:100:0"}).respond_with_json(
        [issue(2, priority="low", assignedTo={"type": "team", "id": "7", "name": "backend"})],
        headers={"Link": link(url, "0:200:0", more=False)},
    )
    httpserver.expect_request(ISSUES).respond_with_json(
        [issue(1)], headers={"Link": link(url, "0:100:0", more=True)}
    )
    assert isinstance(source, QueueSource)
    first, second = source.fetch_tickets()
    assert len(httpserver.log) == 2  # results="false" on page 2: no third request
    (req1, _), (req2, _) = httpserver.log
    assert req1.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req1.args.to_dict(flat=False) == {
        "query": ["is:unresolved"],
        "limit": ["100"],
        "statsPeriod": ["14d"],
    }
    assert req2.args["cursor"] == "0:100:0"
    assert (first.id, first.key, first.priority) == ("1", "API-1", Priority.P1)
    assert first.title == "TypeError 1 · 1.2k events · 87 users"
    assert first.url == "https://acme.sentry.io/issues/1/"
    assert first.created_at == datetime(2026, 5, 1, 8, tzinfo=UTC)
    assert first.status is TicketStatus.NEW and first.assignee is None
    assert first.sla == NO_SLA  # sla = "none" by default: the team's policy does not apply
    assert second.priority is Priority.P3
    assert second.assignee == Person("team:7", "#backend")
    assert second.status is TicketStatus.IN_PROGRESS


def test_team_priority_environment_and_project_slugs_make_the_query(
    httpserver: HTTPServer,
) -> None:
    projects = "/api/0/organizations/acme/projects/"
    httpserver.expect_request(projects).respond_with_json(
        [{"id": "2", "slug": "api"}, {"id": "5", "slug": "web"}, {"id": "9", "slug": "old"}]
    )
    httpserver.expect_request(ISSUES).respond_with_json([])
    made = build(
        httpserver.url_for("").rstrip("/"),
        projects=("web", "api"),
        team="#backend",
        min_priority="medium",
        environment="production",
        stats_period="",
    )
    try:
        assert made.fetch_tickets() == []
        assert made.fetch_tickets() == []  # the project ids are read once
    finally:
        made.close()
    asked = [r for r, _ in httpserver.log if r.path == ISSUES]
    assert len(httpserver.log) == 3 and len(asked) == 2
    assert asked[0].args.to_dict(flat=False) == {
        "query": ["is:unresolved assigned_or_suggested:#backend issue.priority:[high,medium]"],
        "limit": ["100"],
        "project": ["5", "2"],
        "environment": ["production"],
    }


def test_a_project_the_token_cannot_see_is_named(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/0/organizations/acme/projects/").respond_with_json(
        [{"id": "2", "slug": "api"}]
    )
    made = build(httpserver.url_for("").rstrip("/"), projects=("api", "payments"))
    try:
        with pytest.raises(SourceError, match="no project payments"):
            made.fetch_tickets()
    finally:
        made.close()


def test_hostile_titles_cleaned_and_bad_issues_skipped(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    hostile = "Boom \x1b]0;owned\x07<b>x</b>\u202e\x1b[2J"
    httpserver.expect_request(ISSUES).respond_with_json(
        [
            issue(1, title=hostile),
            issue(2, firstSeen="2026-13-45T25:61:00Z"),
            issue(3, priority="sky-high"),
            issue(4, id="not-a-number"),
            issue(5, status="exploded"),
            issue(6, status="resolved"),  # resolved while read: left out, not bad data
            issue(7, assignedTo="not an actor"),
            "not an issue",
            issue(8, count="many", userCount=None, priority=None, level="warning"),
        ]
    )
    one, eight = source.fetch_tickets()
    assert one.id == "1"
    assert "\x1b" not in one.title and "\x07" not in one.title and "\u202e" not in one.title
    assert eight.title == "TypeError 8 · 0 events · 0 users"
    assert eight.priority is Priority.P2  # no priority (old self-hosted): from the level


def test_priorities_and_policy_sla_are_configurable(httpserver: HTTPServer) -> None:
    httpserver.expect_request(ISSUES).respond_with_json([issue(1, priority="medium")])
    made = build(httpserver.url_for("").rstrip("/"), priorities=(("medium", "P3"),), sla="policy")
    try:
        (ticket,) = made.fetch_tickets()
    finally:
        made.close()
    assert ticket.priority is Priority.P3 and ticket.sla is None


@pytest.mark.parametrize("raw", [{"urgent": "P1"}, {"high": "P9"}, ["high"]])
def test_priority_table_refuses_what_sentry_cannot_mean(raw: object) -> None:
    with pytest.raises(InvalidValueError):
        PriorityTable().parse(raw)


def test_short_counts() -> None:
    assert [short_count(n) for n in (0, 999, 1000, 1234, 2_500_000)] == [
        "0",
        "999",
        "1k",
        "1.2k",
        "2.5M",
    ]


def test_429_gives_the_wait_sentry_asks(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_request(ISSUES).respond_with_response(
        Response("Too Many Requests", 429, headers={"Retry-After": "93"})
    )
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 93


def test_429_with_sentrys_reset_header_waits_until_then(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    reset = int(datetime.now(UTC).timestamp()) + 40
    httpserver.expect_request(ISSUES).respond_with_response(
        Response(
            '{"detail": "You are attempting to use this endpoint too frequently."}',
            429,
            headers={"X-Sentry-Rate-Limit-Reset": str(reset), "Content-Type": "application/json"},
        )
    )
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert 30 <= caught.value.retry_after <= 41


def test_spent_rate_budget_asks_for_no_further_page(
    httpserver: HTTPServer, source: SentrySource
) -> None:
    url = httpserver.url_for(ISSUES)
    reset = str(int(NOW.timestamp()) + 41)
    headers = {
        "Link": link(url, "0:100:0", more=True),
        "X-Sentry-Rate-Limit-Remaining": "0",
        "X-Sentry-Rate-Limit-Reset": reset,
    }
    httpserver.expect_request(ISSUES).respond_with_json([issue(1)], headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == 41
    assert len(httpserver.log) == 1


def test_401_names_the_token_to_make(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_request(ISSUES).respond_with_json({"detail": "Invalid token"}, status=401)
    with pytest.raises(AuthError) as caught:
        source.fetch_tickets()
    assert "Personal Tokens" in str(caught.value) and TOKEN not in str(caught.value)


def test_people_are_members_with_users_paged(httpserver: HTTPServer, source: SentrySource) -> None:
    path = "/api/0/organizations/acme/members/"
    url = httpserver.url_for(path)
    ada = {
        "id": "11",
        "email": "ada@example.com",
        "name": "Ada Lo",
        "pending": False,
        "user": {"id": "901", "name": "Ada Lo", "email": "ada@example.com"},
    }
    invite = {
        "id": "12",
        "email": "new@example.com",
        "name": "new@example.com",
        "pending": True,
        "user": None,
    }
    bob = {
        "id": "13",
        "email": "bob@example.com",
        "name": "Bob Ng",
        "pending": False,
        "user": {"id": "902", "name": "", "username": "bob", "email": ""},
    }
    httpserver.expect_request(path, query_string={"cursor": "1:0:0"}).respond_with_json(
        [bob], headers={"Link": link(url, "2:0:0", False)}
    )
    httpserver.expect_request(path).respond_with_json(
        [ada, invite, "junk"], headers={"Link": link(url, "1:0:0", True)}
    )
    people = source.fetch_people()
    assert people == [
        Person("901", "Ada Lo", "ada@example.com"),
        Person("902", "bob", "bob@example.com"),
    ]


def test_me_is_the_tokens_user(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_request("/api/0/").respond_with_json(
        {
            "version": "0",
            "auth": {"scopes": []},
            "user": {"id": "901", "name": "Ada Lo", "email": "ada@example.com"},
        }
    )
    assert source.fetch_me() == Person("901", "Ada Lo", "ada@example.com")


def test_an_integrations_token_has_no_me(httpserver: HTTPServer, source: SentrySource) -> None:
    httpserver.expect_request("/api/0/").respond_with_json({"version": "0", "user": None})
    assert source.fetch_me() is None


def test_build_needs_the_organization() -> None:
    with pytest.raises(SourceError, match="organization"):
        build("https://sentry.example.com", organization="")


def test_default_url_is_sentry_io() -> None:
    assert SentrySettings().url == "https://sentry.io"
