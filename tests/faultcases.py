"""The fault cases every provider is held to: a misbehaving server, and the error it must give.

`FAULT_CASES` is data, so the provider contract suite can run each case against each
provider: the `Fault` to switch an endpoint of `tests.faultserver.FaultServer` into, and
the `SourceError` type a provider must raise when it reads (a GET) and when it writes
(an action). None means the call succeeds. The types are what the provider raises, not
the HTTP client: a wrong JSON shape, for one, is only wrong to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.faultserver import Fault
from traysupport.sources.base import (
    AuthError,
    BadDataError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    SourceError,
    UnavailableError,
    UnconfirmedError,
)


@dataclass(frozen=True, slots=True)
class FaultCase:
    """One way a server misbehaves, and what a provider must turn it into.

    *read_error* is raised by a fetch (GET), *write_error* by an action (POST...);
    None means the call succeeds (the hostile data is cleaned, the redirect followed).
    """

    id: str
    fault: Fault
    read_error: type[SourceError] | None
    write_error: type[SourceError] | None


FAULT_CASES: tuple[FaultCase, ...] = (
    FaultCase("500", Fault.answer(500), UnavailableError, UnavailableError),
    FaultCase(
        "503-retry-after-3600",
        Fault.answer(503, retry_after="3600"),
        UnavailableError,
        UnavailableError,
    ),
    FaultCase(
        "429-retry-after-3600",
        Fault.answer(429, retry_after="3600"),
        RateLimitedError,
        RateLimitedError,
    ),
    FaultCase("401", Fault.answer(401), AuthError, AuthError),
    FaultCase("403", Fault.answer(403), AuthError, AuthError),
    FaultCase("404", Fault.answer(404), NotFoundError, NotFoundError),
    FaultCase("409", Fault.answer(409), ConflictError, ConflictError),
    FaultCase("422", Fault.answer(422), RejectedError, RejectedError),
    FaultCase("hang", Fault.hang(), UnavailableError, UnavailableError),
    FaultCase("drip", Fault.drip(0.25), UnavailableError, UnavailableError),
    FaultCase("reset", Fault.reset(), UnavailableError, UnavailableError),
    FaultCase("garbage", Fault.garbage(), BadDataError, UnconfirmedError),
    FaultCase("wrong-shape", Fault.wrong_shape(), BadDataError, UnconfirmedError),
    FaultCase("html-200", Fault.html(), BadDataError, UnconfirmedError),
    FaultCase("huge", Fault.huge(), BadDataError, UnconfirmedError),
    FaultCase("huge-declared", Fault.huge(declare_length=True), BadDataError, UnconfirmedError),
    FaultCase(
        "302-other-origin-portal",
        Fault.redirect(302, "other-portal"),
        BadDataError,
        UnconfirmedError,
    ),
    FaultCase("307-same-origin-moved", Fault.redirect(307, "moved"), None, UnconfirmedError),
    FaultCase("echo-authorization", Fault.echo_auth(), AuthError, AuthError),
    FaultCase("hostile-text", Fault.hostile(), None, None),
)
"""Every fault a provider is held to; the contract suite runs each against each provider."""
