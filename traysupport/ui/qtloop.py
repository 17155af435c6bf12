"""What the app watches on the Qt event loop: sleep and clock jumps, and quit signals.

The service does not run here: it has a home thread of its own (`traysupport.home`).

- `ResumeWatch` notices that the laptop slept (or the clock was set): Qt's timers count
  monotonic time, which stops during suspend, so what was planned on the wall clock must
  be looked at again after a jump.
- `QuitOnSignals` turns SIGINT and SIGTERM (Ctrl-C, logout) into a clean quit: while Qt's
  loop runs in C++, Python's own signal handlers would only run at the next Python call.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal, Slot

log = logging.getLogger(__name__)

RESUME_CHECK_MS = 30_000
RESUME_JUMP_SECONDS = 60.0


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
