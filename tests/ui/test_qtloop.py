"""What the app watches on the Qt loop: sleep and clock jumps, and quit signals."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from traysupport.ui.qtloop import QuitOnSignals, ResumeWatch

WAIT_MS = 5000


class Counter:
    """Thread-safe count of calls, with the threads they came on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0
        self.threads: list[int] = []

    def __call__(self) -> None:
        with self._lock:
            self.value += 1
            self.threads.append(threading.get_ident())


# -- resume detection -------------------------------------------------------------------


class Clocks:
    """A wall clock and a monotonic clock that a test moves by hand."""

    def __init__(self) -> None:
        self.wall_now = 1_800_000_000.0
        self.mono_now = 5_000.0

    def wall(self) -> float:
        return self.wall_now

    def monotonic(self) -> float:
        return self.mono_now

    def run(self, seconds: float) -> None:
        """Time passes while awake: both clocks move."""
        self.wall_now += seconds
        self.mono_now += seconds

    def sleep(self, seconds: float) -> None:
        """The laptop is suspended: the monotonic clock stands still."""
        self.wall_now += seconds


@pytest.fixture
def watch(qtbot: QtBot) -> Iterator[tuple[ResumeWatch, Clocks, list[float]]]:
    clocks = Clocks()
    resume = ResumeWatch(wall=clocks.wall, monotonic=clocks.monotonic)
    jumps: list[float] = []
    resume.resumed.connect(jumps.append)
    resume.start()
    yield resume, clocks, jumps
    resume.stop()


def test_a_check_while_awake_reports_nothing(
    watch: tuple[ResumeWatch, Clocks, list[float]],
) -> None:
    resume, clocks, jumps = watch
    for _ in range(10):
        clocks.run(30)
        resume.check()
    clocks.run(30)
    clocks.sleep(59)  # under the threshold: drift, or a short suspend that matters little
    resume.check()
    assert jumps == []


def test_a_sleep_is_reported_once_with_its_length(
    watch: tuple[ResumeWatch, Clocks, list[float]],
) -> None:
    resume, clocks, jumps = watch
    clocks.run(10)
    clocks.sleep(2 * 3600)
    clocks.run(20)
    resume.check()
    resume.check()
    assert jumps == [pytest.approx(7200)]


def test_a_clock_set_back_is_reported(watch: tuple[ResumeWatch, Clocks, list[float]]) -> None:
    resume, clocks, jumps = watch
    clocks.wall_now -= 3600
    resume.check()
    assert jumps == [pytest.approx(-3600)]


def test_the_watch_checks_every_30_seconds_on_its_timer(
    qtbot: QtBot, watch: tuple[ResumeWatch, Clocks, list[float]]
) -> None:
    resume, clocks, _jumps = watch
    assert resume.timer.isActive()
    assert resume.timer.interval() == 30_000
    resume.timer.setInterval(1)  # the wiring, without waiting half a minute
    clocks.sleep(600)
    with qtbot.waitSignal(resume.resumed, timeout=WAIT_MS) as blocker:
        pass
    assert blocker.args == [pytest.approx(600)]
    resume.stop()
    assert not resume.timer.isActive()


# -- signals ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_becomes_a_call_on_the_gui_loop(qtbot: QtBot, number: signal.Signals) -> None:
    before = signal.getsignal(number)
    asked = Counter()
    watcher = QuitOnSignals(asked)
    try:
        os.kill(os.getpid(), number)
        qtbot.waitUntil(lambda: asked.value == 1, timeout=WAIT_MS)
        assert asked.threads == [threading.get_ident()]
    finally:
        watcher.close()
    assert signal.getsignal(number) is before
