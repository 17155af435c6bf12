"""The app's runtime on the Qt event loop: the scheduler, `call_soon`, and resume detection.

- `QtScheduler` is APScheduler's Qt scheduler with one timer it really controls. Upstream
  arms its wake-ups with ``QTimer.singleShot(ms, callback)``, which returns None under
  PySide6 (and PyQt), so it can never stop them: every wake-up (each ``add_job``) starts
  another chain of timers that re-arms itself forever, and they go on firing after
  ``shutdown()``. Jobs still run on the scheduler's thread-pool executor, off the GUI.
- `QtCallSoon` hands a callback from any thread to the GUI thread (the service's
  `call_soon`), by a queued signal.
- `ResumeWatch` notices that the laptop slept (or the clock was set): Qt's timers count
  monotonic time, which stops during suspend, so what was planned on the wall clock must
  be looked at again after a jump.
- `QuitOnSignals` turns SIGINT and SIGTERM (Ctrl-C, logout) into a clean quit: while Qt's
  loop runs in C++, Python's own signal handlers would only run at the next Python call.
"""

from __future__ import annotations

import logging
import math
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.qt import QtScheduler as UpstreamQtScheduler
from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)

MAX_TIMER_MS = 2**31 - 1
"""QTimer takes a signed 32-bit interval (about 24.8 days); a longer wait is cut to it."""
RESUME_CHECK_MS = 30_000
RESUME_JUMP_SECONDS = 60.0


def _to_gui_thread(obj: QObject) -> None:
    """Make *obj* live on the application's thread, so its timer runs on the GUI loop."""
    app = QCoreApplication.instance()
    if app is not None and obj.thread() is not app.thread():
        obj.moveToThread(app.thread())


class _WakeTimer(QObject):
    """The scheduler's one timer, always driven on the GUI thread.

    `rearm` may be emitted from any thread (APScheduler calls `wakeup()` from whichever
    thread adds or changes a job); Qt queues it to this object's thread when needed.
    """

    rearm = Signal(object)
    """Seconds until the next wake-up as a float, or None to stop the timer."""

    def __init__(self, scheduler: QtScheduler) -> None:
        super().__init__()
        self._scheduler = scheduler
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # A coarse timer may be 5 % late: three minutes on an hour-long wait for an SLA.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fire)
        self.rearm.connect(self._rearm)
        _to_gui_thread(self)

    @property
    def pending(self) -> bool:
        """True while a wake-up is armed."""
        return self._timer.isActive()

    def remaining_ms(self) -> int:
        """Milliseconds until the armed wake-up, or -1 when none is."""
        return self._timer.remainingTime()

    @Slot(object)
    def _rearm(self, wait_seconds: float | None) -> None:
        # A wake-up queued from a worker thread may arrive after shutdown: drop it then.
        if wait_seconds is None or self._scheduler.state == STATE_STOPPED:
            self._timer.stop()
            return
        # Rounded up: a wake-up a millisecond early finds nothing due and spins once more.
        self._timer.start(min(max(math.ceil(wait_seconds * 1000), 0), MAX_TIMER_MS))

    @Slot()
    def _fire(self) -> None:
        if self._scheduler.state != STATE_STOPPED:
            self._scheduler._process_jobs()


