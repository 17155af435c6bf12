"""One paging loop for every provider, with a strategy per way an API says "there is more".

    for page in pages(client, "incidents", {"statuses[]": ["triggered"]}, OffsetLimit(),
                      items_of=incidents, max_pages=50, what="incidents"):
        ...  # page.items, page.number

The styles real APIs use (reference/provider-apis.md, cited at each strategy):

- `OffsetLimit`: ``offset``/``limit`` in the query and a ``more`` flag (PagerDuty), or
  ``start``/``limit`` and ``isLastPage`` (Jira Service Management);
- `BodyLink`: the next page's URL in the body: ``next_page`` (Zendesk offset paging,
  Request Tracker), ``links.next`` with ``meta.has_more`` (Zendesk cursor paging),
  ``paging.next`` (Opsgenie);
- `Cursor`: an opaque cursor in the body sent back as a query parameter: ``next`` →
  ``cursor`` (the team API), ``pages.next.starting_after`` → ``starting_after``
  (Intercom), ``meta.after_cursor`` → ``page[after]`` (Zendesk), ``nextPageToken`` with
  ``isLast`` (Jira search);
- `LinkHeader`: the RFC 8288 ``Link`` header's ``rel="next"`` (GitHub; Sentry, which
  always sends one and marks the end with ``results="false"``).

Whatever the style, the loop ends with a `BadDataError` naming the source, never runs
on: past *max_pages*, when a next page is one already read (a cursor loop), and when a
next link leads to another origin than the source's (the token is only for its own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import urljoin

from traysupport.sources.base import BadDataError
from traysupport.sources.bodies import Fetched
from traysupport.sources.http import HttpClient
from traysupport.sources.links import find_link
from traysupport.sources.parse import JsonObject, clean_text, keep_valid
from traysupport.sources.urls import Params, cache_key, host_of

CURSOR_CHARS = 4096
"""Longer cursors and next links are not a server's paging but a broken answer."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What to GET for one page: a path under the base URL or an absolute URL, and a query."""

    path_or_url: str
    params: Params | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page read: its number (from 1), its raw items, and the answer they came in."""

    number: int
    items: list[object]
    fetched: Fetched[object]
    request: PageRequest
    source: str

    def body(self) -> JsonObject:
        """The answer as a JSON object (a `BadDataError` when it is not one)."""
        return JsonObject.of(self.fetched.body, self.source, "")


class Paging(Protocol):
    """How one API says where its next page is."""

    def first(self, request: PageRequest) -> PageRequest:
        """The first page's request, given the caller's."""
        ...

    def following(self, page: Page) -> PageRequest | None:
        """The request for the page after *page*; None when *page* was the last."""
        ...


@dataclass(frozen=True, slots=True)
class OffsetLimit:
    """``offset``/``limit`` query parameters, the offset moved on by the items read.

    PagerDuty: ``offset``, ``limit`` (max 100), reply ``more`` (provider-apis.md §1,
    "Pagination"). Jira Service Management: ``start``, ``limit``, reply ``isLastPage``
    (§3, "Paged reply"): ``OffsetLimit(offset_param="start", more="", last="isLastPage")``.
    With neither flag, a page shorter than *limit* is the last.
    """

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    more: str = "more"
    """Dotted path to a flag, true while there are more pages; "" for none."""
    last: str = ""
    """Dotted path to a flag, true on the last page; "" for none."""

    def first(self, request: PageRequest) -> PageRequest:
        """The caller's request from offset 0, *limit* a page."""
        extra = {self.limit_param: self.limit, self.offset_param: 0}
        return PageRequest(request.path_or_url, {**(request.params or {}), **extra})

    def following(self, page: Page) -> PageRequest | None:
        """The same request, its offset past this page's items, unless this was the last."""
        if not _goes_on(page, self.more, self.last, len(page.items) >= self.limit):
            return None
        params = dict(page.request.params or {})
        offset = params.get(self.offset_param, 0)
        params[self.offset_param] = (offset if isinstance(offset, int) else 0) + len(page.items)
        return PageRequest(page.request.path_or_url, params)


@dataclass(frozen=True, slots=True)
class BodyLink:
    """The next page's URL in the body, relative ones resolved against the page's URL.

    Zendesk offset paging and Request Tracker: ``next_page`` (provider-apis.md §4 "Views
    and search", §10 "Request Tracker 5 REST2"); Zendesk cursor paging:
    ``BodyLink("links.next", more="meta.has_more")`` (§4); Opsgenie: ``paging.next`` (§2).
    """

    path: str = "next_page"
    """Dotted path to the link; null, "" or absent ends the paging."""
    more: str = ""
    last: str = ""

    def first(self, request: PageRequest) -> PageRequest:
        """The caller's request as it is."""
        return request

    def following(self, page: Page) -> PageRequest | None:
        """The linked URL (its query carries everything), unless this was the last page."""
        link = _text_at(page, self.path) if _goes_on(page, self.more, self.last, True) else ""
        return PageRequest(urljoin(page.fetched.url, link)) if link else None


@dataclass(frozen=True, slots=True)
class Cursor:
    """An opaque cursor from the body, sent back in the query with the caller's parameters.

    The team API: ``next`` → ``cursor`` (docs/team-api.md). Intercom:
    ``Cursor("pages.next.starting_after", "starting_after")`` (provider-apis.md §10).
    Zendesk: ``Cursor("meta.after_cursor", "page[after]", more="meta.has_more")`` (§4).
    Jira search: ``Cursor("nextPageToken", "nextPageToken", last="isLast")`` (§3 "Search").
    """

    path: str = "next"
    param: str = "cursor"
    more: str = ""
    last: str = ""

    def first(self, request: PageRequest) -> PageRequest:
        """The caller's request as it is (no cursor: the first page)."""
        return request

    def following(self, page: Page) -> PageRequest | None:
        """The same request with this page's cursor, unless there is none."""
        cursor = _text_at(page, self.path) if _goes_on(page, self.more, self.last, True) else ""
        if not cursor:
            return None
        params = {**(page.request.params or {}), self.param: cursor}
        return PageRequest(page.request.path_or_url, params)


