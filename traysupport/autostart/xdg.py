"""Start at login on Linux and the BSDs: an XDG autostart entry.

The entry is ``$XDG_CONFIG_HOME/autostart/traysupport.desktop`` (``~/.config`` when the
variable is unset or not absolute, as the XDG base directory spec says). As the
Desktop Application Autostart Specification reads it:

- a user entry overrides a system one of the same name in ``$XDG_CONFIG_DIRS/autostart``
  (``/etc/xdg/autostart``), which an installer may have put there;
- ``Hidden=true`` means the entry is deleted (KDE's session settings turn an entry off
  this way), and GNOME's turn it off with ``X-GNOME-Autostart-enabled=false``; either
  way the file stays, and the app must read it as off;
- ``TryExec`` names the program: once it is uninstalled the desktop skips the entry.

Turning start at login off deletes the user entry, or, when a system entry would still
start the app, writes a user entry with ``Hidden=true`` (the system file is not ours).
It asks for a 10 s delay because at login the panel holding the tray may not exist yet
(the tray code retries as well).
"""

from __future__ import annotations

import os
from pathlib import Path

from traysupport.autostart.base import AutostartError, file_error, launch_command, write_atomically

ENTRY_NAME = "traysupport.desktop"
LOGIN_DELAY_SECONDS = 10
# Characters that make an Exec argument need quotes (desktop entry spec, "Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = '"`$\\'


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
    return _string_value(" ".join(words))


def _string_value(text: str) -> str:
    """*text* as a desktop entry string value (backslash and line breaks escaped)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def autostart_dir() -> Path:
    """The user's XDG autostart folder."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "autostart"


def system_autostart_dirs() -> list[Path]:
    """The system's autostart folders, most important first (relative ones ignored)."""
    named = [p for p in os.environ.get("XDG_CONFIG_DIRS", "").split(":") if p]
    dirs = [Path(p) for p in named if Path(p).is_absolute()] or [Path("/etc/xdg")]
    return [d / "autostart" for d in dirs]


def desktop_entry(argv: list[str], *, hidden: bool = False) -> str:
    """The autostart entry's text for the command *argv* (*hidden*: an "off" override)."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=traysupport",
        "Comment=Duty reminders, SLA alerts, quick acknowledge and handover",
        f"Exec={exec_value(argv)}",
        f"TryExec={_string_value(argv[0])}",
        "Icon=traysupport",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        f"X-GNOME-Autostart-Delay={LOGIN_DELAY_SECONDS}",
        # KDE's own way to wait for the panel (and so for the tray).
        "X-KDE-autostart-after=panel",
    ]
    if hidden:
        lines.append("Hidden=true")
    return "\n".join([*lines, ""])


def entry_keys(text: str) -> dict[str, str]:
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


def _read_keys(path: Path) -> dict[str, str] | None:
    """The entry's keys; None when missing or unreadable (nothing will start from it)."""
    try:
        return entry_keys(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _starts(keys: dict[str, str]) -> bool:
    hidden = keys.get("Hidden", "false").lower() == "true"
    disabled = keys.get("X-GNOME-Autostart-enabled", "true").lower() == "false"
    return not (hidden or disabled)


class XdgAutostart:
    """Start at login through ``~/.config/autostart/traysupport.desktop``; see the module."""

    def is_supported(self) -> bool:
        """Always: every XDG desktop reads the folder."""
        return True

    def why_unsupported(self) -> str:
        """Nothing to explain."""
        return ""

    @property
    def path(self) -> Path:
        """The user's entry (the environment is read on every call)."""
        return autostart_dir() / ENTRY_NAME

    def where(self) -> str:
        """The user's entry file."""
        return str(self.path)

    def is_enabled(self) -> bool:
        """True when the entry the desktop will read (the user's, else the system's)
        exists and is neither hidden nor turned off."""
        keys = _read_keys(self.path)
        if keys is None and self.path.exists():
            return False  # a user file we cannot read still hides a system one
        if keys is None:
            keys = self._system_keys()
        return keys is not None and _starts(keys)

    def set_enabled(self, enabled: bool) -> None:
        """Write the entry, or remove it (hide it when a system entry would still start)."""
        try:
            if enabled:
                write_atomically(self.path, desktop_entry(launch_command()).encode())
            elif self._system_keys() is not None:
                text = desktop_entry(launch_command(), hidden=True)
                write_atomically(self.path, text.encode())
            else:
                self.path.unlink(missing_ok=True)
        except OSError as error:
            raise file_error("write" if enabled else "remove", self.path, error) from error

    def _system_keys(self) -> dict[str, str] | None:
        """The keys of the most important system entry, if any."""
        for folder in system_autostart_dirs():
            keys = _read_keys(folder / ENTRY_NAME)
            if keys is not None:
                return keys
        return None


__all__ = ["AutostartError", "XdgAutostart"]
