"""A total deadline for each request attempt, enforced on its socket, and abort from any thread.

requests' timeouts bound each socket read, not an answer: a server sending one byte a
second never trips them, and a request blocked in a read cannot be cancelled from
another thread. So each attempt is an `Attempt` with a deadline, registered with one
watchdog thread; the connection classes in `traysupport.sources.transport` tell the
current thread's attempt which socket it is using. When the deadline passes, or the
client's `Guard` is aborted (the app quits), the socket is shut down and the blocked
read returns at once. The client then asks the attempt why (`cut_reason`) and turns
that into an error: whatever bytes arrived after a cut are never used.

The watchdog thread runs only while attempts are in flight, and ends when none are.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from enum import StrEnum


class Cut(StrEnum):
    """Why an attempt's socket was shut down."""

    DEADLINE = "deadline"
    STOPPED = "stopped"


class Attempt:
    """One request attempt in flight: its deadline, its socket, and whether it was cut."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        """On the `time.monotonic()` clock."""
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._cut: Cut | None = None

    @property
    def cut_reason(self) -> Cut | None:
        """Why the socket was shut down, or None while the attempt runs its course."""
        with self._lock:
            return self._cut

    def attach(self, sock: object) -> None:
        """Use *sock* from now on; shut it at once if the attempt is already cut."""
        if not isinstance(sock, socket.socket):
            return  # TLS inside a TLS proxy: no socket to shut, the per-read timeout applies
        with self._lock:
            if all(sock is not known for known in self._sockets):
                self._sockets.append(sock)
            cut = self._cut is not None
        if cut:
            _shut(sock)

    def cut(self, reason: Cut) -> None:
        """Shut the attempt's sockets down: a read blocked on them returns now."""
        with self._lock:
            if self._cut is None:
                self._cut = reason
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for an SSLSocket: its own shutdown() would drop
    # the TLS object under a reader still using it. Closing is left to the owner.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """Cuts attempts whose deadline has passed; its thread lives while attempts do."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._attempts: set[Attempt] = set()
        self._thread: threading.Thread | None = None

    def add(self, attempt: Attempt) -> None:
        with self._wake:
            self._attempts.add(attempt)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="traysupport-http-deadline", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def remove(self, attempt: Attempt) -> None:
        with self._wake:
            self._attempts.discard(attempt)
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._attempts:
                    self._thread = None
                    return
                now = time.monotonic()
                due = [a for a in self._attempts if a.deadline <= now]
                self._attempts.difference_update(due)
                if not due:
                    self._wake.wait(min(a.deadline for a in self._attempts) - now)
                    continue
            for attempt in due:
                attempt.cut(Cut.DEADLINE)


_WATCHDOG = _Watchdog()
_current = threading.local()


class Guard:
    """One client's attempts in flight; `abort()` cuts them all and refuses new ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: set[Attempt] = set()
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        """True once `abort()` was called; it stays so."""
        return self._stopped.is_set()

    @contextlib.contextmanager
    def attempt(self, seconds: float) -> Iterator[Attempt]:
        """An attempt that must end within *seconds*, current on this thread meanwhile."""
        attempt = Attempt(time.monotonic() + max(seconds, 0.0))
        with self._lock:
            self._attempts.add(attempt)
            if self._stopped.is_set():
                attempt.cut(Cut.STOPPED)  # its socket is shut the moment it has one
        _WATCHDOG.add(attempt)
        outer = getattr(_current, "attempt", None)
        _current.attempt = attempt
        try:
            yield attempt
        finally:
            _current.attempt = outer
            _WATCHDOG.remove(attempt)
            with self._lock:
                self._attempts.discard(attempt)

    def abort(self) -> None:
        """Cut every attempt in flight on any thread, wake `wait`, refuse later attempts."""
        with self._lock:
            self._stopped.set()
            attempts = list(self._attempts)
        for attempt in attempts:
            attempt.cut(Cut.STOPPED)

    def wait(self, seconds: float) -> bool:
        """Sleep up to *seconds*, waking early on `abort()`; True when aborted."""
        return self._stopped.wait(max(seconds, 0.0))


def attach_current(sock: object) -> None:
    """Tell this thread's current attempt (if any) that it now uses *sock*."""
    attempt: Attempt | None = getattr(_current, "attempt", None)
    if attempt is not None and sock is not None:
        attempt.attach(sock)
