"""How long the HTTP client waits: server-requested waits, a source's "not before", a call's budget.

A server says "wait" in several dialects — ``Retry-After`` in seconds or as an
HTTP-date, ``RateLimit-Reset`` / ``X-RateLimit-Reset`` as seconds, an epoch or an ISO
time, GitHub's 403 with no quota left — and `server_wait` reads them all. `NotBefore`
remembers the answer across calls, so a source that asked for an hour gets nothing for
an hour, however often it is polled. `Budget` is one call's whole allowance of time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

LONGEST_WAIT = 86400.0
"""A server asking for more than a day is taken to mean a day."""
_EPOCH_THRESHOLD = 1e9
"""A reset value above this is an epoch timestamp (2001 on), below it a delay in seconds."""
_MINUTE = timedelta(minutes=1)
_RESET_HEADERS = ("RateLimit-Reset", "X-RateLimit-Reset", "X-Sentry-Rate-Limit-Reset")


def effective_status(status: int, headers: Mapping[str, str]) -> int:
    """429 for a 403 that is really a rate limit, else *status*: GitHub's primary limit
    (no quota left) or its secondary one (a Retry-After; provider-apis.md §5)."""
    remaining = headers.get("X-RateLimit-Remaining", "").strip()
    limited = remaining == "0" or headers.get("Retry-After") is not None
    return 429 if status == 403 and limited else status


def server_wait(headers: Mapping[str, str], status: int, now: float) -> float | None:
    """Seconds the server asks us to wait: Retry-After first, then rate-limit reset headers."""
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        wait = _seconds_or_date(retry_after, now, epoch_numbers=False)
        if wait is not None:
            return wait
    if status != 429:
        return None
    for name in _RESET_HEADERS:
        value = headers.get(name)
        wait = None if value is None else _seconds_or_date(value, now, epoch_numbers=True)
        if wait is not None:
            return wait
    return None


def _seconds_or_date(value: str, now: float, *, epoch_numbers: bool) -> float | None:
    """A wait from "120", an epoch (when *epoch_numbers*), an HTTP-date or an ISO time."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        if epoch_numbers and number > _EPOCH_THRESHOLD:
            number -= now
        return min(max(number, 0.0), LONGEST_WAIT)
    when = _parse_date(text)
    return None if when is None else min(max(when.timestamp() - now, 0.0), LONGEST_WAIT)


def _parse_date(text: str) -> datetime | None:
    """An HTTP-date (RFC 9110) or an ISO 8601 time (Jira's reset header); naive is UTC."""
    parsed: datetime | None
    try:
        parsed = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class NotBefore:
    """The instant before which a rate-limited source gets no request (wall clock, epoch s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: float | None = None

    def postpone(self, until: float) -> None:
        """Send nothing before *until* (a later instant than one already noted wins)."""
        with self._lock:
            if self._until is None or until > self._until:
                self._until = until

    def clear(self) -> None:
        """The server answered: whatever it asked before is over."""
        with self._lock:
            self._until = None

    def left(self, now: float) -> float | None:
        """Seconds still to wait at *now*, or None when requests may go."""
        with self._lock:
            until = self._until
        return None if until is None or until <= now else until - now


def utc_instant(epoch: float) -> datetime:
    """An epoch time as an aware UTC datetime, clamped to what datetime can hold."""
    try:
        return datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, OSError, ValueError):
        return datetime.max.replace(tzinfo=UTC)


def until_text(until: datetime, now: datetime) -> str:
    """ "09:00 UTC", with the date when it is not *now*'s day; the UI shows local time.

    Rounded up to the minute: "until 09:01" when the wait ends at 09:00:30.
    """
    if (until.second or until.microsecond) and until < datetime.max.replace(tzinfo=UTC) - _MINUTE:
        until = until.replace(second=0, microsecond=0) + _MINUTE
    if until.date() == now.date():
        return f"{until:%H:%M} UTC"
    return f"{until:%Y-%m-%d %H:%M} UTC"


class Budget:
    """One call's allowance of time: every attempt, backoff and server-requested wait."""

    def __init__(self, seconds: float, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._end = monotonic() + seconds

    def left(self) -> float:
        """Seconds left (0 or less once spent)."""
        return self._end - self._monotonic()
