"""One process per home shows notifications; one-shot commands never consume alerts.

The lock is real (a file in a temporary runtime folder, locked by the OS), and so are
the processes in the end-to-end test: a demo server and two `traysupport watch` on one
home, of which exactly one prints the alerts.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import environment
from traysupport.ownership import NotificationsLock

DEADLINE = 30.0
ALERT_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (LOW|NORMAL|CRITICAL) ", re.MULTILINE)


def test_only_one_holder_at_a_time_and_release_hands_it_on(tmp_path: Path) -> None:
    path = tmp_path / "run" / "notifications.lock"
    first, second = NotificationsLock(path), NotificationsLock(path)

    assert first.try_hold()
    assert first.try_hold(), "asking again while holding it must still say yes"
    assert not second.try_hold()
    assert second.holder() == os.getpid()

    first.release()
    assert not first.held
    assert second.try_hold()
    second.release()


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "notifications.lock"
    script = (
        "import sys, time\n"
        "from traysupport.ownership import NotificationsLock\n"
        f"lock = NotificationsLock(__import__('pathlib').Path({str(path)!r}))\n"
        "assert lock.try_hold()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not NotificationsLock(path).try_hold()
    finally:
        holder.kill()
        holder.communicate(timeout=10)
    mine = NotificationsLock(path)
    assert mine.try_hold(), "a process killed with -9 kept the lock"
    mine.release()


# --- two `watch` on one home ----------------------------------------------------------------


class Process:
    """A CLI process whose output is collected line by line as it comes."""

    def __init__(self, home: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "traysupport", *args],
            env=environment(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self) -> str:
        return "".join(self.out)

    def wait_for(self, pattern: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while re.search(pattern, self.text(), re.MULTILINE) is None:
            assert self.proc.poll() is None, f"it ended: {self.text()}"
            assert time.monotonic() < deadline, f"no {pattern!r} in {self.text()!r}"
            time.sleep(0.05)

    def stop(self) -> str:
        """SIGTERM, then the process's stderr; it must end cleanly."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=DEADLINE)
        self._reader.join(timeout=5)
        assert "Traceback" not in err, err
        return err


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.communicate(timeout=10)


def test_two_watch_processes_on_one_home_notify_once(
    tmp_path: Path, processes: list[Process]
) -> None:
    server = Process(tmp_path, "demo-server", "--port", "0", "--speed", "20")
    processes.append(server)
    server.wait_for(r"Demo team API at ")
    first = Process(tmp_path, "watch", "--demo")
    processes.append(first)
    first.wait_for(r"watching the demo team")
    second = Process(tmp_path, "watch", "--demo")
    processes.append(second)
    second.wait_for(r"Another traysupport process \(pid \d+\) shows this home's notifications")

    # At speed 20 the demo's duty alerts and first tickets come within seconds.
    first.wait_for(ALERT_LINE.pattern)
    first.wait_for(r"DEMO-1003")

    assert first.stop() == ""
    assert ALERT_LINE.search(second.text()) is None, second.text()
    second.stop()
    server.stop()


# --- the service: alerts only while it owns them ----------------------------------------------


def test_a_service_that_does_not_own_notifications_fires_and_records_nothing(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime, timedelta

    from apscheduler.schedulers.background import BackgroundScheduler

    from tests.clock import FakeClock
    from tests.test_service import QUIET_POLLS, Heard, built, free_port, team_source
    from traysupport.core.alerts import AlertSettings
    from traysupport.demo import DemoServer
    from traysupport.demo.script import YOUR_SHIFT_AT
    from traysupport.service import HomeLoop, SupportService
    from traysupport.store import Store

    start = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)
    clock = FakeClock(start + timedelta(seconds=YOUR_SHIFT_AT + 1))
    demo = DemoServer(free_port(), clock=clock, start=start)
    demo.start()
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start()
    owner = {"now": False}
    source = team_source("demo", demo.url)
    try:
        with Store(tmp_path / "traysupport.sqlite3") as store:
            heard = Heard()
            service = SupportService(
                sources=[built(source)],
                store=store,
                scheduler=scheduler,
                call_soon=HomeLoop().call_soon,
                listener=heard,
                settings=AlertSettings(),
                poll=QUIET_POLLS,
                clock=clock,
                owns_alerts=lambda: owner["now"],
            )

            state = service.poll_once()
            assert state.snapshot.tickets, "nothing to alert about: the test proves nothing"
            assert heard.alerts == []
            assert store.fired_keys() == set(), "a process that showed nothing consumed alerts"

            # The owner quit; this process takes over and shows what is due.
            owner["now"] = True
            service.poll_once()
            fired = {a.kind for a in heard.alerts}
            assert fired, "the new owner showed nothing that was due"
            assert store.fired_keys() >= {a.key for a in heard.alerts}
    finally:
        scheduler.shutdown(wait=True)
        source.close()
        demo.stop()
