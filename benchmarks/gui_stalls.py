"""How long the GUI thread stalls while the tray app polls a changing 10,000-ticket queue.

Run: .venv/bin/python benchmarks/gui_stalls.py [--tickets 10000] [--polls 20] [--page 100]

A real team-API server runs in a process of its own on 127.0.0.1 (`docs/team-api.md`:
me, people, shifts, paged tickets) with a queue of `--tickets` tickets, one of which
changes on every poll, so every poll is a change the service saves, evaluates and
publishes. On the offscreen platform, with the real tray icon and queue window, two
compositions are measured in the same run, one after the other, each with its window
hidden and then shown:

- **GUI thread (before)**: the service on the GUI thread, as the tray app ran it before:
  fetches on worker threads, their results handed to the GUI thread by a queued signal,
  where the store is written, the alerts evaluated and the widgets fed;
- **home thread (now)**: the app as `app.running_app` composes it (`traysupport.home`).

A 1 ms timer on the GUI thread records when the thread gets to run it; a stall is the
time between two of its ticks, so it counts whatever holds the GUI thread: a slot, a
paint, or the GIL held by another thread. Each poll is asked for once the last one is
over (nothing shown for 0.3 s); its longest stall is taken from asking until the state
with the changed queue is on screen, plus 100 ms. The table shows the longest of all
polls, their 90th percentile and median (ms), and the median time from asking to the
change on screen. "idle" is the same app, unpolled, for 3 s: the timer's own noise.
Target: no stall longer than a frame, 16 ms.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

TEAM = [{"id": f"p{i}", "name": f"Person {i}", "email": f"p{i}@example.com"} for i in range(6)]
ME = TEAM[0]["id"]
SETTLE_S = 0.1
"""After a poll's state is shown: how long its trailing work (paints) is still counted."""
IDLE_S = 3.0
QUIET_S = 0.3
"""Before each poll, how long nothing may have been shown (the last poll is over)."""


# -- the team-API server -----------------------------------------------------------------------


