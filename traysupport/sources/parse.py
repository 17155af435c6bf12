"""Read JSON from servers defensively, whatever the provider.

A server's answer is data we do not control: any field may be missing, of the wrong
type, or hostile. These helpers turn such problems into `BadDataError` whose message
names the source and the field path (``tickets[3].created_at``) but never the value,
so a ticket's content cannot leak into logs through an error. Providers combine them
with `keep_valid` to skip one bad item and keep the rest.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import MAXYEAR, UTC, datetime
from enum import Enum
from typing import Generic, TypeVar

from traysupport.core.model import EARLIEST, LATEST
from traysupport.sources.base import BadDataError

E = TypeVar("E", bound=Enum)
T = TypeVar("T")

MAX_TIME_CHARS = 64
"""Longer than any ISO 8601 time; anything longer is not one."""

# Bidi embeddings, overrides, isolates and marks (Unicode's Bidi_Control) can make shown
# text read differently from what it is (a "txt.exe" that shows as "exe.txt"); they have
# no place in one-line labels, ids or links.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# What no id, key or link may hold: C0 and C1 controls and DEL (a terminal acts on them:
# ESC]0;…BEL retitles it, ESC[2J clears it), bidi controls, and unpaired surrogates
# (JSON can carry "\ud800"; no file, database or terminal can encode it).
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_CHAR = re.compile(f"[{_UNSAFE}]")
# http(s)://, optional user info, a host (name or [IPv6]), optional port, then anything
# without spaces or unsafe characters. Not urlsplit: this runs for every ticket of a poll.
_WEB_URL = re.compile(
    rf"(?i:https?)://(?:[^/?#@\s{_UNSAFE}]*@)?"
    rf"(?:\[[0-9A-Fa-f:.]+\]|[^/?#:@\s\[\]{_UNSAFE}]+)(?::[0-9]*)?"
    rf"(?:[/?#][^\s{_UNSAFE}]*)?"
)
_SPACES = frozenset("\t\n\r\v\f\u2028\u2029\x85")


def clean_text(text: str, max_chars: int) -> str:
    """*text* as one line of plain text: no control characters, at most *max_chars* long.

    Line breaks and tabs become spaces; other control characters, bidi overrides and
    lone surrogates (which JSON allows, but no file or widget can encode) are dropped.
    Markup is left alone: text is shown as text, never rendered.
    """
    # Nearly all text is printable (no controls, no bidi, no odd spaces): checked in C.
    cleaned = text.strip() if text.isprintable() else _drop_controls(text)
    if len(cleaned) > max_chars:
        cleaned = cleaned[: max(max_chars - 1, 0)].rstrip() + "…"
    return cleaned


def _drop_controls(text: str) -> str:
    kept: list[str] = []
    for char in text:
        if char in _SPACES:
            kept.append(" ")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    return "".join(kept).strip()


def web_url(text: str, max_chars: int = 2048) -> str:
    """*text* when it is an http(s) URL with a host, else "" (links open only for those)."""
    candidate = text.strip()
    if len(candidate) > max_chars or _WEB_URL.fullmatch(candidate) is None:
        return ""
    return candidate


def format_utc(instant: datetime) -> str:
    """ISO 8601 in UTC with a "Z" suffix, as servers are sent times."""
    if instant.utcoffset() is None:
        raise ValueError(f"cannot send a naive datetime: {instant!r}")
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def has_unsafe_chars(text: str) -> bool:
    """True when *text* holds a control or bidi character or an unpaired surrogate."""
    # Printable text has none of them (checked in C); the regex runs only for the rest.
    return not text.isprintable() and _UNSAFE_CHAR.search(text) is not None


def parse_time(value: object, source: str, path: str) -> datetime:
    """An ISO 8601 time with an offset (or "Z") as an aware UTC datetime in the model's range.

    Model values hold only times within `EARLIEST`..`LATEST` (core/model.py), because
    the SLA and alert maths add days and years to them and would overflow near
    datetime's own limits. A time after `LATEST` is clamped to it: servers write "never"
    as 9999-12-31 (sometimes with an offset that has no UTC datetime at all), and such a
    time still sorts and shows as "far away". A time before `EARLIEST` has no such
    meaning and is refused as out of range, so the one item is skipped.
    """
    if not isinstance(value, str):
        raise BadDataError(source, f"{path} is not a time (expected an ISO 8601 string)")
    if len(value) > MAX_TIME_CHARS:
        raise BadDataError(source, f"{path} is too long to be a time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadDataError(source, f"{path} is not an ISO 8601 time") from None
    if parsed.utcoffset() is None:
        raise BadDataError(source, f"{path} is a time without an offset (add Z or +hh:mm)")
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:00-05:00 is valid ISO 8601 but has no UTC datetime; nor has
        # 0001-01-01T00:00+05:00.
        if parsed.year == MAXYEAR:
            return LATEST
        raise BadDataError(source, f"{path} is out of range") from None
    if instant > LATEST:
        return LATEST
    if instant < EARLIEST:
        raise BadDataError(source, f"{path} is out of range")
    return instant


def as_list(value: object, source: str, path: str) -> list[object]:
    """*value* when it is a JSON array."""
    if not isinstance(value, list):
        raise BadDataError(source, f"{path or 'the answer'} is not a list")
    return value


class JsonObject:
    """A JSON object from a server, read field by field with the path kept for errors.

    Every accessor raises `BadDataError` naming ``path.field`` when the field is
    missing (for required ones) or of the wrong type; ``null`` counts as missing.
    """

    __slots__ = ("_data", "path", "source")

    def __init__(self, data: Mapping[str, object], source: str, path: str) -> None:
        self._data = data
        self.source = source
        self.path = path

    @classmethod
    def of(cls, value: object, source: str, path: str) -> JsonObject:
        """Wrap *value*, which must be a JSON object; *path* "" is the whole answer."""
        if not isinstance(value, dict):
            raise BadDataError(source, f"{path or 'the answer'} is not an object")
        return cls(value, source, path)

    def field_path(self, key: str) -> str:
        """The path of one field, for messages: ``tickets[3].title``."""
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> BadDataError:
        """A BadDataError about one field: ``<source>: tickets[3].end <problem>``."""
        return BadDataError(self.source, f"{self.field_path(key)} {problem}")

    def raw(self, key: str) -> object:
        """The field's value as it came, or None when absent."""
        return self._data.get(key)

    def has(self, key: str) -> bool:
        """True when the field is present and not null."""
        return self._data.get(key) is not None

    def require_str(self, key: str, *, max_chars: int = 256, allow_empty: bool = False) -> str:
        """A string field that must be present, kept verbatim (for ids, cursors, codes).

        Verbatim, because ids go back to the server in URLs: so one holding a control
        or bidi character or an unpaired surrogate is refused rather than cleaned. No
        real id holds them, and they would reach terminals, logs and the store as-is.
        """
        value = self._string(key, max_chars)
        if not allow_empty and not value.strip():
            raise self.error(key, "is empty")
        if has_unsafe_chars(value):
            raise self.error(key, "contains control or bidi characters")
        return value

    def optional_str(self, key: str, default: str = "", *, max_chars: int = 256) -> str:
        """A string field that may be absent or null (then *default*), kept verbatim."""
        if self._data.get(key) is None:
            return default
        return self.require_str(key, max_chars=max_chars, allow_empty=True)

    def optional_url(self, key: str, *, max_chars: int = 4096) -> str:
        """A link that may be absent or null: kept when `web_url` allows it, else "".

        A link that is not a web link is dropped, not the item: the ticket is still worth
        showing without it.
        """
        if self._data.get(key) is None:
            return ""
        return web_url(self._string(key, max_chars), max_chars)

    def _string(self, key: str, max_chars: int) -> str:
        value = self._data.get(key)
        if value is None:
            raise self.error(key, "is missing")
        if not isinstance(value, str):
            raise self.error(key, "is not a string")
        if len(value) > max_chars:
            raise self.error(key, f"is longer than {max_chars} characters")
        return value

    def require_text(self, key: str, *, max_chars: int = 500) -> str:
        """A string field shown to people: present, cleaned by `clean_text`."""
        value = self._data.get(key)
        if value is None:
            raise self.error(key, "is missing")
        if not isinstance(value, str):
            raise self.error(key, "is not a string")
        return clean_text(value, max_chars)

    def optional_text(self, key: str, default: str = "", *, max_chars: int = 500) -> str:
        """Like `require_text`, with *default* when absent or null."""
        if self._data.get(key) is None:
            return default
        return self.require_text(key, max_chars=max_chars)

    def require_time(self, key: str) -> datetime:
        """A time field (ISO 8601 with an offset) that must be present."""
        if self._data.get(key) is None:
            raise self.error(key, "is missing")
        return parse_time(self._data[key], self.source, self.field_path(key))

    def optional_time(self, key: str) -> datetime | None:
        """A time field that may be absent or null."""
        return self.require_time(key) if self.has(key) else None

    def optional_bool(self, key: str, default: bool = False) -> bool:
        """A true/false field that may be absent or null (then *default*)."""
        value = self._data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, "is not true or false")
        return value

    def optional_choice(self, key: str, choices: type[E], default: E) -> E:
        """A string field that must be one of an enum's values; *default* when absent."""
        value = self._data.get(key)
        if value is None:
            return default
        try:
            return choices(value)
        except (ValueError, TypeError):
            pass
        allowed = ", ".join(repr(c.value) for c in choices)
        raise self.error(key, f"is not one of {allowed}")

    def optional_object(self, key: str) -> JsonObject | None:
        """A nested object that may be absent or null."""
        if not self.has(key):
            return None
        return JsonObject.of(self._data[key], self.source, self.field_path(key))

    def require_list(self, key: str) -> list[object]:
        """A list field that must be present."""
        if self._data.get(key) is None:
            raise self.error(key, "is missing")
        return as_list(self._data[key], self.source, self.field_path(key))


