"""HttpClient.search_json: a search sent by POST is a read, retried as a read is."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from traysupport.sources.base import UnavailableError
from traysupport.sources.http import HttpClient


@pytest.fixture
def client(httpserver: HTTPServer) -> HttpClient:
    sleeps: list[float] = []
    http = HttpClient("search-src", httpserver.url_for(""), auth="Bearer t0k", sleep=sleeps.append)
    yield http  # type: ignore[misc]
    http.close()


def test_search_is_retried_after_a_503(httpserver: HTTPServer, client: HttpClient) -> None:
    """A POST write is not retried after a 503; a search is, since asking again is harmless."""
    body = {"query": {"field": "open", "operator": "=", "value": True}}
    httpserver.expect_ordered_request(
        "/conversations/search", method="POST", json=body
    ).respond_with_json({"error": "busy"}, status=503)
    httpserver.expect_ordered_request(
        "/conversations/search", method="POST", json=body
    ).respond_with_json({"conversations": [], "pages": {}})
    fetched = client.search_json("conversations/search", body)
    assert fetched.body == {"conversations": [], "pages": {}}
    assert len(httpserver.log) == 2
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.headers["Content-Type"].startswith("application/json")
    assert json.loads(request.data) == body


def test_search_gives_up_as_a_read_does(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/conversations/search", method="POST").respond_with_json(
        {"error": "busy"}, status=503
    )
    with pytest.raises(UnavailableError):
        client.search_json("conversations/search", {})
    assert len(httpserver.log) > 1


def test_search_follows_a_same_origin_307_with_its_body(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    """A 307 keeps the method and body; a read may follow it (a write never does)."""
    body = {"query": {"field": "open", "operator": "=", "value": True}}
    moved = httpserver.url_for("/moved/conversations/search")
    httpserver.expect_request("/conversations/search", method="POST").respond_with_data(
        "", status=307, headers={"Location": moved}
    )
    httpserver.expect_request(
        "/moved/conversations/search", method="POST", json=body
    ).respond_with_json({"conversations": []})
    assert client.search_json("conversations/search", body).body == {"conversations": []}
