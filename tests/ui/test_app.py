"""The tray app composed for real: the demo team's server, the service on its home thread,
the tray, the queue window and the notifier, on the offscreen platform.

The whole app runs on one fake clock (`running_app(clock=...)`): the service, the demo
team it starts and the widgets read it, and nothing waits for the demo's script to play
out. The clock is held at the start (the two old tickets are open) until a test moves
it one scenario minute on (`Running.play_script`): the scripted P2 and P1 arrive at the
poll it asks for then, as new tickets. The waits are for real network results, with
generous timeouts. Only the world outside the widgets is replaced (quitting the event
loop, the file manager, whether a tray exists), and a notification's button is "pressed"
by emitting the notifier's own signal, which is as far as the offscreen platform goes
(tests/e2e press real ones under dunst).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from apscheduler.events import EVENT_JOB_ADDED
from PySide6.QtCore import QCoreApplication, QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from traysupport import app as tray_module
from traysupport import paths
from traysupport.config import Config
from traysupport.core.model import Alert, AlertAction, Priority, Ticket
from traysupport.service import ActionError
from traysupport.ui.single_instance import SingleInstance

# What the offscreen platform says about a tray icon shown on it, and about dialogs.
pytestmark = pytest.mark.qt_log_ignore(
    "systemTrayWindowChanged",
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)

SPEED = 20.0
"""The demo's speed in the one test of the app as a process, on the real clock."""
TIMEOUT_MS = 20_000
"""For results that need the network: generous, seldom reached."""
SCRIPT_MINUTE = timedelta(minutes=1)
"""Far enough into the demo's script for its P2 (+30 s) and P1 (+45 s); too early for any
teammate to move a ticket (+120 s on)."""


