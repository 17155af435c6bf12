"""Start at login on Windows: the HKCU ...\\CurrentVersion\\Run value, on a fake `winreg`
built to the documented API (tests/autostart/fake_winreg.py; no Windows here, and the
docs say this backend is untested on a real system).

Task Manager's Startup tab turns an entry off without deleting it: it writes a binary
value of the same name under ...\\Explorer\\StartupApproved\\Run whose first byte is odd
(0x03) for off and even (0x02, 0x06) for on; that is respected too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.autostart.fake_winreg import REG_BINARY, REG_SZ, FakeWinreg
from traysupport.autostart import AutostartError, autostart_for
from traysupport.autostart.runkey import APPROVED_KEY, RUN_KEY, VALUE_NAME, RunKey, windows_command

DISABLED = b"\x03\x00\x00\x00" + bytes(8)
ENABLED = b"\x02\x00\x00\x00" + bytes(8)


@pytest.fixture
def registry() -> FakeWinreg:
    return FakeWinreg()


def test_enabling_writes_the_quoted_command_to_the_run_key(registry: FakeWinreg) -> None:
    backend = RunKey(registry)
    assert not backend.is_enabled()
    backend.set_enabled(True)
    value, kind = registry.value(RUN_KEY, VALUE_NAME) or ("", 0)
    assert kind == REG_SZ
    assert value == subprocess.list2cmdline(windows_command())
    assert backend.is_enabled()
    assert registry.open_handles() == []  # every key closed
    assert backend.where() == f"HKEY_CURRENT_USER\\{RUN_KEY}\\{VALUE_NAME}"


def test_disabling_deletes_the_value(registry: FakeWinreg) -> None:
    backend = RunKey(registry)
    backend.set_enabled(True)
    backend.set_enabled(False)
    assert registry.value(RUN_KEY, VALUE_NAME) is None
    assert not backend.is_enabled()
    backend.set_enabled(False)  # nothing there: no error
    assert registry.open_handles() == []


def test_turned_off_in_task_manager_is_off_until_turned_on_in_the_app(
    registry: FakeWinreg,
) -> None:
    backend = RunKey(registry)
    backend.set_enabled(True)
    with registry.CreateKeyEx(registry.HKEY_CURRENT_USER, APPROVED_KEY) as key:
        registry.SetValueEx(key, VALUE_NAME, 0, REG_BINARY, DISABLED)
    assert not backend.is_enabled()
    assert registry.value(RUN_KEY, VALUE_NAME) is not None  # Task Manager kept it
    backend.set_enabled(True)  # the user's new choice, made in the app
    assert backend.is_enabled()
    assert registry.value(APPROVED_KEY, VALUE_NAME) is None


def test_approved_in_task_manager_is_on(registry: FakeWinreg) -> None:
    backend = RunKey(registry)
    backend.set_enabled(True)
    with registry.CreateKeyEx(registry.HKEY_CURRENT_USER, APPROVED_KEY) as key:
        registry.SetValueEx(key, VALUE_NAME, 0, REG_BINARY, ENABLED)
    assert backend.is_enabled()


def test_an_empty_or_non_text_value_is_off(registry: FakeWinreg) -> None:
    with registry.CreateKeyEx(registry.HKEY_CURRENT_USER, RUN_KEY) as key:
        registry.SetValueEx(key, VALUE_NAME, 0, REG_BINARY, b"junk")
    assert not RunKey(registry).is_enabled()


def test_a_refused_write_is_reported(registry: FakeWinreg) -> None:
    registry.read_only = True
    with pytest.raises(AutostartError, match=r"Could not change .*Run.*Access is denied"):
        RunKey(registry).set_enabled(True)
    assert registry.open_handles() == []


def test_the_bundle_runs_its_exe_and_python_runs_without_a_console(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", r"C:\Program Files\traysupport\traysupport.exe")
    assert windows_command() == [r"C:\Program Files\traysupport\traysupport.exe"]
    monkeypatch.setattr(sys, "frozen", False)
    python = tmp_path / "python.exe"
    monkeypatch.setattr(sys, "executable", str(python))
    assert windows_command() == [str(python), "-m", "traysupport"]
    (tmp_path / "pythonw.exe").write_bytes(b"")  # no console window at every login
    assert windows_command() == [str(tmp_path / "pythonw.exe"), "-m", "traysupport"]


def test_windows_gets_the_run_key() -> None:
    backend = autostart_for("win32").backend
    assert isinstance(backend, RunKey)
