"""HttpClient.get_text and get_json_page against real local servers: charsets, 304s, refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from tests.sources.contract import CONTRACT_LIMITS, within
from traysupport.sources.base import (
    AuthError,
    BadDataError,
    NotFoundError,
    UnavailableError,
)
from traysupport.sources.bodies import CALENDAR_TYPES
from traysupport.sources.http import HttpClient, HttpLimits

TOKEN = "Bearer text-s3cret-token"
FEED = "BEGIN:VCALENDAR\r\nSUMMARY:On call \u2013 Zoë Ñúñez\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[HttpClient]:
    with HttpClient("feed", httpserver.url_for("/"), auth=TOKEN) as made:
        yield made


def calendar(text: str, content_type: str, **headers: str) -> tuple[bytes, dict[str, str]]:
    """A body and headers, the body encoded as the charset in *content_type* says."""
    charset = content_type.lower().partition("charset=")[2].strip('"') or "utf-8"
    return text.encode(charset), {"Content-Type": content_type, **headers}


# --- charsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/calendar",  # no charset: UTF-8
        "text/calendar; charset=utf-8",
        'text/calendar; charset="ISO-8859-1"',  # quoted, upper case
        "text/calendar;charset=windows-1252",
        "TEXT/CALENDAR; Charset=UTF-16",
    ],
)
def test_text_is_decoded_with_its_declared_charset(
    httpserver: HTTPServer, client: HttpClient, content_type: str
) -> None:
    text = FEED.replace("\u2013", "-") if "8859" in content_type else FEED
    body, headers = calendar(text, content_type)
    httpserver.expect_request("/feed.ics").respond_with_data(body, headers=headers)
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == text


def test_a_utf8_byte_order_mark_is_not_text(httpserver: HTTPServer, client: HttpClient) -> None:
    body = b"\xef\xbb\xbf" + FEED.encode()
    httpserver.expect_request("/feed.ics").respond_with_data(body, content_type="text/calendar")
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == FEED


def test_undecodable_text_is_bad_data_naming_the_charset(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    body = b"BEGIN:VCALENDAR\r\nSUMMARY:caf\xe9\r\n"  # Latin-1 bytes sent as UTF-8
    httpserver.expect_request("/feed.ics").respond_with_data(
        body, content_type="text/calendar; charset=utf-8"
    )
    with pytest.raises(BadDataError, match=r"not valid UTF-8 \(at byte 28\)") as caught:
        client.get_text("feed.ics", types=CALENDAR_TYPES)
    assert caught.value.source == "feed"


def test_an_unknown_charset_is_bad_data(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/feed.ics").respond_with_data(
        b"x", content_type="text/calendar; charset=x-klingon"
    )
    with pytest.raises(BadDataError, match=r"unknown character set \(x-klingon\)"):
        client.get_text("feed.ics", types=CALENDAR_TYPES)


def test_a_codec_that_is_not_a_text_encoding_is_refused(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/feed.ics").respond_with_data(
        b"x", content_type="text/plain; charset=base64"
    )
    with pytest.raises(BadDataError, match="unknown character set"):
        client.get_text("feed.ics")


# --- what a text answer may be ------------------------------------------------------------------


def test_accept_names_the_expected_types_and_the_token_goes_along(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/feed.ics").respond_with_data("", content_type="text/calendar")
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == ""
    request = httpserver.log[0][0]
    assert request.headers["Accept"] == "text/calendar, text/plain, application/octet-stream"
    assert request.headers["Authorization"] == TOKEN


def test_an_html_page_instead_of_a_calendar_is_refused(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/feed.ics").respond_with_data(
        "<html><form>Log in to the Wi-Fi</form></html>", content_type="text/html; charset=utf-8"
    )
    with pytest.raises(BadDataError, match="an HTML page, maybe a proxy or captive portal login"):
        client.get_text("feed.ics", types=CALENDAR_TYPES)


def test_json_instead_of_text_is_refused_with_what_was_wanted(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/notes").respond_with_json({"error": "nope"})
    with pytest.raises(BadDataError, match="application/json instead of text/plain"):
        client.get_text("notes")


def test_text_too_big_is_refused(httpserver: HTTPServer) -> None:
    limits = HttpLimits(max_response_bytes=1024)
    httpserver.expect_request("/feed.ics").respond_with_data(
        "X" * 4096, content_type="text/calendar"
    )
    with (
        HttpClient("feed", httpserver.url_for("/"), limits=limits) as client,
        pytest.raises(BadDataError, match="larger than 1 KiB"),
    ):
        client.get_text("feed.ics", types=CALENDAR_TYPES)


def test_text_errors_map_to_the_source_error_family(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/gone.ics").respond_with_data("no", status=404)
    with pytest.raises(NotFoundError, match=r"GET .*/gone.ics was not found \(404\)"):
        client.get_text("gone.ics")


def test_text_follows_a_read_redirect(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/old.ics").respond_with_data(
        "", status=301, headers={"Location": "/new.ics"}
    )
    httpserver.expect_request("/new.ics").respond_with_data("BEGIN", content_type="text/plain")
    assert client.get_text("old.ics") == "BEGIN"


# --- conditional GETs -----------------------------------------------------------------------


def test_a_304_replays_the_text_by_etag(httpserver: HTTPServer, client: HttpClient) -> None:
    body, headers = calendar(FEED, "text/calendar; charset=utf-8", ETag='"v1"')
    httpserver.expect_ordered_request("/feed.ics").respond_with_data(body, headers=headers)
    httpserver.expect_ordered_request(
        "/feed.ics", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304)
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == FEED
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == FEED
    httpserver.check_assertions()


def test_a_304_replays_the_text_by_last_modified(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    stamp = "Sat, 05 Dec 2026 10:00:00 GMT"
    body, headers = calendar(FEED, "text/calendar", **{"Last-Modified": stamp})
    httpserver.expect_ordered_request("/feed.ics").respond_with_data(body, headers=headers)
    httpserver.expect_ordered_request(
        "/feed.ics", headers={"If-Modified-Since": stamp}
    ).respond_with_data("", status=304)
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == FEED
    assert client.get_text("feed.ics", types=CALENDAR_TYPES) == FEED
    assert "If-None-Match" not in httpserver.log[1][0].headers
    httpserver.check_assertions()


def test_text_and_json_of_one_url_are_validated_apart(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/doc").respond_with_json({}, headers={"ETag": '"j"'})
    client.get_json("doc")
    httpserver.clear()
    httpserver.expect_request("/doc").respond_with_data(
        "plain", content_type="text/plain", headers={"ETag": '"t"'}
    )
    assert client.get_text("doc") == "plain"
    # Asking for text must not revalidate the JSON answer (its 304 would replay JSON).
    assert "If-None-Match" not in httpserver.log[0][0].headers


def test_a_refused_body_is_not_kept_for_a_304(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/feed.ics").respond_with_data(
        "<html>login</html>", content_type="text/html", headers={"ETag": '"portal"'}
    )
    with pytest.raises(BadDataError):
        client.get_text("feed.ics")
    with pytest.raises(BadDataError):
        client.get_text("feed.ics")
    assert [r.headers.get("If-None-Match") for r, _ in httpserver.log] == [None, None]


def test_json_page_has_headers_and_a_304_keeps_the_link_header(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    link = '<https://example.test/issues?page=2>; rel="next"'
    httpserver.expect_ordered_request("/issues", query_string="state=open").respond_with_json(
        [1, 2], headers={"ETag": '"p1"', "Link": link}
    )
    # A 304 need not repeat the Link header (RFC 9111 §4.3.4): the kept one stands.
    httpserver.expect_ordered_request(
        "/issues", headers={"If-None-Match": '"p1"'}
    ).respond_with_data("", status=304, headers={"ETag": '"p1"'})
    first = client.get_json_page("issues", {"state": "open"})
    again = client.get_json_page("issues", {"state": "open"})
    assert first.body == again.body == [1, 2]
    assert first.headers["Link"] == again.headers["link"] == link
    assert again.url == httpserver.url_for("/issues") + "?state=open"
    httpserver.check_assertions()


# --- faults (tests/faultserver.py) -----------------------------------------------------------


def fault_client(server: FaultServer) -> HttpClient:
    return HttpClient("feed", server.url, auth=f"Bearer {FAULT_TOKEN}", limits=CONTRACT_LIMITS)


def test_a_hanging_feed_ends_within_the_call_budget(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.hang())
    with fault_client(fault_server) as client:
        outcome = within(10.0, lambda: client.get_text("tickets"))
    assert isinstance(outcome, UnavailableError)


def test_a_dripping_feed_ends_within_the_call_budget(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.drip(0.05))
    with fault_client(fault_server) as client:
        outcome = within(10.0, lambda: client.get_text("tickets"))
    assert isinstance(outcome, UnavailableError)
    assert "did not send its whole answer" in str(outcome)


def test_the_captive_portal_is_refused_as_text(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.html())
    with fault_client(fault_server) as client, pytest.raises(BadDataError, match="captive"):
        client.get_text("tickets", types=CALENDAR_TYPES)


def test_an_echoed_token_is_redacted_from_a_text_error(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.echo_auth(401))
    with fault_client(fault_server) as client, pytest.raises(AuthError) as caught:
        client.get_text("tickets")
    assert FAULT_TOKEN not in str(caught.value)
