"""The opsgenie provider against a local server answering in provider-apis.md §2's shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from traysupport.sources import opsgenie
from traysupport.sources.base import AuthError, NotFoundError, RateLimitedError, RotationSource
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.ops_schedules import OpsScheduleSource
from traysupport.sources.opsgenie import OpsgenieSettings
from traysupport.sources.provider import SourceContext

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
SINCE, UNTIL = NOW - timedelta(days=1), NOW + timedelta(days=7)
SCHEDULES = {"data": [{"id": "s-1", "name": "Ops_schedule", "enabled": True}], "took": 0.01}


def build(url: str, token: str | None = "k3y", now: datetime = NOW, **kw: Any) -> OpsScheduleSource:
    """Built through SPEC as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=0)
        return HttpClient("og", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="og", token=token, http=http, clock=lambda: now)
    source = opsgenie.SPEC.build(OpsgenieSettings(url=url, **kw), context)
    assert isinstance(source, OpsScheduleSource)
    return source


def period(start: str, end: str, user: str, kind: str = "user") -> dict[str, Any]:
    return {
        "startDate": start,
        "endDate": end,
        "type": "default",
        "recipient": {"id": f"u-{user}", "name": f"{user}@example.com", "type": kind},
    }


def timeline(rotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": {
            "_parent": {"id": "s-1", "name": "Ops_schedule", "enabled": True},
            "startDate": "2026-05-04T00:00:00Z",
            "endDate": "2026-05-15T00:00:00Z",
            "finalTimeline": {"rotations": rotations},
        },
        "expandable": ["base", "forwarding", "override"],
        "took": 0.05,
    }


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[OpsScheduleSource]:
    httpserver.expect_request("/v2/schedules").respond_with_json(SCHEDULES)
    src = build(httpserver.url_for(""))
    yield src
    src.close()


def test_is_a_rotation_source_with_genie_key(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v2/schedules", headers={"Authorization": "GenieKey k3y"}
    ).respond_with_json({"data": [], "took": 0.0})
    src = build(httpserver.url_for(""))
    try:
        assert isinstance(src, RotationSource)
        assert src.fetch_shifts(SINCE, UNTIL) == []
    finally:
        src.close()


def test_timeline_rotations_and_periods(httpserver: HTTPServer, source: OpsScheduleSource) -> None:
    body = timeline(
        [
            {
                "id": "r-1",
                "name": "Weekly",
                "order": 1.0,
                "periods": [
                    period("2026-05-04T09:00:00Z", "2026-05-06T09:00:00Z", "ada"),
                    period("2026-05-06T09:00:00Z", "2026-05-13T09:00:00Z", "bob"),
                    period("2026-05-13T13:00:00Z", "2026-05-20T09:00:00Z", "cy"),  # after until
                    period("2026-05-06T09:00:00Z", "2026-05-07T09:00:00Z", "t", kind="team"),
                ],
            },
            {
                "id": "r-2",
                "name": "Nights",
                "periods": [period("2026-05-06T20:00:00Z", "2026-05-07T06:00:00Z", "dee")],
            },
        ]
    )
    httpserver.expect_request(
        "/v2/schedules/s-1/timeline",
        query_string={
            "identifierType": "id",
            "interval": "10",
            "intervalUnit": "days",
            "date": "2026-05-04T12:00:00Z",
        },
    ).respond_with_json(body)
    shifts = source.fetch_shifts(SINCE, UNTIL)
    got = [(s.person.id, s.person.email, s.start.isoformat(), s.rotation) for s in shifts]
    assert got == [
        ("u-ada", "ada@example.com", "2026-05-04T09:00:00+00:00", "Ops_schedule / Weekly"),
        ("u-bob", "bob@example.com", "2026-05-06T09:00:00+00:00", "Ops_schedule / Weekly"),
        ("u-dee", "dee@example.com", "2026-05-06T20:00:00+00:00", "Ops_schedule / Nights"),
    ]


