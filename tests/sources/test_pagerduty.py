"""PagerDutySource against a local server answering in provider-apis.md §1's shapes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport.core.model import EARLIEST, LATEST, Role
from traysupport.sources import pagerduty
from traysupport.sources.base import AuthError, NotFoundError, RateLimitedError, RotationSource
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.pagerduty import PagerDutySettings, PagerDutySource
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError, TextList

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
SINCE, UNTIL = NOW - timedelta(days=1), NOW + timedelta(days=7)
ADA = {"id": "PU1", "type": "user", "name": "Ada Lo", "email": "ada@example.com"}
BOB = {"id": "PU2", "type": "user", "name": "Bob Ng", "email": "bob@example.com"}
PRIMARY = {"id": "PS1", "type": "schedule_reference", "summary": "Primary"}
BACKUP = {"id": "PS2", "type": "schedule_reference", "summary": "Backup"}
POLICY = {"id": "PE1", "type": "escalation_policy_reference", "summary": "Core EP"}


def oncall(
    user: dict[str, Any], level: int, start: str | None, end: str | None, **kw: Any
) -> dict[str, Any]:
    """One /oncalls item as §1 shows it."""
    return {
        "user": user,
        "schedule": kw.get("schedule", PRIMARY),
        "escalation_policy": kw.get("policy", POLICY),
        "escalation_level": level,
        "start": start,
        "end": end,
    }


def page(items: list[Any], offset: int = 0, more: bool = False) -> dict[str, Any]:
    return {"oncalls": items, "limit": 100, "offset": offset, "more": more, "total": None}


def build(url: str, token: str | None = "k3y", **settings: Any) -> PagerDutySource:
    """The source built through SPEC, as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=0)
        return HttpClient("pd", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="pd", token=token, http=http, clock=lambda: NOW)
    source = pagerduty.SPEC.build(PagerDutySettings(url=url, **settings), context)
    assert isinstance(source, PagerDutySource)
    return source


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[PagerDutySource]:
    # A configured schedule without on-calls is read rendered: here it renders nobody.
    httpserver.expect_request(re.compile(r"/schedules/PS\d")).respond_with_json(schedule_answer([]))
    src = build(httpserver.url_for(""), schedule_ids=("PS1", "PS2"))
    yield src
    src.close()


def test_is_a_rotation_source(source: PagerDutySource) -> None:
    assert isinstance(source, RotationSource)


def test_headers_filters_and_whole_periods(httpserver: HTTPServer, source: PagerDutySource) -> None:
    seen: list[Request] = []

    def answer(request: Request) -> Response:
        seen.append(request)
        return Response(
            '{"oncalls":[],"limit":100,"offset":0,"more":false,"total":null}',
            content_type="application/json",
        )

    httpserver.expect_request("/oncalls").respond_with_handler(answer)
    assert source.fetch_shifts(SINCE, UNTIL) == []
    request = seen[0]
    assert request.headers["Authorization"] == "Token token=k3y"
    assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert request.args.getlist("schedule_ids[]") == ["PS1", "PS2"]
    assert request.args["since"] == "2026-05-05T12:00:00Z"
    assert request.args["until"] == "2026-05-13T12:00:00Z"
    assert request.args["include[]"] == "users"
    assert "escalation_policy_ids[]" not in request.args


def test_paging_offset_limit_more(httpserver: HTTPServer, source: PagerDutySource) -> None:
    first = oncall(ADA, 1, "2026-05-04T09:00:00Z", "2026-05-11T09:00:00Z")
    second = oncall(BOB, 1, "2026-05-11T09:00:00Z", "2026-05-18T09:00:00Z")
    httpserver.expect_request(
        "/oncalls",
        query_string={
            "since": "2026-05-05T12:00:00Z",
            "until": "2026-05-13T12:00:00Z",
            "include[]": "users",
            "schedule_ids[]": "PS1",
            "limit": "100",
            "offset": "0",
        },
    ).respond_with_json(page([first], more=True))
    httpserver.expect_request("/oncalls").respond_with_json(page([second], offset=1))
    shifts = source.fetch_shifts(SINCE, UNTIL)
    assert [s.person.email for s in shifts] == ["ada@example.com", "bob@example.com"]
    # the whole period, not cut at since/until
    assert shifts[0].start == datetime(2026, 5, 4, 9, tzinfo=UTC)
    assert shifts[1].end == datetime(2026, 5, 18, 9, tzinfo=UTC)
    offsets = [r.args.get("offset") for r, _ in httpserver.log if r.path == "/oncalls"]
    assert offsets == ["0", "1"]


