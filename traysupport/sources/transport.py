"""The requests session the HTTP client uses, and what its failures below HTTP mean.

Sockets the deadline watchdog can see:
urllib3 opens and reuses connections deep inside requests. These connection classes
report the socket they use to the current thread's `deadline.Attempt` — when a socket
is made (before TLS, so a stalled handshake can be cut too), once connected (the TLS
socket replaces the plain one), and each time a pooled connection is reused — and the
adapter makes urllib3's pools (direct and through an HTTP proxy) use them. A SOCKS
proxy keeps its own classes; there the per-read timeout is the only bound.

`transport_failure` names what went wrong below HTTP (refused, unresolved, timed out,
TLS...) and whether retrying can help.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import NameResolutionError, NewConnectionError, ReadTimeoutError

from traysupport.sources.base import BadDataError, SourceError, UnavailableError
from traysupport.sources.deadline import attach_current


class RedirectRefusedError(Exception):
    """A redirect pointed at something other than http(s); the scheme is its argument."""


class _WatchedHTTPConnection(HTTPConnection):
    """A connection that tells the current attempt which socket it uses (for its deadline)."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        attach_current(sock)
        return sock

    def connect(self) -> None:
        super().connect()
        attach_current(self.sock)  # after TLS, the wrapped socket

    def request(self, *args: Any, **kwargs: Any) -> None:
        attach_current(self.sock)  # a pooled connection, reused by this attempt
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    """The same for https: the watching comes first in the method order."""


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _watch(manager: PoolManager) -> None:
    """Make *manager* build watched pools, unless it has its own (SOCKS)."""
    classes = manager.pool_classes_by_scheme
    if classes.get("http") is HTTPConnectionPool and classes.get("https") is HTTPSConnectionPool:
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """An adapter whose pools report their sockets to the deadline watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watch(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, PoolManager):
            _watch(manager)
        return manager


class Session(requests.Session):
    """A session with watched sockets that refuses redirects to non-http(s) schemes."""

    def __init__(self) -> None:
        super().__init__()
        self.mount("http://", _WatchedAdapter())
        self.mount("https://", _WatchedAdapter())

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """The redirect target, refusing ``file:``, ``javascript:`` and the like."""
        target = super().get_redirect_target(resp)
        if target is not None:
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ("", "http", "https"):
                resp.close()  # requests has not consumed it yet; it would leak the socket
                raise RedirectRefusedError(scheme)
        return target


class AttemptError(Exception):
    """An attempt failed below HTTP; `never_sent` when the server cannot have seen it.

    Never raised out of the client: its `error` is. It holds no traceback once caught.
    """

    def __init__(
        self, error: SourceError, *, retryable: bool, never_sent: bool, once: bool = False
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.never_sent = never_sent
        self.once = once
        """Worth one more attempt, not more: the server is down or the name unknown now,
        and the poll and the outbox come back on their own schedules."""


def fatal(error: SourceError) -> AttemptError:
    """A failure retrying cannot mend."""
    return AttemptError(error, retryable=False, never_sent=False)


def retryable(source: str, problem: str, *, never_sent: bool, once: bool = False) -> AttemptError:
    """A failure another attempt may get past (with *once*, one attempt at most)."""
    error = UnavailableError(source, problem)
    return AttemptError(error, retryable=True, never_sent=never_sent, once=once)


def transport_failure(
    source: str, error: requests.RequestException, url: str, *, connect: float, read: float
) -> AttemptError:
    """Name what went wrong below HTTP, and whether retrying can help.

    *connect* and *read* are the timeouts the attempt used, for the message.
    """
    where = urlsplit(url).netloc.rpartition("@")[2] or "the server"
    causes = _causes(error)
    if isinstance(error, requests.exceptions.SSLError):
        problem = f"the secure connection to {where} failed (certificate or TLS problem)"
        hint = "Check the URL; behind a company proxy, set REQUESTS_CA_BUNDLE to its CA."
        return fatal(UnavailableError(source, problem, hint))
    if isinstance(error, requests.exceptions.ConnectTimeout):
        problem = f"no connection to {where} within {connect:g} s"
        return retryable(source, problem, never_sent=True)
    if isinstance(error, requests.exceptions.ReadTimeout) or _has(causes, ReadTimeoutError):
        problem = f"{where} did not answer within {read:g} s"
        return retryable(source, problem, never_sent=False)
    if isinstance(error, requests.exceptions.ConnectionError):
        # Refused or unresolved: the request never left, so even a POST may be retried.
        never_sent = _has(causes, NewConnectionError)
        if _has(causes, NameResolutionError):
            problem = f"cannot find the host {where} (check the URL, your network or VPN)"
            return retryable(source, problem, never_sent=never_sent, once=True)
        if _has(causes, ConnectionRefusedError):
            # A server restarting refuses for a moment; one down refuses every time, and
            # three backed-off retries would only hold up a status for seconds.
            problem = f"{where} refused the connection (is the server up, the port right?)"
            return retryable(source, problem, never_sent=never_sent, once=True)
        problem = f"the connection to {where} {'failed' if never_sent else 'broke off'}"
        return retryable(source, problem, never_sent=never_sent)
    if isinstance(error, requests.exceptions.TooManyRedirects):
        return fatal(BadDataError(source, "the server redirects in a loop"))
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
        return fatal(SourceError(source, problem, "Check the URL in Settings."))
    problem = f"the exchange with {where} broke off ({type(error).__name__})"
    return retryable(source, problem, never_sent=False)


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


def _has(causes: list[BaseException], kind: type[BaseException]) -> bool:
    return any(isinstance(cause, kind) for cause in causes)
