"""The two protocols every provider implements, and the errors they raise.

A source's methods block (they do network I/O); the service calls them off the GUI
thread. Every failure is a `SourceError` whose message names the source and tells the
user what to do about it; the registered secrets (`traysupport.sources.redact`) are
masked from it, whatever a server echoed into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol, runtime_checkable

from traysupport.core.model import Person, Shift, Ticket
from traysupport.sources.redact import redact


class SourceError(Exception):
    """A source could not do what was asked. `str()` is a message fit for the user.

    *problem* and *hint* are redacted here, so no subclass or call site can forget to.
    """

    hint = "Check the source's settings and try again."

    def __init__(self, source: str, problem: str, hint: str | None = None) -> None:
        self.source = redact(source)
        self.problem = redact(problem)
        self.hint = redact(hint or type(self).hint)
        super().__init__(f"{self.source}: {self.problem}. {self.hint}")


class AuthError(SourceError):
    """The token was missing, wrong or lacks permission (401/403)."""

    hint = (
        "Check its API token: keep the right one with `traysupport token set {source}` or on"
        " the Sources page of the Settings window (`traysupport doctor` checks them all)."
    )

    def __init__(self, source: str, problem: str, hint: str | None = None) -> None:
        super().__init__(source, problem, hint or type(self).hint.replace("{source}", source))


@contextmanager
def auth_refusal(source: str, said: str, hint: str) -> Iterator[None]:
    """An `AuthError` from inside is raised again as *source*'s: "<said>: <problem>", *hint*.

    A provider wraps its calls in it so that a 401/403 says how to get a working token
    for its vendor, not just "check it".
    """
    try:
        yield
    except AuthError as exc:
        raise AuthError(source, f"{said}: {exc.problem}", hint) from None


class NotFoundError(SourceError):
    """The ticket, person or endpoint does not exist (404)."""

    hint = "Check the URL in Settings; the item may have been deleted."


class RateLimitedError(SourceError):
    """The server asked us to slow down (429, or 503 with a wait) and we are waiting.

    *retry_after* is the seconds left to wait, *until* the instant (UTC) before which
    the client sends nothing to this source; either is None when the server named none.
    """

    hint = "traysupport will try again later by itself."

    def __init__(
        self,
        source: str,
        problem: str,
        retry_after: float | None = None,
        hint: str | None = None,
        *,
        until: datetime | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.until = until
        super().__init__(source, problem, hint)


class UnavailableError(SourceError):
    """The server could not be reached, timed out or answered 5xx."""

    hint = "Check your network or VPN; traysupport keeps showing the last data it had."


class StoppedError(UnavailableError):
    """The request was stopped on our side (the app is quitting); nothing was decided.

    An `UnavailableError`, so an action cut off this way stays pending and is sent again.
    """

    hint = "traysupport is stopping; it tries again when it next runs."


class UnconfirmedError(SourceError):
    """A write got an answer that does not confirm it (an HTML page, a redirect...).

    The server may or may not have applied it: the action stays in the outbox and is
    sent again with the same idempotency key, which makes a repeat harmless.
    """

    hint = (
        "The action stays in the outbox and traysupport will try it again; if this "
        "repeats, check the URL and whether a proxy or network login page is in the way."
    )


class BadDataError(SourceError):
    """The server answered with something we cannot read."""

    hint = "The answer was not in the expected shape; check that the URL points at the right API."


class RejectedError(SourceError):
    """The server understood the request and refused it (400/422: an unknown recipient...)."""

    hint = "Check what you asked for (the recipient, the ticket); the server's reason is above."


class ConflictError(SourceError):
    """The server refused the change because the ticket is not in a state that allows it."""

    hint = "Refresh and look at the ticket; someone may have changed it already."


class Steps(Protocol):
    """The parts of one action already written to the tool, kept across retries and crashes.

    A write that takes several calls (PagerDuty's reassign, then its note) names each
    call a step: it skips a step that is `done` and `record`s each one as it succeeds.
    When a later call fails, the outbox sends the action again and only what is left
    goes out. `record` returns once the step is durable in the outbox; a crash between
    the call and its record sends that step again, so a step should be safe to repeat
    (an assignment is) or check the tool first (a comment with the same text).
    """

    def done(self, step: str) -> bool:
        """True when *step* of this action reached the tool on an earlier attempt."""
        ...

    def record(self, step: str) -> None:
        """Note that *step* reached the tool; durable when it returns, where it can be."""
        ...

    @property
    def retrying(self) -> bool:
        """True when an earlier attempt of this action was made (and may have got through)."""
        ...


class NoSteps:
    """Steps for a write sent outside the outbox (tests, a one-off): nothing done, nothing kept."""

    retrying = False

    def done(self, step: str) -> bool:
        """Nothing is done yet."""
        return False

    def record(self, step: str) -> None:
        """Nothing is kept."""


NO_STEPS: Steps = NoSteps()
"""The default `Steps` of a write: a single attempt."""


@runtime_checkable
class RotationSource(Protocol):
    """Where the rotation schedule comes from."""

    @property
    def name(self) -> str:
        """A short name shown to users ("team-api", "pagerduty"...)."""
        ...

    def fetch_people(self) -> list[Person]:
        """Everyone on the team."""
        ...

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """Shifts overlapping [since, until)."""
        ...


@runtime_checkable
class QueueSource(Protocol):
    """Where the support queue comes from, and where actions are written back."""

    @property
    def name(self) -> str:
        """A short name shown to users."""
        ...

    def fetch_tickets(self) -> list[Ticket]:
        """All open tickets in the queue."""
        ...

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Mark the ticket acknowledged by *by*. Repeating it with the same key is a no-op;
        so is acknowledging what *by* already acknowledged."""
        ...

    def hand_over(
        self,
        ticket_id: str,
        to: Person,
        note: str,
        by: Person,
        idempotency_key: str,
        *,
        steps: Steps = NO_STEPS,
    ) -> None:
        """Reassign the ticket to *to*, adding *note*. Repeating with the same key is a no-op;
        a write of several calls skips the `steps` done before."""
        ...


@runtime_checkable
class Silenceable(Protocol):
    """A queue whose tickets can be silenced: archived in the tool until they escalate
    (Sentry's "archive until escalating"). Optional: the UI and CLI offer Silence only on
    tickets of a source that has it; `QueueSource` is unchanged."""

    def silence(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Silence the ticket as *by*; it then leaves the fetched queue. Repeating it, or
        silencing what is already silenced, is a no-op."""
        ...