def test_levels_deduplicated_and_mapped(httpserver: HTTPServer, source: PagerDutySource) -> None:
    week = ("2026-05-04T09:00:00Z", "2026-05-11T09:00:00Z")
    items = [
        oncall(ADA, 1, *week),  # same person/period/schedule at levels 1 and 2: one primary
        oncall(ADA, 1, *week, policy={"id": "PE2", "summary": "Other EP"}),
        oncall(ADA, 2, *week),
        oncall(BOB, 2, *week, schedule=BACKUP),
        oncall(BOB, 3, "2026-05-05T09:00:00Z", "2026-05-06T09:00:00Z", schedule=BACKUP),
    ]
    httpserver.expect_request("/oncalls").respond_with_json(page(items))
    shifts = source.fetch_shifts(SINCE, UNTIL)
    assert [(s.person.id, s.role, s.rotation) for s in shifts] == [
        ("PU1", Role.PRIMARY, "Primary"),
        ("PU2", Role.SECONDARY, "Backup"),
        ("PU2", Role.SECONDARY, "Backup"),
    ]


def test_null_start_and_end_are_always(httpserver: HTTPServer, source: PagerDutySource) -> None:
    items = [
        oncall(ADA, 1, None, None, schedule=None),
        oncall(BOB, 1, "2026-05-04T09:00:00Z", None),
    ]
    httpserver.expect_request("/oncalls").respond_with_json(page(items))
    shifts = source.fetch_shifts(SINCE, UNTIL)
    assert [(s.start, s.end) for s in shifts] == [
        (EARLIEST, LATEST),
        (datetime(2026, 5, 4, 9, tzinfo=UTC), LATEST),
    ]
    assert shifts[0].rotation == "Core EP"  # a direct on-call is named by its policy
    assert shifts[0].covers(NOW)


def test_malformed_items_skipped(httpserver: HTTPServer, source: PagerDutySource) -> None:
    good = oncall(ADA, 1, "2026-05-04T09:00:00Z", "2026-05-11T09:00:00Z")
    items = [
        "not an object",
        oncall({"type": "user"}, 1, "2026-05-04T09:00:00Z", "2026-05-11T09:00:00Z"),
        oncall(BOB, 1, "yesterday", "2026-05-11T09:00:00Z"),
        oncall(BOB, 1, "2026-05-11T09:00:00Z", "2026-05-04T09:00:00Z"),
        oncall(BOB, "one", "2026-05-04T09:00:00Z", "2026-05-11T09:00:00Z"),  # type: ignore[arg-type]
        good,
    ]
    httpserver.expect_request("/oncalls").respond_with_json(page(items))
    assert [s.person.id for s in source.fetch_shifts(SINCE, UNTIL)] == ["PU1"]


def test_people_are_the_users_with_emails(httpserver: HTTPServer) -> None:
    """One people path for both roles: ``GET /users`` (full users carry emails), paged,
    narrowed to the configured teams; a malformed user is skipped."""
    src = build(httpserver.url_for(""), team_ids=("PT1",))
    httpserver.expect_request(
        "/users", query_string={"team_ids[]": "PT1", "limit": "100", "offset": "0"}
    ).respond_with_json(
        {"users": [BOB, {"id": "", "name": "x"}], "limit": 100, "offset": 0, "more": True}
    )
    httpserver.expect_request("/users").respond_with_json(
        {"users": [ADA], "limit": 100, "offset": 2, "more": False}
    )
    try:
        people = src.fetch_people()
    finally:
        src.close()
    assert [(p.id, p.name, p.email) for p in people] == [
        ("PU2", "Bob Ng", "bob@example.com"),
        ("PU1", "Ada Lo", "ada@example.com"),
    ]
    assert [r.path for r, _ in httpserver.log] == ["/users", "/users"]


def schedule_answer(entries: list[dict[str, Any]], name: str = "Weekend") -> dict[str, Any]:
    """``GET /schedules/{id}`` as §1 "Rendered schedule" shows it."""
    return {
        "schedule": {
            "id": "PS2",
            "name": name,
            "time_zone": "Europe/Berlin",
            "final_schedule": {
                "name": "Final Schedule",
                "rendered_coverage_percentage": 100.0,
                "rendered_schedule_entries": entries,
            },
        }
    }


