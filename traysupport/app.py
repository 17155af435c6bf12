"""The tray app's composition root: config → engine → service on the Qt loop → tray, queue
window and notifications.

`run_tray` is what `traysupport` without a subcommand runs. `running_app` builds and
starts everything on an existing QApplication and takes it down again, so tests drive
the real composition without `exec()`. Nothing here decides what a widget shows (the
presenter and the widgets do): this module wires them to the service and to each other.

Icon first: `run_tray` shows the tray icon, in a neutral "starting" look, before it
imports and builds the engine, because a user who starts the app looks at the tray
for it. So this module imports at the top only what that icon needs (Qt, the tray, the
icons); the engine's modules (runtime: requests, APScheduler, keyring, SQLite) and the
rest of the UI (queue window, notifier, Qt scheduler) are imported where they are used.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget

from traysupport import __version__, paths
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import Alert, AlertAction, Person, Snapshot, Ticket, UserAction
from traysupport.service import ActionError, ServiceState, utc_now
from traysupport.ui import icons
from traysupport.ui.ports import SupportControl
from traysupport.ui.presenter import tray_view
from traysupport.ui.single_instance import SingleInstance
from traysupport.ui.tray import TrayIcon

if TYPE_CHECKING:
    from traysupport import runtime
    from traysupport.config import Config
    from traysupport.ui.handover_dialog import HandoverDialog
    from traysupport.ui.qtloop import QtCallSoon, QtScheduler

log = logging.getLogger(__name__)

APP_NAME = "traysupport"
ORGANISATION = "traysupport"
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
SNOOZE_FOR = timedelta(minutes=30)
MAX_RERENDER_MS = 3_600_000
STARTING_TOOLTIP = "traysupport — starting…"
EMBED_TIMEOUT_MS = 100
"""How long the start waits for an XEmbed tray to take the icon in (it takes ~5 ms)."""


class AppListener(QObject):
    """The service's listener: passes its reports on as Qt signals, to every widget."""

    state_published = Signal(object)
    """A new `ServiceState`."""
    alerts_published = Signal(object)
    """A `list[Alert]` to notify."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest: ServiceState | None = None

    def state_changed(self, state: ServiceState) -> None:
        """The service has a new state (GUI thread)."""
        self.latest = state
        self.state_published.emit(state)

    def alerts_fired(self, alerts: list[Alert]) -> None:
        """The service fired alerts (GUI thread)."""
        self.alerts_published.emit(list(alerts))


def open_folder(folder: Path) -> bool:
    """Show *folder* in the file manager; False when nothing could open it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the app does to the world outside its widgets; tests pass their own."""

    quit: Callable[[], None]
    """End the event loop (`QApplication.quit` in the app)."""
    open_folder: Callable[[Path], bool] = open_folder
    is_tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable


def _message(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, detail: str = ""
) -> QMessageBox:
    """A message box that shows server and file text as plain text."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if detail:
        box.setInformativeText(detail)
    return box