def keep_valid(
    items: Iterable[object],
    parse_item: Callable[[object, str], T],
    source: str,
    path: str,
    log: logging.Logger,
) -> list[T]:
    """Parse each item with ``parse_item(item, "path[i]")``; skip and log the bad ones.

    One malformed ticket must not hide the whole queue. The warning names the index
    and what was wrong, never the item's content.
    """
    kept: list[T] = []
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        try:
            kept.append(parse_item(item, item_path))
        except BadDataError as error:
            log.warning("%s: skipped %s: %s", source, item_path, error.problem)
        except ValueError:
            # A model constructor refused the values; its message may quote them.
            log.warning("%s: skipped %s: its values were rejected", source, item_path)
    return kept


class ItemCache(Generic[T]):
    """What one fetch parsed, so the next fetch reuses items whose JSON did not change.

    A poll mostly sees the same tickets again, and comparing a JSON object with the one
    seen last time (done in C) costs a fraction of parsing it. The cache keeps one fetch:
    items that are gone are dropped. Items are matched by their ``"id"`` string. Not
    thread-safe: one fetch at a time (the caller holds a lock).
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[object, T]] = {}
        self._next: dict[str, tuple[object, T]] = {}
        self._context: object = None

    def start(self, context: object) -> None:
        """Begin a fetch. *context* is what else parsing depends on (the people, for
        names): when it differs from the last fetch's, nothing is reused."""
        if context != self._context:
            self._last = {}
        self._context = context
        self._next = {}

    def parser(self, parse_item: Callable[[object, str], T]) -> Callable[[object, str], T]:
        """*parse_item*, answering from the cache when an item's JSON is unchanged."""

        def parse(value: object, path: str) -> T:
            key = value.get("id") if isinstance(value, dict) else None
            if not isinstance(key, str):
                return parse_item(value, path)
            hit = self._last.get(key)
            if hit is None or hit[0] != value:
                hit = (value, parse_item(value, path))
            self._next[key] = hit
            return hit[1]

        return parse

    def finish(self) -> None:
        """End a fetch that succeeded: its items are what the next fetch compares with."""
        self._last, self._next = self._next, {}