def test_a_schedule_on_no_escalation_policy_is_read_rendered(httpserver: HTTPServer) -> None:
    """/oncalls lists only schedules some escalation policy uses [3P pagerbeauty#103]: a
    configured schedule with no on-calls there is read from its final schedule, whole
    periods (overflow=true), as /oncalls would give them."""
    src = build(httpserver.url_for(""), schedule_ids=("PS1", "PS2"))
    httpserver.expect_request("/oncalls").respond_with_json(
        page([oncall(ADA, 1, "2026-05-04T09:00:00Z", "2026-05-11T09:00:00Z")])
    )
    ref = {"id": "PU2", "type": "user_reference", "summary": "Bob Ng"}
    entries = [
        {"start": "2026-05-02T09:00:00+02:00", "end": "2026-05-09T09:00:00+02:00", "user": ref},
        {"start": "2026-05-09T09:00:00+02:00", "end": "2026-05-16T09:00:00+02:00", "user": ADA},
        {"start": "2026-05-16T09:00:00+02:00", "end": "2026-05-09T09:00:00+02:00", "user": ADA},
    ]
    httpserver.expect_request(
        "/schedules/PS2",
        query_string={
            "since": "2026-05-05T12:00:00Z",
            "until": "2026-05-13T12:00:00Z",
            "overflow": "true",
            "time_zone": "UTC",
        },
    ).respond_with_json(schedule_answer(entries))
    try:
        shifts = src.fetch_shifts(SINCE, UNTIL)
    finally:
        src.close()
    assert [(s.person.id, s.start, s.end, s.role, s.rotation) for s in shifts] == [
        (
            "PU2",
            datetime(2026, 5, 2, 7, tzinfo=UTC),
            datetime(2026, 5, 9, 7, tzinfo=UTC),
            Role.PRIMARY,
            "Weekend",
        ),
        (
            "PU1",
            datetime(2026, 5, 4, 9, tzinfo=UTC),
            datetime(2026, 5, 11, 9, tzinfo=UTC),
            Role.PRIMARY,
            "Primary",
        ),
        (
            "PU1",
            datetime(2026, 5, 9, 7, tzinfo=UTC),
            datetime(2026, 5, 16, 7, tzinfo=UTC),
            Role.PRIMARY,
            "Weekend",
        ),
    ]
    # PS1 had on-calls: its rendered schedule is not asked for.
    assert [r.path for r, _ in httpserver.log] == ["/oncalls", "/schedules/PS2"]


def test_a_missing_schedule_says_which(httpserver: HTTPServer) -> None:
    src = build(httpserver.url_for(""), schedule_ids=("PS9",))
    httpserver.expect_request("/oncalls").respond_with_json(page([]))
    body = {"error": {"message": "Schedule Not Found", "code": 3004}}
    httpserver.expect_request("/schedules/PS9").respond_with_json(body, status=404)
    try:
        with pytest.raises(NotFoundError) as caught:
            src.fetch_shifts(SINCE, UNTIL)
    finally:
        src.close()
    assert "schedules/PS9" in str(caught.value) and "Schedule Not Found" in str(caught.value)


def test_users_me(httpserver: HTTPServer, source: PagerDutySource) -> None:
    httpserver.expect_request("/users/me").respond_with_json({"user": ADA})
    me = source.fetch_me()
    assert me is not None and (me.id, me.email) == ("PU1", "ada@example.com")


def test_users_me_with_an_account_key_is_none(
    httpserver: HTTPServer, source: PagerDutySource
) -> None:
    body = {"error": {"message": "Requester User Not Found", "code": 2011}}
    httpserver.expect_request("/users/me").respond_with_json(body, status=400)
    assert source.fetch_me() is None


@pytest.mark.parametrize("status", [401, 403])
def test_auth_refusal_names_source_and_fix(
    httpserver: HTTPServer, source: PagerDutySource, status: int
) -> None:
    body = {"error": {"message": "Authentication failed", "code": 2006}}
    httpserver.expect_request("/oncalls").respond_with_json(body, status=status)
    with pytest.raises(AuthError) as caught:
        source.fetch_shifts(SINCE, UNTIL)
    message = str(caught.value)
    assert message.startswith("pd: PagerDuty refused the API key")
    assert "API Access Keys" in message and "token_ref" in message
    assert "k3y" not in message


def test_rate_limit_reset_header_respected(httpserver: HTTPServer, source: PagerDutySource) -> None:
    body = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    headers = {"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "42"}
    httpserver.expect_request("/oncalls").respond_with_json(body, status=429, headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_shifts(SINCE, UNTIL)
    assert caught.value.retry_after == pytest.approx(42, abs=2)


def test_region_sets_the_default_url() -> None:
    urls: list[str] = []

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        urls.append(base_url)
        return HttpClient("pd", base_url, auth=auth, **kwargs)

    context = SourceContext(name="pd", token="k", http=http, clock=lambda: NOW)
    for settings in (
        PagerDutySettings(),
        PagerDutySettings(region="eu"),
        PagerDutySettings(region="eu", url="https://pd.example.com"),
    ):
        src = pagerduty.SPEC.build(settings, context)
        assert isinstance(src, PagerDutySource)
        src.close()
    assert urls == [
        "https://api.pagerduty.com",
        "https://api.eu.pagerduty.com",
        "https://pd.example.com",
    ]


def test_text_list_setting() -> None:
    assert TextList().parse(["PS1", " PS2 "]) == ("PS1", "PS2")
    assert TextList().dump(("PS1",)) == ["PS1"]
    for bad in ("PS1", ["PS1", 3], [""]):
        with pytest.raises(InvalidValueError):
            TextList().parse(bad)
