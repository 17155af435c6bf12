"""The standard backend chain: the platform's notifications, then the tray's balloon.

`standard_backends` builds the chain `notify.Notifier` uses when it is given none:
`notify_dbus.NativeBackend` (imported here only, and only when notifying, because it
loads desktop-notifier and may be missing from a bundle), then `TrayBalloonBackend`.
The notifier adds its own `LogBackend` last.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from traysupport import paths, sounds
from traysupport.core.model import Urgency
from traysupport.ui.notify_types import (
    DEFAULT_ACTION,
    BackendEvents,
    BackendUnavailableError,
    Note,
    NoteBackend,
    failure_reason,
)

log = logging.getLogger(__name__)

_TRAY_ICONS = {
    Urgency.CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
    Urgency.NORMAL: QSystemTrayIcon.MessageIcon.Information,
    Urgency.LOW: QSystemTrayIcon.MessageIcon.NoIcon,
}
_TRAY_MSECS = {Urgency.CRITICAL: 0, Urgency.NORMAL: 10_000, Urgency.LOW: 5_000}
"""0: Qt's balloon stays until clicked (critical notes stay until handled)."""


class TrayBalloonBackend:
    """The tray icon's message balloon: plain text, one at a time, a click opens it.

    Qt shows the texts as plain text in its own balloon and in the native Windows and
    macOS ones, so nothing is escaped here. A note that sounds rings the system bell
    (*beep*: `QApplication.beep`): PySide6-Essentials has no QtMultimedia to play the
    alert sound, and the balloon has no sound of its own.
    """

    name = "tray messages"
    one_at_a_time = True

    def __init__(self, tray: QSystemTrayIcon, beep: Callable[[], None] = QApplication.beep) -> None:
        self._tray = tray
        self._beep = beep
        self._shown = ""
        self._events: BackendEvents | None = None
        tray.messageClicked.connect(self._clicked)

    def show(self, note: Note, events: BackendEvents) -> None:
        """Show *note* in the balloon, replacing the one shown before."""
        if not self._tray.supportsMessages():
            raise BackendUnavailableError("the tray cannot show messages")
        if not (QSystemTrayIcon.isSystemTrayAvailable() and self._tray.isVisible()):
            raise BackendUnavailableError("no tray icon is showing", transient=True)
        self._shown, self._events = note.id, events
        msecs = _TRAY_MSECS[note.urgency]
        self._tray.showMessage(note.title, note.body, _TRAY_ICONS[note.urgency], msecs)
        if note.sound:
            self._beep()

    def withdraw(self, note_id: str) -> None:
        """Qt cannot take a balloon back; the next message replaces it anyway."""

    def close(self) -> None:
        """Stop reporting clicks."""
        self._events = None
        with contextlib.suppress(RuntimeError, TypeError):  # the tray is gone already
            self._tray.messageClicked.disconnect(self._clicked)

    def _clicked(self) -> None:
        if self._events is not None and self._shown:
            self._events.action(self._shown, DEFAULT_ACTION)


def standard_backends(app_name: str, tray: QSystemTrayIcon | None) -> list[NoteBackend]:
    """The platform's notifications (when desktop-notifier loads), then *tray*'s balloon."""
    chain: list[NoteBackend] = []
    try:
        from traysupport.ui.notify_dbus import NativeBackend  # noqa: PLC0415 - optional
    except (ImportError, OSError) as exc:  # a bundle without it or its resources
        log.warning("desktop notifications are unavailable: %s", failure_reason(exc))
    else:
        chain.append(NativeBackend(app_name, icon_file(), sound_file=sounds.alert_sound()))
    if tray is not None:
        chain.append(TrayBalloonBackend(tray))
    return chain


def icon_file() -> Path | None:
    """The app icon as a PNG for notification servers (written once); None if impossible."""
    from traysupport.ui import icons  # noqa: PLC0415 - QtSvg only when notifying

    svg = icons.app_svg()
    digest = hashlib.sha256(svg.encode()).hexdigest()[:12]
    path = paths.data_dir() / f"notification-icon-{digest}.png"  # a new design, a new file
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if icons.render(svg, 128).save(str(path)):
            return path
    except OSError as exc:
        log.warning("cannot write the notification icon: %s", exc)
    return None
