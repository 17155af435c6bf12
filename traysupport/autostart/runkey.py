"""Start at login on Windows: a value under the user's ``Run`` registry key.

``HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`` holds one
``REG_SZ`` command line per program Explorer starts at logon; ours is named
``traysupport``. Task Manager's Startup tab (and Settings ▸ Apps ▸ Startup) turn an
entry off without deleting it: a ``REG_BINARY`` value of the same name under
``...\\Explorer\\StartupApproved\\Run`` whose first byte is odd. That is read as off;
turning start at login on in the app is the user's newer choice and removes it.

Uses ``winreg`` (imported when first needed; tests pass a fake built to its documented
API). Unit-tested against that API only, not on a real Windows (docs/configuration.md).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol, cast

from traysupport.autostart.base import AutostartError, launch_command

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
VALUE_NAME = "traysupport"


class Registry(Protocol):
    """The part of the standard library's ``winreg`` used here."""

    HKEY_CURRENT_USER: int
    KEY_READ: int
    KEY_SET_VALUE: int
    REG_SZ: int
    REG_EXPAND_SZ: int

    def OpenKey(self, key: Any, sub_key: str, reserved: int = ..., access: int = ...) -> Any:  # noqa: N802
        """Open an existing key (FileNotFoundError when missing)."""
        ...

    def CreateKeyEx(self, key: Any, sub_key: str, reserved: int = ..., access: int = ...) -> Any:  # noqa: N802
        """Open a key, creating it if needed."""
        ...

    def QueryValueEx(self, key: Any, value_name: str | None) -> tuple[Any, int]:  # noqa: N802
        """(value, type) of a value (FileNotFoundError when missing)."""
        ...

    def SetValueEx(  # noqa: N802
        self, key: Any, value_name: str | None, reserved: int, type: int, value: Any
    ) -> None:
        """Write a value."""
        ...

    def DeleteValue(self, key: Any, value: str) -> None:  # noqa: N802
        """Delete a value (FileNotFoundError when missing)."""
        ...


def windows_command() -> list[str]:
    """The command to register: the bundle's exe, or pythonw (no console at each logon)."""
    argv = launch_command()
    if not getattr(sys, "frozen", False):
        python = Path(argv[0])
        windowless = python.with_name("pythonw.exe")
        if python.name.lower() == "python.exe" and windowless.exists():
            argv[0] = str(windowless)
    return argv


class RunKey:
    """Start at login through the ``Run`` registry value; see the module."""

    def __init__(self, registry: Registry | None = None) -> None:
        """*registry*: ``winreg`` (None: imported when first needed)."""
        self._registry = registry

    def is_supported(self) -> bool:
        """Always, on Windows."""
        return True

    def why_unsupported(self) -> str:
        """Nothing to explain."""
        return ""

    def where(self) -> str:
        """The registry value."""
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{VALUE_NAME}"

    def is_enabled(self) -> bool:
        """True when our Run value holds a command and Task Manager has not turned it off."""
        try:
            reg = self._winreg()
            command, kind = self._query(reg, RUN_KEY)
        except (OSError, AutostartError):
            return False  # no Run value (FileNotFoundError), or no registry: nothing starts
        if kind not in (reg.REG_SZ, reg.REG_EXPAND_SZ) or not str(command).strip():
            return False
        try:
            approved, _ = self._query(reg, APPROVED_KEY)
        except OSError:
            return True  # never turned off in Task Manager
        return not (isinstance(approved, bytes) and approved[:1] and approved[0] & 1)

    def set_enabled(self, enabled: bool) -> None:
        """Write our Run value (and clear a Task Manager "off"), or delete both."""
        reg = self._winreg()
        try:
            if enabled:
                command = subprocess.list2cmdline(windows_command())
                with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                    reg.SetValueEx(key, VALUE_NAME, 0, reg.REG_SZ, command)
            else:
                self._delete(reg, RUN_KEY)
            self._delete(reg, APPROVED_KEY)
        except OSError as error:
            raise AutostartError(
                f"Could not change {self.where()}: {error.strerror or error}. "
                "Your account may not be allowed to change its startup programs; ask "
                "your administrator, or use Task Manager's Startup tab."
            ) from error

    def _winreg(self) -> Registry:
        if self._registry is None:
            try:
                self._registry = cast(Registry, importlib.import_module("winreg"))
            except ImportError as error:
                raise AutostartError("The Windows registry is not available here.") from error
        return self._registry

    @staticmethod
    def _query(reg: Registry, path: str) -> tuple[Any, int]:
        with reg.OpenKey(reg.HKEY_CURRENT_USER, path, 0, reg.KEY_READ) as key:
            return reg.QueryValueEx(key, VALUE_NAME)

    @staticmethod
    def _delete(reg: Registry, path: str) -> None:
        """Delete our value under *path*; a missing key or value is already done."""
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, path, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, VALUE_NAME)
        except FileNotFoundError:
            pass