@dataclass(frozen=True, slots=True)
class LinkHeader:
    """The ``Link`` header's next link (RFC 8288), relative ones resolved against the page.

    GitHub: ``rel="next"``, absent on the last page (provider-apis.md §5 "Pagination").
    Sentry: always present, ``results="false"`` on the last page (§7 "Pagination").
    """

    rel: str = "next"

    def first(self, request: PageRequest) -> PageRequest:
        """The caller's request as it is."""
        return request

    def following(self, page: Page) -> PageRequest | None:
        """The linked URL, unless the header has none or says it leads to no results."""
        link = find_link(page.fetched.headers.get("Link", ""), self.rel)
        if link is None or not link.target or link.params.get("results", "").lower() == "false":
            return None
        if len(link.target) > CURSOR_CHARS:
            raise BadDataError(page.source, f"the next page link is over {CURSOR_CHARS} characters")
        return PageRequest(urljoin(page.fetched.url, link.target))


def pages(
    client: HttpClient,
    first: str,
    params: Params | None,
    paging: Paging,
    *,
    items_of: Callable[[object], list[object]],
    max_pages: int,
    what: str = "items",
) -> Iterator[Page]:
    """The pages of a list, read one by one with *client* as *paging* says; see the module.

    *items_of* takes a page's parsed JSON and returns its raw items (a `BadDataError` when
    the page has the wrong shape). *what* names the list in messages ("tickets").
    """
    request = paging.first(PageRequest(first, params))
    seen: set[str] = set()
    for number in range(1, max_pages + 1):
        url = client.url_for(request.path_or_url)
        if number > 1 and not client.same_origin(url):
            raise _elsewhere(client.source, what, url)
        key = cache_key(url, request.params)
        if key in seen:
            raise BadDataError(
                client.source,
                f"the server's next page of {what} after page {number - 1} is one already read",
                "The server's paging goes round in a loop; traysupport keeps showing the last "
                "complete data. Report it to the server's administrators if it lasts.",
            )
        seen.add(key)
        fetched = client.get_json_page(url, request.params)
        page = Page(number, items_of(fetched.body), fetched, request, client.source)
        yield page
        following = paging.following(page)
        if following is None:
            return
        request = following
    raise BadDataError(
        client.source,
        f"{what} go on past {max_pages} pages; stopped reading there",
        "If there really are that many, narrow what the source asks for (a view or a "
        "filter in its settings); traysupport keeps showing the last complete data.",
    )


def collect(
    client: HttpClient,
    first: str,
    params: Params | None,
    paging: Paging,
    *,
    items_of: Callable[[object], list[object]],
    max_pages: int,
    what: str = "items",
) -> list[object]:
    """Every raw item of every page, in order (see `pages`)."""
    read = pages(client, first, params, paging, items_of=items_of, max_pages=max_pages, what=what)
    return [item for page in read for item in page.items]


def parsed_once(
    read: Iterable[Page],
    parse_item: Callable[[object, str], T | None],
    key: Callable[[T], str],
    *,
    source: str,
    what: str,
    log: logging.Logger,
) -> list[T]:
    """Every page's items parsed, each once by *key*, in the order first read.

    A bad item (or one *parse_item* leaves out with None) is skipped and logged by
    `keep_valid`, named ``what[i]`` on the first page and ``page N what[i]`` after it. A
    page that shifted while it was read repeats some items: the first copy is kept.
    """
    found: dict[str, T] = {}
    for page in read:
        path = what if page.number == 1 else f"page {page.number} {what}"
        for item in keep_valid(page.items, parse_item, source, path, log):
            if item is not None:
                found.setdefault(key(item), item)
    return list(found.values())


def _goes_on(page: Page, more: str, last: str, otherwise: bool) -> bool:
    """Whether the body's flags say another page follows (*otherwise* without flags)."""
    if not (more or last):
        return otherwise
    if more and not _flag_at(page, more):
        return False
    return not (last and _flag_at(page, last))


def _flag_at(page: Page, path: str) -> bool:
    """The true/false at a dotted path; absent or null is false."""
    parent, key = _parent_at(page, path)
    return parent is not None and parent.optional_bool(key)


def _text_at(page: Page, path: str) -> str:
    """The string at a dotted path, verbatim and bounded; absent or null is ""."""
    parent, key = _parent_at(page, path)
    return "" if parent is None else parent.optional_str(key, max_chars=CURSOR_CHARS)


def _parent_at(page: Page, path: str) -> tuple[JsonObject | None, str]:
    """The object holding the last key of *path*, and that key."""
    *parents, key = path.split(".")
    found: JsonObject | None = page.body()
    for name in parents:
        found = found.optional_object(name) if found is not None else None
    return found, key


def _elsewhere(source: str, what: str, url: str) -> BadDataError:
    """The error for a next link to another origin than the source's."""
    where = clean_text(host_of(url), 100) or "another address"
    return BadDataError(
        source,
        f"the server's next page of {what} is at {where}, another address than the source's",
        "traysupport follows pages only on the source's own address (the API token is "
        "for it alone); check that the URL in Settings is the one the API itself uses.",
    )
