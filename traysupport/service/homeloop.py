"""`HomeLoop`: the home thread's queue of callbacks, when no GUI loop provides one."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import timedelta

from traysupport.service.model import utc_now

log = logging.getLogger(__name__)


class HomeLoop:
    """Runs callbacks in order on one thread: the headless stand-in for the GUI loop."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Queue *callback* to run on the loop's thread (thread-safe)."""
        self._queue.put(callback)

    def run(self, until: threading.Event | None = None, timeout: float | None = None) -> None:
        """Run callbacks on the calling thread until `stop()`, *until* is set, or *timeout*."""
        deadline = None if timeout is None else utc_now() + timedelta(seconds=timeout)
        while until is None or not until.is_set():
            wait = 0.1 if deadline is None else (deadline - utc_now()).total_seconds()
            if wait <= 0:
                return
            try:
                callback = self._queue.get(timeout=min(wait, 0.1))
            except queue.Empty:
                continue
            if callback is None:
                return
            try:
                callback()
            except Exception:  # one bad callback must not stop the app
                log.exception("callback failed")

    def stop(self) -> None:
        """Make `run()` return after the callbacks queued so far."""
        self._queue.put(None)
