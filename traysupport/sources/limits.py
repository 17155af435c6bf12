"""How long, how often and how much the HTTP client may wait, retry and read."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """How long, how often and how much a client may wait, retry and read.

    With the defaults a call takes at most 30 s whatever the server does — hangs,
    1-byte drips, 5xx with Retry-After — and one attempt at most 20 s from sending to
    the last byte. A server asking to wait longer than the call has left (or than two
    minutes) ends the call at once; its wait is remembered, and later calls are refused
    without network until it is over. Commands that need an answer sooner pass tighter
    limits, or call `HttpClient.abort()` from another thread.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    """Per socket read: the longest silence tolerated from the server."""
    max_answer_seconds: float = 20.0
    """One attempt, connect to last byte, however the answer trickles in."""
    max_call_seconds: float = 30.0
    """One call: every attempt, backoff and Retry-After wait together."""
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 120.0
    """Longer server-requested waits end the call at once, so a worker is not blocked."""
    max_response_bytes: int = 16 * MIB


DEFAULT_LIMITS = HttpLimits()
"""The limits a client gets when it is given none."""
