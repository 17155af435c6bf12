"""Opening the settings window from the running app, and the welcome of a first start.

The tray's "Settings…", the queue window's "set up" link and the welcome's "Set up my
team" all come here: one settings window at a time, raised when it is open already,
made on the user's files as they are when it opens. A first start (no settings file)
shows the welcome (`welcome`); what it decides ends here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from traysupport.config import Config, ConfigError, find_team_defaults
from traysupport.core.model import Person
from traysupport.ui.settings_model import load_settings
from traysupport.ui.settings_window import SettingsWindow
from traysupport.ui.welcome import DEMO, WelcomeDialog

log = logging.getLogger(__name__)

WELCOME_HOLD = timedelta(hours=1)
"""How long a first start holds notifications at most while the user chooses."""


class SettingsLauncher(QObject):
    """The settings window and the welcome of the app using *config_path*.

    *apply* takes the settings after a Save (the running app's `apply_config`); *people*
    gives the people the sources know (offered as "me"); *pause* pauses notifications
    for a span (None: resume).
    `problem(text)` when something cannot be done.
    """

    problem = Signal(str)

    def __init__(
        self,
        config_path: Path,
        *,
        apply: Callable[[Config], None] | None = None,
        people: Callable[[], Sequence[Person]] = tuple,
        pause: Callable[[timedelta | None], None] | None = None,
        team_defaults: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config_path = config_path
        self._apply, self._people = apply, people
        self._team, self._pause = team_defaults, pause
        self.window: SettingsWindow | None = None
        self.welcome: WelcomeDialog | None = None
        self._holding = False
        """Notifications are paused while a first start chooses (see `welcome_if_new`)."""

    @property
    def team_defaults(self) -> Path | None:
        """The team's defaults file, if there is one."""
        return self._team or find_team_defaults()

    def open(self, page: str = "sources", *, add: bool = False) -> SettingsWindow:
        """Show the settings window on *page*; *add*: open Add source on it at once (or,
        when the team's defaults declare sources, the first of them for its token)."""
        if self.window is None:
            files = load_settings(self.config_path, self.team_defaults)
            providers = list(dict.fromkeys(s.provider for s in files.sources if s.team))
            self.window = SettingsWindow(
                files,
                apply=self._apply,
                people=self._people(),
                pause=self._pause,
                providers=providers,
            )
            self.window.finished.connect(self._closed)
        self.window.show_page(page)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        if add:
            sources = self.window.sources
            sources.edit() if sources.sources else sources.add()
        return self.window

    @Slot()
    def _closed(self) -> None:
        if self.window is not None:
            self.window.deleteLater()
        self.window = None
        self._release()

    def _release(self) -> None:
        """End the first start's hold on notifications (once the user has chosen)."""
        if self._holding and self._pause is not None:
            self._holding = False
            self._pause(None)

    def welcome_if_new(self) -> bool:
        """Show the welcome when there is no settings file yet; True when shown."""
        if self.config_path.exists() or self.welcome is not None:
            return False
        files = load_settings(self.config_path, self.team_defaults)
        self.welcome = WelcomeDialog([s.name for s in files.sources if s.team])
        self.welcome.chosen.connect(self._chosen)
        self.welcome.finished.connect(self._welcome_closed)
        if self._pause is not None:
            # The app runs on the made-up team behind the welcome: its reminders and
            # tickets must not pop up before the user has chosen it.
            self._pause(WELCOME_HOLD)
            self._holding = True
        self.welcome.show()
        return True

    @Slot(str)
    def _chosen(self, choice: str) -> None:
        if choice == DEMO:
            self._remember_demo()
            self._release()
        else:
            self.open("sources", add=True)

    def _remember_demo(self) -> None:
        """A settings file that changes nothing: the demo team, and no welcome next time."""
        from traysupport.config_edit import open_edit  # noqa: PLC0415  # tomlkit: only here

        try:
            open_edit(self.config_path, self.team_defaults).save()
        except (ConfigError, OSError) as error:
            self.problem.emit(f"Could not write {self.config_path}: {error}")

    @Slot()
    def _welcome_closed(self) -> None:
        if self.welcome is not None:
            self.welcome.deleteLater()
        self.welcome = None
        if self.window is None:  # closed without a choice: nothing to wait for
            self._release()

    def close(self) -> None:
        """Close the window and the welcome (the app quits)."""
        for dialog in (self.window, self.welcome):
            if dialog is not None:
                dialog.close()
