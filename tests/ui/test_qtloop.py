"""The Qt runtime: the scheduler's one wake-up timer, call_soon, and resume detection.

The scheduler tests run real APScheduler jobs on real Qt timers with waits of tens of
milliseconds; the upstream QtScheduler runs the same tests marked as a strict xfail, so
they show the bug it has under PySide6, and fail the day upstream fixes it (then our
subclass can go).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.qt import QtScheduler as UpstreamQtScheduler
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from traysupport.ui.qtloop import (
    MAX_TIMER_MS,
    QtCallSoon,
    QtScheduler,
    QuitOnSignals,
    ResumeWatch,
)

WAIT_MS = 5000
UPSTREAM_BUG = pytest.mark.xfail(
    reason="upstream QtScheduler cannot stop its QTimer.singleShot timers under PySide6",
    strict=True,
)
SCHEDULERS = [
    pytest.param(QtScheduler, id="ours"),
    pytest.param(UpstreamQtScheduler, id="upstream", marks=UPSTREAM_BUG),
]


class Counter:
    """Thread-safe count of calls, for jobs run on worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0
        self.threads: list[int] = []

    def __call__(self) -> None:
        with self._lock:
            self.value += 1
            self.threads.append(threading.get_ident())


def idle(qtbot: QtBot, ms: int) -> None:
    """Let the GUI loop run until a timer of *ms* fires (only where nothing must happen)."""
    sentinel = QTimer()
    sentinel.setSingleShot(True)
    with qtbot.waitSignal(sentinel.timeout, timeout=ms + WAIT_MS):
        sentinel.start(ms)


def counting_process_jobs(scheduler: Any) -> Counter:
    """Count the scheduler's wake-ups: every call of `_process_jobs`."""
    calls = Counter()
    original = scheduler._process_jobs

    def process_jobs() -> Any:
        calls()
        return original()

    scheduler._process_jobs = process_jobs
    return calls


@pytest.fixture
def make_scheduler(qtbot: QtBot) -> Iterator[Callable[[type[Any]], Any]]:
    made: list[Any] = []

    def make(kind: type[Any]) -> Any:
        scheduler = kind(timezone=UTC)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        scheduler.remove_all_jobs()
        if scheduler.running:
            scheduler.shutdown(wait=True)
    if made:
        idle(qtbot, 120)  # let the upstream's orphaned timers fire once more and die out


@pytest.mark.parametrize("kind", SCHEDULERS)
def test_a_wakeup_replaces_the_pending_one(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any], kind: type[Any]
) -> None:
    scheduler = make_scheduler(kind)
    wakeups = counting_process_jobs(scheduler)
    runs = Counter()
    scheduler.add_job(runs, "interval", seconds=0.05)
    scheduler.start()
    for _ in range(5):  # what five add_job() calls do
        scheduler.wakeup()
    qtbot.waitUntil(lambda: runs.value >= 6, timeout=WAIT_MS)
    scheduler.pause()
    # One wake-up per run, plus the start and the coalesced wake-ups; upstream has six
    # timer chains by now, each waking up at every run.
    assert wakeups.value <= runs.value + 3


@pytest.mark.parametrize("kind", SCHEDULERS)
def test_nothing_wakes_up_after_shutdown(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any], kind: type[Any]
) -> None:
    scheduler = make_scheduler(kind)
    wakeups = counting_process_jobs(scheduler)
    runs = Counter()
    scheduler.start()
    scheduler.add_job(runs, "date", run_date=datetime.now(UTC) + timedelta(milliseconds=80))
    idle(qtbot, 0)  # the wake-up of add_job, which arms the timer for the job
    before = wakeups.value
    scheduler.shutdown(wait=True)
    idle(qtbot, 200)  # well past the job's instant
    assert runs.value == 0
    assert wakeups.value == before


def test_jobs_run_on_worker_threads(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any]
) -> None:
    scheduler = make_scheduler(QtScheduler)
    runs = Counter()
    scheduler.start()
    scheduler.add_job(runs)
    qtbot.waitUntil(lambda: runs.value == 1, timeout=WAIT_MS)
    assert runs.threads[0] != threading.get_ident()


