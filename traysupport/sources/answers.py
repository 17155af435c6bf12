"""What an HTTP answer means: a write confirmed or not, or the `SourceError` its status is.

(What a 2xx body is, JSON or text, is decided in `bodies`.) Kept apart from the
client's plumbing so that the words users read are in one place:
every refusal names the request, the status and the server's own message (cleaned,
cut, and with the registered secrets masked before it is cut, so no part of a token
survives the cut).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from traysupport.sources.base import (
    AuthError,
    BadDataError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    SourceError,
    UnavailableError,
)
from traysupport.sources.bodies import Unreadable, decode_json
from traysupport.sources.parse import clean_text
from traysupport.sources.redact import redact
from traysupport.sources.server_messages import server_message
from traysupport.sources.urls import host_of
from traysupport.sources.waits import effective_status

log = logging.getLogger(__name__)

SERVER_MESSAGE_CHARS = 200
Confirm = Callable[[object], bool]
"""Whether a write's parsed JSON answer (None when empty) confirms the write."""


class WriteAnswer(Protocol):
    """A write's 2xx or 3xx answer, as `confirmation` reads it."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> bytes: ...


def confirmation(answer: WriteAnswer, confirm: Confirm, expected: str) -> tuple[object, str]:
    """(parsed answer, "") when a write's 2xx or 3xx answer confirms it, else (None, why not).

    A redirect never confirms (the action was not followed to wherever it points); nor
    does anything but JSON that *confirm* accepts. *expected* names what would have.
    """
    status, headers, body = answer.status, answer.headers, answer.body
    if 300 <= status < 400:
        where = clean_text(host_of(headers.get("Location", "")), 100) or "another address"
        return None, (
            f"the server answered a redirect ({status}) to {where}, "
            "and traysupport never follows a redirect with an action"
        )
    parsed = decode_json(body, headers.get("Content-Type", ""))
    if isinstance(parsed, Unreadable):
        return None, f"the server answered {status} with {parsed.described()}"
    try:
        confirmed = bool(confirm(parsed))
    except Exception:
        # A provider's check tripping on odd JSON must not report the write done.
        log.warning("checking the answer to a write failed", exc_info=True)
        confirmed = False
    if confirmed:
        return parsed, ""
    shown = "an empty answer" if parsed is None else f"JSON that is not {clean_text(expected, 200)}"
    return None, f"the server answered {status} with {shown}"


def server_said(body: bytes) -> str:
    """The server's own error message from a JSON error body, secrets masked; "" if none."""
    try:
        parsed = json.loads(redact(body.decode("utf-8", "replace")))
    except (ValueError, RecursionError):
        return ""
    return server_message(parsed, SERVER_MESSAGE_CHARS)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A final non-2xx answer, with what the client knows around it."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    what: str
    """The request as messages name it: method and URL without secrets."""
    has_token: bool
    retry_after: float | None = None
    until: datetime | None = None
    tries: int = 1
    long_wait: float = 120.0
    """Waits longer than this are mentioned in a 5xx message (no retry was made for them)."""


def error_for(source: str, refusal: Refusal) -> SourceError:
    """The SourceError for a final non-2xx answer, with the server's own words."""
    said = server_said(refusal.body)
    detail = f": {said}" if said else ""
    status, what, retry_after = refusal.status, refusal.what, refusal.retry_after
    if effective_status(status, refusal.headers) == 429:
        wait = "" if retry_after is None else f"; it asks to wait {retry_after:.0f} s"
        problem = f"the server is rate limiting {what} ({status}){wait}{detail}"
        return RateLimitedError(source, problem, retry_after, until=refusal.until)
    if status >= 500:
        if retry_after is not None and retry_after > refusal.long_wait:
            detail += f" (it asks to come back in {retry_after:.0f} s)"
        tried = f" {refusal.tries} times" if refusal.tries > 1 else ""
        return UnavailableError(source, f"{what} failed{tried} with {status}{detail}")
    if status == 401:
        problem = (
            f"the server refused the API token for {what} (401){detail}"
            if refusal.has_token
            else f"the server wants an API token for {what} (401) and none is set"
        )
        return AuthError(source, problem)
    if status == 403:
        return AuthError(source, f"the API token is not allowed to {what} (403){detail}")
    if status == 404:
        return NotFoundError(source, f"{what} was not found (404){detail}")
    if status == 409:
        return ConflictError(source, f"the server refused {what} (409){detail}")
    if 300 <= status < 400:
        return BadDataError(
            source, f"{what} answered a redirect ({status}) that could not be followed"
        )
    return RejectedError(source, f"the server refused {what} ({status}){detail}")
