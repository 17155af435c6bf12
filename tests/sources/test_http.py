"""HttpClient against a real local HTTP server: retries, rate limits, limits, errors, ETags."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport import __version__
from traysupport.sources.base import (
    AuthError,
    BadDataError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    SourceError,
    UnavailableError,
    UnconfirmedError,
)
from traysupport.sources.http import HttpClient, HttpLimits

TOKEN = "Bearer s3cret-token-do-not-log"
NOW = 1_800_000_000.0
"""A fixed wall clock (2027-01-15) for HTTP-date and epoch headers."""


class TopOfRange:
    """An rng whose jitter is always the top of its range, so backoff is predictable."""

    def uniform(self, low: float, high: float) -> float:
        return high


def client_for(
    server: HTTPServer, sleeps: list[float], path: str = "", **limits: float
) -> HttpClient:
    """A client on the test server that records its sleeps instead of sleeping."""
    return HttpClient(
        "test-src",
        server.url_for(path),
        auth=TOKEN,
        limits=HttpLimits(**limits),  # type: ignore[arg-type]
        sleep=sleeps.append,
        rng=TopOfRange(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(httpserver: HTTPServer, sleeps: list[float]) -> Iterator[HttpClient]:
    # Waits are recorded, not slept: a call budget long enough for any wait asked here.
    with client_for(httpserver, sleeps, max_call_seconds=600) as made:
        yield made


def confirmed(answer: object) -> bool:
    """A write confirmation that accepts any JSON answer (these tests are about transport)."""
    return True


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- URLs and headers ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["tickets", "/tickets"])
def test_relative_paths_keep_the_base_path(
    httpserver: HTTPServer, sleeps: list[float], path: str
) -> None:
    httpserver.expect_request("/api/v1/tickets").respond_with_json({"ok": True})
    client = client_for(httpserver, sleeps, "/api/v1/")
    assert client.get_json(path) == {"ok": True}
    assert client.url_for(path) == httpserver.url_for("/api/v1/tickets")


def test_sends_user_agent_accept_and_token(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/x").respond_with_json([])
    client.get_json("x")
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == f"traysupport/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == TOKEN


def test_token_not_sent_to_another_origin(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/elsewhere").respond_with_json({})
    other_origin = httpserver.url_for("/elsewhere").replace("localhost", "127.0.0.1")
    assert other_origin != httpserver.url_for("/elsewhere")
    client.get_json(other_origin)
    assert "Authorization" not in httpserver.log[0][0].headers


def test_non_http_base_url_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="test-src: the URL is not an http"):
        HttpClient("test-src", "ftp://example.com/api")


def test_absolute_non_http_url_refused(client: HttpClient) -> None:
    with pytest.raises(BadDataError, match="javascript"):
        client.get_json("javascript:alert(1)")


def test_redirect_to_a_non_http_scheme_is_refused(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/r").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(BadDataError, match="redirected to a file: address"):
        client.get_json("r")


def test_redirect_within_http_is_followed(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_json({"moved": True})
    assert client.get_json("old") == {"moved": True}


# --- rate limits and retries --------------------------------------------------------------


def test_retry_after_seconds_honoured(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/q").respond_with_json(
        {"error": {"code": "rate_limited", "message": "slow down"}},
        status=429,
        headers={"Retry-After": "7"},
    )
    httpserver.expect_ordered_request("/q").respond_with_json({"tickets": []})
    assert client.get_json("q") == {"tickets": []}
    assert sleeps == [7.0]
    httpserver.check_assertions()


def test_retry_after_http_date_honoured(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    later = formatdate(NOW + 30, usegmt=True)
    httpserver.expect_ordered_request("/q").respond_with_data(
        "", status=429, headers={"Retry-After": later}
    )
    httpserver.expect_ordered_request("/q").respond_with_json({})
    client.get_json("q")
    assert sleeps == [30.0]


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("ratelimit-reset", "12", 12.0),  # PagerDuty, Zendesk: seconds until reset
        ("X-RateLimit-Reset", str(int(NOW) + 45), 45.0),  # GitHub: epoch seconds
        ("X-RateLimit-Reset", "2027-01-15T08:01Z", 60.0),  # Jira: an ISO time
        ("X-Sentry-Rate-Limit-Reset", str(int(NOW) + 5), 5.0),
    ],
)
def test_rate_limit_reset_headers_honoured(
    httpserver: HTTPServer,
    client: HttpClient,
    *,
    sleeps: list[float],
    header: str,
    value: str,
    expected: float,
) -> None:
    assert formatdate(NOW, usegmt=True) == "Fri, 15 Jan 2027 08:00:00 GMT"
    httpserver.expect_ordered_request("/q").respond_with_data(
        "", status=429, headers={header: value}
    )
    httpserver.expect_ordered_request("/q").respond_with_json({})
    client.get_json("q")
    assert sleeps == [expected]


def test_github_style_403_with_no_remaining_quota_is_a_rate_limit(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/q").respond_with_json(
        {"message": "API rate limit exceeded"},
        status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3)},
    )
    httpserver.expect_ordered_request("/q").respond_with_json({})
    client.get_json("q")
    assert sleeps == [3.0]


def test_retry_after_beyond_the_cap_raises_at_once(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/q").respond_with_data(
        "", status=429, headers={"Retry-After": "600"}
    )
    with pytest.raises(RateLimitedError, match="asks to wait 600 s") as caught:
        client.get_json("q")
    assert caught.value.retry_after == 600.0
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_absurd_retry_after_is_clamped_to_a_day(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/q").respond_with_data(
        "", status=429, headers={"Retry-After": "1e308"}
    )
    with pytest.raises(RateLimitedError, match="asks to wait 86400 s") as caught:
        client.get_json("q")
    assert caught.value.retry_after == 86400.0
    assert sleeps == []


def test_unreadable_retry_after_falls_back_to_backoff(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/q").respond_with_data(
        "", status=503, headers={"Retry-After": "soon, maybe"}
    )
    httpserver.expect_ordered_request("/q").respond_with_json({})
    client.get_json("q")
    assert sleeps == [0.5]


def test_429_exhausted_is_rate_limited_with_retry_after(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/q").respond_with_data("", status=429, headers={"Retry-After": "2"})
    with pytest.raises(RateLimitedError) as caught:
        client.get_json("q")
    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0, 2.0]
    assert len(httpserver.log) == 4


def test_500_then_200_is_retried(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/q").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/q").respond_with_json({"people": []})
    assert client.get_json("q") == {"people": []}
    assert sleeps == [0.5]


def test_500_forever_is_unavailable_after_exponential_backoff(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/q").respond_with_json(
        {"error": {"code": "unavailable", "message": "database is down"}}, status=503
    )
    with pytest.raises(UnavailableError) as caught:
        client.get_json("q")
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(httpserver.log) == 4
    message = str(caught.value)
    assert message.startswith("test-src: GET http://localhost:")
    assert "failed 4 times with 503: database is down" in message
    assert "Check your network" in message


def test_full_jitter_stays_within_the_exponential_bound(httpserver: HTTPServer) -> None:
    import random

    sleeps: list[float] = []
    httpserver.expect_request("/q").respond_with_data("", status=502)
    client = HttpClient(
        "t",
        httpserver.url_for("/"),
        limits=HttpLimits(max_retries=3, backoff_base=1.0, backoff_max=3.0),
        sleep=sleeps.append,
        rng=random.Random(4),
    )
    with pytest.raises(UnavailableError):
        client.get_json("q")
    assert len(sleeps) == 3
    assert all(0 <= s <= bound for s, bound in zip(sleeps, [1.0, 2.0, 3.0], strict=True))
    assert len(set(sleeps)) == 3


def test_connection_refused_is_unavailable_with_a_useful_message(sleeps: list[float]) -> None:
    port = closed_port()
    client = HttpClient("test-src", f"http://127.0.0.1:{port}/api", sleep=sleeps.append)
    with pytest.raises(UnavailableError) as caught:
        client.get_json("tickets")
    message = str(caught.value)
    assert f"127.0.0.1:{port} refused the connection" in message
    assert "Check your network or VPN" in message
    # Once more, for a server that is restarting; a server that is down refuses every
    # time, and the poll comes back on its own schedule.
    assert len(sleeps) == 1


def test_read_timeout_is_unavailable(httpserver: HTTPServer, sleeps: list[float]) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(2.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(stall)
    client = client_for(httpserver, sleeps, read_timeout=0.2, max_retries=1)
    started = time.monotonic()
    try:
        with pytest.raises(UnavailableError, match=r"did not answer within 0\.2 s"):
            client.get_json("slow")
    finally:
        release.set()
    assert time.monotonic() - started < 2.0
    assert len(sleeps) == 1


# --- bodies ---------------------------------------------------------------------------------


def test_garbage_json_is_bad_data(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/q").respond_with_data(
        '{"tickets": [', content_type="application/json"
    )
    with pytest.raises(BadDataError, match="answered invalid JSON"):
        client.get_json("q")


def test_deeply_nested_json_is_bad_data_not_a_crash(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/q").respond_with_data(
        "[" * 100_000, content_type="application/json"
    )
    with pytest.raises(BadDataError, match="invalid JSON"):
        client.get_json("q")


def test_html_page_is_bad_data(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/q").respond_with_data(
        "<html><body>Please log in</body></html>", content_type="text/html; charset=utf-8"
    )
    with pytest.raises(BadDataError, match="answered an HTML page instead of JSON"):
        client.get_json("q")


def test_empty_answer_is_none(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/q", method="POST").respond_with_data("", status=204)
    assert client.post_json("q", {"a": 1}, confirm=lambda answer: answer is None) is None


def _endless(produced: list[int], chunks: int = 10_000) -> Iterator[bytes]:
    for index in range(chunks):
        produced.append(index)
        yield b"x" * 65536


def test_huge_streamed_body_stops_at_the_limit(httpserver: HTTPServer, sleeps: list[float]) -> None:
    produced: list[int] = []
    httpserver.expect_request("/big").respond_with_handler(
        lambda request: Response(_endless(produced), content_type="application/json")
    )
    client = client_for(httpserver, sleeps, max_response_bytes=256 * 1024)
    with pytest.raises(BadDataError, match="answer larger than 256 KiB"):
        client.get_json("big")
    assert len(produced) < 1000, "the client read far past its limit"
    assert len(httpserver.log) == 1


def test_declared_huge_body_refused_before_reading(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    produced: list[int] = []
    httpserver.expect_request("/big").respond_with_handler(
        lambda request: Response(
            _endless(produced, chunks=2000),
            headers={"Content-Length": str(2000 * 65536)},
            content_type="application/json",
        )
    )
    client = client_for(httpserver, sleeps, max_response_bytes=1024 * 1024)
    with pytest.raises(BadDataError, match="answer larger than 1024 KiB"):
        client.get_json("big")
    assert len(produced) < 1000


# --- status codes to errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, AuthError, "refused the API token for GET"),
        (403, AuthError, "the API token is not allowed to GET"),
        (404, NotFoundError, "was not found (404)"),
        (409, ConflictError, "refused GET"),
        (422, RejectedError, "refused GET"),
        (400, RejectedError, "refused GET"),
    ],
)
def test_status_maps_to_error_with_server_message(
    httpserver: HTTPServer,
    client: HttpClient,
    *,
    sleeps: list[float],
    status: int,
    error: type[SourceError],
    words: str,
) -> None:
    httpserver.expect_request("/q").respond_with_json(
        {"error": {"code": "x", "message": "no ticket T-9"}}, status=status
    )
    with pytest.raises(error) as caught:
        client.get_json("q")
    assert type(caught.value) is error
    assert words in str(caught.value)
    assert str(caught.value).count("no ticket T-9") == 1
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_401_without_a_token_says_none_is_set(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/me").respond_with_json({}, status=401)
    client = HttpClient("test-src", httpserver.url_for("/"))
    with pytest.raises(AuthError, match=r"wants an API token .* and none is set"):
        client.get_json("me")


def test_server_message_is_cleaned_and_cut(httpserver: HTTPServer, client: HttpClient) -> None:
    hostile = "bad\x1b[31m red\x00\u202e" + "x" * 1000
    httpserver.expect_request("/q").respond_with_json({"error": {"message": hostile}}, status=422)
    with pytest.raises(RejectedError) as caught:
        client.get_json("q")
    problem = caught.value.problem
    said = problem.partition("): ")[2]
    assert said.startswith("bad[31m red")
    assert len(said) == 200
    assert not any(ch in problem for ch in "\x1b\x00\u202e")


# --- ETag -----------------------------------------------------------------------------------


def test_etag_round_trip_replays_the_cached_body(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    body = {"tickets": [{"id": "1"}], "next": None}
    httpserver.expect_ordered_request("/tickets").respond_with_json(
        body, headers={"ETag": 'W/"v1"'}
    )
    httpserver.expect_ordered_request(
        "/tickets", headers={"If-None-Match": 'W/"v1"'}
    ).respond_with_data("", status=304)
    assert client.get_json("tickets") == body
    assert client.get_json("tickets") == body
    httpserver.check_assertions()


def test_etag_is_per_url_and_params(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/tickets").respond_with_json({}, headers={"ETag": '"a"'})
    client.get_json("tickets")
    client.get_json("tickets", {"cursor": "p2"})
    client.get_json("tickets")
    sent = [request.headers.get("If-None-Match") for request, _ in httpserver.log]
    assert sent == [None, None, '"a"']


def test_unasked_304_is_bad_data(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/q").respond_with_data("", status=304)
    with pytest.raises(BadDataError, match="304"):
        client.get_json("q")


# --- POST and idempotency -----------------------------------------------------------------


def test_post_without_key_is_not_retried_on_500(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/tickets/1/acknowledge", method="POST").respond_with_data(
        "", status=500
    )
    with pytest.raises(UnavailableError):
        client.post_json("tickets/1/acknowledge", {"by": "alice"}, confirm=confirmed)
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_post_without_key_is_not_retried_on_429(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/a", method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "9"}
    )
    with pytest.raises(RateLimitedError) as caught:
        client.post_json("a", {}, confirm=confirmed)
    assert caught.value.retry_after == 9.0
    assert len(httpserver.log) == 1


def test_post_with_key_is_retried_with_the_same_key(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/tickets/1/acknowledge", method="POST").respond_with_data(
        "", status=502
    )
    httpserver.expect_ordered_request(
        "/tickets/1/acknowledge", method="POST", json={"by": "alice"}
    ).respond_with_json({"id": "1"})
    answer = client.post_json(
        "tickets/1/acknowledge", {"by": "alice"}, idempotency_key="k-1", confirm=confirmed
    )
    assert answer == {"id": "1"}
    keys = [request.headers.get("Idempotency-Key") for request, _ in httpserver.log]
    assert keys == ["k-1", "k-1"]
    assert len(sleeps) == 1


def test_post_with_key_given_as_header_is_retried(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_ordered_request("/a", method="POST").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/a", method="POST").respond_with_json({})
    client.post_json("a", {}, headers={"idempotency-key": "k-2"}, confirm=confirmed)
    keys = [request.headers.get("Idempotency-Key") for request, _ in httpserver.log]
    assert keys == ["k-2", "k-2"]


def test_post_without_key_is_not_retried_after_a_timeout(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(2.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/a", method="POST").respond_with_handler(stall)
    client = client_for(httpserver, sleeps, read_timeout=0.2)
    try:
        with pytest.raises(UnavailableError, match="did not answer"):
            client.post_json("a", {"by": "alice"}, confirm=confirmed)
    finally:
        release.set()
    assert sleeps == [], "the server may have applied it: a retry could apply it twice"


def test_post_never_sent_is_retried_even_without_key(sleeps: list[float]) -> None:
    client = HttpClient("t", f"http://127.0.0.1:{closed_port()}", sleep=sleeps.append)
    with pytest.raises(UnavailableError, match="refused"):
        client.post_json("a", {}, confirm=confirmed)
    assert len(sleeps) == 1  # retried (it never left), once (refused: the server is down)


def test_post_answer_that_is_not_json_does_not_confirm(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/a", method="POST").respond_with_data("not json at all")
    with pytest.raises(UnconfirmedError, match="answered 200 with text/plain instead of JSON"):
        client.post_json("a", {}, confirm=confirmed)


# --- logging ------------------------------------------------------------------------------


def test_auth_header_and_query_secrets_never_logged(
    httpserver: HTTPServer,
    client: HttpClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_ordered_request("/q").respond_with_data("", status=500)
    httpserver.expect_ordered_request("/q").respond_with_json({})
    httpserver.expect_ordered_request("/q").respond_with_json({}, status=401)
    client.get_json("q", {"api_token": "query-secret", "cursor": "c2"})
    with pytest.raises(AuthError):
        client.get_json("q")
    ours = [r for r in caplog.records if r.name.startswith("traysupport")]
    assert any("GET" in r.getMessage() and "-> 200" in r.getMessage() for r in ours)
    assert any("cursor=c2" in r.getMessage() for r in ours)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert "s3cret-token" not in text
    for record in ours:
        assert "query-secret" not in record.getMessage()


def test_header_that_cannot_be_sent_is_a_source_error(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    with pytest.raises(SourceError, match="header could not be sent"):
        client.post_json("a", {}, idempotency_key="clé…", confirm=confirmed)
    assert httpserver.log == []


def test_a_client_shared_by_threads_gives_each_its_own_session(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/q").respond_with_json({"ok": 1}, headers={"ETag": '"e"'})
    answers: list[object] = []
    sessions: list[object] = []

    def poll() -> None:
        sessions.append(client._session())
        answers.extend(client.get_json("q") for _ in range(5))

    workers = [threading.Thread(target=poll) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(5)
    assert answers == [{"ok": 1}] * 15
    assert len({id(s) for s in sessions}) == 3
    assert client._session() is client._session()
