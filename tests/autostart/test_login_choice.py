"""The start-at-login setting against what the user did by hand.

`apply_setting` runs at every start with the ``start_at_login`` setting: it acts only
when the setting is new or changed since it last acted, so a user who removed the
entry by hand (or turned it off in the desktop's session settings, or in the tray) is
never overruled by an unchanged setting. What it did is remembered in a small file in
the data folder; the real XDG backend runs on a temporary XDG_CONFIG_HOME here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from traysupport import autostart, paths
from traysupport.autostart import (
    AutostartError,
    Memory,
    RememberedAutostart,
    apply_at_start,
    apply_setting,
)
from traysupport.autostart.xdg import XdgAutostart


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "ts"))
    return tmp_path


@pytest.fixture
def login(home: Path) -> RememberedAutostart:
    return RememberedAutostart(XdgAutostart(), Memory(home / "ts" / "data" / "autostart.json"))


def entry(home: Path) -> Path:
    return home / "config" / "autostart" / "traysupport.desktop"


def test_the_first_start_adds_the_entry_once(home: Path, login: RememberedAutostart) -> None:
    assert apply_setting(True, login) == "added"
    assert entry(home).is_file()
    assert apply_setting(True, login) == "kept"
    assert json.loads((home / "ts" / "data" / "autostart.json").read_text()) == {
        "setting": True,
        "created": True,
    }


def test_removed_by_hand_is_respected(
    home: Path, login: RememberedAutostart, caplog: pytest.LogCaptureFixture
) -> None:
    apply_setting(True, login)
    entry(home).unlink()  # the user, in a file manager
    assert login.removed_by_hand()
    with caplog.at_level(logging.INFO, "traysupport.autostart"):
        assert apply_setting(True, login) == "respected"
    assert not entry(home).exists()
    assert "removed by hand" in caplog.text
    assert apply_setting(True, login) == "respected"  # and at every later start


def test_turned_off_in_the_session_settings_is_respected(
    home: Path, login: RememberedAutostart
) -> None:
    apply_setting(True, login)
    text = entry(home).read_text()
    entry(home).write_text(text.replace("Autostart-enabled=true", "Autostart-enabled=false"))
    assert apply_setting(True, login) == "respected"
    assert "Autostart-enabled=false" in entry(home).read_text()


def test_turned_off_in_the_app_stays_off(home: Path, login: RememberedAutostart) -> None:
    apply_setting(True, login)
    login.set_enabled(False)  # the tray's "Start at login", unticked
    assert not login.removed_by_hand()  # off through us: not "by hand"
    assert apply_setting(True, login) == "kept"
    assert not entry(home).exists()


def test_turned_on_in_the_app_is_remembered_as_ours(home: Path, login: RememberedAutostart) -> None:
    apply_setting(False, login)
    login.set_enabled(True)
    assert apply_setting(False, login) == "kept"  # the setting did not change
    entry(home).unlink()
    assert login.removed_by_hand()


def test_a_changed_setting_is_applied(home: Path, login: RememberedAutostart) -> None:
    apply_setting(True, login)
    entry(home).unlink()
    assert apply_setting(False, login) == "removed"
    assert apply_setting(True, login) == "added"  # asked for again: a new choice
    assert entry(home).is_file()
    assert apply_setting(False, login) == "removed"
    assert not entry(home).exists()


def test_off_from_the_start_leaves_an_existing_entry_alone(
    home: Path, login: RememberedAutostart
) -> None:
    """Nothing remembered and the setting off: the entry is not ours to remove."""
    XdgAutostart().set_enabled(True)
    assert apply_setting(False, login) == "kept"
    assert entry(home).is_file()


def test_an_unreadable_memory_counts_as_none(home: Path, login: RememberedAutostart) -> None:
    memory = home / "ts" / "data" / "autostart.json"
    memory.parent.mkdir(parents=True)
    memory.write_text("{not json")
    assert apply_setting(True, login) == "added"


def test_a_failure_is_logged_not_raised(
    home: Path, login: RememberedAutostart, caplog: pytest.LogCaptureFixture
) -> None:
    (home / "config").mkdir()
    (home / "config" / "autostart").write_text("a file where the folder should be")
    assert apply_setting(True, login) == "failed"
    assert "Could not write" in caplog.text
    assert apply_setting(True, login) == "failed"  # tried again next start: nothing was done


def test_a_separate_home_never_adds_itself(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TRAYSUPPORT_HOME runs a separate instance (tests, portable): the login entry would
    start the default one, so the start leaves login alone; the switch still works."""
    assert apply_at_start(True) == "skipped"
    assert not entry(home).exists()
    monkeypatch.delenv(paths.HOME_ENV)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    assert apply_at_start(True, platform="linux") == "added"
    assert entry(home).is_file()
    assert (home / "data" / "traysupport" / "autostart.json").is_file()


def test_the_module_functions_for_the_settings_window(home: Path) -> None:
    assert not autostart.is_enabled()
    autostart.enable()
    assert autostart.is_enabled() and entry(home).is_file()
    autostart.disable()
    assert not autostart.is_enabled() and not entry(home).exists()
    assert autostart.where().endswith("autostart/traysupport.desktop")
    assert autostart.is_supported()


def test_the_module_functions_raise_what_the_backend_says(home: Path) -> None:
    (home / "config").mkdir()
    (home / "config" / "autostart").write_text("a file where the folder should be")
    with pytest.raises(AutostartError, match="Could not write"):
        autostart.enable()


@pytest.mark.parametrize("setting", [True, False])
def test_a_choice_made_before_any_start_is_not_undone(
    home: Path, login: RememberedAutostart, setting: bool
) -> None:
    """Ticked (or unticked) in the tray before the setting was ever applied: the next
    start takes the setting as it is, and keeps the user's choice."""
    login.set_enabled(not setting)
    assert apply_setting(setting, login) == "kept"
    assert entry(home).exists() is (not setting)
    assert apply_setting(setting, login) == "kept"
    assert entry(home).exists() is (not setting)