def test_malformed_periods_skipped(httpserver: HTTPServer, source: OpsScheduleSource) -> None:
    bad_end = period("2026-05-06T09:00:00Z", "2026-05-05T09:00:00Z", "x")
    no_recipient = {"startDate": "2026-05-06T09:00:00Z", "endDate": "2026-05-07T09:00:00Z"}
    good = period("2026-05-06T09:00:00Z", "2026-05-07T09:00:00Z", "ada")
    rotations = [{"name": "W", "periods": [bad_end, "junk", no_recipient, good]}, "junk"]
    httpserver.expect_request("/v2/schedules/s-1/timeline").respond_with_json(timeline(rotations))
    assert [s.person.id for s in source.fetch_shifts(SINCE, UNTIL)] == ["u-ada"]


def test_people_on_call_now_nested_participants(
    httpserver: HTTPServer, source: OpsScheduleSource
) -> None:
    body = {
        "data": {
            "_parent": {"id": "s-1", "name": "Ops_schedule"},
            "onCallParticipants": [
                {"id": "u-ada", "name": "ada@example.com", "type": "user"},
                {
                    "id": "e-1",
                    "name": "EP",
                    "type": "escalation",
                    "onCallParticipants": [
                        {"id": "u-bob", "name": "bob@example.com", "type": "user"}
                    ],
                },
                {"id": 7, "type": "user"},
            ],
        }
    }
    httpserver.expect_request(
        "/v2/schedules/s-1/on-calls",
        query_string={
            "scheduleIdentifierType": "id",
            "flat": "false",
            "date": "2026-05-06T12:00:00Z",
        },
    ).respond_with_json(body)
    people = source.fetch_people()
    assert [(p.id, p.email) for p in people] == [
        ("u-ada", "ada@example.com"),
        ("u-bob", "bob@example.com"),
    ]


def test_schedules_paged_and_chosen_by_name(httpserver: HTTPServer) -> None:
    page2 = {"data": [{"id": "s-2", "name": "Backup"}]}
    httpserver.expect_request("/v2/schedules", query_string="offset=1").respond_with_json(page2)
    page1 = {
        "data": [{"id": "s-1", "name": "Ops_schedule"}],
        "paging": {"next": "/v2/schedules?offset=1"},
    }
    httpserver.expect_request("/v2/schedules", query_string="").respond_with_json(page1)
    src = build(httpserver.url_for(""), schedules=("backup",))
    try:
        assert [s.id for s in src.schedules()] == ["s-2"]
    finally:
        src.close()


def test_unknown_schedule_is_not_found(httpserver: HTTPServer, source: OpsScheduleSource) -> None:
    src = build(httpserver.url_for(""), schedules=("Nope",))
    try:
        with pytest.raises(NotFoundError, match="Nope") as told:
            src.fetch_people()
        assert "Ops_schedule" in told.value.hint
    finally:
        src.close()


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_says_how_to_fix(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/v2/schedules").respond_with_json(
        {"message": "Key is not valid", "code": 40301}, status=status
    )
    src = build(httpserver.url_for(""))
    try:
        with pytest.raises(AuthError) as told:
            src.fetch_shifts(SINCE, UNTIL)
        assert "Opsgenie refused" in told.value.problem and "API key" in told.value.hint
        assert "k3y" not in str(told.value)
        assert "jsm-oncall" not in told.value.hint  # the API still works in 2026
    finally:
        src.close()


def test_after_the_api_end_a_refusal_points_to_jsm(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v2/schedules").respond_with_json({"message": "gone"}, status=401)
    src = build(httpserver.url_for(""), now=datetime(2027, 4, 5, tzinfo=UTC))
    try:
        with pytest.raises(AuthError) as told:
            src.fetch_people()
        assert "jsm-oncall" in told.value.hint and "2027-04-05" in told.value.problem
    finally:
        src.close()


def test_429_is_rate_limited(httpserver: HTTPServer, source: OpsScheduleSource) -> None:
    httpserver.expect_request("/v2/schedules/s-1/timeline").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "30"}
    )
    with pytest.raises(RateLimitedError):
        source.fetch_shifts(SINCE, UNTIL)


def test_region_sets_the_url_and_spec_says_the_api_ends() -> None:
    assert opsgenie.REGION_URLS["eu"] == "https://api.eu.opsgenie.com"
    assert "2027-04-05" in opsgenie.SPEC.description and "jsm-oncall" in opsgenie.SPEC.description
    assert not opsgenie.api_ended(NOW.date())
    assert opsgenie.api_ended(datetime(2027, 4, 5, tzinfo=UTC).date())
