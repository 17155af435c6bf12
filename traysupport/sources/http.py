"""The one HTTP client every provider uses: timeouts, retries, rate limits, ETags, errors.

`HttpClient` wraps a `requests.Session` so that every provider gets the same manners:
bounded timeouts and answer sizes, retries with exponential backoff and full jitter,
`Retry-After` and rate-limit reset headers honoured, conditional GETs, and failures
turned into the `SourceError` family with messages a user can act on.

Threads: a client may be shared by worker threads (one source can be both the rotation
and the queue, polled by separate jobs). Each thread gets its own `requests.Session`,
as requests' maintainers advise, and the ETag cache is shared under a lock; a call
blocks only its own thread, retry sleeps included.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError, ReadTimeoutError

from traysupport import __version__
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
from traysupport.sources.parse import clean_text, server_message

log = logging.getLogger(__name__)

MIB = 1024 * 1024
USER_AGENT = f"traysupport/{__version__}"
SERVER_MESSAGE_CHARS = 200
ERROR_BODY_BYTES = 64 * 1024
"""Enough for any JSON error; an error page is not read past this."""

ParamValue = str | int | float | Sequence[str | int | float]
Params = Mapping[str, ParamValue]

_RETRY_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_SECRET_PARAM_WORDS = ("token", "key", "secret", "pass", "auth", "sig", "session", "cred")
_LONGEST_WAIT = 86400.0
"""A server asking for more than a day is clamped to a day (and reported, not slept)."""
_EPOCH_THRESHOLD = 1e9
"""A reset value above this is an epoch timestamp (2001 on), below it a delay in seconds."""


class _RedirectRefusedError(Exception):
    """A redirect pointed at something other than http(s)."""


class _Session(requests.Session):
    """A session that refuses to follow redirects to non-http(s) schemes."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """The redirect target, refusing ``file:``, ``javascript:`` and the like."""
        target = super().get_redirect_target(resp)
        if target is not None:
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ("", "http", "https"):
                resp.close()  # requests has not consumed it yet; it would leak the socket
                raise _RedirectRefusedError(scheme)
        return target


@dataclass(frozen=True, slots=True)
class _Validated:
    """A GET answer kept for its ETag, to be replayed on 304."""

    etag: str
    body: bytes
    content_type: str


class _TransportError(Exception):
    """An attempt failed below HTTP; `never_sent` when the server cannot have seen it."""

    def __init__(self, error: SourceError, *, retryable: bool, never_sent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.never_sent = never_sent


@dataclass(frozen=True, slots=True)
class _Call:
    """One request as it is sent on every attempt."""

    method: str
    url: str
    params: Params | None
    body: object
    headers: Mapping[str, str]
    retry_safe: bool
    what: str
    """How messages name it: method and URL, without query or secrets."""


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """How long, how often and how much a client may wait, retry and read."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    """Per socket read: the longest silence tolerated from the server."""
    max_answer_seconds: float = 60.0
    """The longest one answer may take to arrive in full, however it trickles."""
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    """Longer server-requested waits raise at once, so the scheduler waits, not a worker."""
    max_response_bytes: int = 16 * MIB


class HttpClient:
    """JSON over HTTP for one source; may be shared by threads (see the module docstring).

    *auth* is the whole ``Authorization`` header value (``"Bearer …"``, ``"Token
    token=…"``); it is sent only to the base URL's origin and never logged. Set
    *url_is_secret* for sources whose URL path is itself a credential (private
    calendar feeds): logs and messages then show only the host. *sleep*, *rng* and
    *clock* (wall time, for HTTP-date and epoch headers) are there for tests.
    """

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: str | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = USER_AGENT,
        limits: HttpLimits = HttpLimits(),
        url_is_secret: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
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
        self._validated: OrderedDict[str, _Validated] = OrderedDict()
        self._lock = threading.Lock()
        """Guards the ETag cache and the list of sessions, which threads share."""
        self._headers = {"User-Agent": user_agent, "Accept": "application/json", **(headers or {})}
        self._local = threading.local()
        self._sessions: list[_Session] = []
        # A client dropped without close() still closes its sockets (no ResourceWarning).
        weakref.finalize(self, _close_all, self._sessions)

    def close(self) -> None:
        """Close the pooled connections of every thread (a later request reopens them)."""
        _close_all(self._sessions)

    def _session(self) -> _Session:
        """This thread's session: requests does not promise a shared one is thread-safe."""
        session: _Session | None = getattr(self._local, "session", None)
        if session is None:
            session = _Session()
            session.headers.update(self._headers)
            with self._lock:
                self._sessions.append(session)
            self._local.session = session
        return session

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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
        idempotency_key: str | None = None,
        read_answer: bool = True,
    ) -> object:
        """POST *body* as JSON; retried only with an idempotency key (or header)."""
        return self.request(
            "POST",
            path_or_url,
            json_body=body,
            headers=headers,
            idempotency_key=idempotency_key,
            read_answer=read_answer,
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
        read_answer: bool = True,
    ) -> object:
        """Send one request, retrying what is safe to retry; return the parsed JSON answer.

        With *read_answer* False a 2xx answer's body is not parsed (None is returned):
        for writes whose status is the whole confirmation.
        """
        method = method.upper()
        url = self.url_for(path_or_url)
        send_headers = self._headers_for(url, headers, idempotency_key)
        key = _cache_key(url, params) if method == "GET" else ""
        with self._lock:
            cached = self._validated.get(key) if key else None
        if cached is not None:
            send_headers["If-None-Match"] = cached.etag
        retry_safe = method in _RETRY_SAFE_METHODS or "Idempotency-Key" in send_headers
        what = f"{method} {self._shown_url(url, with_query=False)}"
        call = _Call(method, url, params, json_body, send_headers, retry_safe, what)
        answer = self._exchange(call)
        if answer.status == 304:
            if cached is None:
                raise BadDataError(self.source, f"{what} answered 304 without having an ETag")
            return self._decode(cached.body, cached.content_type, what)
        if not 200 <= answer.status < 300:
            raise self._error_for(answer, what)
        if key:
            self._remember(key, answer)
        if not read_answer:
            return None
        return self._decode(answer.body, answer.headers.get("Content-Type", ""), what)

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

    def _exchange(self, call: _Call) -> _Answer:
        """Attempt the request until it gets a final answer or retries run out."""
        for attempt in range(self.limits.max_retries + 1):
            last = attempt == self.limits.max_retries
            try:
                answer = self._attempt(call)
            except _TransportError as failure:
                if last or not failure.retryable or not (call.retry_safe or failure.never_sent):
                    raise failure.error from None
                self._pause(self._backoff(attempt), call.what, failure.error.problem)
                continue
            status = _effective_status(answer)
            if status != 429 and status < 500:
                return answer
            hinted = _server_wait(answer.headers, status, self._clock())
            if hinted is not None and hinted > self.limits.max_retry_after:
                # Blocking a worker that long is worse than letting the scheduler wait.
                raise self._error_for(answer, call.what, hinted)
            if last or not call.retry_safe:
                raise self._error_for(answer, call.what, hinted, tries=attempt + 1)
            delay = self._backoff(attempt) if hinted is None else hinted
            self._pause(delay, call.what, f"answered {answer.status}")
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(self, call: _Call) -> _Answer:
        """One request and its (bounded) body."""
        started = time.monotonic()
        extra: dict[str, Any] = {} if call.body is None else {"json": call.body}
        try:
            response = self._session().request(
                call.method,
                call.url,
                params=call.params,
                headers=call.headers,
                timeout=(self.limits.connect_timeout, self.limits.read_timeout),
                stream=True,
                allow_redirects=True,
                **extra,
            )
        except _RedirectRefusedError as refused:
            scheme = clean_text(str(refused), 20)
            problem = f"the server redirected to a {scheme}: address, which traysupport refuses"
            raise self._fatal(BadDataError(self.source, problem)) from None
        except requests.RequestException as error:
            raise self._transport_error(error, call.url) from None
        except UnicodeError:
            # http.client refuses header values that are not Latin-1.
            problem = "a request header could not be sent (it is not plain text)"
            raise self._fatal(SourceError(self.source, problem)) from None
        status = response.status_code
        ok = 200 <= status < 300
        content = self._read(
            response, self.limits.max_response_bytes if ok else ERROR_BODY_BYTES, strict=ok
        )
        elapsed_ms = (time.monotonic() - started) * 1000
        shown = self._shown_url(response.url or call.url)
        log.debug("%s %s -> %d in %.0f ms", call.method, shown, status, elapsed_ms)
        return _Answer(status, response.headers, content)

    def _read(self, response: requests.Response, limit: int, *, strict: bool) -> bytes:
        """The body, streamed; past *limit* a BadDataError (strict) or a cut (error pages)."""
        too_big = BadDataError(self.source, f"answer larger than {limit // 1024} KiB; refused")
        declared = response.headers.get("Content-Length", "")
        if strict and declared.isdigit() and int(declared) > limit:
            response.close()
            raise self._fatal(too_big)
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.limits.max_answer_seconds
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > limit:
                    if strict:
                        raise self._fatal(too_big)
                    break
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    slow = UnavailableError(self.source, "the answer arrived too slowly")
                    raise _TransportError(slow, retryable=True, never_sent=False)
        except requests.exceptions.ContentDecodingError:
            raise self._fatal(
                BadDataError(self.source, "the answer's encoding is broken")
            ) from None
        except requests.RequestException as error:
            raise self._transport_error(error, response.url) from None
        finally:
            response.close()
        return b"".join(chunks)

    def _fatal(self, error: SourceError) -> _TransportError:
        return _TransportError(error, retryable=False, never_sent=False)

    def _transport_error(self, error: requests.RequestException, url: str) -> _TransportError:
        """Name what went wrong below HTTP, and whether retrying can help."""
        where = urlsplit(url).netloc.rpartition("@")[2] or "the server"
        causes = _causes(error)
        if isinstance(error, requests.exceptions.SSLError):
            problem = f"the secure connection to {where} failed (certificate or TLS problem)"
            hint = "Check the URL; behind a company proxy, set REQUESTS_CA_BUNDLE to its CA."
            return self._fatal(UnavailableError(self.source, problem, hint))
        if isinstance(error, requests.exceptions.ConnectTimeout):
            problem = f"no connection to {where} within {self.limits.connect_timeout:g} s"
            return self._retryable(problem, never_sent=True)
        if isinstance(error, requests.exceptions.ReadTimeout) or _has(causes, ReadTimeoutError):
            problem = f"{where} did not answer within {self.limits.read_timeout:g} s"
            return self._retryable(problem, never_sent=False)
        if isinstance(error, requests.exceptions.ConnectionError):
            # Refused or unresolved: the request never left, so even a POST may be retried.
            never_sent = _has(causes, NewConnectionError)
            if _has(causes, NameResolutionError):
                problem = f"cannot find the host {where} (check the URL, your network or VPN)"
            elif _has(causes, ConnectionRefusedError):
                problem = f"{where} refused the connection (is the server up, the port right?)"
            else:
                problem = f"the connection to {where} {'failed' if never_sent else 'broke off'}"
            return self._retryable(problem, never_sent=never_sent)
        if isinstance(error, requests.exceptions.TooManyRedirects):
            return self._fatal(BadDataError(self.source, "the server redirects in a loop"))
        if isinstance(
            error,
            (
                requests.exceptions.InvalidURL,
                requests.exceptions.InvalidHeader,
                requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema,
            ),
        ):
            problem = "the request could not be made from this URL"
            return self._fatal(SourceError(self.source, problem, "Check the URL in Settings."))
        problem = f"the exchange with {where} broke off ({type(error).__name__})"
        return self._retryable(problem, never_sent=False)

    def _retryable(self, problem: str, *, never_sent: bool) -> _TransportError:
        error = UnavailableError(self.source, problem)
        return _TransportError(error, retryable=True, never_sent=never_sent)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        base, cap = self.limits.backoff_base, self.limits.backoff_max
        return self._rng.uniform(0.0, min(cap, base * 2.0**attempt))

    def _pause(self, delay: float, what: str, reason: str) -> None:
        log.warning("%s: %s %s; retrying in %.1f s", self.source, what, reason, delay)
        self._sleep(delay)

    def _error_for(
        self, answer: _Answer, what: str, retry_after: float | None = None, tries: int = 1
    ) -> SourceError:
        """The SourceError for a final non-2xx answer, with the server's own words."""
        said = server_message(_loads_quietly(answer.body), SERVER_MESSAGE_CHARS)
        detail = f": {said}" if said else ""
        status = answer.status
        if _effective_status(answer) == 429:
            wait = "" if retry_after is None else f"; it asks to wait {retry_after:.0f} s"
            problem = f"the server is rate limiting {what} ({status}){wait}{detail}"
            return RateLimitedError(self.source, problem, retry_after)
        if status >= 500:
            if retry_after is not None and retry_after > self.limits.max_retry_after:
                detail += f" (it asks to come back in {retry_after:.0f} s)"
            tried = f" {tries} times" if tries > 1 else ""
            return UnavailableError(self.source, f"{what} failed{tried} with {status}{detail}")
        if status == 401:
            problem = (
                f"the server refused the API token for {what} (401){detail}"
                if self._auth
                else f"the server wants an API token for {what} (401) and none is set"
            )
            return AuthError(self.source, problem)
        if status == 403:
            return AuthError(self.source, f"the API token is not allowed to {what} (403){detail}")
        if status == 404:
            return NotFoundError(self.source, f"{what} was not found (404){detail}")
        if status == 409:
            return ConflictError(self.source, f"the server refused {what} (409){detail}")
        if 300 <= status < 400:
            return BadDataError(
                self.source, f"{what} answered a redirect ({status}) that could not be followed"
            )
        return RejectedError(self.source, f"the server refused {what} ({status}){detail}")

    def _decode(self, body: bytes, content_type: str, what: str) -> object:
        """Parse a JSON body; an empty one is None, anything else a BadDataError."""
        if not body.strip():
            return None
        mime = content_type.partition(";")[0].strip().lower()
        if mime and not (mime in ("application/json", "text/json") or mime.endswith("+json")):
            kind = "an HTML page" if "html" in mime else clean_text(mime, 60)
            raise BadDataError(self.source, f"{what} answered {kind} instead of JSON")
        try:
            return json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            # UnicodeDecodeError is a ValueError; RecursionError is [[[[…]]]] nested deep.
            raise BadDataError(self.source, f"{what} answered invalid JSON") from None

    def _remember(self, key: str, answer: _Answer) -> None:
        """Keep the answer for If-None-Match; bounded so cursors cannot grow it forever."""
        etag = answer.headers.get("ETag", "")
        usable = etag and len(etag) <= 512 and etag.isprintable()
        content_type = answer.headers.get("Content-Type", "")
        budget = 4 * self.limits.max_response_bytes
        with self._lock:
            self._validated.pop(key, None)
            if not usable:
                return
            self._validated[key] = _Validated(etag, answer.body, content_type)
            while len(self._validated) > 1 and (
                len(self._validated) > 64
                or sum(len(v.body) for v in self._validated.values()) > budget
            ):
                self._validated.popitem(last=False)

    def _shown_url(self, url: str, *, with_query: bool = True) -> str:
        """The URL as logged and shown: no credentials, no secret query values."""
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        if self._url_is_secret:
            return f"{parts.scheme}://{host}/…"
        query = ""
        if with_query and parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            query = urlencode([(k, "***" if _looks_secret(k) else v) for k, v in pairs])
        return urlunsplit((parts.scheme, host, parts.path, query, ""))


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps (requests → urllib3 → socket), breadth first, bounded."""
    found: list[BaseException] = []
    queue: list[object] = [error]
    while queue and len(found) < 24:
        item = queue.pop(0)
        if isinstance(item, BaseException) and all(item is not f for f in found):
            found.append(item)
            queue += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return found


def _close_all(sessions: list[_Session]) -> None:
    for session in list(sessions):
        session.close()


def _has(causes: list[BaseException], kind: type[BaseException]) -> bool:
    return any(isinstance(cause, kind) for cause in causes)


def _loads_quietly(body: bytes) -> object:
    """Parsed JSON, or None when the body is not JSON (an error page)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _effective_status(answer: _Answer) -> int:
    """429 for a 403 that is really a rate limit (GitHub's primary limit), else the status."""
    remaining = answer.headers.get("X-RateLimit-Remaining", "").strip()
    return 429 if answer.status == 403 and remaining == "0" else answer.status


def _server_wait(headers: Mapping[str, str], status: int, now: float) -> float | None:
    """Seconds the server asks us to wait: Retry-After first, then rate-limit reset headers."""
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        wait = _seconds_or_date(retry_after, now, epoch_numbers=False)
        if wait is not None:
            return wait
    if status != 429:
        return None
    for name in ("RateLimit-Reset", "X-RateLimit-Reset", "X-Sentry-Rate-Limit-Reset"):
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
        return min(max(number, 0.0), _LONGEST_WAIT)
    when = _parse_date(text)
    return None if when is None else min(max(when.timestamp() - now, 0.0), _LONGEST_WAIT)


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


def _cache_key(url: str, params: Params | None) -> str:
    """URL plus sorted parameters: the identity of a GET answer for its ETag."""
    if not params:
        return url
    pairs = sorted((k, str(v)) for k, v in params.items())
    return f"{url}?{urlencode(pairs)}"


def _looks_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_PARAM_WORDS)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
