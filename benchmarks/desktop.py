"""The tray app on a real desktop against a bare PySide6 tray app: start-up, memory, idle CPU,
and the queue window with 10,000 tickets.

Run: .venv/bin/python benchmarks/desktop.py [--repeat 5] [--idle 30] [--cpu 60]
     [--skip startup,idle,window]

The desktop is the e2e tests' (`tests.e2e.desktop`): Xvfb, a private session bus, dunst
and trayer, started here and stopped at the end. It measures:

- **start-up**: from starting the process to its icon embedded in trayer (``xwininfo``
  polled every 10 ms; a probe takes ~10 ms, so a reading is up to ~20 ms late),
  ``python -m traysupport --demo`` against
  `bare_tray.py`, alternating, after one unmeasured warm-up run of each; median and range.
- **idle**: every contender at once, untouched: RSS (``VmRSS``) `--idle` seconds after
  its icon showed, then CPU (utime + stime from ``/proc/PID/stat``, all threads) over the
  next `--cpu` seconds, as a percentage of one core. Besides the bare app: the demo at
  speed 1 (the default) and at speed 10; the demo using a demo server in another process
  (the server's own work left out); and a team-API config pointed at that server, which
  polls at the real defaults (queue 60 s, rotation 5 min) rather than the demo's 5 s/30 s.
- **window**: in this process on the offscreen platform, a `ServiceState` of 10,000
  tickets made of model objects: the queue window's construction (with its first
  `set_state`), show and first paint, and refreshes (`QueueModel.set_state` alone, and
  the window's `set_state` with its reselection, as every poll does); median of `--repeat`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.e2e.desktop: the benchmark's desktop is the tests'

from tests.e2e import desktop as e2e  # noqa: E402
from traysupport.core.alerts import AlertSettings  # noqa: E402
from traysupport.core.model import (  # noqa: E402
    Person,
    Priority,
    Role,
    Shift,
    Sla,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.service import ServiceState  # noqa: E402

PYTHON = sys.executable
APP = (PYTHON, "-m", "traysupport", "--demo")
BARE = (PYTHON, str(REPO / "benchmarks" / "bare_tray.py"))
PARTS = ("rotation", "queue")
ICON_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
NOW = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
TEAM = tuple(Person(f"p{i}", f"Person {i}", f"p{i}@example.com") for i in range(8))
ME = TEAM[0]


# -- the desktop and the processes on it ----------------------------------------------------


@contextmanager
def running_desktop(folder: Path) -> Iterator[e2e.Desktop]:
    """The e2e tests' desktop (see `tests.e2e.desktop.desktop`), outside pytest."""
    missing = e2e.missing_tools()
    if missing:
        raise SystemExit(f"the desktop needs {', '.join(missing)}")
    env = {k: v for k, v in os.environ.items() if k not in {"WAYLAND_DISPLAY", "DISPLAY"}}
    env.update(QT_QPA_PLATFORM="xcb", XDG_CURRENT_DESKTOP="", XDG_SESSION_TYPE="x11")
    folder.mkdir(parents=True, exist_ok=True)
    desktop = e2e.Desktop(env=env, display="", folder=folder)
    try:
        e2e._start_x(desktop)
        e2e._start_bus(desktop)
        e2e._start_dunst(desktop)
        e2e._start_trayer(desktop)
        yield desktop
    finally:
        desktop.stop()


