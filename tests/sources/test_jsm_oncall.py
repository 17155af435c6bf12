"""The jsm-oncall provider against a local server in provider-apis.md §10's (and §2's) shapes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from traysupport.sources import jsm_oncall
from traysupport.sources.base import AuthError, RateLimitedError
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.jsm_oncall import JsmOnCallSettings
from traysupport.sources.ops_schedules import OpsScheduleSource
from traysupport.sources.provider import SourceContext

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
SINCE, UNTIL = NOW - timedelta(days=1), NOW + timedelta(days=7)
OPS = "/jsm/ops/api/cloud-1/v1"
USERS = "/ex/jira/cloud-1/rest/api/3/user/bulk"
ADA, BOB = "5b10ac8d82e05b22cc7d4ef5", "712020:bob-account"


def build(url: str, **kw: Any) -> OpsScheduleSource:
    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=0)
        return HttpClient("jsm", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="jsm", token="t0k", http=http, clock=lambda: NOW)
    settings = JsmOnCallSettings(url=url, cloud_id="cloud-1", **kw)
    source = jsm_oncall.SPEC.build(settings, context)
    assert isinstance(source, OpsScheduleSource)
    return source


def user(account: str, name: str) -> dict[str, Any]:
    return {"accountId": account, "displayName": name, "emailAddress": f"{name.lower()}@ex.com"}


def serve_schedules(httpserver: HTTPServer) -> None:
    # JSM's collection shape: values[], not data[] (§10)
    httpserver.expect_request(f"{OPS}/schedules").respond_with_json(
        {"values": [{"id": "s-1", "name": "Ops"}], "links": {}}
    )


def test_basic_auth_values_shape_and_names_resolved(httpserver: HTTPServer) -> None:
    basic = "Basic " + base64.b64encode(b"ada@ex.com:t0k").decode()
    httpserver.expect_request(
        f"{OPS}/schedules", headers={"Authorization": basic}
    ).respond_with_json({"values": [{"id": "s-1", "name": "Ops"}]})
    periods = [
        {
            "startDate": "2026-05-06T09:00:00Z",
            "endDate": "2026-05-07T09:00:00Z",
            "recipient": {"id": ADA, "type": "user"},
        },
        {
            "startDate": "2026-05-07T09:00:00Z",
            "endDate": "2026-05-08T09:00:00Z",
            "recipient": {"id": BOB, "type": "user"},
        },
    ]
    # no data wrapper: the timeline object at the top
    httpserver.expect_request(f"{OPS}/schedules/s-1/timeline").respond_with_json(
        {"finalTimeline": {"rotations": [{"name": "Daily", "periods": periods}]}}
    )
    httpserver.expect_request(USERS).respond_with_json(
        {"values": [user(ADA, "Ada"), {"displayName": "no id"}, user(BOB, "Bob")], "isLast": True}
    )
    src = build(httpserver.url_for(""), email="ada@ex.com")
    try:
        shifts = src.fetch_shifts(SINCE, UNTIL)
    finally:
        src.close()
    asked = [r.args for r, _ in httpserver.log if r.path == USERS]
    assert [sorted(a.getlist("accountId")) for a in asked] == [sorted([ADA, BOB])]
    assert [s.person.id for s in shifts] == [ADA, BOB]
    assert [(s.person.id, s.person.name, s.person.email, s.rotation) for s in shifts] == [
        (ADA, "Ada", "ada@ex.com", "Ops / Daily"),
        (BOB, "Bob", "bob@ex.com", "Ops / Daily"),
    ]


def test_user_lookup_pages(httpserver: HTTPServer) -> None:
    serve_schedules(httpserver)
    participants = [{"id": ADA, "type": "user"}, {"id": BOB, "type": "user"}]
    httpserver.expect_request(f"{OPS}/schedules/s-1/on-calls").respond_with_json(
        {"onCallParticipants": participants}
    )
    httpserver.expect_oneshot_request(USERS).respond_with_json(
        {"values": [user(ADA, "Ada")], "isLast": False}
    )
    httpserver.expect_oneshot_request(USERS).respond_with_json(
        {"values": [user(BOB, "Bob")], "isLast": True}
    )
    src = build(httpserver.url_for(""))
    try:
        assert sorted(p.name for p in src.fetch_people()) == ["Ada", "Bob"]
    finally:
        src.close()
    starts = [r.args.get("startAt") for r, _ in httpserver.log if r.path == USERS]
    assert starts == ["0", "1"]


def test_schedules_paged_by_links_next_in_both_shapes(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{OPS}/schedules", query_string="page=2").respond_with_json(
        {"data": [{"id": "s-2", "name": "Two"}], "isLastPage": True}
    )
    httpserver.expect_request(f"{OPS}/schedules", query_string="").respond_with_json(
        {
            "values": [{"id": "s-1", "name": "One"}, {"name": "no id"}],
            "links": {"next": f"{OPS}/schedules?page=2"},
        }
    )
    src = build(httpserver.url_for(""))
    try:
        assert [s.id for s in src.schedules()] == ["s-1", "s-2"]
    finally:
        src.close()


def test_missing_scope_401_says_which_scope(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{OPS}/schedules").respond_with_json(
        {"message": "Unauthorized; scope does not match"}, status=401
    )
    src = build(httpserver.url_for(""))
    try:
        with pytest.raises(AuthError) as told:
            src.fetch_people()
    finally:
        src.close()
    assert "read:ops-config:jira-service-management" in told.value.hint
    assert "t0k" not in str(told.value)


def test_bearer_without_email_and_429(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        f"{OPS}/schedules", headers={"Authorization": "Bearer t0k"}
    ).respond_with_json({"message": "slow"}, status=429, headers={"Retry-After": "9"})
    src = build(httpserver.url_for(""))
    try:
        with pytest.raises(RateLimitedError):
            src.fetch_shifts(SINCE, UNTIL)
    finally:
        src.close()


def test_spec_requires_the_cloud_id() -> None:
    assert jsm_oncall.SPEC.required == ("cloud_id",)
    assert jsm_oncall.SPEC.docs == "docs/providers.md#jsm-oncall"
