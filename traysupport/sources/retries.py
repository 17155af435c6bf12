"""A call's attempts until a final answer: retries, backoff, server waits, one budget.

Retries use exponential backoff with full jitter; ``Retry-After`` and rate-limit reset
headers are honoured within a call and remembered across calls (`waits.NotBefore`), so
a source that asked for an hour is sent nothing for an hour. Moved out of `http` so the
client keeps the requests and their answers, and this module the waiting between them.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from traysupport.sources.answers import Refusal, error_for
from traysupport.sources.attempt import Answer, Attempts, Call
from traysupport.sources.base import RateLimitedError, SourceError, StoppedError
from traysupport.sources.limits import HttpLimits
from traysupport.sources.transport import AttemptError
from traysupport.sources.waits import (
    Budget,
    NotBefore,
    effective_status,
    server_wait,
    until_text,
    utc_instant,
)

log = logging.getLogger("traysupport.sources.http")  # the client's log, as before the move

_MIN_ATTEMPT_SECONDS = 0.25
"""A retry that would have less time than this before the budget ends is not made."""


class Retries:
    """The attempts of one client's calls: when to try again, and how long to wait."""

    def __init__(
        self,
        source: str,
        limits: HttpLimits,
        attempts: Attempts,
        *,
        has_token: bool,
        sleep: Callable[[float], None] | None,
        rng: random.Random,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
    ) -> None:
        self.source = source
        self.limits = limits
        self._attempts = attempts
        self._has_token = has_token
        self._sleep = sleep
        self._rng = rng
        self._clock = clock
        self._monotonic = monotonic
        self._not_before = NotBefore()

    def refuse_while_rate_limited(self) -> None:
        """RateLimitedError, without any network, while the server's wait lasts."""
        now = self._clock()
        left = self._not_before.left(now)
        if left is None:
            return
        until = utc_instant(now + left)
        problem = (
            f"rate limited until {until_text(until, utc_instant(now))}: "
            "the server asked to wait, and nothing is sent to it before then"
        )
        raise RateLimitedError(self.source, problem, left, until=until)

    def exchange(self, call: Call) -> Answer:
        """Attempt the request until a final answer, retries run out or the budget does."""
        budget = Budget(self.limits.max_call_seconds, self._monotonic)
        for attempt in range(self.limits.max_retries + 1):
            last = attempt == self.limits.max_retries
            seconds = min(self.limits.max_answer_seconds, budget.left())
            outcome = self._attempts.run(call, seconds)
            if isinstance(outcome, AttemptError):
                spent = outcome.once and attempt >= 1
                if last or spent or not outcome.retryable:
                    raise outcome.error
                if not (call.retry_safe or outcome.never_sent):
                    raise outcome.error
                failure, reason = outcome.error, outcome.error.problem
                delay = self._backoff(attempt)
            else:
                status = effective_status(outcome.status, outcome.headers)
                if status != 429 and status < 500:
                    if 200 <= status < 300:
                        self._not_before.clear()
                    return outcome
                hinted = self._note_wait(outcome, status)
                longest = min(self.limits.max_retry_after, budget.left())
                if hinted is not None and hinted > longest:
                    # Blocking a worker that long is worse than letting the scheduler wait.
                    raise self.error_for(outcome, call.what, hinted, long_wait=longest)
                failure = self.error_for(outcome, call.what, hinted, tries=attempt + 1)
                if last or not call.retry_safe:
                    raise failure
                delay = self._backoff(attempt) if hinted is None else hinted
                reason = f"answered {outcome.status}"
            if delay + _MIN_ATTEMPT_SECONDS > budget.left():
                raise failure  # waiting and trying again would overrun the call's budget
            self._pause(delay, call.what, reason)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _note_wait(self, answer: Answer, status: int) -> float | None:
        """The wait the server asks for; a 429's or 503's is remembered across calls."""
        now = self._clock()
        hinted = server_wait(answer.headers, status, now)
        if hinted is not None and status in (429, 503):
            self._not_before.postpone(now + hinted)
        return hinted

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        base, cap = self.limits.backoff_base, self.limits.backoff_max
        return self._rng.uniform(0.0, min(cap, base * 2.0**attempt))

    def _pause(self, delay: float, what: str, reason: str) -> None:
        """Wait before the next attempt; `abort()` ends the wait (and the call) at once."""
        log.warning("%s: %s %s; retrying in %.1f s", self.source, what, reason, delay)
        if self._sleep is None:
            stopped = self._attempts.wait(delay)
        else:
            self._sleep(delay)
            stopped = self._attempts.stopped
        if stopped:
            raise StoppedError(self.source, f"{what} was stopped while waiting to retry")

    def error_for(
        self,
        answer: Answer,
        what: str,
        retry_after: float | None = None,
        tries: int = 1,
        long_wait: float | None = None,
    ) -> SourceError:
        """The SourceError for a final non-2xx answer, with the server's own words."""
        until = None if retry_after is None else utc_instant(self._clock() + retry_after)
        refusal = Refusal(
            answer.status,
            answer.headers,
            answer.body,
            what,
            has_token=self._has_token,
            retry_after=retry_after,
            until=until,
            tries=tries,
            long_wait=self.limits.max_retry_after if long_wait is None else long_wait,
        )
        return error_for(self.source, refusal)