def launch(desktop: e2e.Desktop, name: str, argv: tuple[str, ...], home: Path) -> Any:
    """Start *argv* on the desktop with its own TRAYSUPPORT_HOME; stopped with the desktop."""
    home.mkdir(parents=True, exist_ok=True)
    log = home / (re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") + ".err")
    with log.open("wb") as errors:  # the child keeps its own copy
        process = subprocess.Popen(
            argv,
            env={**desktop.env, "TRAYSUPPORT_HOME": str(home)},
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
    desktop.processes[name] = process
    return process


def stop(desktop: e2e.Desktop, name: str) -> None:
    """End a process started by `launch` (SIGTERM, as a session manager does)."""
    process = desktop.processes.pop(name)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def wait_icon(desktop: e2e.Desktop, pid: int) -> None:
    """Until the icon of process *pid* is embedded in trayer."""
    e2e.wait_for(lambda: desktop.tray_embedded(pid), f"{pid}'s icon", ICON_TIMEOUT, every=0.01)


def proc_status(pid: int, field: str) -> int:
    """A number from /proc/PID/status ("VmRSS" in KiB, "Threads")."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* so far, all its threads."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14, 15


# -- start-up --------------------------------------------------------------------------------


def time_to_icon(desktop: e2e.Desktop, name: str, argv: tuple[str, ...], home: Path) -> float:
    """Seconds from starting *argv* to its icon in the tray."""
    started = time.perf_counter()
    process = launch(desktop, name, argv, home)
    wait_icon(desktop, process.pid)
    took = time.perf_counter() - started
    stop(desktop, name)
    e2e.wait_for(lambda: not desktop.tray_embedded(process.pid), "the icon to go", 10)
    return took


def startup(desktop: e2e.Desktop, folder: Path, repeat: int) -> dict[str, list[float]]:
    """Start-up times of the app and the bare tray app, alternating; warm-up runs dropped."""
    contenders = {"traysupport --demo": APP, "bare PySide6 tray": BARE}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_ in range(repeat + 1):
        for name, argv in contenders.items():
            took = time_to_icon(desktop, "startup", argv, folder / name.split()[0])
            if round_:
                times[name].append(took)
    return times


# -- idle ------------------------------------------------------------------------------------


@dataclass
class Idle:
    """One contender's idle numbers."""

    rss_mib: float
    cpu_percent: float
    threads: int


def idle(desktop: e2e.Desktop, folder: Path, settle: float, span: float) -> dict[str, Idle]:
    """RSS *settle* s after the icons showed, then CPU over *span* s; all at once."""
    pids = {
        name: launch(desktop, name, argv, home).pid
        for name, argv, home in contenders(desktop, folder)
    }
    for pid in pids.values():
        wait_icon(desktop, pid)
    time.sleep(settle)
    rss = {name: proc_status(pid, "VmRSS") / 1024 for name, pid in pids.items()}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    time.sleep(span)
    found = {
        name: Idle(rss[name], 100 * (cpu_seconds(pid) - before[name]) / span, 0)
        for name, pid in pids.items()
    }
    for name, pid in pids.items():
        found[name].threads = proc_status(pid, "Threads")
        stop(desktop, name)
    stop(desktop, "demo-server")
    return found


def contenders(desktop: e2e.Desktop, folder: Path) -> list[tuple[str, tuple[str, ...], Path]]:
    """(name, command, TRAYSUPPORT_HOME) of each idle contender; starts the demo server
    that two of them share with no demo of their own."""
    server_home = folder / "apart"
    launch(desktop, "demo-server", (*APP[:3], "demo-server"), server_home)
    info = server_home / "run" / "demo-server.json"
    e2e.wait_for(info.exists, "the demo server to publish itself", ICON_TIMEOUT)
    url = json.loads(info.read_text("utf-8"))["url"]
    team_home = folder / "team"
    (team_home / "config").mkdir(parents=True)
    (team_home / "config" / "config.toml").write_text(
        "".join(f'[{part}]\nprovider = "team-api"\nurl = "{url}"\n' for part in PARTS), "utf-8"
    )
    return [
        ("bare PySide6 tray", BARE, folder / "bare"),
        ("--demo (polls 5 s / 30 s)", APP, folder / "speed1"),
        ("--demo --speed 10 (1 s / 3 s)", (*APP, "--speed", "10"), folder / "speed10"),
        ("--demo, its server apart", APP, server_home),
        ("team API (polls 60 s / 5 min)", APP[:3], team_home),
    ]


# -- the window with 10,000 tickets ------------------------------------------------------------


def big_state(count: int, seed: int = 1) -> ServiceState:
    """A queue of *count* tickets (mixed priorities, owners, SLAs) and a day of shifts."""
    rng = random.Random(seed)
    tickets = []
    for n in range(count):
        created = NOW - timedelta(minutes=rng.randrange(0, 3000))
        sla = Sla(created + timedelta(hours=rng.choice((1, 2, 8)))) if rng.random() < 0.3 else None
        tickets.append(
            Ticket(
                id=str(n),
                key=f"SUP-{n}",
                title=f"Ticket {n}: <b>checkout</b> fails for customer {rng.randrange(10**6)}",
                priority=rng.choice(tuple(Priority)),
                status=rng.choice((TicketStatus.NEW, TicketStatus.ACKNOWLEDGED)),
                created_at=created,
                source="bench",
                url=f"https://support.example.com/t/{n}",
                assignee=rng.choice((None, *TEAM)),
                sla=sla,
            )
        )
    shifts = tuple(
        Shift(TEAM[h % len(TEAM)], NOW + timedelta(hours=h), NOW + timedelta(hours=h + 1))
        for h in range(-12, 12)
    )
    snapshot = Snapshot(
        taken_at=NOW,
        people=TEAM,
        shifts=(
            *shifts,
            Shift(ME, NOW - timedelta(hours=1), NOW + timedelta(hours=7), Role.PRIMARY),
        ),
        tickets=tuple(tickets),
        sources=(SourceStatus("bench", ok=True, last_ok_at=NOW),),
    )
    return ServiceState(snapshot=snapshot, me=ME, outbox=(), settings=AlertSettings())


class StaticControl:
    """A `SupportControl` that only shows one state (the benchmark acts on nothing)."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state

    def state(self) -> ServiceState:
        return self._state

    def acknowledge(self, ticket: Ticket) -> UserAction:
        raise NotImplementedError

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        raise NotImplementedError

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        raise NotImplementedError

    def retry(self, action_id: str) -> None:
        raise NotImplementedError

    def dismiss(self, action_id: str) -> None:
        raise NotImplementedError

    def pause(self, until: datetime | None) -> None:
        raise NotImplementedError

    def refresh_now(self) -> None:
        raise NotImplementedError


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    """Seconds each of *repeat* runs of *work* took."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def window(count: int, repeat: int) -> dict[str, list[float]]:
    """The queue window with *count* tickets: open, first paint, refreshes (offscreen)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 - Qt only for this part

    from traysupport.ui.queue_model import QueueModel  # noqa: PLC0415
    from traysupport.ui.queue_window import QueueWindow  # noqa: PLC0415

    app = QApplication.instance() or QApplication([])
    state = big_state(count)
    control = StaticControl(state)
    found: dict[str, list[float]] = {"construct": [], "show + first paint": []}
    with tempfile.TemporaryDirectory() as scratch:
        for n in range(repeat):
            started = time.perf_counter()
            made = QueueWindow(
                control, demo=True, clock=lambda: NOW, state_file=Path(scratch) / f"{n}"
            )
            built = time.perf_counter()
            first_paint(app, made)
            found["construct"].append(built - started)
            found["show + first paint"].append(time.perf_counter() - built)
            if n < repeat - 1:
                made.hide()
                made.deleteLater()
        model = QueueModel()
        found["QueueModel.set_state"] = timed(lambda: model.set_state(state, NOW), repeat)
        found["QueueWindow.set_state"] = timed(lambda: made.set_state(state), repeat)
        made.hide()
    return found


def first_paint(app: Any, widget: Any) -> None:
    """Show *widget* and return once its table has been painted."""
    from PySide6.QtCore import QEvent, QObject  # noqa: PLC0415

    painted: list[bool] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                painted.append(True)
            return False

    watch = Watch()
    viewport = widget.table.viewport()
    viewport.installEventFilter(watch)
    widget.show()
    while not painted:
        app.processEvents()
    app.processEvents()  # the rest of the window's paint, after the table's
    viewport.removeEventFilter(watch)


# -- the report ------------------------------------------------------------------------------


def ms(values: list[float]) -> str:
    """Median and range in milliseconds."""
    return (
        f"{1000 * statistics.median(values):7.0f} ms"
        f"  ({1000 * min(values):.0f}-{1000 * max(values):.0f})"
    )


def report_startup(times: dict[str, list[float]]) -> None:
    bare = statistics.median(times["bare PySide6 tray"])
    print("\nStart-up: process start to icon embedded in trayer (median, range)")
    for name, values in times.items():
        print(f"  {name:34} {ms(values)}   {statistics.median(values) / bare:4.2f}x bare")
    print("  target: ≤ 1.5x bare")


def report_idle(found: dict[str, Idle]) -> None:
    bare = found["bare PySide6 tray"].rss_mib
    print("\nIdle: RSS after settling, CPU over the span (% of one core)")
    print(f"  {'':34} {'RSS':>9}  {'x bare':>6}  {'CPU':>7}  threads")
    for name, numbers in found.items():
        print(
            f"  {name:34} {numbers.rss_mib:6.1f} MiB  {numbers.rss_mib / bare:5.2f}x"
            f"  {numbers.cpu_percent:6.3f} %  {numbers.threads:4d}"
        )
    print("  targets: RSS ≤ 1.3x bare; CPU < 0.1 %")


def report_window(found: dict[str, list[float]], count: int) -> None:
    print(f"\nQueue window with {count:,} tickets (offscreen; median, range)")
    for name, values in found.items():
        print(f"  {name:34} {ms(values)}")
    print("  target: a refresh under 100 ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds before RSS is read")
    parser.add_argument("--cpu", type=float, default=60.0, help="seconds CPU is measured over")
    parser.add_argument("--count", type=int, default=10_000, help="tickets in the window")
    parser.add_argument("--skip", default="", help="comma-separated: startup, idle, window")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="traysupport-bench-") as scratch:
        folder = Path(scratch)
        if not {"startup", "idle"} <= skip:
            with running_desktop(folder / "desktop") as desktop:
                if "startup" not in skip:
                    report_startup(startup(desktop, folder / "startup", args.repeat))
                if "idle" not in skip:
                    report_idle(idle(desktop, folder / "idle", args.idle, args.cpu))
    if "window" not in skip:
        report_window(window(args.count, args.repeat), args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
