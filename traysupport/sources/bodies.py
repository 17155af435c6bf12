"""What a 2xx body is: JSON or text of an expected type, or the `BadDataError` saying what not.

One decision for every body the client reads (`labelled_as`): a body labelled with a
type that was not asked for is refused, an HTML page with the hint that a proxy or
captive portal answered in the server's place. JSON is then parsed (`decode_json`),
text decoded with the charset its ``Content-Type`` names (`decode_text`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Generic, TypeVar

from traysupport.sources.base import BadDataError
from traysupport.sources.parse import clean_text

T = TypeVar("T")

JSON_TYPES = ("application/json", "text/json", "+json")
"""What a JSON answer may be labelled (``+json``: any structured-syntax suffix, RFC 6839)."""
TEXT_TYPES = ("text/plain",)
CALENDAR_TYPES = ("text/calendar", "text/plain", "application/octet-stream")
"""iCalendar feeds: text/calendar (RFC 5545 §8.1), or whatever a file host labels a file."""
_CAPTIVE = "maybe a proxy or captive portal login"


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A GET's decoded body, the answer's headers and the URL asked (query included)."""

    body: T
    headers: Mapping[str, str]
    url: str
    """Relative links in the body or headers resolve against it."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A body that is not what was asked for: what it was instead, and a likely cause."""

    kind: str
    """ "an HTML page", "text/plain", "invalid JSON"."""
    cause: str = ""
    """ "maybe a proxy or captive portal login", or empty."""
    labelled: bool = True
    """Labelled as something else than asked for (False: it claimed the type and was not)."""
    wanted: str = "JSON"

    def described(self) -> str:
        """What came back, for a message: with its likely cause, or what it was not."""
        if self.cause:
            return f"{self.kind}, {self.cause}"
        return f"{self.kind} instead of {self.wanted}" if self.labelled else self.kind


def labelled_as(content_type: str, types: Collection[str], wanted: str) -> Unreadable | None:
    """None when *content_type* is one of *types* (or unlabelled), else what it is instead.

    A type starting with "+" is a suffix (``+json`` matches ``application/problem+json``).
    """
    mime = content_type.partition(";")[0].strip().lower()
    if not mime or any(mime.endswith(t) if t.startswith("+") else mime == t for t in types):
        return None
    if "html" in mime:
        return Unreadable("an HTML page", _CAPTIVE, wanted=wanted)
    return Unreadable(clean_text(mime, 60), wanted=wanted)


def decode_json(body: bytes, content_type: str) -> object:
    """The parsed JSON body, None when empty, or an `Unreadable` saying what it was."""
    if not body.strip():
        return None
    unexpected = labelled_as(content_type, JSON_TYPES, "JSON")
    if unexpected is not None:
        return unexpected
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        # UnicodeDecodeError is a ValueError; RecursionError is [[[[…]]]] nested deep.
        return Unreadable("invalid JSON", labelled=False)


def json_body(source: str, what: str, body: bytes, content_type: str) -> object:
    """The parsed JSON body (None when empty); a BadDataError for anything else."""
    parsed = decode_json(body, content_type)
    if not isinstance(parsed, Unreadable):
        return parsed
    if not parsed.labelled:
        raise BadDataError(source, f"{what} answered invalid JSON")
    cause = f" ({parsed.cause})" if parsed.cause else ""
    raise BadDataError(source, f"{what} answered {parsed.kind} instead of JSON{cause}")


def text_body(
    source: str, what: str, body: bytes, content_type: str, types: Collection[str]
) -> str:
    """The body as text in its declared charset (UTF-8 when none); a BadDataError otherwise.

    A body labelled with none of *types* is refused like a JSON answer would be: an HTML
    page in place of a calendar is a login page, not a calendar.
    """
    unexpected = labelled_as(content_type, types, " or ".join(types))
    if unexpected is not None:
        raise BadDataError(source, f"{what} answered {unexpected.described()}")
    charset = _charset(content_type)
    # utf-8-sig: a leading byte order mark is an encoding detail, not text.
    codec = "utf-8-sig" if charset.replace("_", "-") in ("utf-8", "utf8") else charset
    try:
        return body.decode(codec)
    except LookupError:
        shown = clean_text(charset, 40)
        problem = f"{what} answered text in an unknown character set ({shown})"
    except UnicodeDecodeError as broken:
        shown = clean_text(charset, 40).upper()
        problem = f"{what} answered text that is not valid {shown} (at byte {broken.start})"
    raise BadDataError(source, problem)


def _charset(content_type: str) -> str:
    """The ``charset`` parameter (quoted or not, any case), lowercased; "utf-8" when absent."""
    header = Message()
    header["Content-Type"] = content_type or "text/plain"
    charset = header.get_content_charset()
    return charset or "utf-8"


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
