"""The HTTP ``Link`` header (RFC 8288), read the way servers really write it.

GitHub and Sentry page with it (docs: github/docs ``using-pagination-in-the-rest-api``,
getsentry/sentry-docs ``docs/api/pagination.mdx``; see reference/provider-apis.md §5, §7):
several links in one header (or in repeated headers, which requests joins with ", "),
commas and semicolons inside ``<…>`` and quoted values, ``rel`` quoted or not and holding
several relation types, extra parameters (Sentry's ``results="false"``). A malformed link
is skipped, never the header: what can be read of it is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_LINKS = 64
"""A header with more links than this is not a paging header; the rest is not read."""


@dataclass(frozen=True, slots=True)
class Link:
    """One link: its target as written (maybe relative) and its parameters."""

    target: str
    params: Mapping[str, str] = field(default_factory=dict)
    """Parameter names lowercased; values unquoted; the first of a repeated name kept."""

    @property
    def rels(self) -> frozenset[str]:
        """The relation types, lowercased (``rel="next last"`` is both)."""
        return frozenset(self.params.get("rel", "").lower().split())


def parse_links(header: str) -> list[Link]:
    """Every well-formed link in a ``Link`` header value, in order."""
    links: list[Link] = []
    at = 0
    while at < len(header) and len(links) < MAX_LINKS:
        at = _skip(header, at, " \t,")
        if at >= len(header):
            break
        if header[at] != "<":
            at = _after_link(header, at)  # not a link: skip to the next one
            continue
        end = header.find(">", at)
        if end < 0:
            break
        target = header[at + 1 : end].strip()
        params, at = _params(header, end + 1)
        links.append(Link(target, params))
    return links


def find_link(header: str, rel: str) -> Link | None:
    """The first link whose relation types include *rel* (any case), if any."""
    wanted = rel.lower()
    return next((link for link in parse_links(header) if wanted in link.rels), None)


def _params(header: str, at: int) -> tuple[dict[str, str], int]:
    """The ``; name=value`` parameters from *at*, and where the link ends."""
    params: dict[str, str] = {}
    while True:
        at = _skip(header, at, " \t")
        if at >= len(header) or header[at] == ",":
            return params, at
        if header[at] != ";":
            return params, _after_link(header, at)  # junk after the link: drop it
        at = _skip(header, at + 1, " \t")
        name_end = _token_end(header, at)
        name = header[at:name_end].lower()
        at = _skip(header, name_end, " \t")
        value = ""
        if at < len(header) and header[at] == "=":
            at = _skip(header, at + 1, " \t")
            if at < len(header) and header[at] == '"':
                value, at = _quoted(header, at)
            else:
                value_end = _token_end(header, at)
                value, at = header[at:value_end], value_end
        if name:
            params.setdefault(name, value)  # RFC 8288 §3.3: a repeated rel is ignored


def _quoted(header: str, at: int) -> tuple[str, int]:
    """A quoted-string starting at *at* (its escapes undone), and the index after it."""
    chars: list[str] = []
    at += 1
    while at < len(header):
        char = header[at]
        if char == "\\" and at + 1 < len(header):
            chars.append(header[at + 1])
            at += 2
            continue
        if char == '"':
            return "".join(chars), at + 1
        chars.append(char)
        at += 1
    return "".join(chars), at  # unterminated: what there was


def _after_link(header: str, at: int) -> int:
    """The index of the comma ending the current link (outside quotes and ``<…>``)."""
    quoted = bracketed = False
    while at < len(header):
        char = header[at]
        if quoted:
            if char == "\\":
                at += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "<":
            bracketed = True
        elif char == ">":
            bracketed = False
        elif char == "," and not bracketed:
            return at
        at += 1
    return at


def _token_end(header: str, at: int) -> int:
    while at < len(header) and header[at] not in ' \t;,="':
        at += 1
    return at


def _skip(header: str, at: int, chars: str) -> int:
    while at < len(header) and header[at] in chars:
        at += 1
    return at
