"""The tray icon and its menu: status at a glance, and the user's few levers.

`TrayIcon` shows a `TrayView` (worked out by `presenter.tray_view`) and turns clicks into
calls on the `SupportControl` or into signals for the app to act on. A left click opens
the queue; the context menu holds, in order: the demo notice (demo team only), status
lines (enabled, so drawn in normal text: each opens the window's Schedule tab), Open
queue, Pause notifications ▸, Sources ▸, Refresh now, Settings…, Start at login, Open
log folder, About, Quit. The Sources submenu lists every source with its
provider and state (ok, down since when and why, or showing saved data); its title says
how many are down, and the icon says a source is down while any is.

When there is no system tray (GNOME without the AppIndicator extension, a bare window
manager, the offscreen platform of the tests), the icon does not crash the app: it says
why once, through `tray_unavailable`, checks again every 10 s, and shows itself as soon
as a tray appears (`tray_available`). A tray is often missing at login for a few
seconds, before the panel has started.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo
from functools import partial

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from traysupport import paths
from traysupport.core.timefmt import format_clock, local
from traysupport.service import utc_now
from traysupport.ui import icons
from traysupport.ui.autostart import Autostart, AutostartError, autostart_for
from traysupport.ui.ports import SupportControl
from traysupport.ui.presenter import DEMO_LINE, TrayState, TrayView
from traysupport.ui.source_health import SourceLine

log = logging.getLogger(__name__)

RETRY_MS = 10_000
"""How often to look for a tray while there is none."""
MORNING = time(9, 0)
"""The local time "Pause until tomorrow morning" resumes at."""
SHORT_PAUSES = (("For 30 minutes", timedelta(minutes=30)), ("For 1 hour", timedelta(hours=1)))


def menu_text(text: str) -> str:
    """*text* for a menu item, shown as written: "&" would otherwise mark a shortcut key."""
    return text.replace("&", "&&")


def tray_missing_message(desktop: str) -> str:
    """Why there is no tray icon and how to get one, for ``XDG_CURRENT_DESKTOP`` *desktop*."""
    tail = (
        " traysupport keeps running and notifications still arrive; the icon appears "
        "by itself as soon as a tray is there."
    )
    if icons.is_gnome(desktop):
        return (
            "GNOME shows tray icons only with the AppIndicator extension. Install it "
            "(Debian and Ubuntu: sudo apt install gnome-shell-extension-appindicator; "
            "Fedora: sudo dnf install gnome-shell-extension-appindicator), turn it on in "
            "the Extensions app, then log out and back in." + tail
        )
    where = f"this desktop ({desktop})" if desktop else "this desktop"
    return (
        f"No system tray was found on {where}. Add a system tray (also called "
        "notification area or status notifier) to your panel." + tail
    )


def next_morning(now: datetime, tz: tzinfo) -> datetime:
    """The next 09:00 in *tz* after *now*: today's before nine, else tomorrow's (in UTC)."""
    today = local(now, tz)
    day = today.date() if today.time() < MORNING else today.date() + timedelta(days=1)
    # Through the zone's own rules, so a DST change overnight still gives 09:00 local.
    return datetime.combine(day, MORNING, tzinfo=tz).astimezone(now.tzinfo)


class TrayIcon(QObject):
    """The tray icon: shows a `TrayView`, offers the menu, reports what the user asked for.

    *now* is the clock for pause times; *autostart* the start-at-login backend (this
    system's by default); *is_tray_available* asks whether a tray exists (Qt's check when
    None); *open_url* opens the log folder; *desktop* is ``XDG_CURRENT_DESKTOP`` (read from
    the environment when None), for the advice when there is no tray. All but *control*
    are there for tests.
    """

    open_queue_requested = Signal()
    settings_requested = Signal()
    about_requested = Signal()
    quit_requested = Signal()
    open_schedule_requested = Signal()
    """A status line was chosen: show the window on its Schedule tab."""
    tray_unavailable = Signal(str)
    """There is no tray; the text says why and how to get one. Emitted once."""
    tray_available = Signal()
    """A tray appeared after `tray_unavailable`; the icon shows now."""
    problem = Signal(str)
    """Something asked from the menu failed (start at login, the log folder); says why."""

    def __init__(
        self,
        control: SupportControl,
        *,
        now: Callable[[], datetime] = utc_now,
        autostart: Autostart | None = None,
        is_tray_available: Callable[[], bool] | None = None,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
        desktop: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._control = control
        self._now = now
        self._autostart = autostart if autostart is not None else autostart_for()
        self._is_tray_available = is_tray_available or QSystemTrayIcon.isSystemTrayAvailable
        self._open_url = open_url
        self._desktop = os.environ.get("XDG_CURRENT_DESKTOP", "") if desktop is None else desktop
        self._view: TrayView | None = None
        self._told_unavailable = False
        self._tray = QSystemTrayIcon(self)
        self._tray.setIcon(icons.tray_icon(TrayState.OFF_DUTY, dark_panel=self._dark_panel()))
        self._tray.setToolTip("traysupport")
        self._tray.activated.connect(self._activated)
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._look_for_tray)
        self._menu = QMenu()
        self._menu.setObjectName("tray-menu")
        self._status: list[QAction] = []
        self._build_menu()
        self._menu.aboutToShow.connect(self._refresh_menu)
        self._tray.setContextMenu(self._menu)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._repaint)

    # -- what tests and the app reach ----------------------------------------------------

    @property
    def menu(self) -> QMenu:
        """The context menu."""
        return self._menu

    @property
    def retry_timer(self) -> QTimer:
        """The timer that looks for a tray while there is none."""
        return self._retry

    @property
    def tray(self) -> QSystemTrayIcon:
        """The Qt tray icon itself."""
        return self._tray

    def start(self) -> None:
        """Show the icon, or say there is no tray and keep looking for one."""
        if self._is_tray_available():
            self._tray.show()
            return
        if not self._told_unavailable:
            self._told_unavailable = True
            message = tray_missing_message(self._desktop)
            log.warning("no system tray: %s", message)
            self.tray_unavailable.emit(message)
        self._retry.start()

    def close(self) -> None:
        """Hide the icon and stop looking for a tray (at quit)."""
        self._retry.stop()
        self._tray.hide()
        self._tray.setContextMenu(None)  # type: ignore[arg-type]  # the stubs lack None
        self._menu.deleteLater()

    def update(self, view: TrayView) -> None:
        """Show *view*: icon, tooltip, status lines and the pause items."""
        self._view = view
        self._repaint()
        self._tray.setToolTip(view.tooltip)
        self._set_status(view)
        self._set_sources(view.sources, view.sources_down)
        self._resume.setEnabled(view.paused_until is not None)
        self._refresh_menu()

    # -- menu ----------------------------------------------------------------------------

    def _action(self, menu: QMenu, text: str, name: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, menu)  # parented: PySide6 collects parentless actions
        action.setObjectName(name)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menu(self) -> None:
        menu = self._menu
        self._demo = self._action(menu, menu_text(DEMO_LINE), "demo", self.settings_requested.emit)
        self._demo.setVisible(False)
        # The demo notice is a command, not one of the status lines after it.
        self._demo_end = menu.addSeparator()
        self._demo_end.setObjectName("demo-end")
        self._demo_end.setVisible(False)
        self._status_end = menu.addSeparator()
        self._status_end.setObjectName("status-end")
        opener = self._action(menu, "&Open queue", "open-queue", self.open_queue_requested.emit)
        menu.setDefaultAction(opener)
        self._build_pause_menu()
        self._build_sources_menu()
        self._action(menu, "&Refresh now", "refresh", self._control.refresh_now)
        menu.addSeparator()
        self._action(menu, "&Settings…", "settings", self.settings_requested.emit)
        self._login = QAction("Start at &login", menu)
        self._login.setObjectName("start-at-login")
        self._login.setCheckable(True)
        self._login.triggered.connect(self._set_start_at_login)
        menu.addAction(self._login)
        if not self._autostart.is_supported():
            self._login.setEnabled(False)
            self._login.setToolTip(self._autostart.why_unsupported())
        self._action(menu, "Open log &folder", "log-folder", self._open_log_folder)
        menu.addSeparator()
        self._action(menu, "&About traysupport", "about", self.about_requested.emit)
        self._action(menu, "&Quit", "quit", self.quit_requested.emit)
        menu.setToolTipsVisible(True)

    def _build_pause_menu(self) -> None:
        pause = QMenu("&Pause notifications", self._menu)
        pause.setObjectName("pause-menu")
        pause.menuAction().setObjectName("pause")
        for i, (text, span) in enumerate(SHORT_PAUSES):
            self._action(pause, text, f"pause-{i}", partial(self._pause_for, span))
        self._morning = self._action(
            pause, "Until 09:00 tomorrow", "pause-morning", self._pause_morning
        )
        pause.addSeparator()
        self._resume = self._action(pause, "&Resume notifications", "resume", self._resume_now)
        self._resume.setEnabled(False)
        self._menu.addMenu(pause)

    def _build_sources_menu(self) -> None:
        sources = QMenu("So&urces", self._menu)
        sources.setObjectName("sources-menu")
        sources.menuAction().setObjectName("sources")
        self._sources = sources
        self._source_items: list[QAction] = []
        self._menu.addMenu(sources)
        self._set_sources((), 0)

    def _set_sources(self, lines: tuple[SourceLine, ...], down: int) -> None:
        """One read-only item per source; the title counts the ones that are down."""
        self._sources.setTitle(f"So&urces — {down} down" if down else "So&urces")
        for action in self._source_items:
            self._sources.removeAction(action)
            action.deleteLater()
        texts = [menu_text(line.text) for line in lines] or ["No sources yet"]
        self._source_items = []
        for i, text in enumerate(texts):
            action = QAction(text, self._sources)  # parented: PySide6 collects parentless ones
            action.setObjectName(f"source-{i}")
            action.setEnabled(False)  # information, not a command
            self._sources.addAction(action)
            self._source_items.append(action)

    def _set_status(self, view: TrayView) -> None:
        """The status lines, as enabled items: a disabled one is drawn grey, hard to read."""
        for action in self._status:
            self._menu.removeAction(action)
            action.deleteLater()
        self._status = []
        for i, line in enumerate(view.status_lines):
            action = QAction(menu_text(line), self._menu)
            action.setObjectName(f"status-{i}")
            action.setToolTip("Open the schedule")
            action.triggered.connect(self.open_schedule_requested.emit)
            self._menu.insertAction(self._status_end, action)
            self._status.append(action)
        self._demo.setVisible(view.demo)
        self._demo_end.setVisible(view.demo)

    def _refresh_menu(self) -> None:
        """Bring the items that depend on the clock or on the disk up to date."""
        now, tz = self._now(), self._tz()
        morning = next_morning(now, tz)
        when = format_clock(morning, tz)
        same_day = local(morning, tz).date() == local(now, tz).date()
        self._morning.setText(f"Until {when}" if same_day else f"Until {when} tomorrow")
        if self._autostart.is_supported():
            self._login.setChecked(self._autostart.is_enabled())

    # -- what the items do ---------------------------------------------------------------

    def _tz(self) -> tzinfo:
        return self._control.state().settings.tz

    def _pause_for(self, span: timedelta) -> None:
        self._control.pause(self._now() + span)

    def _pause_morning(self) -> None:
        self._control.pause(next_morning(self._now(), self._tz()))

    def _resume_now(self) -> None:
        self._control.pause(None)

    def _set_start_at_login(self, checked: bool) -> None:
        try:
            self._autostart.set_enabled(checked)
        except AutostartError as error:
            log.warning("start at login: %s", error)
            self._login.setChecked(not checked)
            self.problem.emit(str(error))

    def _open_log_folder(self) -> None:
        folder = paths.log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.problem.emit(f"Could not create the log folder {folder}: {error.strerror}.")
            return
        if not self._open_url(QUrl.fromLocalFile(str(folder))):
            self.problem.emit(
                f"No file manager opened the log folder. It is {folder}; open it by hand."
            )

    # -- icon ----------------------------------------------------------------------------

    def _dark_panel(self) -> bool:
        return icons.panel_is_dark(self._desktop)

    def _repaint(self) -> None:
        view = self._view
        if view is None:
            return
        mask = icons.use_mask(view.tray_state)
        warning = view.sources_down > 0
        dark = self._dark_panel()
        self._tray.setIcon(icons.tray_icon(view.tray_state, view.badge, dark, mask, warning))

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self.open_queue_requested.emit()

    def _look_for_tray(self) -> None:
        if not self._is_tray_available():
            return
        self._retry.stop()
        self._tray.show()
        log.info("a system tray appeared; showing the icon")
        self.tray_available.emit()
