"""Test connection, off the GUI thread: the window asks, a worker fetches, a signal answers.

A check talks to a server that may hang until its budget runs out, so it runs on a
daemon thread of its own (one per check; a hung one never holds the app at quit) and
its answer comes back to the GUI thread as a queued signal. The window stays live
meanwhile, and a window closed before the answer simply never hears it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """What a check found: its summary ("12 open tickets, you are Sam Rivera") when it
    worked, else the problem and what to do. Never a token."""

    ok: bool
    summary: str = ""
    error: str = ""
    fix: str = ""

    @property
    def text(self) -> str:
        """The answer in one or two lines for the window."""
        if self.ok:
            return f"Connected: {self.summary}"
        return "\n".join(filter(None, (self.error or "The check failed.", self.fix)))


def answer_of(result: object) -> CheckAnswer:
    """A `source_check.CheckResult` (or anything with its fields) as a `CheckAnswer`."""
    return CheckAnswer(
        bool(getattr(result, "ok", False)),
        str(getattr(result, "summary", "")),
        str(getattr(result, "error", "")),
        str(getattr(result, "fix", "")),
    )


class ConnectionChecks(QObject):
    """Runs checks on worker threads; `answered(key, CheckAnswer)` on the GUI thread."""

    answered = Signal(str, object)
    _done = Signal(str, object)  # emitted by the worker; queued to the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: dict[str, threading.Thread] = {}
        self._done.connect(self._finish)

    def running(self, key: str) -> bool:
        """True while the check of *key* has not answered."""
        return key in self._threads

    def start(self, key: str, check: Callable[[], object]) -> bool:
        """Run *check* (returns a CheckResult) for *key* on a worker; False if one runs."""
        if key in self._threads:
            return False
        thread = threading.Thread(
            target=self._run, args=(key, check), name=f"settings-check-{key}", daemon=True
        )
        self._threads[key] = thread
        thread.start()
        return True

    def _run(self, key: str, check: Callable[[], object]) -> None:
        try:
            answer = answer_of(check())
        except Exception:  # a check must answer; the user gets words, the log the trace
            log.exception("the connection check of %s failed", key)
            answer = CheckAnswer(
                False, error="The check itself failed.", fix="See the log file for details."
            )
        try:
            self._done.emit(key, answer)
        except RuntimeError:  # the window was closed and deleted: nobody waits for it
            log.info("the connection check of %s ended after its window closed", key)

    def _finish(self, key: str, answer: object) -> None:
        thread = self._threads.pop(key, None)
        if thread is not None:
            thread.join(1.0)  # it has emitted: only its return is left
        self.answered.emit(key, answer)

    def wait(self, seconds: float) -> bool:
        """Join every running check (tests, shutdown); True when none is left."""
        for thread in list(self._threads.values()):
            thread.join(seconds)
        return not any(t.is_alive() for t in self._threads.values())