class TrayApp(QObject):
    """The running app: the service's reports go to the tray, the window and the
    notifier; what the user asks for there goes back to the service."""

    def __init__(
        self,
        engine: runtime.Engine,
        listener: AppListener,
        *,
        scheduler: QtScheduler,
        call_soon: QtCallSoon,
        hooks: Hooks,
        user_config: Config | None = None,
        config_path: Path | None = None,
        clock: Callable[[], datetime] = utc_now,
        tray: TrayIcon | None = None,
    ) -> None:
        """*tray* is the icon already shown while starting; without one, one is made."""
        from traysupport.ui.notify import Notifier  # noqa: PLC0415  # see the module doc
        from traysupport.ui.qtloop import ResumeWatch  # noqa: PLC0415
        from traysupport.ui.queue_window import QueueWindow  # noqa: PLC0415

        super().__init__()
        self.engine, self.service = engine, engine.service
        self._scheduler, self._call_soon, self._hooks = scheduler, call_soon, hooks
        self._user_config = user_config or engine.config
        self._config_path = config_path or paths.config_file()
        self._tz = engine.config.ui.tz
        self._clock = clock
        self.listener = listener
        self._boxes: list[QMessageBox] = []
        self._stopped = False
        if tray is None:
            tray = TrayIcon(
                self.service, now=clock, is_tray_available=hooks.is_tray_available, parent=self
            )
        self.tray = tray
        self.window = QueueWindow(self.service, demo=engine.config.is_demo, clock=clock)
        self.window.setWindowIcon(icons.app_icon())
        self.notifier = Notifier(self.tray.tray, parent=self)
        self.handover: HandoverDialog | None = None
        self.resume = ResumeWatch(self)
        self._rerender = QTimer(self)
        self._rerender.setSingleShot(True)
        self._rerender.setTimerType(Qt.TimerType.PreciseTimer)
        self._connect()

    def _connect(self) -> None:
        self.listener.state_published.connect(self._show_state)
        self.listener.alerts_published.connect(self.notifier.show)
        self._rerender.timeout.connect(self._render_again)
        self.resume.resumed.connect(self._resumed)
        self.tray.open_queue_requested.connect(self.show_window)
        self.tray.settings_requested.connect(self.open_settings)
        self.tray.about_requested.connect(self.show_about)
        self.tray.quit_requested.connect(self.quit)
        self.tray.tray_unavailable.connect(self._no_tray)
        self.tray.problem.connect(self._problem)
        self.window.setup_requested.connect(self.open_settings)
        self.notifier.action_invoked.connect(self.notification_action)

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Show the tray icon, start the service and watch for sleep."""
        self.tray.start()
        self.service.start()
        self.resume.start()
        if self.engine.store.moved_aside is not None:
            self._problem(
                f"The state database was damaged and was moved aside to "
                f"{self.engine.store.moved_aside}; traysupport started with a fresh one."
            )

    def stop(self) -> None:
        """Take the app down: no more callbacks, jobs, timers or windows (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._call_soon.close()  # results still on their way would find the store closed
        if self._scheduler.running:
            self._scheduler.pause()
        self.resume.stop()
        self._rerender.stop()
        self.notifier.close()
        for box in list(self._boxes):
            box.close()
        if self.handover is not None:
            self.handover.close()
        self.window.hide()
        self.window.deleteLater()
        self.tray.close()

    @Slot()
    def quit(self) -> None:
        """The user quit: stop, then end the event loop."""
        log.info("quitting")
        self.stop()
        self._hooks.quit()

    # -- the service's reports -----------------------------------------------------------

    @Slot(object)
    def _show_state(self, state: ServiceState) -> None:
        if self._stopped:
            return
        now = self._clock()
        view = tray_view(state, now, self._tz, self.engine.config.is_demo)
        self.tray.update(view)
        self.window.set_state(state)
        if self.handover is not None:
            self.handover.set_state(state)
        self._arm_rerender(view.next_change, now)

    def _arm_rerender(self, instant: datetime | None, now: datetime) -> None:
        """Draw the tray again when time alone changes what it shows."""
        if instant is None:
            self._rerender.stop()
            return
        ms = math.ceil((instant - now).total_seconds() * 1000)
        self._rerender.start(min(max(ms, 0), MAX_RERENDER_MS))

    @Slot()
    def _render_again(self) -> None:
        if self.listener.latest is not None:
            self._show_state(self.listener.latest)

    @Slot(float)
    def _resumed(self, jump: float) -> None:
        """After sleep: fetch now, and let what fell due meanwhile fire at once."""
        log.info("resumed (the clock moved %+.0f s); refreshing", jump)
        self.service.refresh_now()
        self._scheduler.wakeup()
        self._render_again()

    # -- what the user asks for ----------------------------------------------------------

    @Slot(str, str)
    def notification_action(self, alert_key: str, action: str) -> None:
        """A notification's button (an `AlertAction` value) or its body ("default")."""
        if self._stopped:
            return
        alert = self.notifier.alert(alert_key)  # None for a summary, or one long gone
        ticket = self._ticket(alert.subject) if alert is not None else None
        try:
            if action == AlertAction.ACKNOWLEDGE and ticket is not None:
                self.service.acknowledge(ticket)
            elif action == AlertAction.SNOOZE and ticket is not None:
                self.service.snooze(ticket, self._clock() + SNOOZE_FOR)
            elif action == AlertAction.HAND_OVER:
                self.open_handover(end_of_shift=True)
            else:  # open, the body, a summary, or a ticket now gone
                self.show_window(ticket.ref if ticket is not None else "")
        except ActionError as error:  # e.g. who I am on the team is not known yet
            self.show_window(ticket.ref if ticket is not None else "")
            self._tell(QMessageBox.Icon.Warning, "traysupport", str(error))

    def _ticket(self, ref: str) -> Ticket | None:
        state = self.listener.latest or self.service.state()
        return state.snapshot.ticket(ref) if ref else None

    def show_window(self, ref: str = "") -> None:
        """Bring the queue window forward, near the tray icon, on ticket *ref* if given."""
        if self._stopped:
            return
        geometry = self.tray.tray.geometry()
        self.window.show_near(geometry if geometry.isValid() else None)
        if ref:
            self.window.focus_ticket(ref)

    def open_handover(self, end_of_shift: bool = False) -> None:
        """The handover dialog, over the queue window (end of shift: all my open tickets)."""
        from traysupport.ui.handover_dialog import HandoverDialog  # noqa: PLC0415

        if self.window.handover_dialog is not None:
            self.window.handover_dialog.raise_()
            return
        if self.handover is None:
            self.show_window()
            dialog = HandoverDialog(
                self.service, end_of_shift=end_of_shift, clock=self._clock, parent=self.window
            )
            dialog.finished.connect(self._handover_closed)
            self.handover = dialog
            dialog.open()
        self.handover.raise_()
        self.handover.activateWindow()

    @Slot()
    def _handover_closed(self) -> None:
        if self.handover is not None:
            self.handover.deleteLater()
        self.handover = None

    @Slot()
    def open_settings(self) -> None:
        """Until there is a settings dialog: the config file's folder, with a file in it."""
        from traysupport.config import ConfigError, load_defaults, save_config  # noqa: PLC0415

        target = self._config_path
        try:
            if not target.exists():
                save_config(self._user_config, target, base=load_defaults())
        except (OSError, ConfigError) as error:
            self._problem(f"Could not write {target}: {error}")
            return
        if not self._hooks.open_folder(target.parent):
            self._problem(f"No file manager opened the settings folder. It is {target.parent}.")

    @Slot()
    def show_about(self) -> None:
        """The About box (non-modal)."""
        box = self._tell(
            QMessageBox.Icon.Information,
            "About traysupport",
            f"traysupport {__version__}\n\nDuty reminders, SLA alerts, acknowledge and hand "
            f"over for your support rotation.\n\nData: {self.engine.config.source_description}"
            f"\nSettings: {self._config_path}\nLog: {paths.log_file()}",
        )
        box.setIconPixmap(icons.app_icon().pixmap(64, 64))

    @Slot(str)
    def _no_tray(self, reason: str) -> None:
        """Without a tray the window is the app: show it, and say why (the tray says it once)."""
        self.show_window()
        self._tell(QMessageBox.Icon.Information, "No system tray", reason, self.window)

    @Slot(str)
    def _problem(self, text: str) -> None:
        log.warning("%s", text)
        self._tell(QMessageBox.Icon.Warning, "traysupport", text)

    def _tell(
        self, icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None
    ) -> QMessageBox:
        """A non-modal message box, kept until it is closed (and closed at quit)."""
        box = _message(parent, icon, title, text)
        self._boxes.append(box)
        box.finished.connect(self._forget_box)
        box.open()
        return box

    @Slot()
    def _forget_box(self) -> None:
        box = self.sender()
        if isinstance(box, QMessageBox) and box in self._boxes:
            self._boxes.remove(box)
            box.deleteLater()


@contextmanager
def running_app(
    config: Config,
    *,
    hooks: Hooks,
    speed: float = 1.0,
    instance: SingleInstance | None = None,
    user_config: Config | None = None,
    config_path: Path | None = None,
    starting: StartingTray | None = None,
) -> Iterator[TrayApp]:
    """The engine on the Qt scheduler, the UI on it, started; all taken down on exit.

    *starting* is the icon `show_starting_tray` put up: the app takes it over.
    Raises `runtime.SetupError`, `StoreError` or `OSError` when it cannot start.
    """
    from traysupport import runtime  # noqa: PLC0415  # see the module doc
    from traysupport.ui.qtloop import QtCallSoon, QtScheduler  # noqa: PLC0415

    scheduler = QtScheduler(timezone=UTC)
    call_soon = QtCallSoon()
    listener = AppListener()
    with runtime.open_engine(
        config,
        scheduler=scheduler,
        call_soon=call_soon.call_soon,
        listener=listener,
        demo_speed=speed,
    ) as engine:
        if starting is not None:
            starting.control.bind(engine.service)
        app = TrayApp(
            engine,
            listener,
            scheduler=scheduler,
            call_soon=call_soon,
            hooks=hooks,
            user_config=user_config,
            config_path=config_path,
            tray=starting.icon if starting is not None else None,
        )
        if instance is not None:
            instance.activated.connect(app.show_window)
        scheduler.start()
        try:
            app.start()
            yield app
        finally:
            app.stop()
            # The GUI is gone by now: waiting for a fetch in flight is invisible, and no
            # worker thread outlives the store it reports to.
            scheduler.shutdown(wait=True)


# -- the process ------------------------------------------------------------------------


class StartupError(Exception):
    """The app cannot start; the message says what to fix."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def show_startup_error(message: str) -> None:
    """Tell the user why the app cannot start (modal: there is nothing else to show)."""
    box = _message(
        None,
        QMessageBox.Icon.Critical,
        "traysupport cannot start",
        message,
        "Fix this and start traysupport again. `traysupport doctor` checks the settings.",
    )
    box.exec()


def _application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray lives on with every window closed
    return app


def _configs(args: argparse.Namespace) -> tuple[Config, Config]:
    """(the config to run, the user's own config as loaded)."""
    from traysupport.config import ConfigError, load_config  # noqa: PLC0415

    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise StartupError(str(error), EXIT_CONFIG) from error
    return (config.as_demo() if args.demo else config), config


def run_tray(args: argparse.Namespace) -> int:
    """The tray app until the user quits; returns the process exit code.

    The icon comes first, in its "starting" look; the engine is imported and built
    after it (see the module doc), and a failure there still ends in a message box.
    """
    app = _application()
    instance = SingleInstance()
    if not instance.acquire():
        log.info("traysupport is already running; asked it to show its window")
        return EXIT_OK
    hooks = Hooks(quit=app.quit)
    starting = show_starting_tray(hooks)
    try:
        return _run_engine(app, args, hooks, instance, starting)
    except StartupError as error:
        starting.icon.tray.hide()  # a "starting" icon must not stay beside the error
        return _failed(str(error), error.code)
    finally:
        instance.release()


def _run_engine(
    app: QApplication,
    args: argparse.Namespace,
    hooks: Hooks,
    instance: SingleInstance,
    starting: StartingTray,
) -> int:
    """Build the engine behind the icon and run the event loop; StartupError if it fails."""
    from traysupport import runtime  # noqa: PLC0415  # see the module doc
    from traysupport.store import StoreError  # noqa: PLC0415
    from traysupport.ui.qtloop import QuitOnSignals  # noqa: PLC0415

    signals = QuitOnSignals(app.quit)
    try:
        config, user_config = _configs(args)
        with running_app(
            config,
            hooks=hooks,
            speed=args.speed,
            instance=instance,
            user_config=user_config,
            config_path=args.config,
            starting=starting,
        ) as tray_app:
            app.aboutToQuit.connect(tray_app.stop)  # logout, or a signal
            return app.exec()
    except runtime.SetupError as error:
        message = f"{args.config or paths.config_file()}: {error}"
        raise StartupError(message, EXIT_CONFIG) from error
    except (StoreError, OSError) as error:
        raise StartupError(str(error), EXIT_FAILED) from error
    finally:
        signals.close()


def _failed(message: str, code: int) -> int:
    log.error("cannot start: %s", message)
    show_startup_error(message)
    return code


# -- the icon before the engine ---------------------------------------------------------


class StartingControl:
    """The tray menu's `SupportControl` while the engine is being built; then the service.

    The icon shows before the service exists, so its menu is wired to this stand-in,
    which passes every call on once `bind` has handed it the service. Until then it
    shows an empty state, and an action says to wait (no event loop runs before `bind`,
    so a click can hardly get here first).
    """

    def __init__(self) -> None:
        self._service: SupportControl | None = None
        self._empty = ServiceState(Snapshot(taken_at=utc_now()), None, (), AlertSettings())

    def bind(self, service: SupportControl) -> None:
        """From now on, pass every call on to *service*."""
        self._service = service

    def _target(self) -> SupportControl:
        if self._service is None:
            raise ActionError("traysupport is still starting; try again in a moment")
        return self._service

    def state(self) -> ServiceState:
        """The service's state; an empty one while starting."""
        return self._empty if self._service is None else self._service.state()

    def acknowledge(self, ticket: Ticket) -> UserAction:
        """See `SupportControl.acknowledge`."""
        return self._target().acknowledge(ticket)

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        """See `SupportControl.hand_over`."""
        return self._target().hand_over(ticket, to, note)

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        """See `SupportControl.snooze`."""
        return self._target().snooze(ticket, until)

    def retry(self, action_id: str) -> None:
        """See `SupportControl.retry`."""
        self._target().retry(action_id)

    def pause(self, until: datetime | None) -> None:
        """See `SupportControl.pause`."""
        self._target().pause(until)

    def refresh_now(self) -> None:
        """See `SupportControl.refresh_now`; while starting there is nothing to refresh."""
        if self._service is not None:  # the service polls as soon as it starts anyway
            self._service.refresh_now()


@dataclass(frozen=True, slots=True)
class StartingTray:
    """The icon shown while starting, and the stand-in control behind its menu."""

    icon: TrayIcon
    control: StartingControl


def show_starting_tray(hooks: Hooks) -> StartingTray:
    """Show the tray icon at once, off duty and "starting…", before the engine exists.

    Without a tray nothing shows here: the app says so once it runs (`TrayIcon.start`).
    """
    control = StartingControl()
    icon = TrayIcon(control, is_tray_available=hooks.is_tray_available)
    icon.tray.setToolTip(STARTING_TOOLTIP)
    if hooks.is_tray_available():
        icon.tray.show()
        _let_the_tray_embed(icon.tray)
    return StartingTray(icon, control)


def _let_the_tray_embed(tray: QSystemTrayIcon) -> None:
    """Run the event loop until an XEmbed tray has taken the icon in (its geometry moves
    from the origin into the panel) and painted it, at most `EMBED_TIMEOUT_MS`.

    The engine is built without an event loop running; an icon embedded but never
    painted would be an empty slot in the panel until then. A StatusNotifier tray (the
    D-Bus one, with no geometry to wait for) draws the icon itself: one turn sends it.
    """
    shown_at = tray.geometry()
    QCoreApplication.processEvents()
    if not shown_at.isValid():
        return
    loop = QEventLoop()
    poll, give_up = QTimer(loop), QTimer(loop)
    poll.setInterval(5)

    def embedded() -> None:
        if tray.geometry() != shown_at:
            loop.quit()

    poll.timeout.connect(embedded)
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    poll.start()
    give_up.start(EMBED_TIMEOUT_MS)
    loop.exec()
    # Stopped by hand: the closure keeps the loop, and so its timers, alive; a 5 ms
    # timer left running would cost idle CPU for as long as the app runs.
    poll.stop()
    give_up.stop()
    poll.timeout.disconnect(embedded)
    QCoreApplication.processEvents()  # the expose and paint that follow embedding