def held_clock() -> FakeClock:
    """A fake clock at the real now: the scheduler's timers count on the wall clock, so the
    instants the service plans on its clock must not lie in the wall clock's past."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@dataclass
class Outside:
    """The world outside the widgets, as the app sees it."""

    tray: bool = True
    quits: int = 0
    folders: list[Path] = field(default_factory=list)

    def quit(self) -> None:
        self.quits += 1

    def open_folder(self, folder: Path) -> bool:
        self.folders.append(folder)
        return True

    def hooks(self) -> tray_module.Hooks:
        return tray_module.Hooks(
            quit=self.quit, open_folder=self.open_folder, is_tray_available=lambda: self.tray
        )


@dataclass
class Running:
    app: tray_module.TrayApp
    alerts: list[Alert]
    clock: FakeClock
    played: bool = False

    @property
    def tickets(self) -> tuple[Ticket, ...]:
        latest = self.app.listener.latest
        return () if latest is None else latest.snapshot.tickets

    def server_ticket(self, ticket: Ticket) -> dict[str, Any]:
        """The ticket as the demo server has it now."""
        url = self.app.engine.sources.demo_url
        reply = requests.get(f"{url}/tickets", timeout=10)
        reply.raise_for_status()
        found: dict[str, Any] = next(t for t in reply.json()["tickets"] if t["id"] == ticket.id)
        return found

    def play_script(self, qtbot: QtBot) -> None:
        """Once the first poll is in, move the clock a scenario minute on and poll at once:
        the scripted P2 and P1 arrive as new tickets (once per test)."""
        if self.played:
            return
        qtbot.waitUntil(lambda: len(self.tickets) >= 2, timeout=TIMEOUT_MS)
        assert Priority.P2 not in {t.priority for t in self.tickets}, "the script moved alone"
        self.clock.now += SCRIPT_MINUTE
        self.app.control.refresh_now()
        self.played = True


@contextmanager
def started(outside: Outside, config: Config | None = None) -> Iterator[Running]:
    alerts: list[Alert] = []
    clock = held_clock()
    with tray_module.running_app(config or Config(), hooks=outside.hooks(), clock=clock) as app:
        app.listener.alerts_published.connect(alerts.extend)
        yield Running(app, alerts, clock)


@pytest.fixture
def outside() -> Outside:
    return Outside()


@pytest.fixture
def running(qtbot: QtBot, outside: Outside) -> Iterator[Running]:
    with started(outside) as run:
        yield run
    close_message_boxes()


def close_message_boxes() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox):
            widget.close()


def ticket_alert(run: Running, priority: Priority) -> tuple[Alert, Ticket]:
    """The first alert with an Acknowledge button about a ticket of *priority*."""
    for alert in run.alerts:
        ticket = next((t for t in run.tickets if t.ref == alert.subject), None)
        mine = ticket is not None and ticket.priority is priority
        if mine and ticket is not None and AlertAction.ACKNOWLEDGE in alert.actions:
            return alert, ticket
    raise LookupError(priority)


def wait_for_ticket_alert(qtbot: QtBot, run: Running, priority: Priority) -> tuple[Alert, Ticket]:
    run.play_script(qtbot)

    def arrived() -> bool:
        try:
            ticket_alert(run, priority)
        except LookupError:
            return False
        return True

    qtbot.waitUntil(arrived, timeout=TIMEOUT_MS)
    return ticket_alert(run, priority)


# -- state flows ------------------------------------------------------------------------


def test_the_demo_team_reaches_the_tray_and_the_window(qtbot: QtBot, running: Running) -> None:
    app = running.app
    running.play_script(qtbot)
    qtbot.waitUntil(
        lambda: Priority.P2 in {t.priority for t in running.tickets}, timeout=TIMEOUT_MS
    )
    model = app.window.model
    assert {model.ticket_at(row).ref for row in range(model.rowCount())} == {
        t.ref for t in running.tickets
    }
    assert app.tray.tray.toolTip() != "traysupport"  # the presenter's tooltip, not the default
    demo = next(a for a in app.tray.menu.actions() if a.objectName() == "demo")
    assert demo.isVisible()
    assert app.window.demo_banner.isVisibleTo(app.window)


def test_new_tickets_are_notified(qtbot: QtBot, running: Running) -> None:
    alert, ticket = wait_for_ticket_alert(qtbot, running, Priority.P2)
    assert ticket.key in alert.title + alert.body or ticket.title in alert.title + alert.body


# -- notification buttons ---------------------------------------------------------------


def test_acknowledge_on_a_notification_acknowledges_on_the_server(
    qtbot: QtBot, running: Running
) -> None:
    alert, ticket = wait_for_ticket_alert(qtbot, running, Priority.P2)
    assert running.server_ticket(ticket)["acknowledged_by"] is None
    running.app.notifier.action_invoked.emit(alert.key, AlertAction.ACKNOWLEDGE.value)
    qtbot.waitUntil(
        lambda: running.server_ticket(ticket)["acknowledged_by"] == "you", timeout=TIMEOUT_MS
    )
    # ...and the queue shows it as acknowledged once the next poll confirms.
    qtbot.waitUntil(
        lambda: any(t.ref == ticket.ref and t.acknowledged for t in running.tickets),
        timeout=TIMEOUT_MS,
    )


def test_snooze_on_a_notification_snoozes_the_ticket(qtbot: QtBot, running: Running) -> None:
    alert, ticket = wait_for_ticket_alert(qtbot, running, Priority.P2)
    running.app.notifier.action_invoked.emit(alert.key, AlertAction.SNOOZE.value)
    snoozed = dict(running.app.control.state().settings.snoozed)  # shown at once
    assert snoozed[ticket.ref] == running.clock() + timedelta(minutes=30)  # the app's clock

    def kept() -> bool:  # by the service, on its home thread
        latest = running.app.listener.latest
        return (
            latest is not None
            and dict(latest.settings.snoozed).get(ticket.ref) == (snoozed[ticket.ref])
        )

    qtbot.waitUntil(kept, timeout=TIMEOUT_MS)


@pytest.mark.parametrize("action", [AlertAction.OPEN.value, "default"])
def test_open_on_a_notification_shows_the_window_on_its_ticket(
    qtbot: QtBot, running: Running, action: str
) -> None:
    alert, ticket = wait_for_ticket_alert(qtbot, running, Priority.P2)
    window = running.app.window
    assert not window.isVisible()
    running.app.notifier.action_invoked.emit(alert.key, action)
    assert window.isVisible()
    assert [t.ref for t in window.selected_tickets()] == [ticket.ref]


def test_hand_over_on_a_notification_opens_the_end_of_shift_handover(
    qtbot: QtBot, running: Running
) -> None:
    alert, ticket = wait_for_ticket_alert(qtbot, running, Priority.P2)
    running.app.notifier.action_invoked.emit(alert.key, AlertAction.ACKNOWLEDGE.value)
    qtbot.waitUntil(  # acknowledging an unassigned ticket makes it mine
        lambda: any(t.ref == ticket.ref and t.assignee is not None for t in running.tickets),
        timeout=TIMEOUT_MS,
    )
    running.app.notifier.action_invoked.emit("duty_ending|you", AlertAction.HAND_OVER.value)
    dialog = running.app.handover
    assert dialog is not None and dialog.isVisible()
    assert running.app.window.isVisible()  # the dialog sits over the queue
    assert dialog.heading.text().startswith("Your shift ends at")
    assert [t.ref for t in dialog.checked_tickets()] == [ticket.ref]
    running.app.notifier.action_invoked.emit("duty_ending|you", AlertAction.HAND_OVER.value)
    assert running.app.handover is dialog  # a second press brings the same one forward


def test_an_action_on_an_alert_from_before_shows_the_queue(qtbot: QtBot, running: Running) -> None:
    """Buttons of a notification from an earlier run (or a closed ticket) still do something
    sensible: nothing is sent, the queue opens."""
    running.app.notifier.action_invoked.emit("new_ticket|demo:1|gone", "acknowledge")
    assert running.app.window.isVisible()


# -- the tray, settings, second instance ------------------------------------------------


def test_without_a_tray_the_window_shows_with_the_reason(qtbot: QtBot, outside: Outside) -> None:
    outside.tray = False
    with started(outside) as run:
        assert run.app.window.isVisible()
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        assert len(boxes) == 1 and "tray" in boxes[0].text()
        assert boxes[0].isVisible()
    close_message_boxes()


def test_settings_opens_the_settings_window_once(
    qtbot: QtBot, running: Running, outside: Outside
) -> None:
    running.app.tray.settings_requested.emit()
    window = running.app.settings.window
    assert window is not None and window.isVisible()
    assert not paths.config_file().exists()  # nothing is written before Save
    running.app.window.setup_requested.emit()  # the demo banner's "set up your team"
    assert running.app.settings.window is window
    assert outside.folders == []


def test_a_status_line_in_the_menu_opens_the_schedule(qtbot: QtBot, running: Running) -> None:
    running.app.tray.open_schedule_requested.emit()
    window = running.app.window
    assert window.isVisible()
    assert window.tabs.currentWidget() is window.schedule


def test_a_second_launch_brings_the_window_forward(qtbot: QtBot, outside: Outside) -> None:
    first = SingleInstance()
    assert first.acquire()
    try:
        hooks = outside.hooks()
        with tray_module.running_app(
            Config(), hooks=hooks, instance=first, clock=held_clock()
        ) as app:
            assert not app.window.isVisible()
            assert not SingleInstance().acquire()
            qtbot.waitUntil(app.window.isVisible, timeout=TIMEOUT_MS)
    finally:
        first.release()


def test_after_sleep_the_app_polls_at_once(
    qtbot: QtBot, running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = running.app.home
    qtbot.waitUntil(lambda: home.scheduler.running, timeout=TIMEOUT_MS)
    added: list[str] = []
    home.scheduler.add_listener(lambda event: added.append(event.job_id), EVENT_JOB_ADDED)
    wakeups: list[bool] = []
    monkeypatch.setattr(home.scheduler, "wakeup", lambda: wakeups.append(True))
    running.app.resume.resumed.emit(7200.0)
    assert wakeups  # due jobs (alerts that fell due asleep) run at once
    qtbot.waitUntil(lambda: len(added) >= 2, timeout=TIMEOUT_MS)  # a poll of each source


# -- the icon first ----------------------------------------------------------------------


def test_the_starting_icon_waits_for_the_engine_then_the_app_takes_it_over(
    qtbot: QtBot, outside: Outside
) -> None:
    clock = held_clock()
    starting = tray_module.show_starting_tray(outside.hooks(), clock)
    icon = starting.icon
    assert icon.tray.isVisible()
    assert icon.tray.toolTip() == tray_module.STARTING_TOOLTIP
    assert starting.control.state().snapshot.tickets == ()
    with pytest.raises(ActionError, match="still starting"):
        starting.control.pause(None)
    starting.control.refresh_now()  # nothing to refresh yet: not an error
    config = Config()
    with tray_module.running_app(
        config, hooks=outside.hooks(), starting=starting, clock=clock
    ) as app:
        assert app.tray is icon  # the same icon: it never leaves the panel
        assert app.control is starting.control
        qtbot.waitUntil(lambda: len(app.control.state().snapshot.tickets) >= 2, timeout=TIMEOUT_MS)
        until = datetime(2031, 6, 2, 18, 0, tzinfo=UTC)
        starting.control.pause(until)  # its menu reaches the service now
        assert starting.control.state().settings.paused_until == until  # at once
        qtbot.waitUntil(  # and from the service
            lambda: (
                app.listener.latest is not None
                and app.listener.latest.settings.paused_until == until
            ),
            timeout=TIMEOUT_MS,
        )
        qtbot.waitUntil(
            lambda: icon.tray.toolTip() != tray_module.STARTING_TOOLTIP, timeout=TIMEOUT_MS
        )
    assert not icon.tray.isVisible()


def test_without_a_tray_the_starting_icon_stays_hidden(qtbot: QtBot, outside: Outside) -> None:
    outside.tray = False
    starting = tray_module.show_starting_tray(outside.hooks())
    assert not starting.icon.tray.isVisible()  # the app says why, once it runs
    starting.icon.close()


class EmbeddingTray:
    """A tray icon an XEmbed host takes in on the third look: its geometry moves."""

    def __init__(self) -> None:
        self.looks = 0

    def geometry(self) -> QRect:
        self.looks += 1
        return QRect(0, 0, 22, 22) if self.looks < 3 else QRect(1257, 1, 22, 22)


def test_waiting_for_the_tray_to_embed_leaves_no_timer_running(qtbot: QtBot) -> None:
    tray = EmbeddingTray()
    tray_module._let_the_tray_embed(tray)  # type: ignore[arg-type]
    assert tray.looks == 3  # it waited for the move, and stopped there
    qtbot.wait(50)  # a poll left running would look ten more times by now
    assert tray.looks == 3


def test_the_tray_app_loads_no_engine_dependency_before_its_icon() -> None:
    probe = (
        "import sys; from traysupport import cli, app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('requests', 'urllib3', 'keyring', 'apscheduler', 'desktop_notifier', 'tomllib')"
        " or m in ('traysupport.runtime', 'traysupport.config', 'traysupport.ui.queue_window',"
        " 'traysupport.ui.notify', 'traysupport.ui.queue_model', 'traysupport.home')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


# -- quitting ---------------------------------------------------------------------------


def test_quit_stops_everything_it_started(qtbot: QtBot, outside: Outside) -> None:
    before = set(threading.enumerate())
    with started(outside) as run:
        app = run.app
        qtbot.waitUntil(lambda: len(run.tickets) >= 2, timeout=TIMEOUT_MS)
        app.show_window()
        app.tray.quit_requested.emit()
        assert outside.quits == 1
        assert not app.window.isVisible()
        assert not app.tray.tray.isVisible()
        assert not app.resume.timer.isActive()
        assert not app._rerender.isActive()
        home = app.home
    assert not home.scheduler.running
    assert not home.thread.is_alive()
    assert not home.jobs.running()
    # The demo server's handler threads end on their own once their client is gone.
    qtbot.waitUntil(lambda: set(threading.enumerate()) <= before, timeout=TIMEOUT_MS)


# -- the process ------------------------------------------------------------------------


def tray_args(*argv: str) -> argparse.Namespace:
    from traysupport.cli import build_parser

    return build_parser().parse_args(list(argv))


def test_a_bad_config_is_shown_logged_and_exits_2(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[sla]\np1_minutes = "soon"\n', encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(tray_module, "show_startup_error", shown.append)
    assert tray_module.run_tray(tray_args("--config", str(bad))) == 2
    [message] = shown
    assert "p1_minutes" in message and str(bad) in message
    assert any(r.levelname == "ERROR" and message in r.getMessage() for r in caplog.records)
    again = SingleInstance()
    assert again.acquire()  # it let go of the single-instance lock
    again.release()


def test_run_tray_while_another_instance_runs_exits_0(qtbot: QtBot) -> None:
    first = SingleInstance()
    assert first.acquire()
    try:
        assert tray_module.run_tray(tray_args("--demo")) == 0
    finally:
        first.release()


def test_the_tray_app_runs_as_a_process_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    """`python -m traysupport --demo`: a second launch exits 0; SIGTERM quits cleanly."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRAYSUPPORT_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "traysupport", "--demo", "--speed", str(SPEED)]
    with subprocess.Popen(
        [*command, "-v"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as first:
        try:
            deadline = time.monotonic() + TIMEOUT_MS / 1000
            while not (tmp_path / "run" / "demo-server.json").exists():  # the app is up
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            second = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=60, check=False
            )
            assert second.returncode == 0, second.stderr
            assert first.poll() is None
            first.send_signal(signal.SIGTERM)
            _out, err = first.communicate(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == 0, err
    assert "Traceback" not in err
    assert "QThread" not in err and "QObject" not in err, err
    assert not (tmp_path / "run" / "demo-server.json").exists()


def test_the_other_commands_never_load_qt() -> None:
    probe = (
        "import sys; from traysupport import cli; cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'traysupport.app'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_without_a_display_the_tray_app_says_so_in_one_line(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["TRAYSUPPORT_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "traysupport"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "traysupport watch" in done.stderr


def test_enter_in_the_window_acknowledges_on_the_server(qtbot: QtBot, running: Running) -> None:
    _alert, ticket = wait_for_ticket_alert(qtbot, running, Priority.P2)
    assert running.server_ticket(ticket)["acknowledged_by"] is None
    window = running.app.window
    running.app.show_window(ticket.ref)  # as a click on the tray icon or a notification does
    qtbot.waitUntil(lambda: window.selected_tickets() == [ticket], timeout=TIMEOUT_MS)

    qtbot.keyClick(window.table, Qt.Key.Key_Return)

    qtbot.waitUntil(
        lambda: running.server_ticket(ticket)["acknowledged_by"] == "you", timeout=TIMEOUT_MS
    )


# -- the GUI thread only shows -------------------------------------------------------------


def test_the_store_is_written_and_alerts_evaluated_off_the_gui_thread(
    qtbot: QtBot, outside: Outside, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 10,000 tickets a save is ~80 ms and an evaluation ~50 ms: never on the GUI thread
    (benchmarks/gui_stalls.py measures what the GUI thread is left with)."""
    from traysupport.service.evaluation import Evaluator
    from traysupport.store import Store

    threads: dict[str, set[threading.Thread]] = {"save": set(), "evaluate": set()}
    save, evaluate = Store.save_snapshot, Evaluator.evaluate

    def saving(store: Store, *args: Any) -> None:
        threads["save"].add(threading.current_thread())
        save(store, *args)

    def evaluating(evaluator: Evaluator) -> None:
        threads["evaluate"].add(threading.current_thread())
        evaluate(evaluator)

    monkeypatch.setattr(Store, "save_snapshot", saving)
    monkeypatch.setattr(Evaluator, "evaluate", evaluating)
    with started(outside) as run:
        qtbot.waitUntil(lambda: len(run.tickets) >= 2, timeout=TIMEOUT_MS)
        home = run.app.home.thread
        assert run.app.window.model.rowCount() == len(run.tickets)  # shown all the same
    assert threads == {"save": {home}, "evaluate": {home}}
    assert home is not threading.main_thread()


# -- quitting in every state ---------------------------------------------------------------


@contextmanager
def quit_on_signals(outside: Outside) -> Iterator[tray_module.QuitRequests]:
    """What run_tray installs: SIGTERM and SIGINT to a QuitRequests."""
    from traysupport.ui.qtloop import QuitOnSignals

    quitting = tray_module.QuitRequests()
    watcher = QuitOnSignals(quitting.ask)
    try:
        yield quitting
    finally:
        watcher.close()


def end_every_loop_again(qtbot: QtBot) -> None:
    """After a real `QCoreApplication.exit`: every new loop returns at once until the
    application's own loop has run; run it for one turn, so the next tests can wait."""
    app = QApplication.instance()
    assert app is not None
    QTimer.singleShot(0, lambda: QCoreApplication.exit(0))
    app.exec()


def test_a_signal_while_the_engine_is_built_ends_the_start(qtbot: QtBot, outside: Outside) -> None:
    building, release = threading.Event(), threading.Event()

    @contextmanager
    def slow_engine(config: Config, **_parts: object) -> Iterator[Any]:
        building.set()
        release.wait(TIMEOUT_MS / 1000)  # a keyring or a disk that does not answer
        raise OSError("gave up")
        yield

    def signal_once_building() -> None:
        building.wait(TIMEOUT_MS / 1000)
        os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=signal_once_building)
    started_at = time.monotonic()
    try:
        with quit_on_signals(outside) as quitting, pytest.raises(tray_module.StartInterruptedError):
            sender.start()
            with tray_module.running_app(Config(), hooks=outside.hooks(), open_engine=slow_engine):
                pytest.fail("the app ran although the start was ended")
        took = time.monotonic() - started_at
        assert quitting.asked
        assert took < 10  # the build would have taken 20 s; quitting waits 1.5 s for it
    finally:
        release.set()
        sender.join()
        end_every_loop_again(qtbot)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_quits_the_app_with_the_handover_dialog_and_a_message_box_open(
    qtbot: QtBot, outside: Outside, number: signal.Signals
) -> None:
    with started(outside) as run, quit_on_signals(outside) as quitting:
        app = run.app
        quitting.target = app.quit  # as run_tray does once the app runs
        app.open_handover()
        app.show_about()
        handover = app.handover
        assert handover is not None and handover.isVisible() and app.window.isVisible()
        os.kill(os.getpid(), number)
        qtbot.waitUntil(lambda: outside.quits == 1, timeout=TIMEOUT_MS)
        assert not any(w.isVisible() for w in QApplication.topLevelWidgets())


def test_garbage_is_swept_only_while_no_window_is_shown(
    qtbot: QtBot, running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from traysupport import latency
    from traysupport.ui import tray_app

    swept: list[bool] = []
    monkeypatch.setattr(latency, "sweep", lambda: swept.append(True) or 0.0)
    app = running.app
    app.show_window()
    app._sweep()
    assert swept == []  # a full collection would stall the window: later
    assert app._sweeper.isActive() and app._sweeper.interval() == tray_app.SWEEP_RETRY_MS
    app.window.hide()
    app._sweep()
    assert swept == [True]
    assert app._sweeper.interval() == tray_app.SWEEP_MS
