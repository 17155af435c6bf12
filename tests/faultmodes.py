"""The fault server's vocabulary: the endpoints, the ways one can misbehave, a write seen.

`Fault` values are what a test (or the provider contract suite, through
`tests.faultcases`) switches an endpoint of `tests.faultserver.FaultServer` into.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BASE_PATH = "/api/v1"
MIB = 1024 * 1024
ENDPOINTS = ("me", "people", "shifts", "tickets", "acknowledge", "handover")
"""What `set` switches; "*" switches them all."""


class Mode(StrEnum):
    """How an endpoint answers."""

    OK = "ok"
    STATUS = "status"
    HANG = "hang"
    DRIP = "drip"
    GARBAGE = "garbage"
    WRONG_SHAPE = "wrong-shape"
    HUGE = "huge"
    REDIRECT = "redirect"
    HTML = "html"
    ECHO_AUTH = "echo-auth"
    RESET = "reset"
    HOSTILE = "hostile"
    REPLY = "reply"


@dataclass(frozen=True, slots=True)
class Fault:
    """One way of answering; build it with the class methods."""

    mode: Mode = Mode.OK
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    interval: float = 1.0
    """DRIP: seconds between bytes."""
    size: int = 100 * MIB
    """HUGE: bytes sent (generated as they go, never held)."""
    declare_length: bool = False
    """HUGE: send Content-Length (else the body ends when the connection closes)."""
    target: str = "other-portal"
    """REDIRECT: "portal", "other-portal", "moved", "other-moved" or an absolute URL."""
    payload: object = None
    """REPLY: what to send; bytes as they are, anything else as JSON."""

    @classmethod
    def ok(cls) -> Fault:
        """Answer as the contract says."""
        return cls()

    @classmethod
    def answer(
        cls,
        status: int,
        *,
        retry_after: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Fault:
        """A JSON error in the contract's shape with *status* (and Retry-After, headers)."""
        extra = headers if retry_after is None else (("Retry-After", retry_after), *headers)
        return cls(Mode.STATUS, status, extra)

    @classmethod
    def reply(
        cls, status: int, payload: object, *, content_type: str = "application/json"
    ) -> Fault:
        """Exactly this answer: *payload* as JSON, or as raw bytes when it is bytes."""
        return cls(Mode.REPLY, status, (("Content-Type", content_type),), payload=payload)

    @classmethod
    def hang(cls) -> Fault:
        """Read the request, never answer (until the server stops)."""
        return cls(Mode.HANG)

    @classmethod
    def drip(cls, interval: float = 1.0) -> Fault:
        """The right answer, one byte every *interval* seconds."""
        return cls(Mode.DRIP, interval=interval)

    @classmethod
    def garbage(cls) -> Fault:
        """200 with random bytes labelled application/json."""
        return cls(Mode.GARBAGE)

    @classmethod
    def wrong_shape(cls) -> Fault:
        """200 with valid JSON in the wrong shape (a list, a missing field...)."""
        return cls(Mode.WRONG_SHAPE)

    @classmethod
    def huge(cls, size: int = 100 * MIB, *, declare_length: bool = False) -> Fault:
        """200 with a *size*-byte JSON body, streamed."""
        return cls(Mode.HUGE, size=size, declare_length=declare_length)

    @classmethod
    def redirect(cls, status: int = 302, to: str = "other-portal") -> Fault:
        """A redirect; see `target` for *to*."""
        return cls(Mode.REDIRECT, status, target=to)

    @classmethod
    def html(cls) -> Fault:
        """200 with a captive portal's HTML login page."""
        return cls(Mode.HTML)

    @classmethod
    def echo_auth(cls, status: int = 401) -> Fault:
        """An error whose body and headers repeat the Authorization header sent."""
        return cls(Mode.ECHO_AUTH, status)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then reset the connection (RST, no answer)."""
        return cls(Mode.RESET)

    @classmethod
    def hostile(cls) -> Fault:
        """The right shape, with hostile text and out-of-range times in it."""
        return cls(Mode.HOSTILE)


@dataclass(frozen=True, slots=True)
class Write:
    """A write request as the server received it."""

    endpoint: str
    ticket_id: str
    body: object
    """The parsed JSON body, or the raw bytes when it is not JSON."""
    idempotency_key: str | None
    authorization: str | None
