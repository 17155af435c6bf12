"""The paging loop (sources/paging.py) against a real local server, one test per style.

Each server below answers in a vendor's documented shape (reference/provider-apis.md):
PagerDuty and Jira Service Management offsets, Zendesk and Request Tracker next links,
the team API, Intercom, Zendesk and Jira cursors, GitHub and Sentry Link headers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport.sources.base import BadDataError
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import (
    CURSOR_CHARS,
    BodyLink,
    Cursor,
    LinkHeader,
    OffsetLimit,
    Paging,
    collect,
    pages,
    parsed_once,
)
from traysupport.sources.parse import JsonObject, as_list

TOKEN = "Bearer paging-s3cret"
ITEMS = [f"i{n}" for n in range(7)]


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[HttpClient]:
    with HttpClient("pager", httpserver.url_for("/api"), auth=TOKEN) as made:
        yield made


def under(key: str) -> Callable[[object], list[object]]:
    """items_of for a list under *key*."""
    return lambda body: JsonObject.of(body, "pager", "").require_list(key)


def whole(body: object) -> list[object]:
    """items_of for an answer that is the list itself (GitHub, Sentry)."""
    return as_list(body, "pager", "")


def json_response(body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), content_type="application/json", headers=headers)


def read_all(
    client: HttpClient,
    paging: Paging,
    items_of: Callable[[object], list[object]],
    path: str = "items",
    params: dict[str, str | list[str]] | None = None,
    *,
    max_pages: int = 20,
) -> list[object]:
    return collect(client, path, params, paging, items_of=items_of, max_pages=max_pages)


def queries(server: HTTPServer) -> list[dict[str, list[str]]]:
    return [dict(request.args.lists()) for request, _ in server.log]


# --- offset / limit ---------------------------------------------------------------------------


def pagerduty(request: Request) -> Response:
    """GET /incidents as PagerDuty pages it: offset, limit (capped at 3 here), more."""
    offset = int(request.args["offset"])
    limit = min(int(request.args["limit"]), 3)
    chunk = ITEMS[offset : offset + limit]
    more = offset + limit < len(ITEMS)
    body = {"incidents": chunk, "limit": limit, "offset": offset, "more": more, "total": None}
    return json_response(body)


def test_pagerduty_offset_limit_and_more(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/api/incidents").respond_with_handler(pagerduty)
    params: dict[str, str | list[str]] = {"statuses[]": ["triggered", "acknowledged"]}
    read = read_all(client, OffsetLimit(limit=100), under("incidents"), "incidents", params)
    assert read == ITEMS
    # The server capped the limit at 3: the offset moves by what came, not by what was asked.
    assert [q["offset"] for q in queries(httpserver)] == [["0"], ["3"], ["6"]]
    assert all(q["statuses[]"] == ["triggered", "acknowledged"] for q in queries(httpserver))
    assert all(q["limit"] == ["100"] for q in queries(httpserver))


def test_jira_service_management_start_and_is_last_page(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    def jsm(request: Request) -> Response:
        start, limit = int(request.args["start"]), int(request.args["limit"])
        chunk = ITEMS[start : start + limit]
        last = start + limit >= len(ITEMS)
        body = {"size": len(chunk), "start": start, "limit": limit, "isLastPage": last}
        return json_response({**body, "values": chunk})

    httpserver.expect_request("/api/queue/1/issue").respond_with_handler(jsm)
    paging = OffsetLimit(limit=4, offset_param="start", more="", last="isLastPage")
    assert read_all(client, paging, under("values"), "queue/1/issue") == ITEMS
    assert [q["start"] for q in queries(httpserver)] == [["0"], ["4"]]


def test_without_flags_a_short_page_is_the_last(httpserver: HTTPServer, client: HttpClient) -> None:
    def plain(request: Request) -> Response:
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        return json_response({"items": ITEMS[offset : offset + limit]})

    httpserver.expect_request("/api/items").respond_with_handler(plain)
    assert read_all(client, OffsetLimit(limit=7, more=""), under("items")) == ITEMS
    assert len(httpserver.log) == 2  # a full page may have a next: asked, and it was empty


# --- next links in the body ---------------------------------------------------------------


def test_zendesk_next_page_absolute_url(httpserver: HTTPServer, client: HttpClient) -> None:
    second = httpserver.url_for("/api/v2/views/9/tickets.json") + "?page=2&per_page=2"
    httpserver.expect_ordered_request("/api/v2/views/9/tickets.json").respond_with_json(
        {"tickets": ITEMS[:2], "next_page": second, "previous_page": None, "count": 3}
    )
    httpserver.expect_ordered_request(
        "/api/v2/views/9/tickets.json", query_string="page=2&per_page=2"
    ).respond_with_json({"tickets": ITEMS[2:3], "next_page": None, "count": 3})
    assert (
        read_all(client, BodyLink("next_page"), under("tickets"), "v2/views/9/tickets.json")
        == (ITEMS[:3])
    )
    httpserver.check_assertions()
    assert all(r.headers["Authorization"] == TOKEN for r, _ in httpserver.log)


def test_request_tracker_relative_next_page(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_ordered_request("/api/REST/2.0/tickets").respond_with_json(
        {"items": ITEMS[:1], "page": 1, "pages": 2, "next_page": "tickets?page=2"}
    )
    httpserver.expect_ordered_request(
        "/api/REST/2.0/tickets", query_string="page=2"
    ).respond_with_json({"items": ITEMS[1:2], "page": 2, "pages": 2})
    read = read_all(client, BodyLink(), under("items"), "REST/2.0/tickets", {"query": "x"})
    assert read == ITEMS[:2]
    httpserver.check_assertions()


def test_zendesk_cursor_links_stop_when_has_more_is_false(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    def zendesk(request: Request) -> Response:
        after = request.args.get("page[after]", "")
        more = after == ""
        nxt = httpserver.url_for("/api/tickets") + "?page%5Bafter%5D=xyz&page%5Bsize%5D=2"
        meta = {"has_more": more, "after_cursor": "xyz", "before_cursor": "abc"}
        # Zendesk still sends links.next on the last page: has_more decides.
        body = {"tickets": ITEMS[:2] if more else ITEMS[2:4], "meta": meta, "links": {"next": nxt}}
        return json_response(body)

    httpserver.expect_request("/api/tickets").respond_with_handler(zendesk)
    paging = BodyLink("links.next", more="meta.has_more")
    assert read_all(client, paging, under("tickets"), "tickets") == ITEMS[:4]
    assert len(httpserver.log) == 2


# --- cursors ------------------------------------------------------------------------------------


def test_team_api_cursor(httpserver: HTTPServer, client: HttpClient) -> None:
    following = {"": "c2", "c2": "c3", "c3": None}

    def team(request: Request) -> Response:
        cursor = request.args.get("cursor", "")
        return json_response({"tickets": [cursor or "first"], "next": following[cursor]})

    httpserver.expect_request("/api/tickets").respond_with_handler(team)
    read = read_all(client, Cursor("next", "cursor"), under("tickets"), "tickets", {"team": "a"})
    assert read == ["first", "c2", "c3"]
    assert queries(httpserver) == [
        {"team": ["a"]},
        {"team": ["a"], "cursor": ["c2"]},
        {"team": ["a"], "cursor": ["c3"]},
    ]


def test_intercom_nested_starting_after(httpserver: HTTPServer, client: HttpClient) -> None:
    def intercom(request: Request) -> Response:
        after = request.args.get("starting_after")
        pages_ = {"type": "pages", "page": 2 if after else 1, "total_pages": 2}
        if not after:
            pages_["next"] = {"starting_after": "WzE2OTk5"}  # type: ignore[assignment]
        return json_response({"conversations": [after or "p1"], "pages": pages_})

    httpserver.expect_request("/api/conversations").respond_with_handler(intercom)
    paging = Cursor("pages.next.starting_after", "starting_after")
    assert read_all(client, paging, under("conversations"), "conversations") == ["p1", "WzE2OTk5"]


def test_jira_next_page_token_until_is_last(httpserver: HTTPServer, client: HttpClient) -> None:
    def jira(request: Request) -> Response:
        token = request.args.get("nextPageToken", "")
        # The last page still carries a token: isLast decides.
        return json_response(
            {"issues": [token or "t0"], "nextPageToken": "t1", "isLast": bool(token)}
        )

    httpserver.expect_request("/api/rest/api/3/search/jql").respond_with_handler(jira)
    paging = Cursor("nextPageToken", "nextPageToken", last="isLast")
    assert read_all(client, paging, under("issues"), "rest/api/3/search/jql") == ["t0", "t1"]


def test_a_cursor_that_is_not_a_string_is_bad_data(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/api/tickets").respond_with_json({"tickets": [], "next": 7})
    with pytest.raises(BadDataError, match="next is not a string"):
        read_all(client, Cursor(), under("tickets"), "tickets")


def test_an_overlong_cursor_is_bad_data(httpserver: HTTPServer, client: HttpClient) -> None:
    cursor = "c" * (CURSOR_CHARS + 1)
    httpserver.expect_request("/api/tickets").respond_with_json({"tickets": [], "next": cursor})
    with pytest.raises(BadDataError, match="longer than 4096"):
        read_all(client, Cursor(), under("tickets"), "tickets")
    assert len(httpserver.log) == 1


# --- the Link header ------------------------------------------------------------------------


def test_github_link_header(httpserver: HTTPServer, client: HttpClient) -> None:
    page2 = httpserver.url_for("/api/repos/acme/app/issues") + "?per_page=2&page=2"
    last = httpserver.url_for("/api/repos/acme/app/issues") + "?per_page=2&page=2"
    link = f'<{page2}>; rel="next", <{last}>; rel="last"'
    httpserver.expect_ordered_request(
        "/api/repos/acme/app/issues", query_string="per_page=2"
    ).respond_with_json(ITEMS[:2], headers={"Link": link})
    httpserver.expect_ordered_request(
        "/api/repos/acme/app/issues", query_string="per_page=2&page=2"
    ).respond_with_json(ITEMS[2:3], headers={"Link": f'<{page2}>; rel="prev"'})
    read = read_all(client, LinkHeader(), whole, "repos/acme/app/issues", {"per_page": "2"})
    assert read == ITEMS[:3]
    httpserver.check_assertions()


def test_sentry_link_header_ends_at_results_false(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    def sentry(request: Request) -> Response:
        cursor = request.args.get("cursor", "0:0:0")
        more = "true" if cursor == "0:0:0" else "false"
        link = (
            '<?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
            f'<?&cursor=0:100:0>; rel="next"; results="{more}"; cursor="0:100:0"'
        )
        return json_response([cursor], {"Link": link})

    httpserver.expect_request("/api/0/organizations/acme/issues/").respond_with_handler(sentry)
    read = read_all(client, LinkHeader(), whole, "0/organizations/acme/issues/", {"query": "a"})
    assert read == ["0:0:0", "0:100:0"]
    # The relative link resolved against the page asked, on its path.
    assert httpserver.log[1][0].full_path.startswith("/api/0/organizations/acme/issues/?")


def test_paging_follows_the_kept_link_header_through_a_304(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    link = '</api/issues?page=2>; rel="next"'

    def issues(request: Request) -> Response:
        if request.args.get("page") == "2":
            return json_response(["b"])
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return json_response(["a"], {"ETag": '"v1"', "Link": link})

    httpserver.expect_request("/api/issues").respond_with_handler(issues)
    assert read_all(client, LinkHeader(), whole, "issues") == ["a", "b"]
    assert read_all(client, LinkHeader(), whole, "issues") == ["a", "b"]
    assert [r.status_code for _, r in httpserver.log] == [200, 200, 304, 200]


# --- ends that are errors -------------------------------------------------------------------


def test_a_cursor_loop_is_bad_data_not_an_endless_loop(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    following = {"": "a", "a": "b", "b": "a"}

    def looping(request: Request) -> Response:
        cursor = request.args.get("cursor", "")
        return json_response({"tickets": [cursor], "next": following[cursor]})

    httpserver.expect_request("/api/tickets").respond_with_handler(looping)
    with pytest.raises(BadDataError, match="page of tickets after page 3 is one already read") as e:
        list(pages(client, "tickets", None, Cursor(), items_of=under("tickets"), max_pages=50,
                   what="tickets"))  # fmt: skip
    assert e.value.source == "pager"
    assert len(httpserver.log) == 3


def test_a_link_to_itself_is_a_loop(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/api/issues").respond_with_json(
        ["a"], headers={"Link": '<issues>; rel="next"'}
    )
    with pytest.raises(BadDataError, match="one already read"):
        read_all(client, LinkHeader(), whole, "issues")
    assert len(httpserver.log) == 1


def test_max_pages_is_bad_data_naming_the_source(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    def endless(request: Request) -> Response:
        number = int(request.args.get("cursor", "0")) + 1
        return json_response({"tickets": [number], "next": str(number)})

    httpserver.expect_request("/api/tickets").respond_with_handler(endless)
    read: list[int] = []
    with pytest.raises(BadDataError, match="tickets go on past 3 pages") as caught:
        for page in pages(
            client, "tickets", None, Cursor(), items_of=under("tickets"), max_pages=3,
            what="tickets",
        ):  # fmt: skip
            read.append(page.number)
    assert str(caught.value).startswith("pager: ")
    assert read == [1, 2, 3]
    assert len(httpserver.log) == 3


def test_exactly_max_pages_is_fine(httpserver: HTTPServer, client: HttpClient) -> None:
    following = {"": "2", "2": "3", "3": None}

    def three(request: Request) -> Response:
        cursor = request.args.get("cursor", "")
        return json_response({"tickets": [cursor], "next": following[cursor]})

    httpserver.expect_request("/api/tickets").respond_with_handler(three)
    assert read_all(client, Cursor(), under("tickets"), "tickets", max_pages=3) == ["", "2", "3"]


@pytest.mark.parametrize("style", ["body", "header"])
@pytest.mark.parametrize(
    "where",
    [
        "http://{other}:{port}/api/items?page=2",  # the same server under another host name
        "https://{host}:{port}/api/items?page=2",  # another scheme
        "http://{host}:1/api/items?page=2",  # another port
        "//evil.example/api/items?page=2",  # scheme-relative
    ],
)
def test_a_next_page_on_another_origin_is_refused(
    httpserver: HTTPServer, client: HttpClient, style: str, where: str
) -> None:
    host = httpserver.host
    other = "127.0.0.1" if host == "localhost" else "localhost"
    target = where.format(host=host, other=other, port=httpserver.port)
    if style == "body":
        httpserver.expect_request("/api/items").respond_with_json(
            {"items": ["a"], "next_page": target}
        )
        paging: Paging = BodyLink()
        items_of = under("items")
    else:
        httpserver.expect_request("/api/items").respond_with_json(
            ["a"], headers={"Link": f'<{target}>; rel="next"'}
        )
        paging, items_of = LinkHeader(), whole
    with pytest.raises(BadDataError, match="another address than the source's") as caught:
        read_all(client, paging, items_of)
    assert "token" in caught.value.hint
    assert len(httpserver.log) == 1  # nothing sent there, so no token either


def test_a_next_link_with_another_scheme_is_refused(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/api/items").respond_with_json(
        {"items": ["a"], "next_page": "file:///etc/passwd"}
    )
    with pytest.raises(BadDataError, match="refused to follow a file: URL"):
        read_all(client, BodyLink(), under("items"))
    assert len(httpserver.log) == 1


def test_a_page_of_the_wrong_shape_is_bad_data(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/api/items").respond_with_json({"items": {"not": "a list"}})
    with pytest.raises(BadDataError, match="items is not a list"):
        read_all(client, Cursor(), under("items"))


# --- parsing every page's items once ------------------------------------------------------------


def test_parsed_once_keeps_the_first_of_a_repeated_id_and_skips_bad_items(
    httpserver: HTTPServer, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Page 2 repeats an item a shifted page moved on (a newer copy: the first is kept),
    # holds one the parser refuses and one it leaves out.
    answers = [
        {"items": [{"id": "a", "v": 1}, {"id": "b", "v": 1}], "more": True},
        {"items": [{"id": "b", "v": 2}, {"id": 7}, {"id": "skip"}, {"id": "c", "v": 1}]},
    ]
    httpserver.expect_ordered_request("/api/items").respond_with_json(answers[0])
    httpserver.expect_ordered_request("/api/items").respond_with_json(answers[1])

    def parse(value: object, path: str) -> tuple[str, object] | None:
        item = JsonObject.of(value, "pager", path)
        found = item.require_str("id", max_chars=10)
        return None if found == "skip" else (found, item.raw("v"))

    read = pages(client, "items", None, OffsetLimit(limit=2), items_of=under("items"), max_pages=5)
    log = logging.getLogger("test-paging")
    with caplog.at_level(logging.WARNING, "test-paging"):
        kept = parsed_once(read, parse, lambda item: item[0], source="pager", what="x", log=log)
    assert kept == [("a", 1), ("b", 1), ("c", 1)]
    assert [r.getMessage().split(":")[1] for r in caplog.records] == [" skipped page 2 x[1]"]