class TeamApi:
    """A queue of *count* tickets in the documented shapes; one changes on every poll."""

    def __init__(self, count: int, page: int, now: datetime, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.page = page
        self.now = now
        self.polls = 0
        self.lock = threading.Lock()
        self.tickets: list[dict[str, Any]] = []
        for n in range(count):
            created = now - timedelta(minutes=rng.randrange(0, 3000))
            item: dict[str, Any] = {
                "id": str(n),
                "key": f"SUP-{n}",
                "title": f"Ticket {n}: checkout fails for customer {rng.randrange(10**6)}",
                "priority": rng.choice(["P1", "P2", "P3", "P3", "P4"]),
                "status": rng.choice(["new", "new", "acknowledged", "in_progress"]),
                "created_at": created.isoformat(),
                "url": f"https://support.example.com/t/{n}",
                "assignee_id": rng.choice([None, *[p["id"] for p in TEAM]]),
            }
            if rng.random() < 0.3:
                due = created + timedelta(hours=rng.choice((1, 2, 8)))
                item["sla"] = {"due_at": due.isoformat(), "kind": "response"}
            self.tickets.append(item)

    def answer(self, path: str, query: dict[str, list[str]]) -> Any:
        """The JSON for one GET."""
        if path == "me":
            return TEAM[0]
        if path == "people":
            return {"people": TEAM}
        if path == "shifts":
            start = self.now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
            return {
                "shifts": [
                    {
                        "person_id": TEAM[day % len(TEAM)]["id"],
                        "start": (start + timedelta(hours=8 * day)).isoformat(),
                        "end": (start + timedelta(hours=8 * day + 8)).isoformat(),
                    }
                    for day in range(45)
                ]
            }
        if path == "tickets":
            return self._page(int(query.get("cursor", ["0"])[0]))
        return None

    def _page(self, start: int) -> dict[str, Any]:
        with self.lock:
            if start == 0:  # a new poll: one ticket changes
                self.polls += 1
                changed = self.tickets[self.polls % len(self.tickets)]
                changed["title"] = f"{changed['title'].split(' (v')[0]} (v{self.polls})"
            end = start + self.page
            page = [dict(t) for t in self.tickets[start:end]]
            more = end < len(self.tickets)
        return {"tickets": page, "next": str(end) if more else None}


def serve(count: int, page: int) -> int:
    """The child process: serve the API on 127.0.0.1 and print its URL, until stdin closes."""

    # A remote server would not share the app's CPUs: let the app have them first.
    os.nice(10)
    api = TeamApi(count, page, datetime.now(UTC))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            found = api.answer(parts.path.removeprefix("/api/v1/"), parse_qs(parts.query))
            body = json.dumps(found).encode() if found is not None else b"{}"
            self.send_response(200 if found is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    print(f"http://127.0.0.1:{server.server_address[1]}/api/v1", flush=True)
    sys.stdin.read()  # the benchmark closes it when done
    server.shutdown()
    server.server_close()
    thread.join()
    return 0


@contextmanager
def serving(count: int, page: int) -> Iterator[str]:
    """The API in a process of its own, so its threads take no GIL from the app's."""
    with subprocess.Popen(
        [sys.executable, __file__, "--serve", "--tickets", str(count), "--page", str(page)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stdin is not None
        try:
            yield child.stdout.readline().strip()
        finally:
            child.stdin.close()
            child.wait(timeout=30)


# -- measuring the GUI thread ------------------------------------------------------------------


class StallMeter(QObject):
    """Records when the GUI thread runs a 1 ms timer."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    @Slot()
    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def longest(self, start: float, end: float) -> float:
        """The longest time (ms) in [start, end] without a tick; *start* is taken on the
        GUI thread, so it ran then (what it did before is the benchmark's own work)."""
        ticks = self.ticks
        longest, last = 0.0, start
        for tick in ticks[bisect.bisect_right(ticks, start) :]:
            longest = max(longest, tick - last)
            last = tick
            if tick > end:
                break
        return longest * 1000


def run_until(condition: Callable[[], bool], timeout: float) -> None:
    """Run the GUI loop until *condition* holds (checked every ms) or *timeout* passes."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(1)
    check.timeout.connect(
        lambda: loop.quit() if condition() or time.monotonic() > deadline else None
    )
    check.start()
    loop.exec()
    check.stop()
    if not condition():
        raise TimeoutError(f"nothing after {timeout} s")


@dataclass
class Phase:
    """One composition and window state: per-poll longest stalls and poll times (ms)."""

    name: str
    stalls: list[float]
    took: list[float]


class Shown:
    """Counts the states put on screen whose queue changed (a poll's result: the other
    source's answer or the outbox may publish a state too)."""

    def __init__(self) -> None:
        self.changes = 0
        self.last_at = time.perf_counter()
        self._tickets: object = None

    def state(self, state: Any) -> None:
        """*state* is on screen now (GUI thread)."""
        tickets = state.snapshot.tickets
        if tickets != self._tickets:
            self.changes += 1
        self._tickets = tickets
        self.last_at = time.perf_counter()


@dataclass
class Subject:
    """A composition under test: how to ask for a poll, its window, and what it showed."""

    name: str
    poll: Callable[[], None]
    window: Any
    shown: Shown

    def count(self) -> int:
        return self.shown.changes


def measure(subject: Subject, meter: StallMeter, label: str, polls: int) -> Phase:
    """*polls* polls, each done when its state is on screen."""
    stalls, took = [], []
    for _ in range(polls):
        quiet(subject)
        before = subject.count()
        asked = time.perf_counter()
        subject.poll()
        run_until(partial(lambda seen: subject.count() > seen, before), timeout=60)
        done = time.perf_counter() + SETTLE_S
        run_until(partial(lambda until: time.perf_counter() > until, done), timeout=5)
        stalls.append(meter.longest(asked, done))
        took.append((done - SETTLE_S - asked) * 1000)
    return Phase(f"{subject.name}, {label}", stalls, took)


def quiet(subject: Subject) -> None:
    """Wait until nothing has been shown for QUIET_S: the last poll's work is done."""
    run_until(lambda: time.perf_counter() - subject.shown.last_at > QUIET_S, timeout=60)


def idle(subject: Subject, meter: StallMeter) -> Phase:
    quiet(subject)
    started = time.perf_counter()
    run_until(lambda: time.perf_counter() > started + IDLE_S, timeout=IDLE_S + 5)
    return Phase("idle (no polls)", [meter.longest(started, time.perf_counter())], [0.0])


# -- the two compositions ----------------------------------------------------------------------


class GuiCallSoon(QObject):
    """`call_soon` onto the GUI thread by a queued signal (what QtCallSoon did)."""

    _queued = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._queued.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, callback: Callable[[], None]) -> None:
        self._queued.emit(callback)

    @Slot(object)
    def _run(self, callback: Callable[[], None]) -> None:
        callback()


def before(config: Any, meter: StallMeter, polls: int) -> list[Phase]:
    """The service on the GUI thread, feeding the real tray icon and window there."""
    from apscheduler.schedulers.background import BackgroundScheduler  # noqa: PLC0415

    from traysupport import runtime  # noqa: PLC0415
    from traysupport.service import utc_now  # noqa: PLC0415
    from traysupport.ui.presenter import tray_view  # noqa: PLC0415
    from traysupport.ui.queue_window import QueueWindow  # noqa: PLC0415
    from traysupport.ui.tray import TrayIcon  # noqa: PLC0415

    shown = Shown()
    widgets: list[Any] = []

    class Listener:
        def state_changed(self, state: Any) -> None:
            if widgets:
                tray, window = widgets
                tray.update(tray_view(state, utc_now(), config.ui.tz))
                window.set_state(state)
            shown.state(state)

        def alerts_fired(self, alerts: Any) -> None:
            pass

    scheduler = BackgroundScheduler(timezone=UTC)
    with runtime.open_engine(
        config, scheduler=scheduler, call_soon=GuiCallSoon(), listener=Listener()
    ) as engine:
        service = engine.service
        tray = TrayIcon(service, is_tray_available=lambda: True)
        window = QueueWindow(service, demo=False)
        widgets.extend((tray, window))
        scheduler.start()
        service.start()
        try:
            subject = Subject("GUI thread (before)", service.refresh_now, window, shown)
            return phases(subject, meter, polls)
        finally:
            scheduler.shutdown(wait=True)
            window.hide()
            tray.close()


def after(config: Any, meter: StallMeter, polls: int) -> list[Phase]:
    """The app as `app.running_app` composes it: the service on its home thread."""
    from traysupport import app  # noqa: PLC0415

    shown = Shown()
    hooks = app.Hooks(quit=lambda: None, open_folder=lambda _: True, is_tray_available=lambda: True)
    with app.running_app(config, hooks=hooks) as running:
        running.listener.published.connect(lambda made: shown.state(made.state))
        subject = Subject("home thread (now)", running.control.refresh_now, running.window, shown)
        return phases(subject, meter, polls)


def phases(subject: Subject, meter: StallMeter, polls: int) -> list[Phase]:
    """Idle, then *polls* polls with the window hidden, then as many with it shown."""
    run_until(lambda: subject.count() >= 1, timeout=60)
    measure(subject, meter, "warm-up", 2)  # the first poll parses and alerts on every ticket
    found = [idle(subject, meter), measure(subject, meter, "window hidden", polls)]
    subject.window.show()
    found.append(measure(subject, meter, "window shown", polls))
    subject.window.hide()
    return found


# -- the run -----------------------------------------------------------------------------------


def report(found: list[Phase], count: int) -> None:
    print(f"GUI-thread stalls, {count} tickets, one changing per poll (ms)")
    print(f"{'':40}  {'longest':>8}  {'p90':>6}  {'median':>6}  {'poll took':>9}")
    for phase in found:
        stalls = sorted(phase.stalls)
        p90 = stalls[min(len(stalls) - 1, int(len(stalls) * 0.9))]
        print(
            f"{phase.name:40}  {max(stalls):>8.1f}  {p90:>6.1f}  "
            f"{statistics.median(stalls):>6.1f}  {statistics.median(phase.took):>9.0f}"
        )
    print("target: no stall longer than one frame, 16 ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=20, help="measured polls per phase")
    parser.add_argument("--page", type=int, default=100, help="tickets per page")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.tickets, args.page)
    with tempfile.TemporaryDirectory(prefix="traysupport-stalls-") as scratch:
        os.environ["TRAYSUPPORT_HOME"] = scratch
        os.environ["TRAYSUPPORT_TOKEN"] = "bench"
        qt = QApplication.instance() or QApplication([])
        qt.setQuitOnLastWindowClosed(False)
        with serving(args.tickets, args.page) as url:
            from traysupport.config import load_config  # noqa: PLC0415

            path = Path(scratch) / "team.toml"
            path.write_text(
                f'me = "{ME}"\n[poll]\nqueue_seconds = 3600\nrotation_seconds = 3600\n'
                f"jitter = 0.0\n"
                f'[rotation]\nprovider = "team-api"\nurl = "{url}"\n'
                f'[queue]\nprovider = "team-api"\nurl = "{url}"\n',
                encoding="utf-8",
            )
            config = load_config(path)
            meter = StallMeter()
            meter.start()
            found = before(config, meter, args.polls) + after(config, meter, args.polls)
            meter.stop()
    report(found, args.tickets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
