"""Start at login: one small interface, one backend per operating system.

Linux (and the BSDs) use an XDG autostart entry, ``$XDG_CONFIG_HOME/autostart/
traysupport.desktop`` (``~/.config`` when the variable is unset or not absolute, as the
XDG base directory spec says). It starts the running program the same way it was
started: the frozen binary in a PyInstaller bundle (the AppImage itself inside one), or
``python -m traysupport`` from a Python install. It asks for a 10 s delay because at
login the panel holding the tray may not exist yet (the tray code retries as well).

Other systems get a backend that says plainly that it is not supported yet. Only the
user's own entry is read and written; a system-wide one in ``/etc/xdg/autostart`` is not
ours to change.

Nothing here imports Qt: the tray's "Start at login" item is a thin layer over it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Protocol

ENTRY_NAME = "traysupport.desktop"
LOGIN_DELAY_SECONDS = 10
# Characters that make an Exec argument need quotes (desktop entry spec, "Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = '"`$\\'


class AutostartError(Exception):
    """Start at login could not be changed; the message says why and what to do."""


class Autostart(Protocol):
    """Whether the app starts when the user logs in, and the switch for it."""

    def is_supported(self) -> bool:
        """True when this system has a backend."""
        ...

    def why_unsupported(self) -> str:
        """A sentence for the user when `is_supported` is False ("" otherwise)."""
        ...

    def is_enabled(self) -> bool:
        """True when the app will start at the next login."""
        ...

    def set_enabled(self, enabled: bool) -> None:
        """Start at login, or stop doing so; raises AutostartError when it cannot."""
        ...


def launch_command() -> list[str]:
    """The command that starts this program again, as an argument list."""
    if getattr(sys, "frozen", False):
        # Inside an AppImage sys.executable lies in a mount that is gone after logout.
        return [os.environ.get("APPIMAGE") or sys.executable]
    return [sys.executable, "-m", "traysupport"]


def exec_value(argv: list[str]) -> str:
    """*argv* as the value of a desktop entry's Exec key: quoted, then escaped."""
    words = []
    for arg in argv:
        word = arg.replace("%", "%%")  # a lone % would be a field code
        if any(ch in _RESERVED for ch in word) or not word:
            inner = "".join("\\" + ch if ch in _ESCAPED_IN_QUOTES else ch for ch in word)
            word = f'"{inner}"'
        words.append(word)
    # Exec is a string value too: its backslashes are escaped once more.
    return " ".join(words).replace("\\", "\\\\")


def autostart_dir() -> Path:
    """The user's XDG autostart folder."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "autostart"


class XdgAutostart:
    """Start at login through ``~/.config/autostart/traysupport.desktop``."""

    def is_supported(self) -> bool:
        """Always: every XDG desktop reads the folder."""
        return True

    def why_unsupported(self) -> str:
        """Nothing to explain."""
        return ""

    @property
    def path(self) -> Path:
        """The entry's file (the environment is read on every call)."""
        return autostart_dir() / ENTRY_NAME

    def is_enabled(self) -> bool:
        """True when our entry exists and is not hidden or disabled."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False  # missing or unreadable: nothing will start it
        keys = _entry_keys(text)
        hidden = keys.get("Hidden", "false").lower() == "true"
        disabled = keys.get("X-GNOME-Autostart-enabled", "true").lower() == "false"
        return not (hidden or disabled)

    def set_enabled(self, enabled: bool) -> None:
        """Write or remove the entry."""
        try:
            if enabled:
                self._write()
            else:
                self.path.unlink(missing_ok=True)
        except OSError as error:
            action = "write" if enabled else "remove"
            raise AutostartError(
                f"Could not {action} {self.path}: {error.strerror or error}. "
                "Check that the folder exists and is writable."
            ) from error

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{ENTRY_NAME}.partial")
        partial.write_text(desktop_entry(launch_command()), encoding="utf-8")
        # A rename is atomic: a session starting now sees the old entry or the new one.
        partial.replace(self.path)


class UnsupportedAutostart:
    """The backend of a system without one yet."""

    def __init__(self, system: str) -> None:
        self._system = system

    def is_supported(self) -> bool:
        """Never."""
        return False

    def why_unsupported(self) -> str:
        """Which system lacks support."""
        return f"Start at login is not supported on {self._system} yet."

    def is_enabled(self) -> bool:
        """Never enabled by us."""
        return False

    def set_enabled(self, enabled: bool) -> None:
        """Refuse, saying why."""
        raise AutostartError(self.why_unsupported())


def desktop_entry(argv: list[str]) -> str:
    """The autostart entry's text for the command *argv*."""
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Name=traysupport",
            "Comment=Duty reminders, SLA alerts, quick acknowledge and handover",
            f"Exec={exec_value(argv)}",
            "Icon=traysupport",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            f"X-GNOME-Autostart-Delay={LOGIN_DELAY_SECONDS}",
            # KDE's own way to wait for the panel (and so for the tray).
            "X-KDE-autostart-after=panel",
            "",
        ]
    )


def _entry_keys(text: str) -> dict[str, str]:
    """The keys of the [Desktop Entry] group (first value wins, as the spec says)."""
    keys: dict[str, str] = {}
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            group = line
            continue
        if group == "[Desktop Entry]" and "=" in line:
            key, value = line.split("=", 1)
            keys.setdefault(key.strip(), value.strip())
    return keys


_SYSTEM_NAMES = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows"}


def autostart_for(platform: str = sys.platform) -> Autostart:
    """The backend for *platform* (a `sys.platform` value)."""
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return XdgAutostart()
    return UnsupportedAutostart(_SYSTEM_NAMES.get(platform, platform))
