"""The one HTTP client every provider uses: deadlines, retries, rate limits, ETags, writes.

`HttpClient` wraps a `requests.Session` so that every provider gets the same manners:

- time: a total deadline per attempt, enforced on the socket however slowly bytes
  arrive (`deadline`), and a budget per call covering every attempt, backoff and
  server-requested wait (`HttpLimits`); `abort()` / `close()` from any thread fails the
  requests in flight at once and wakes their retry waits;
- retries with exponential backoff and full jitter; `Retry-After` and rate-limit reset
  headers honoured within a call and remembered across calls (`waits.NotBefore`): a
  source that asked for an hour is sent nothing for an hour;
- bounded answer sizes, and a refused body dropped before the error is raised;
  conditional GETs (ETag);
- writes confirmed only by the answer the provider documents (`confirm=`), never by a
  bare 2xx, and never sent after a redirect (`UnconfirmedError` otherwise);
- its token registered for redaction (`redact`), so no message or log line shows it;
- failures turned into the `SourceError` family with messages a user can act on
  (`answers`, `transport`).

Threads: a client may be shared by worker threads (one source can be both the rotation
and the queue, polled by separate jobs). Each thread gets its own `requests.Session`,
as requests' maintainers advise, and the ETag cache is shared under a lock; a call
blocks only its own thread, retry waits included.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from traysupport import __version__
from traysupport.sources.answers import (
    Confirm,
    Refusal,
    Unreadable,
    confirmation,
    decode_json,
    error_for,
)
from traysupport.sources.attempt import ERROR_BODY_BYTES, Answer, Attempts, Call
from traysupport.sources.base import (
    BadDataError,
    RateLimitedError,
    SourceError,
    StoppedError,
    UnconfirmedError,
)
from traysupport.sources.etags import EtagCache
from traysupport.sources.limits import DEFAULT_LIMITS, MIB, HttpLimits
from traysupport.sources.parse import clean_text
from traysupport.sources.redact import register_credentials
from traysupport.sources.transport import AttemptError, Session
from traysupport.sources.urls import Params, ParamValue, cache_key, shown_url
from traysupport.sources.waits import (
    Budget,
    NotBefore,
    effective_status,
    server_wait,
    until_text,
    utc_instant,
)

__all__ = [
    "ERROR_BODY_BYTES",
    "MIB",
    "USER_AGENT",
    "Confirm",
    "HttpClient",
    "HttpLimits",
    "ParamValue",
    "Params",
]

log = logging.getLogger(__name__)

USER_AGENT = f"traysupport/{__version__}"

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_MIN_ATTEMPT_SECONDS = 0.25
"""A retry that would have less time than this before the budget ends is not made."""


class HttpClient:
    """JSON over HTTP for one source; may be shared by threads (see the module docstring).

    *auth* is the whole ``Authorization`` header value (``"Bearer …"``, ``"Token
    token=…"``); it is sent only to the base URL's origin, never logged, and masked from
    every message. Set *url_is_secret* for sources whose URL path is itself a credential
    (private calendar feeds): logs and messages then show only the host. *sleep* (None:
    a wait that `abort()` wakes), *rng*, *clock* (wall time, for HTTP-date and epoch
    headers and the rate-limit instant) and *monotonic* (the call budget) are for tests.
    """

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: str | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = USER_AGENT,
        limits: HttpLimits = DEFAULT_LIMITS,
        url_is_secret: bool = False,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        register_credentials(auth, base_url, url_is_secret=url_is_secret)
        parts = urlsplit(base_url.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            hint = "Check the URL in Settings."
            raise SourceError(source, "the URL is not an http(s) address", hint)
        self.source = source
        self.base_url = base_url.strip().rstrip("/")
        self.limits = limits
        self._origin = (parts.scheme.lower(), parts.netloc.lower())
        self._auth = auth
        self._url_is_secret = url_is_secret
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        self._monotonic = monotonic
        self._not_before = NotBefore()
        self._etags = EtagCache(4 * limits.max_response_bytes)
        sent = {"User-Agent": user_agent, "Accept": "application/json", **(headers or {})}
        self._attempts = Attempts(source, limits, sent, self._shown_url)

    def abort(self) -> None:
        """Fail every request in flight, on any thread, now; refuse later ones.

        Sockets in use are shut down and retry waits woken: the calls raise
        `StoppedError` (an `UnavailableError`: an action stays pending) at once.
        """
        self._attempts.abort()

    def close(self) -> None:
        """`abort()`, then close the pooled connections of every thread."""
        self._attempts.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _session(self) -> Session:
        """This thread's session."""
        return self._attempts.session()

    def url_for(self, path_or_url: str) -> str:
        """An absolute http(s) URL as is; a path joined under the base URL, keeping its path."""
        scheme = urlsplit(path_or_url).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            raise BadDataError(self.source, f"refused to follow a {clean_text(scheme, 20)}: URL")
        if scheme:
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def get_json(self, path_or_url: str, params: Params | None = None) -> object:
        """GET and parse JSON (None for an empty answer); 304 replays the cached answer."""
        return self.request("GET", path_or_url, params=params)

    def post_json(
        self,
        path_or_url: str,
        body: object,
        headers: Mapping[str, str] | None = None,
        *,
        confirm: Confirm,
        expected: str = "the answer the API documents",
        idempotency_key: str | None = None,
    ) -> object:
        """POST *body* as JSON; the answer, once *confirm* says it confirms the write.

        Retried only with an idempotency key (or header). *expected* names what would
        have confirmed it, for the message of the `UnconfirmedError` raised otherwise.
        """
        return self.request(
            "POST",
            path_or_url,
            json_body=body,
            headers=headers,
            idempotency_key=idempotency_key,
            confirm=confirm,
            expected=expected,
        )

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Params | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        confirm: Confirm | None = None,
        expected: str = "the answer the API documents",
    ) -> object:
        """Send one request, retrying what is safe to retry; return the parsed JSON answer.

        A write (any method but GET, HEAD, OPTIONS) must say what confirms it: *confirm*
        gets its parsed JSON answer. It succeeds only for a 2xx answer that *confirm*
        accepts; a redirect, an HTML page or the wrong JSON raise `UnconfirmedError`.
        """
        method = method.upper()
        if method not in _READ_METHODS and confirm is None:
            raise TypeError(f"{method} is a write: pass confirm=, what in its answer confirms it")
        try:
            call = self._call(
                method,
                path_or_url=path_or_url,
                params=params,
                body=json_body,
                headers=headers,
                idempotency_key=idempotency_key,
            )
            if confirm is not None and call.writing:
                return self._confirmed(call, confirm, expected)
            return self._read_call(call, cache_key(call.url, params) if method == "GET" else "")
        except SourceError as caught:
            error = caught
        # Raised bare, with no chain and no frames below this one: nothing the call read
        # (a refused 16 MiB body, an error page) stays alive as long as the error does.
        error.__cause__ = error.__context__ = None
        raise error.with_traceback(None)

    def _call(
        self,
        method: str,
        *,
        path_or_url: str,
        params: Params | None,
        body: object,
        headers: Mapping[str, str] | None,
        idempotency_key: str | None,
    ) -> Call:
        """The request to send, once nothing forbids sending it now."""
        url = self.url_for(path_or_url)
        what = f"{method} {self._shown_url(url, with_query=False)}"
        if self._attempts.stopped:
            raise StoppedError(self.source, f"{what} was not sent")
        self._refuse_while_rate_limited()
        sent = self._headers_for(url, headers, idempotency_key)
        retry_safe = method in _RETRY_SAFE_METHODS or "Idempotency-Key" in sent
        return Call(method, url, params, body, sent, retry_safe, what)

    def _read_call(self, call: Call, key: str) -> object:
        """A read: its parsed JSON, the ETag's cached answer replayed on 304."""
        cached = self._etags.get(key) if key else None
        if cached is not None:
            call = replace(call, headers={**call.headers, "If-None-Match": cached.etag})
        answer = self._exchange(call)
        if answer.status == 304:
            if cached is None:
                raise BadDataError(self.source, f"{call.what} answered 304 without having an ETag")
            return self._decode(cached.body, cached.content_type, call.what)
        if not 200 <= answer.status < 300:
            raise self._error_for(answer, call.what)
        content_type = answer.headers.get("Content-Type", "")
        if key:
            etag = answer.headers.get("ETag", "")
            self._etags.remember(key, etag, answer.body, content_type)
        return self._decode(answer.body, content_type, call.what)

    def _confirmed(self, call: Call, confirm: Confirm, expected: str) -> object:
        """Send a write; its parsed answer when that confirms it, else UnconfirmedError."""
        outcome: Answer | BadDataError
        try:
            outcome = self._exchange(call)
        except BadDataError as unreadable:  # too big, broken encoding: the answer is lost
            outcome = unreadable
        if isinstance(outcome, BadDataError):
            why = outcome.problem
        elif not 200 <= outcome.status < 400:
            raise self._error_for(outcome, call.what)
        else:
            parsed, why = confirmation(outcome, confirm, expected)
            if not why:
                return parsed
        raise UnconfirmedError(self.source, f"{call.what} was not confirmed: {why}")

    def _refuse_while_rate_limited(self) -> None:
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

    def _headers_for(
        self, url: str, extra: Mapping[str, str] | None, idempotency_key: str | None
    ) -> dict[str, str]:
        """Per-request headers: the token only for our own origin, the idempotency key."""
        sent = {
            name.title() if name.lower() == "idempotency-key" else name: value
            for name, value in (extra or {}).items()
        }
        parts = urlsplit(url)
        if self._auth and (parts.scheme.lower(), parts.netloc.lower()) == self._origin:
            sent["Authorization"] = self._auth
        if idempotency_key:
            sent["Idempotency-Key"] = idempotency_key
        return sent

    def _exchange(self, call: Call) -> Answer:
        """Attempt the request until a final answer, retries run out or the budget does."""
        budget = Budget(self.limits.max_call_seconds, self._monotonic)
        for attempt in range(self.limits.max_retries + 1):
            last = attempt == self.limits.max_retries
            seconds = min(self.limits.max_answer_seconds, budget.left())
            outcome = self._attempts.run(call, seconds)
            if isinstance(outcome, AttemptError):
                if last or not outcome.retryable or not (call.retry_safe or outcome.never_sent):
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
                    raise self._error_for(outcome, call.what, hinted, long_wait=longest)
                failure = self._error_for(outcome, call.what, hinted, tries=attempt + 1)
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

    def _error_for(
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
            has_token=bool(self._auth),
            retry_after=retry_after,
            until=until,
            tries=tries,
            long_wait=self.limits.max_retry_after if long_wait is None else long_wait,
        )
        return error_for(self.source, refusal)

    def _decode(self, body: bytes, content_type: str, what: str) -> object:
        """Parse a JSON body; an empty one is None, anything else a BadDataError."""
        parsed = decode_json(body, content_type)
        if not isinstance(parsed, Unreadable):
            return parsed
        if not parsed.labelled:
            raise BadDataError(self.source, f"{what} answered invalid JSON")
        cause = f" ({parsed.cause})" if parsed.cause else ""
        raise BadDataError(self.source, f"{what} answered {parsed.kind} instead of JSON{cause}")

    def _shown_url(self, url: str, *, with_query: bool = True) -> str:
        return shown_url(url, url_is_secret=self._url_is_secret, with_query=with_query)
