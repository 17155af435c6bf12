"""The running tray app: the service's reports to the tray, the queue window and the
notifier; what the user asks for there back to the service.

Two threads (`traysupport.home`): the service, its store and its alert timer run on a
home thread of their own, so no poll, store write or evaluation holds the GUI thread.
The widgets hold a `HomeControl`, which answers at once and posts what the user asks
for to the home thread. The service's reports come back through `AppListener`
(`app_listener`), which also works out on the home thread what the tray and the window
will show of a new state, so the GUI thread only puts it on screen.

`app.running_app` composes it; the queue window, the notifier and the handover dialog
are imported where they are made, after the "starting" icon (see `app`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget

from traysupport import __version__, latency, paths
from traysupport.home_control import HomeControl
from traysupport.service import ServiceState, utc_now
from traysupport.ui import icons
from traysupport.ui.app_listener import AppListener, Published
from traysupport.ui.live_config import LiveConfig, MakeHome, home_maker
from traysupport.ui.notification_actions import NotificationActions
from traysupport.ui.presenter import TrayView
from traysupport.ui.tray import TrayIcon

if TYPE_CHECKING:
    from traysupport import runtime
    from traysupport.config import Config
    from traysupport.home import ServiceHome
    from traysupport.ui.handover_dialog import HandoverDialog
    from traysupport.ui.queue_model import ChangeMarks, Rows

log = logging.getLogger(__name__)

MAX_RERENDER_MS = 3_600_000
SWEEP_MS = round(latency.SWEEP_SECONDS * 1000)
SWEEP_RETRY_MS = 60_000
"""While a window is shown, the next look for a moment when none is."""


def open_folder(folder: Path) -> bool:
    """Show *folder* in the file manager; False when nothing could open it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the app does to the world outside its widgets; tests pass their own."""

    quit: Callable[[], None]
    """End the event loop: `QCoreApplication.exit` in the app (see the module doc)."""
    open_folder: Callable[[Path], bool] = open_folder
    is_tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable


def message_box(
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
    notifier; what the user asks for there goes back to the service's home thread."""

    def __init__(
        self,
        engine: runtime.Engine,
        listener: AppListener,
        *,
        home: ServiceHome,
        control: HomeControl,
        hooks: Hooks,
        user_config: Config | None = None,
        config_path: Path | None = None,
        clock: Callable[[], datetime] = utc_now,
        tray: TrayIcon | None = None,
        make_home: MakeHome | None = None,
    ) -> None:
        """*tray* is the icon already shown while starting; without one, one is made.
        *make_home* makes the engine's home when changed settings need a new one."""
        from traysupport.ui.notify import Notifier  # noqa: PLC0415  # see the module doc
        from traysupport.ui.qtloop import ResumeWatch  # noqa: PLC0415
        from traysupport.ui.queue_window import QueueWindow  # noqa: PLC0415
        from traysupport.ui.settings_launch import SettingsLauncher  # noqa: PLC0415

        super().__init__()
        self.engine, self.home, self.control = engine, home, control
        self._hooks = hooks
        self._user_config = user_config or engine.config
        self._config_path = config_path or paths.config_file()
        self._clock = clock
        self.listener = listener
        self._boxes: list[QMessageBox] = []
        self._stopped = False
        if tray is None:
            tray = TrayIcon(
                control, now=clock, is_tray_available=hooks.is_tray_available, parent=self
            )
        self.tray = tray
        self.window = QueueWindow(control, demo=engine.config.is_demo, clock=clock)
        self.window.setWindowIcon(icons.app_icon())
        self.notifier = Notifier(self.tray.tray, sounds=engine.config.alerts.sound, parent=self)
        self.handover: HandoverDialog | None = None
        self.notification_actions = NotificationActions(
            control,
            self.window,
            alert=self.notifier.alert,
            clock=clock,
            show_window=self.show_window,
            open_handover=partial(self.open_handover, end_of_shift=True),
            warn=partial(self._tell, QMessageBox.Icon.Warning, "traysupport"),
        )
        self.settings = SettingsLauncher(
            self._config_path,
            apply=self.apply_config,
            people=lambda: self.control.state().snapshot.people,
            pause=lambda span: control.pause(None if span is None else clock() + span),
            parent=self,
        )
        self.settings.problem.connect(self._problem)
        self.live = LiveConfig(
            home=home,
            engine=engine,
            listener=listener,
            control=control,
            make_home=make_home or home_maker(listener, clock=clock),
            forced_demo=engine.config.is_demo and not self._user_config.is_demo,
            parent=self,
        )
        self.resume = ResumeWatch(self)
        self._rerender = QTimer(self)
        self._rerender.setSingleShot(True)
        self._rerender.setTimerType(Qt.TimerType.PreciseTimer)
        self._rows_shown: Rows = []
        self._sweeper = QTimer(self)
        self._sweeper.setSingleShot(True)
        self._connect()

    def _connect(self) -> None:
        self.listener.published.connect(self._show)
        self.listener.view_changed.connect(self._show_view)
        self.listener.alerts_published.connect(self.notifier.show)
        self.listener.problem.connect(self._problem)
        self._rerender.timeout.connect(self._render_again)
        self._sweeper.timeout.connect(self._sweep)
        self.resume.resumed.connect(self._resumed)
        self.tray.open_queue_requested.connect(self.show_window)
        self.tray.open_schedule_requested.connect(self.show_schedule)
        self.tray.settings_requested.connect(self.open_settings)
        self.tray.about_requested.connect(self.show_about)
        self.tray.quit_requested.connect(self.quit)
        self.tray.tray_unavailable.connect(self._no_tray)
        self.tray.problem.connect(self._problem)
        self.window.setup_requested.connect(self.open_settings)
        self.live.problem.connect(self._problem)
        self.live.applied.connect(self._applied)
        self.live.switched.connect(self._switched)
        self.notifier.action_invoked.connect(self.notification_action)

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Show the tray icon, start the service and watch for sleep."""
        self.tray.start()
        self.home.start_service()
        self.live.watch(self._config_path, self.settings.team_defaults)
        self.resume.start()
        self._sweeper.start(SWEEP_MS)
        log.info("running (%s)", self.engine.config.source_description)
        if self.engine.store.moved_aside is not None:
            self._problem(
                f"The state database was damaged and was moved aside to "
                f"{self.engine.store.moved_aside}; traysupport started with a fresh one."
            )

    def stop(self) -> None:
        """Take the widgets down: no more callbacks, timers or windows (idempotent).
        The engine is stopped by whoever started it (`running_app`)."""
        if self._stopped:
            return
        self._stopped = True
        self.control.unbind()  # nothing the user does from now on would be recorded
        self.live.stop()
        self.resume.stop()
        self._rerender.stop()
        self._sweeper.stop()
        self.notifier.close()
        for box in list(self._boxes):
            box.close()
        if self.handover is not None:
            self.handover.close()
        self.settings.close()
        self.window.hide()
        self.window.deleteLater()
        self.tray.close()

    @Slot()
    def quit(self) -> None:
        """The user (or a signal) asked to quit: stop, then end the event loop."""
        log.info("quitting")
        self.stop()
        self._hooks.quit()

    def apply_config(self, config: Config) -> None:
        """Run on the user's settings *config* from now on, without a restart (the
        settings window's Save); returns at once, what fails is told (`live_config`)."""
        self.live.apply(config)

    @Slot(object)
    def _applied(self, config: Config) -> None:
        self.listener.configure(tz=config.ui.tz, demo=config.is_demo)
        self.window.set_demo(config.is_demo)
        self.notifier.set_sounds(config.alerts.sound)
        self._render_again()

    @Slot(object, object)
    def _switched(self, home: ServiceHome, engine: runtime.Engine) -> None:
        self.home, self.engine = home, engine

    # -- the service's reports -----------------------------------------------------------

    @Slot(object)
    def _show(self, made: Published) -> None:
        if self._stopped:
            return
        shown, view = self.control.state(), made.view
        rows: Rows | None = made.rows
        marks: ChangeMarks | None = made.marks
        if shown is not made.state:
            # The user's own calls are not reported back yet: show them, worked out here
            # (rare, and only in the moment after a click).
            view, rows, marks = self.listener.view(shown, self._clock()), None, None
        self._show_view(made.state, view)
        self.window.set_state(shown, rows, marks)
        if self.handover is not None:
            self.handover.set_state(shown)
        # The window let go of the rows it showed: free them on the home thread, where
        # 10,000 of them take their ~3 ms, not here.
        shown_before, self._rows_shown = self._rows_shown, made.rows
        self.home.call_soon(shown_before.clear)

    @Slot(object, object)
    def _show_view(self, state: ServiceState, view: TrayView) -> None:
        if self._stopped or state is not self.listener.latest:
            return  # drawn again for a state that a newer one has replaced since
        self.tray.update(view)
        self._arm_rerender(view.next_change, self._clock())

    def _arm_rerender(self, instant: datetime | None, now: datetime) -> None:
        """Draw the tray again when time alone changes what it shows."""
        if instant is None:
            self._rerender.stop()
            return
        ms = math.ceil((instant - now).total_seconds() * 1000)
        self._rerender.start(min(max(ms, 0), MAX_RERENDER_MS))

    @Slot()
    def _render_again(self) -> None:
        state = self.listener.latest
        if state is not None and not self._stopped:
            self.home.call_soon(partial(self.listener.render_again, state))

    @Slot()
    def _sweep(self) -> None:
        """Collect frozen garbage (see `latency`) while no window is there to stall."""
        if any(w.isVisible() for w in QApplication.topLevelWidgets()):
            self._sweeper.start(SWEEP_RETRY_MS)
            return
        latency.sweep()
        self._sweeper.start(SWEEP_MS)

    @Slot(float)
    def _resumed(self, jump: float) -> None:
        """After sleep: fetch now, and let what fell due meanwhile fire at once."""
        log.info("resumed (the clock moved %+.0f s); refreshing", jump)
        self.control.refresh_now()
        self.home.wake()
        self._render_again()

    # -- what the user asks for ----------------------------------------------------------

    @Slot(str, str)
    def notification_action(self, alert_key: str, action: str) -> None:
        """A notification's button (an `AlertAction` value) or its body ("default");
        what it does is `notification_actions`'."""
        if not self._stopped:
            self.notification_actions.invoke(alert_key, action)

    def show_window(self, ref: str = "") -> None:
        """Bring the queue window forward, near the tray icon, on ticket *ref* if given."""
        if self._stopped:
            return
        geometry = self.tray.tray.geometry()
        self.window.show_near(geometry if geometry.isValid() else None)
        if ref:
            self.window.focus_ticket(ref)
        log.info("queue window shown")

    def show_schedule(self) -> None:
        """The queue window on its Schedule tab (a status line of the tray menu)."""
        self.show_window()
        self.window.show_schedule()

    def open_handover(self, end_of_shift: bool = False) -> None:
        """The handover dialog, over the queue window (end of shift: all my open tickets)."""
        from traysupport.ui.handover_dialog import HandoverDialog  # noqa: PLC0415

        if self.window.handover_dialog is not None:
            self.window.handover_dialog.raise_()
            return
        if self.handover is None:
            self.show_window()
            dialog = HandoverDialog(
                self.control, end_of_shift=end_of_shift, clock=self._clock, parent=self.window
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
        """The settings window (one at a time; raised when open already)."""
        self.settings.open()

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
        box = message_box(parent, icon, title, text)
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
