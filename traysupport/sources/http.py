"""The one HTTP client every provider uses: deadlines, retries, rate limits, ETags, writes.

`HttpClient` wraps a `requests.Session` so that every provider gets the same manners:

- time: a total deadline per attempt, enforced on the socket however slowly bytes
  arrive (`deadline`), and a budget per call covering every attempt, backoff and
  server-requested wait (`HttpLimits`); `abort()` / `close()` from any thread fails the
  requests in flight at once and wakes their retry waits;
- retries with exponential backoff and full jitter; `Retry-After` and rate-limit reset
  headers honoured within a call and remembered across calls (`waits.NotBefore`): a
  source that asked for an hour is sent nothing for an hour (`retries`);
- bounded answer sizes, and a refused body dropped before the error is raised;
  conditional GETs (ETag, Last-Modified) for JSON and text alike (`bodies`), the
  headers of a page kept for paging (`get_json_page`, `paging`);
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

import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import TypeVar
from urllib.parse import urlsplit

from traysupport import __version__
from traysupport.sources.answers import Confirm, confirmation
from traysupport.sources.attempt import ERROR_BODY_BYTES, Answer, Attempts, Call
from traysupport.sources.base import (
    BadDataError,
    SourceError,
    StoppedError,
    UnconfirmedError,
)
from traysupport.sources.bodies import TEXT_TYPES, Fetched, json_body, text_body
from traysupport.sources.etags import EtagCache
from traysupport.sources.limits import DEFAULT_LIMITS, MIB, HttpLimits
from traysupport.sources.parse import clean_text
from traysupport.sources.redact import register_credentials
from traysupport.sources.retries import Retries
from traysupport.sources.transport import Session
from traysupport.sources.urls import Params, ParamValue, cache_key, shown_url, with_query

__all__ = [
    "ERROR_BODY_BYTES",
    "MIB",
    "USER_AGENT",
    "Confirm",
    "Fetched",
    "HttpClient",
    "HttpLimits",
    "ParamValue",
    "Params",
]

T = TypeVar("T")

USER_AGENT = f"traysupport/{__version__}"

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class HttpClient:
    """JSON and text over HTTP for one source; may be shared by threads (see the module docstring).

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
        self._etags = EtagCache(4 * limits.max_response_bytes)
        sent = {"User-Agent": user_agent, "Accept": "application/json", **(headers or {})}
        self._attempts = Attempts(source, limits, sent, self._shown_url)
        self._retries = Retries(
            source,
            limits,
            self._attempts,
            has_token=bool(auth),
            sleep=sleep,
            rng=rng or random.Random(),
            clock=clock,
            monotonic=monotonic,
        )
        self._exchange = self._retries.exchange
        self._error_for = self._retries.error_for

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

    def same_origin(self, url: str) -> bool:
        """True when *url* (absolute) is on the base URL's origin: the only one given the token."""
        parts = urlsplit(url)
        return (parts.scheme.lower(), parts.netloc.lower()) == self._origin

    def get_json(self, path_or_url: str, params: Params | None = None) -> object:
        """GET and parse JSON (None for an empty answer); 304 replays the cached answer."""
        return self.request("GET", path_or_url, params=params)

    def get_json_page(self, path_or_url: str, params: Params | None = None) -> Fetched[object]:
        """`get_json`, with the answer's headers (``Link``...) and the URL asked, for paging.

        A 304 replays the validated answer's headers too, updated by the 304's own.
        """
        return self._get(path_or_url, params, "", self._json)

    def get_text(
        self, path_or_url: str, params: Params | None = None, *, types: Collection[str] = TEXT_TYPES
    ) -> str:
        """GET a text body (an iCalendar feed...), decoded with its declared charset.

        *types* are the media types accepted (and asked for in ``Accept``); an answer
        labelled otherwise, a login page in HTML above all, is a `BadDataError`. Sizes,
        deadlines, retries, redirects, 304s and errors are as for `get_json`.
        """

        def decode(body: bytes, content_type: str, what: str) -> str:
            return text_body(self.source, what, body, content_type, types)

        return self._get(path_or_url, params, ", ".join(types), decode).body

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

    def search_json(
        self, path_or_url: str, body: object, params: Params | None = None
    ) -> Fetched[object]:
        """POST *body* as a search query: a read sent by POST (Intercom's
        ``/conversations/search``), so retried as a GET is and never confirmed, with the
        answer's headers and the URL asked. Nothing is cached (no ETag for a POST).
        """
        try:
            call = self._call(
                "POST",
                path_or_url=path_or_url,
                params=params,
                body=body,
                headers=None,
                idempotency_key=None,
            )
            # Asking again changes nothing on the server, so a failed attempt may repeat.
            return self._read_call(replace(call, retry_safe=True, search=True), "", self._json)
        except SourceError as caught:
            error = caught
        error.__cause__ = error.__context__ = None  # as in `request`: nothing kept alive
        raise error.with_traceback(None)

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
            key = cache_key(call.url, params) if method == "GET" else ""
            return self._read_call(call, key, self._json).body
        except SourceError as caught:
            error = caught
        # Raised bare, with no chain and no frames below this one: nothing the call read
        # (a refused 16 MiB body, an error page) stays alive as long as the error does.
        error.__cause__ = error.__context__ = None
        raise error.with_traceback(None)

    def _get(
        self,
        path_or_url: str,
        params: Params | None,
        accept: str,
        decode: Callable[[bytes, str, str], T],
    ) -> Fetched[T]:
        """A GET decoded by *decode*; *accept* (when not JSON) also keys its cached answer."""
        try:
            headers = {"Accept": accept} if accept else None
            call = self._call(
                "GET",
                path_or_url=path_or_url,
                params=params,
                body=None,
                headers=headers,
                idempotency_key=None,
            )
            key = cache_key(call.url, params)
            return self._read_call(call, f"{accept}|{key}" if accept else key, decode)
        except SourceError as caught:
            error = caught
        error.__cause__ = error.__context__ = None  # as in `request`: nothing kept alive
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
        self._retries.refuse_while_rate_limited()
        sent = self._headers_for(url, headers, idempotency_key)
        retry_safe = method in _RETRY_SAFE_METHODS or "Idempotency-Key" in sent
        return Call(method, url, params, body, sent, retry_safe, what)

    def _read_call(
        self, call: Call, key: str, decode: Callable[[bytes, str, str], T]
    ) -> Fetched[T]:
        """A read, decoded; on 304 the validated answer kept under *key*, replayed."""
        cached = self._etags.get(key) if key else None
        if cached is not None:
            call = replace(call, headers={**call.headers, **cached.conditions()})
        answer = self._exchange(call)
        asked = with_query(call.url, call.params)
        if answer.status == 304:
            if cached is None:
                raise BadDataError(self.source, f"{call.what} answered 304 without having an ETag")
            body = decode(cached.body, cached.content_type, call.what)
            return Fetched(body, cached.headers_after(answer.headers), asked)
        if not 200 <= answer.status < 300:
            raise self._error_for(answer, call.what)
        headers = answer.headers
        content_type = headers.get("Content-Type", "")
        decoded = decode(answer.body, content_type, call.what)  # a refused body is not kept
        if key:
            modified = headers.get("Last-Modified", "")
            etag = headers.get("ETag", "")
            self._etags.remember(
                key, etag, answer.body, content_type, last_modified=modified, headers=headers
            )
        return Fetched(decoded, headers, asked)

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

    def _headers_for(
        self, url: str, extra: Mapping[str, str] | None, idempotency_key: str | None
    ) -> dict[str, str]:
        """Per-request headers: the token only for our own origin, the idempotency key."""
        sent = {
            name.title() if name.lower() == "idempotency-key" else name: value
            for name, value in (extra or {}).items()
        }
        if self._auth and self.same_origin(url):
            sent["Authorization"] = self._auth
        if idempotency_key:
            sent["Idempotency-Key"] = idempotency_key
        return sent

    def _json(self, body: bytes, content_type: str, what: str) -> object:
        """A JSON body parsed (None when empty); anything else a BadDataError."""
        return json_body(self.source, what, body, content_type)

    def _shown_url(self, url: str, *, with_query: bool = True) -> str:
        return shown_url(url, url_is_secret=self._url_is_secret, with_query=with_query)
