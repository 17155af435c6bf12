"""The settings window: Sources, Notifications and General, built from the schema.

Every setting of `traysupport.config_schema.SETTINGS` appears once: the tables in
`NOTIFICATION_SECTIONS` on the Notifications page, all others (the top-level ``me``,
display, polling, and any table added later) on General; each provider's fields come
from its spec. So a new setting or provider shows up here without code in this package.

Save (Ctrl+S) checks each value with its kind (the loader's words, shown under the
field), keeps typed tokens in the keyring, writes the user's file through
`traysupport.config_edit` (comments and layout kept, atomic, checked by the real
loader: what it refuses is shown where it belongs, and nothing is written), then hands
the settings now in effect to *apply* (the running app's `apply_config`), so they take
effect without a restart. Esc closes without saving.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from traysupport import tokens
from traysupport.config import Config, ConfigError
from traysupport.config_schema import SETTINGS
from traysupport.config_source_schema import SourceConfig
from traysupport.core.model import Person
from traysupport.ui.settings_check import ConnectionChecks
from traysupport.ui.settings_form import SettingsForm
from traysupport.ui.settings_model import (
    UNSET,
    SettingsFiles,
    load_settings,
    save_settings,
)
from traysupport.ui.settings_source_dialog import Check
from traysupport.ui.settings_sources import SourcesPage

log = logging.getLogger(__name__)

NOTIFICATION_SECTIONS = ("alerts", "sla")
"""The settings tables shown on the Notifications page; every other one is on General."""
PAGES = ("sources", "notifications", "general")
PAUSES: tuple[tuple[str, timedelta | None], ...] = (
    ("&Pause 1 hour", timedelta(hours=1)),
    ("Pause &4 hours", timedelta(hours=4)),
    ("&Resume", None),
)
WINDOW_KEYS = frozenset("ongscp4r")
"""The mnemonics of the tabs, Save, Close and `PAUSES`: the pages' fields use others (a
shared key would move among them: Alt+S would focus "&Sound" instead of saving)."""


def page_of(key: str) -> str:
    """The page a setting is shown on."""
    return "notifications" if key.partition(".")[0] in NOTIFICATION_SECTIONS else "general"


def real_check(config: Config) -> Check:
    """Test a source with `traysupport.source_check` (blocking: run it on a worker)."""

    def check(source: SourceConfig, token: str | None) -> object:
        from traysupport.source_check import check_source  # noqa: PLC0415  # runtime, heavy

        return check_source(source, config, token=token)

    return check


def keyring_words() -> tuple[bool, str]:
    """Whether tokens can be kept, and what to say when they cannot."""
    status = tokens.keyring_status()
    return status.works, "" if status.works else status.summary[:1].upper() + status.summary[1:]


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


class SettingsWindow(QDialog):
    """The settings of *files*; `saved(Config)` after each Save that took."""

    saved = Signal(object)

    def __init__(
        self,
        files: SettingsFiles,
        *,
        apply: Callable[[Config], None] | None = None,
        check: Check | None = None,
        people: Sequence[Person] = (),
        pause: Callable[[timedelta | None], None] | None = None,
        providers: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        """*pause* pauses notifications for a span (None: resume) at once, as the tray's
        Pause menu does; without it the General page offers no pause."""
        super().__init__(parent)
        # Qt adds the app's name on screen: "Settings — traysupport", said once.
        self.setWindowTitle("Settings")
        self.files = files
        self._apply, self._given_check = apply, check
        self._check: Check = check or real_check(files.config)
        self._people, self._providers = people, providers
        self._pause = pause
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget()
        self.checks = ConnectionChecks(self)
        """Checks run here: a page rebuilt after Save does not cut off an answer."""
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("&Save")
        save.setToolTip("Save and apply (Ctrl+S)")
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save)
        self.resize(760, 640)
        self._build()

    # -- pages ---------------------------------------------------------------------------

    def _build(self) -> None:
        """(Re)build the pages from `files`, on the page shown before."""
        shown = self.tabs.currentIndex()
        while self.tabs.count():
            page = self.tabs.widget(0)
            self.tabs.removeTab(0)
            if page is not None:
                page.deleteLater()
        self._check = self._given_check or real_check(self.files.config)
        works, why = keyring_words()
        self.sources = SourcesPage(
            self.files.sources,
            keyring=(works, why),
            token_kept=tokens.has_token,
            check=self._check,
            checks=self.checks,
            providers=self._providers,
        )
        rows = {page: [s for s in SETTINGS.values() if page_of(s.key) == page] for page in PAGES}
        # Alerts first: what to be told of and when comes before the SLA targets.
        rows["notifications"].sort(key=lambda s: NOTIFICATION_SECTIONS.index(s.section))
        self.forms = {
            page: SettingsForm(
                rows[page],
                self.files.values,
                fixed=self.files.fixed,
                suggestions={"me": self._people_items()} if page == "general" else None,
                mnemonics=set(WINDOW_KEYS),
            )
            for page in ("notifications", "general")
        }
        general = QWidget()
        column = QVBoxLayout(general)
        if self._pause is not None:
            column.addLayout(self._pause_row())
        column.addWidget(self.forms["general"], 1)
        self.tabs.addTab(self.sources, "S&ources")
        self.tabs.addTab(_scrolled(self.forms["notifications"]), "&Notifications")
        self.tabs.addTab(_scrolled(general), "&General")
        self.tabs.setCurrentIndex(max(shown, 0))
        self._show_problems(self.files.problems, saved=False)

    def _pause_row(self) -> QHBoxLayout:
        """Pause notifications for a while, or resume: at once, not on Save."""
        row = QHBoxLayout()
        row.addWidget(QLabel("Notifications:"))
        for text, span in PAUSES:
            button = QPushButton(text)
            button.setObjectName(f"pause:{text}")
            button.clicked.connect(partial(self._paused, span))
            row.addWidget(button)
        row.addStretch()
        return row

    def _paused(self, span: timedelta | None) -> None:
        if self._pause is not None:
            self._pause(span)
            hours = 0 if span is None else round(span / timedelta(hours=1))
            text = f"paused for {hours} hour{'s' if hours != 1 else ''}" if hours else "resumed"
            self._say(f"Notifications {text}.", ok=True)

    def _people_items(self) -> list[tuple[str, str]]:
        """The people the sources know, offered for ``me`` (shown by name, kept by id)."""
        items = [("(ask the sources who the token belongs to)", "")]
        items += [(f"{p.name} ({p.id})", p.id) for p in self._people]
        return items

    def show_page(self, page: str) -> None:
        """Show page *page* ("sources", "notifications" or "general")."""
        self.tabs.setCurrentIndex(PAGES.index(page))

    # -- saving --------------------------------------------------------------------------

    def setting_changes(self) -> dict[str, object]:
        """The settings the user changed: TOML values by key (`UNSET`: back to the
        default, when no team value is under it)."""
        changes: dict[str, object] = {}
        for form in self.forms.values():
            for key, value in form.changed().items():
                row = SETTINGS[key]
                at_default = value == row.kind.dump(row.default)
                changes[key] = UNSET if at_default and key not in self.files.fixed else value
        return changes

    @Slot()
    def save(self) -> bool:
        """Check, keep tokens, write and apply; False (and the problems shown) if refused."""
        problems = [p for form in self.forms.values() for p in form.check()]
        if problems:
            self._say("Not saved: " + "\n".join(problems), ok=False)
            return False
        try:
            config = save_settings(self.files, self.setting_changes(), self.sources.sources)
        except ConfigError as error:
            self._show_problems(error.problems, saved=True)
            return False
        except (tokens.SecretError, OSError) as error:
            self._say(f"Not saved: {error}", ok=False)
            return False
        self.files = load_settings(self.files.path, self.files.team_defaults)
        self._build()
        applied = self._apply_config(config)
        self._say(f"Saved to {self.files.path}. {applied}", ok=True)
        self.saved.emit(config)
        return True

    def _apply_config(self, config: Config) -> str:
        if self._apply is None:
            return "They take effect the next time traysupport starts."
        try:
            self._apply(config)
        except Exception:  # saved is saved; the user hears it did not take effect yet
            log.exception("applying the saved settings failed")
            return "They could not be applied now (see the log); restart traysupport."
        return "Applied."

    def _show_problems(self, problems: Sequence[str], *, saved: bool) -> None:
        """Show the loader's *problems* under the fields they name; the rest on top."""
        rest = list(problems)
        for form in self.forms.values():
            rest = form.show_problems(rest)
        if not problems:
            self._say("", ok=True)
            return
        head = "Not saved: " if saved else "Your settings file has problems: "
        self._say(head + "\n".join(rest or ["see the fields marked below."]), ok=False)

    def _say(self, text: str, *, ok: bool) -> None:
        self.banner.setStyleSheet("" if ok else "color: #b00020;")
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
