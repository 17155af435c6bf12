"""Start at login on macOS: a LaunchAgent plist in ~/Library/LaunchAgents (a temp home).

Checked against the file format launchd reads (plistlib round trip, launchd.plist(5)
keys); not run on a real Mac here (docs/configuration.md says so).
"""

from __future__ import annotations

import plistlib
import sys
from pathlib import Path

import pytest

from traysupport.autostart import AutostartError, autostart_for
from traysupport.autostart.launchagent import LABEL, LaunchAgent


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def read(path: Path) -> dict[str, object]:
    with path.open("rb") as f:
        loaded = plistlib.load(f)
    assert isinstance(loaded, dict)
    return loaded


def test_enabling_writes_a_launch_agent_that_runs_at_load(home: Path) -> None:
    agent = LaunchAgent(home)
    assert agent.is_supported() and agent.why_unsupported() == ""
    assert not agent.is_enabled()
    agent.set_enabled(True)
    path = home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    assert agent.path == path
    assert agent.where() == str(path)
    plist = read(path)
    assert plist["Label"] == LABEL
    assert plist["ProgramArguments"] == [sys.executable, "-m", "traysupport"]
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] is False  # quitting the app must not restart it
    assert plist["ProcessType"] == "Interactive"
    assert plist["LimitLoadToSessionType"] == "Aqua"  # a GUI login, not an ssh session
    assert agent.is_enabled()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file


def test_the_bundle_starts_its_own_binary(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = "/Applications/traysupport.app/Contents/MacOS/traysupport"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", binary)
    LaunchAgent(home).set_enabled(True)
    assert read(LaunchAgent(home).path)["ProgramArguments"] == [binary]


def test_disabling_removes_the_file(home: Path) -> None:
    agent = LaunchAgent(home)
    agent.set_enabled(True)
    agent.set_enabled(False)
    assert not agent.path.exists()
    assert not agent.is_enabled()
    agent.set_enabled(False)  # nothing to do, no error


@pytest.mark.parametrize(
    "change",
    [
        {"Disabled": True},  # launchd's own switch in the plist
        {"RunAtLoad": False},
        {"Label": "com.example.other"},
    ],
)
def test_an_agent_that_would_not_start_us_is_off(home: Path, change: dict[str, object]) -> None:
    agent = LaunchAgent(home)
    agent.set_enabled(True)
    plist = read(agent.path) | change
    agent.path.write_bytes(plistlib.dumps(plist))
    assert not agent.is_enabled()


def test_an_unreadable_plist_is_off(home: Path) -> None:
    agent = LaunchAgent(home)
    agent.path.parent.mkdir(parents=True)
    agent.path.write_bytes(b"<plist>not closed")
    assert not agent.is_enabled()
    agent.set_enabled(True)  # asked in the app: replaced by a good one
    assert agent.is_enabled()


def test_a_folder_that_cannot_be_written_is_reported(home: Path) -> None:
    (home / "Library").mkdir(parents=True)
    (home / "Library" / "LaunchAgents").write_text("a file where the folder should be")
    with pytest.raises(AutostartError, match=r"Could not write .*\.plist"):
        LaunchAgent(home).set_enabled(True)


def test_macos_gets_the_launch_agent() -> None:
    assert isinstance(autostart_for("darwin").backend, LaunchAgent)