class QtScheduler(UpstreamQtScheduler):  # type: ignore[misc]
    """APScheduler on the Qt loop that cancels its pending wake-up when it re-arms or stops.

    Create it on the GUI thread, after the QApplication. Jobs run on the default
    thread-pool executor, so a slow fetch never blocks the GUI.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._wake = _WakeTimer(self)
        super().__init__(*args, **kwargs)

    @property
    def wakeup_pending(self) -> bool:
        """True while a wake-up is armed (for tests and diagnostics)."""
        return self._wake.pending

    def _start_timer(self, wait_seconds: float | None) -> None:
        # One timer, restarted: arming again replaces the previous wake-up.
        self._wake.rearm.emit(wait_seconds)

    def _stop_timer(self) -> None:
        self._wake.rearm.emit(None)

    def wakeup(self) -> None:
        """Process due jobs as soon as the GUI loop gets to it."""
        self._start_timer(0)


class QtCallSoon(QObject):
    """Runs callbacks on the GUI thread; `call_soon` may be called from any thread.

    A callback that raises is logged and the app goes on. After `close()` callbacks are
    dropped: they would touch a service whose store is already closed.
    """

    _queued = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        # Queued even from the GUI thread: "soon" must never mean "inside the caller".
        self._queued.connect(self._run, Qt.ConnectionType.QueuedConnection)
        if parent is None:
            _to_gui_thread(self)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Queue *callback* to run on the GUI thread (thread-safe)."""
        if self._closed:
            return
        try:
            self._queued.emit(callback)
        except RuntimeError:  # the QObject is gone: the app is quitting
            log.debug("call_soon after the GUI loop went away; dropped")

    def close(self) -> None:
        """Drop every callback from now on, including those already queued."""
        self._closed = True

    @Slot(object)
    def _run(self, callback: Callable[[], None]) -> None:
        if self._closed:
            return
        try:
            callback()
        except Exception:  # one bad callback must not take the app down
            log.exception("a callback on the GUI thread failed")


class ResumeWatch(QObject):
    """Emits `resumed` when the wall clock jumps against the monotonic one.

    Checked every 30 s: on Linux and macOS the monotonic clock stands still while the
    laptop sleeps, so the wall clock runs ahead by the time asleep. A jump back (the
    clock was set) is reported too: wake-ups planned on the wall clock are wrong then.
    """

    resumed = Signal(float)
    """The jump in seconds: > 0 after sleep (or the clock set forward), < 0 when set back."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = RESUME_CHECK_MS,
        threshold: float = RESUME_JUMP_SECONDS,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._threshold = threshold
        self._wall, self._monotonic = wall, monotonic
        self._offset = wall() - monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    @property
    def timer(self) -> QTimer:
        """The timer that drives `check` (started by `start`)."""
        return self._timer

    def start(self) -> None:
        """Check on the interval from now on."""
        self._offset = self._wall() - self._monotonic()
        self._timer.start()

    def stop(self) -> None:
        """Stop checking."""
        self._timer.stop()

    @Slot()
    def check(self) -> None:
        """Compare the clocks once; emit `resumed` when they moved apart past the threshold."""
        offset = self._wall() - self._monotonic()
        jump = offset - self._offset
        self._offset = offset
        if abs(jump) > self._threshold:
            log.info("the wall clock jumped %+.0f s (sleep or a clock change)", jump)
            self.resumed.emit(jump)


class QuitOnSignals(QObject):
    """Calls *on_signal* on the GUI loop when the process gets SIGINT or SIGTERM.

    Python writes each signal's number to a wake-up socket, which a QSocketNotifier
    watches; the Python handlers themselves do nothing (they only replace the defaults,
    which would kill the process, or raise KeyboardInterrupt somewhere inside a slot).
    Install it on the main thread; `close()` puts the previous handlers back.
    """

    def __init__(
        self,
        on_signal: Callable[[], None],
        parent: QObject | None = None,
        signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM),
    ) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._signals = {int(s) for s in signals}
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {s: signal.signal(s, _ignore_signal) for s in signals}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._closed = False

    @Slot()
    def _drain(self) -> None:
        try:
            received = self._reader.recv(64)
        except BlockingIOError:
            return
        if self._signals.intersection(received):
            log.info("asked to quit by a signal")
            self._on_signal()

    def close(self) -> None:
        """Restore the previous handlers and stop watching."""
        if self._closed:
            return
        self._closed = True
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._reader.close()
        self._writer.close()


def _ignore_signal(_number: int, _frame: object) -> None:
    """The Python-side handler: the wake-up socket does the work."""