def test_a_job_added_from_a_worker_thread_runs(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any]
) -> None:
    """The service's worker threads may add jobs; the wake-up must reach the GUI loop."""
    scheduler = make_scheduler(QtScheduler)
    runs = Counter()
    scheduler.start()
    adder = threading.Thread(target=lambda: scheduler.add_job(runs))
    adder.start()
    adder.join()
    qtbot.waitUntil(lambda: runs.value == 1, timeout=WAIT_MS)


def test_the_timer_waits_for_the_next_job_and_stops_on_shutdown(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any]
) -> None:
    scheduler = make_scheduler(QtScheduler)
    scheduler.start()
    scheduler.add_job(print, "date", run_date=datetime.now(UTC) + timedelta(hours=1))
    qtbot.waitUntil(lambda: scheduler._wake.remaining_ms() > 3_000_000, timeout=WAIT_MS)
    assert scheduler._wake.remaining_ms() <= 3_600_000
    scheduler.shutdown(wait=True)
    assert not scheduler.wakeup_pending


def test_a_wait_longer_than_qt_allows_is_cut_to_the_limit(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any]
) -> None:
    scheduler = make_scheduler(QtScheduler)
    scheduler.start()
    scheduler.add_job(print, "date", run_date=datetime.now(UTC) + timedelta(days=60))
    qtbot.waitUntil(lambda: scheduler._wake.remaining_ms() > MAX_TIMER_MS - 60_000, timeout=WAIT_MS)
    assert scheduler.wakeup_pending


def test_a_removed_job_leaves_no_wakeup(
    qtbot: QtBot, make_scheduler: Callable[[type[Any]], Any]
) -> None:
    scheduler = make_scheduler(QtScheduler)
    scheduler.start()
    job = scheduler.add_job(print, "date", run_date=datetime.now(UTC) + timedelta(hours=1))
    qtbot.waitUntil(lambda: scheduler.wakeup_pending, timeout=WAIT_MS)
    job.remove()
    scheduler.wakeup()
    qtbot.waitUntil(lambda: not scheduler.wakeup_pending, timeout=WAIT_MS)


# -- call_soon --------------------------------------------------------------------------


@pytest.fixture
def call_soon(qtbot: QtBot) -> Iterator[QtCallSoon]:
    runner = QtCallSoon()
    yield runner
    runner.close()


def test_call_soon_runs_a_worker_threads_callback_on_the_gui_thread(
    qtbot: QtBot, call_soon: QtCallSoon
) -> None:
    ran = Counter()
    worker = threading.Thread(target=lambda: call_soon.call_soon(ran))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: ran.value == 1, timeout=WAIT_MS)
    assert ran.threads == [threading.get_ident()]


def test_call_soon_never_runs_inside_the_caller_and_keeps_the_order(
    qtbot: QtBot, call_soon: QtCallSoon
) -> None:
    order: list[int] = []
    for n in range(5):
        call_soon.call_soon(lambda n=n: order.append(n))  # type: ignore[misc]
    assert order == []
    qtbot.waitUntil(lambda: len(order) == 5, timeout=WAIT_MS)
    assert order == [0, 1, 2, 3, 4]


def test_a_failing_callback_is_logged_and_the_next_one_runs(
    qtbot: QtBot, call_soon: QtCallSoon, caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> None:
        raise ValueError("boom")

    ran = Counter()
    with caplog.at_level(logging.ERROR, logger="traysupport.ui.qtloop"):
        call_soon.call_soon(fail)
        call_soon.call_soon(ran)
        qtbot.waitUntil(lambda: ran.value == 1, timeout=WAIT_MS)
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is ValueError


def test_after_close_callbacks_are_dropped_even_those_queued(
    qtbot: QtBot, call_soon: QtCallSoon
) -> None:
    dropped, sentinel = Counter(), Counter()
    call_soon.call_soon(dropped)
    call_soon.close()
    call_soon.call_soon(dropped)
    other = QtCallSoon()
    other.call_soon(sentinel)  # queued after both: when it ran, they had their turn
    qtbot.waitUntil(lambda: sentinel.value == 1, timeout=WAIT_MS)
    other.close()
    assert dropped.value == 0


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
