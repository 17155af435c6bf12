"""Start at login on macOS: a LaunchAgent, ``~/Library/LaunchAgents/<label>.plist``.

launchd loads every agent in that folder at the user's next login and, with
``RunAtLoad``, starts its ``ProgramArguments`` (the bundle's binary, or the Python the
app runs on). ``KeepAlive`` is false so quitting the app ends it, and
``LimitLoadToSessionType = Aqua`` keeps it to graphical logins. launchd has no start
delay; the tray code retries until the menu bar takes the icon.

Off is a missing file, or a plist that would not start us (``Disabled``, no
``RunAtLoad``, another label). Written and read with ``plistlib``; unit-tested against
the format only, not on a real Mac (docs/configuration.md says so).
"""

from __future__ import annotations

import plistlib
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

from traysupport.autostart.base import file_error, launch_command, write_atomically

LABEL = "org.traysupport.traysupport"


def agent_plist(argv: list[str]) -> dict[str, Any]:
    """The LaunchAgent's keys (launchd.plist(5)) for the command *argv*."""
    return {
        "Label": LABEL,
        "ProgramArguments": argv,
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


class LaunchAgent:
    """Start at login through a LaunchAgent plist; see the module."""

    def __init__(self, home: Path | None = None) -> None:
        """*home*: the user's home folder (tests pass a temporary one)."""
        self._home = home

    @property
    def path(self) -> Path:
        """The agent's plist."""
        home = self._home if self._home is not None else Path.home()
        return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"

    def is_supported(self) -> bool:
        """Always, on macOS."""
        return True

    def why_unsupported(self) -> str:
        """Nothing to explain."""
        return ""

    def where(self) -> str:
        """The plist file."""
        return str(self.path)

    def is_enabled(self) -> bool:
        """True when our agent's plist exists and would start us at login."""
        try:
            with self.path.open("rb") as f:
                plist = plistlib.load(f)
        except (OSError, plistlib.InvalidFileException, ValueError, ExpatError):
            return False  # missing or unreadable: launchd will not run it either
        return (
            isinstance(plist, dict)
            and plist.get("Label") == LABEL
            and plist.get("RunAtLoad") is True
            and plist.get("Disabled") is not True
            and bool(plist.get("ProgramArguments"))
        )

    def set_enabled(self, enabled: bool) -> None:
        """Write the plist, or remove it."""
        try:
            if enabled:
                data = plistlib.dumps(agent_plist(launch_command()), fmt=plistlib.FMT_XML)
                write_atomically(self.path, data)
            else:
                self.path.unlink(missing_ok=True)
        except OSError as error:
            raise file_error("write" if enabled else "remove", self.path, error) from error
