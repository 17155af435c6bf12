"""Start at login: one interface (`Autostart`), one backend per operating system.

- Linux and the BSDs: an XDG autostart entry (`xdg`), with ``X-GNOME-Autostart-Delay``;
- macOS: a LaunchAgent plist in ``~/Library/LaunchAgents`` (`launchagent`);
- Windows: a value under the user's ``Run`` registry key (`runkey`).

Each starts the app as it runs now: the bundle's binary, or the Python it runs on.

**A user who removed the entry by hand is respected.** `autostart_for` wraps the
backend in `RememberedAutostart`, which notes in a small file (`memory`) whether the
entry exists because of us. The ``start_at_login`` setting is applied at start by
`apply_at_start` only when it is new or has changed since it was last applied: an
unchanged setting never re-adds an entry the user deleted, turned off in the
desktop's session settings or Task Manager, or unticked in the tray.

For the settings window and the tray: `enable`, `disable`, `is_enabled`,
`is_supported`, `where` (raising `AutostartError` with a message for the user).
Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from traysupport import paths
from traysupport.autostart.base import (
    Autostart,
    AutostartError,
    UnsupportedAutostart,
    launch_command,
)
from traysupport.autostart.memory import Memory, Record

__all__ = [
    "Autostart",
    "AutostartError",
    "Memory",
    "RememberedAutostart",
    "apply_at_start",
    "apply_setting",
    "autostart_for",
    "disable",
    "enable",
    "is_enabled",
    "is_supported",
    "launch_command",
    "where",
]

log = logging.getLogger(__name__)

Outcome = Literal["added", "removed", "kept", "respected", "failed", "skipped", "unsupported"]


class RememberedAutostart:
    """A backend that remembers whether the entry exists because of us."""

    def __init__(self, backend: Autostart, memory: Memory | None = None) -> None:
        self.backend = backend
        self.memory = memory or Memory()

    def is_supported(self) -> bool:
        """Whether the system has a backend."""
        return self.backend.is_supported()

    def why_unsupported(self) -> str:
        """Why not, when it has none."""
        return self.backend.why_unsupported()

    def is_enabled(self) -> bool:
        """Whether the app starts at the next login."""
        return self.backend.is_enabled()

    def where(self) -> str:
        """Where the entry lives."""
        return self.backend.where()

    def set_enabled(self, enabled: bool) -> None:
        """The user's choice, made in the app: applied, and remembered as ours."""
        self.backend.set_enabled(enabled)
        record = self.memory.load()
        setting = record.setting if record is not None else None
        self.memory.save(Record(setting=setting, created=enabled))

    def removed_by_hand(self) -> bool:
        """True when we made the entry and it is gone or turned off, not through us."""
        record = self.memory.load()
        return record is not None and record.created and not self.backend.is_enabled()


def autostart_for(platform: str = sys.platform) -> RememberedAutostart:
    """The backend for *platform* (a `sys.platform` value), remembering what it does."""
    backend: Autostart
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd", "dragonfly")):
        from traysupport.autostart.xdg import XdgAutostart  # noqa: PLC0415 - one per system

        backend = XdgAutostart()
    elif platform == "darwin":
        from traysupport.autostart.launchagent import LaunchAgent  # noqa: PLC0415

        backend = LaunchAgent()
    elif platform in ("win32", "cygwin"):
        from traysupport.autostart.runkey import RunKey  # noqa: PLC0415

        backend = RunKey()
    else:
        backend = UnsupportedAutostart(platform)
    return RememberedAutostart(backend)


def apply_setting(wanted: bool, login: RememberedAutostart) -> Outcome:
    """Apply the ``start_at_login`` setting *wanted* if it is new or changed; see the module.

    Never raises: a failure is logged and tried again at the next start.
    """
    if not login.is_supported():
        return "unsupported"
    record = login.memory.load()
    if record is not None and record.setting is None:
        # The user chose in the app before any start applied the setting: theirs stands.
        login.memory.save(Record(setting=wanted, created=record.created))
        return "kept"
    if record is not None and record.setting == wanted:
        if login.removed_by_hand():
            log.info(
                "the start-at-login entry (%s) was removed by hand or turned off in the"
                " desktop's settings; not adding it back (turn it on in Settings)",
                login.where(),
            )
            return "respected"
        return "kept"
    if record is None and not wanted:
        login.memory.save(Record(setting=False, created=False))
        return "kept"  # not ours: an entry the user made stays
    try:
        login.backend.set_enabled(wanted)
    except AutostartError as error:
        log.warning("could not apply start_at_login = %s: %s", str(wanted).lower(), error)
        return "failed"
    login.memory.save(Record(setting=wanted, created=wanted))
    log.info("start at login %s: %s", "added" if wanted else "removed", login.where())
    return "added" if wanted else "removed"


def apply_at_start(wanted: bool, platform: str = sys.platform) -> Outcome:
    """`apply_setting` for the app's start, except in a separate home.

    With ``TRAYSUPPORT_HOME`` set (tests, a portable copy) the entry would start the
    default instance, not this one: the start leaves login alone.
    """
    if paths.home_override() is not None:
        return "skipped"
    return apply_setting(wanted, autostart_for(platform))


def enable() -> None:
    """Start the app at login (the user's choice); raises AutostartError."""
    autostart_for().set_enabled(True)


def disable() -> None:
    """Stop starting the app at login (the user's choice); raises AutostartError."""
    autostart_for().set_enabled(False)


def is_enabled() -> bool:
    """Whether the app starts at the next login."""
    return autostart_for().is_enabled()


def is_supported() -> bool:
    """Whether this system has a start-at-login backend."""
    return autostart_for().is_supported()


def where() -> str:
    """Where the entry lives on this system (a file, a registry value), for the user."""
    return autostart_for().where()
