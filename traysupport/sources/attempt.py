"""One HTTP attempt: a request and its bounded body, within a deadline, on this thread's session.

`Attempts` is the part of the client that touches sockets. Each thread gets its own
`requests.Session`, as requests' maintainers advise. Every attempt runs under a
`deadline.Guard` attempt, so it ends by its deadline however slowly bytes arrive, and
`abort()` ends the attempts of every thread at once. An attempt never raises: it
returns the `Answer` or the `AttemptError` saying why it failed, stripped of its
traceback, so nothing it read (a refused body) outlives it.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from traysupport.sources.base import BadDataError, SourceError, StoppedError
from traysupport.sources.deadline import Cut, Guard
from traysupport.sources.limits import HttpLimits
from traysupport.sources.parse import clean_text
from traysupport.sources.transport import (
    AttemptError,
    RedirectRefusedError,
    Session,
    fatal,
    retryable,
    transport_failure,
)
from traysupport.sources.urls import Params, host_of

log = logging.getLogger(__name__)

ERROR_BODY_BYTES = 64 * 1024
"""Enough for any JSON error; an error page is not read past this."""
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Call:
    """One request as it is sent on every attempt."""

    method: str
    url: str
    params: Params | None
    body: object
    headers: Mapping[str, str]
    retry_safe: bool
    what: str
    """How messages name it: method and URL, without query or secrets."""
    search: bool = False
    """A read sent by POST (a search): redirected and answered like a GET."""

    @property
    def writing(self) -> bool:
        """A write: confirmed by its answer, never redirected."""
        return self.method not in _READ_METHODS and not self.search


@dataclass(frozen=True, slots=True)
class Answer:
    """A complete HTTP answer (its body bounded)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Attempts:
    """Single attempts for one client's calls, on any of its threads."""

    def __init__(
        self,
        source: str,
        limits: HttpLimits,
        headers: Mapping[str, str],
        shown_url: Callable[[str], str],
    ) -> None:
        self.source = source
        self.limits = limits
        self._headers = dict(headers)
        self._shown_url = shown_url
        self._guard = Guard()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: list[Session] = []
        # Dropped without close(), its sockets are still closed (no ResourceWarning).
        weakref.finalize(self, _close_all, self._sessions)

    @property
    def stopped(self) -> bool:
        """True once `abort()` was called."""
        return self._guard.stopped

    def abort(self) -> None:
        """Cut every attempt in flight, wake every `wait`, refuse later attempts."""
        self._guard.abort()

    def close(self) -> None:
        """`abort()`, then close the pooled connections of every thread."""
        self._guard.abort()
        _close_all(self._sessions)

    def wait(self, seconds: float) -> bool:
        """Sleep up to *seconds*, waking early on `abort()`; True when aborted."""
        return self._guard.wait(seconds)

    def session(self) -> Session:
        """This thread's session: requests does not promise a shared one is thread-safe."""
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            session = Session()
            session.headers.update(self._headers)
            with self._lock:
                self._sessions.append(session)
            self._local.session = session
        return session

    def run(self, call: Call, seconds: float) -> Answer | AttemptError:
        """One attempt that ends within *seconds*: its answer, or why it failed."""
        outcome: Answer | AttemptError
        with self._guard.attempt(seconds) as attempt:
            try:
                outcome = self._send(call, seconds)
            except AttemptError as failure:
                # Without its traceback and chain, nothing the attempt read stays alive.
                failure.__context__ = failure.__cause__ = None
                outcome = failure.with_traceback(None)
            cut = attempt.cut_reason
        if cut is Cut.STOPPED:
            problem = f"{call.what} was stopped before its answer arrived"
            return fatal(StoppedError(self.source, problem))
        if cut is Cut.DEADLINE:
            # Whatever arrived before the cut is incomplete, even if it parses.
            took = f"{round(seconds, 1):g}"
            problem = f"{host_of(call.url)} did not send its whole answer within {took} s"
            return retryable(self.source, problem, never_sent=False)
        return outcome

    def _send(self, call: Call, seconds: float) -> Answer:
        """The request and its body; AttemptError when it fails below HTTP."""
        started = time.monotonic()
        connect = min(self.limits.connect_timeout, seconds)
        read = min(self.limits.read_timeout, seconds)
        extra: dict[str, Any] = {} if call.body is None else {"json": call.body}
        try:
            response = self.session().request(
                call.method,
                call.url,
                params=call.params,
                headers=call.headers,
                timeout=(connect, read),
                stream=True,
                allow_redirects=not call.writing,
                **extra,
            )
        except RedirectRefusedError as refused:
            scheme = clean_text(str(refused), 20)
            problem = f"the server redirected to a {scheme}: address, which traysupport refuses"
            raise fatal(BadDataError(self.source, problem)) from None
        except requests.RequestException as error:
            raise transport_failure(
                self.source, error, call.url, connect=connect, read=read
            ) from None
        except UnicodeError:
            # http.client refuses header values that are not Latin-1.
            problem = "a request header could not be sent (it is not plain text)"
            raise fatal(SourceError(self.source, problem)) from None
        status = response.status_code
        ok = 200 <= status < 300
        limit = self.limits.max_response_bytes if ok else ERROR_BODY_BYTES
        content = self._read(response, limit, strict=ok, connect=connect, read=read)
        elapsed_ms = (time.monotonic() - started) * 1000
        shown = self._shown_url(response.url or call.url)
        log.debug("%s %s -> %d in %.0f ms", call.method, shown, status, elapsed_ms)
        return Answer(status, response.headers, content)

    def _read(
        self, response: requests.Response, limit: int, *, strict: bool, connect: float, read: float
    ) -> bytes:
        """The body, streamed; past *limit* a BadDataError (strict) or a cut (error pages)."""
        declared = response.headers.get("Content-Length", "")
        if strict and declared.isdigit() and int(declared) > limit:
            response.close()
            raise fatal(self._too_big(limit))
        chunks: list[bytes] = []
        size = 0
        refused = False
        failure: AttemptError | None = None
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > limit:
                    refused = strict
                    break
                chunks.append(chunk)
        except requests.exceptions.ContentDecodingError:
            failure = fatal(BadDataError(self.source, "the answer's encoding is broken"))
        except requests.RequestException as error:
            url = response.url
            failure = transport_failure(self.source, error, url, connect=connect, read=read)
        finally:
            response.close()
        if refused or failure is not None:
            # Drop the body first: this frame lives as long as a traceback through it.
            chunks.clear()
            raise failure or fatal(self._too_big(limit))
        return b"".join(chunks)

    def _too_big(self, limit: int) -> BadDataError:
        return BadDataError(self.source, f"answer larger than {limit // 1024} KiB; refused")


def _close_all(sessions: list[Session]) -> None:
    for session in list(sessions):
        session.close()
