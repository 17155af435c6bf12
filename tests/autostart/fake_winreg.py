"""An in-memory registry shaped like the standard library's `winreg` (there is no
Windows here), built to its documented API, not to what the backend happens to call:

- keys are opened with `OpenKey` (missing: `FileNotFoundError`, winerror 2) and made
  with `CreateKey` / `CreateKeyEx`; a handle is a context manager and is closed by
  `CloseKey` (using a closed handle is an `OSError`);
- a handle carries the access it was opened with: `SetValueEx` and `DeleteValue` need
  `KEY_SET_VALUE`, `QueryValueEx` needs `KEY_QUERY_VALUE` (`PermissionError`, winerror 5);
- `SetValueEx(key, name, reserved, type, value)` checks *value* against *type*
  (`REG_SZ`/`REG_EXPAND_SZ`: str, `REG_BINARY`: bytes, `REG_DWORD`: int);
- `QueryValueEx` answers ``(value, type)``; `DeleteValue` of a missing value is
  `FileNotFoundError`;
- key paths and value names are case-insensitive, as in the real registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HKEY_CURRENT_USER = 0x80000001
HKEY_LOCAL_MACHINE = 0x80000002
KEY_QUERY_VALUE = 0x0001
KEY_SET_VALUE = 0x0002
KEY_CREATE_SUB_KEY = 0x0004
KEY_ENUMERATE_SUB_KEYS = 0x0008
KEY_READ = 0x20019
KEY_WRITE = 0x20006
KEY_ALL_ACCESS = 0xF003F
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4

_TYPES: dict[int, type] = {REG_SZ: str, REG_EXPAND_SZ: str, REG_BINARY: bytes, REG_DWORD: int}


@dataclass
class _Key:
    values: dict[str, tuple[str, Any, int]] = field(default_factory=dict)
    """lower-case name -> (name as written, value, type)"""


@dataclass
class PyHKEY:
    """An open key: the key it names and the access it was opened with."""

    path: str
    access: int
    closed: bool = False

    def __enter__(self) -> PyHKEY:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True

    def Close(self) -> None:  # noqa: N802 - winreg's name
        self.closed = True


class FakeWinreg:
    """The module: pass an instance where `winreg` is expected."""

    HKEY_CURRENT_USER = HKEY_CURRENT_USER
    HKEY_LOCAL_MACHINE = HKEY_LOCAL_MACHINE
    KEY_QUERY_VALUE = KEY_QUERY_VALUE
    KEY_SET_VALUE = KEY_SET_VALUE
    KEY_READ = KEY_READ
    KEY_WRITE = KEY_WRITE
    KEY_ALL_ACCESS = KEY_ALL_ACCESS
    REG_SZ = REG_SZ
    REG_EXPAND_SZ = REG_EXPAND_SZ
    REG_BINARY = REG_BINARY
    REG_DWORD = REG_DWORD

    def __init__(self) -> None:
        self.keys: dict[str, _Key] = {}
        self.opened: list[PyHKEY] = []
        self.read_only = False
        """True: every write is refused, as under a policy that locks the Run key."""

    # -- helpers for tests -----------------------------------------------------------

    def value(self, path: str, name: str) -> tuple[Any, int] | None:
        """(value, type) of *name* under HKCU\\*path*, or None."""
        key = self.keys.get(self._full(HKEY_CURRENT_USER, path))
        found = key.values.get(name.lower()) if key else None
        return (found[1], found[2]) if found else None

    def open_handles(self) -> list[PyHKEY]:
        return [h for h in self.opened if not h.closed]

    # -- the winreg API --------------------------------------------------------------

    def OpenKey(  # noqa: N802
        self, key: int | PyHKEY, sub_key: str, reserved: int = 0, access: int = KEY_READ
    ) -> PyHKEY:
        path = self._full(key, sub_key)
        if path not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return self._handle(path, access)

    OpenKeyEx = OpenKey

    def CreateKeyEx(  # noqa: N802
        self, key: int | PyHKEY, sub_key: str, reserved: int = 0, access: int = KEY_WRITE
    ) -> PyHKEY:
        path = self._full(key, sub_key)
        if path not in self.keys:
            self._writable()
            parts = path.split("\\")
            for end in range(1, len(parts) + 1):
                self.keys.setdefault("\\".join(parts[:end]), _Key())
        return self._handle(path, access)

    def CreateKey(self, key: int | PyHKEY, sub_key: str) -> PyHKEY:  # noqa: N802
        return self.CreateKeyEx(key, sub_key, 0, KEY_ALL_ACCESS)

    def QueryValueEx(self, key: PyHKEY, value_name: str | None) -> tuple[Any, int]:  # noqa: N802
        self._check(key, KEY_QUERY_VALUE)
        found = self.keys[key.path].values.get((value_name or "").lower())
        if found is None:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return found[1], found[2]

    def SetValueEx(  # noqa: N802
        self, key: PyHKEY, value_name: str | None, reserved: int, type: int, value: Any
    ) -> None:
        self._check(key, KEY_SET_VALUE)
        self._writable()
        expected = _TYPES.get(type)
        if expected is None or not isinstance(value, expected):
            raise TypeError(f"Objects of type '{value.__class__.__name__}' cannot be used here")
        name = value_name or ""
        self.keys[key.path].values[name.lower()] = (name, value, type)

    def DeleteValue(self, key: PyHKEY, value: str) -> None:  # noqa: N802
        self._check(key, KEY_SET_VALUE)
        self._writable()
        if self.keys[key.path].values.pop(value.lower(), None) is None:
            raise FileNotFoundError(2, "The system cannot find the file specified")

    def CloseKey(self, hkey: PyHKEY) -> None:  # noqa: N802
        hkey.closed = True

    # -- inside ----------------------------------------------------------------------

    def _full(self, key: int | PyHKEY, sub_key: str) -> str:
        base = (
            key.path
            if isinstance(key, PyHKEY)
            else {
                HKEY_CURRENT_USER: "hkcu",
                HKEY_LOCAL_MACHINE: "hklm",
            }[key]
        )
        if isinstance(key, PyHKEY) and key.closed:
            raise OSError(6, "The handle is invalid")
        parts = [p for p in sub_key.lower().split("\\") if p]
        return "\\".join([base, *parts])

    def _handle(self, path: str, access: int) -> PyHKEY:
        handle = PyHKEY(path, access)
        self.opened.append(handle)
        return handle

    def _check(self, key: PyHKEY, needed: int) -> None:
        if key.closed:
            raise OSError(6, "The handle is invalid")
        if key.access & needed != needed:
            raise PermissionError(5, "Access is denied")

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError(5, "Access is denied")
