"""What every start-at-login backend shares: the interface, its error, the command.

Nothing here imports Qt: the tray's "Start at login" item and the settings window are
thin layers over it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Protocol


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

    def where(self) -> str:
        """Where the entry lives (a file or a registry value), for the user."""
        ...


def launch_command() -> list[str]:
    """The command that starts this program again, as an argument list.

    A bundle starts its own binary (inside an AppImage, the AppImage: sys.executable
    lies in a mount that is gone after logout); an install, the Python it runs on.
    """
    if getattr(sys, "frozen", False):
        return [os.environ.get("APPIMAGE") or sys.executable]
    return [sys.executable, "-m", "traysupport"]


def write_atomically(path: Path, data: bytes) -> None:
    """Write *data* to *path* through a temporary file and a rename.

    A session starting at that moment sees the old entry or the new one, never half.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def file_error(action: str, path: Path, error: OSError) -> AutostartError:
    """The message for a file that could not be changed."""
    return AutostartError(
        f"Could not {action} {path}: {error.strerror or error}. "
        "Check that the folder exists and is writable."
    )


class UnsupportedAutostart:
    """The backend of a system without one."""

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

    def where(self) -> str:
        """Nowhere."""
        return ""
