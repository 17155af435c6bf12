"""Start at login on Linux: the XDG autostart entry in a temporary XDG_CONFIG_HOME.

What a desktop does with the file (the Desktop Application Autostart Specification):
the user's entry in $XDG_CONFIG_HOME/autostart overrides one of the same name in
$XDG_CONFIG_DIRS/autostart; ``Hidden=true`` means "deleted", and GNOME's session
settings turn an entry off with ``X-GNOME-Autostart-enabled=false`` (KDE's with Hidden).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from traysupport.autostart import AutostartError, autostart_for, launch_command
from traysupport.autostart.xdg import (
    XdgAutostart,
    autostart_dir,
    desktop_entry,
    exec_value,
    system_autostart_dirs,
)


def keys(path: Path) -> dict[str, str]:
    return keys_of_text(path.read_text(encoding="utf-8"))


def keys_of_text(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


_STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def unquote_exec(value: str) -> list[str]:
    """Exec back to argv as the desktop entry spec reads it (written out here, not shlex)."""
    text, i = "", 0
    while i < len(value):  # first the string escapes of every value
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in _STRING_ESCAPES:
            text += _STRING_ESCAPES[value[i + 1]]
            i += 2
        else:
            text += value[i]
            i += 1
    args: list[str] = []
    word, quoted, started, i = "", False, False, 0
    while i < len(text):  # then the quoting of the Exec key
        ch = text[i]
        if quoted and ch == "\\" and text[i + 1] in '"`$\\':
            word, i = word + text[i + 1], i + 2
            continue
        if ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if started or word:
                args.append(word)
            word, started = "", False
        else:
            word, started = word + ch, True
        i += 1
    if started or word:
        args.append(word)
    return [arg.replace("%%", "%") for arg in args]


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    return home


@pytest.fixture
def system_dir(tmp_path: Path, config_home: Path) -> Path:
    """The system-wide autostart folder (an installer's entry goes there)."""
    folder = tmp_path / "etc-xdg" / "autostart"
    folder.mkdir(parents=True)
    return folder


def test_enabling_writes_the_entry_with_a_login_delay(config_home: Path) -> None:
    backend = XdgAutostart()
    assert backend.is_supported()
    assert not backend.is_enabled()
    backend.set_enabled(True)
    entry = config_home / "autostart" / "traysupport.desktop"
    assert backend.path == entry
    assert backend.is_enabled()
    written = keys(entry)
    assert written["Type"] == "Application"
    assert written["Name"] == "traysupport"
    assert written["X-GNOME-Autostart-enabled"] == "true"
    assert written["X-GNOME-Autostart-Delay"] == "10"
    assert written["TryExec"] == sys.executable  # uninstalled: the desktop skips it
    assert unquote_exec(written["Exec"]) == [sys.executable, "-m", "traysupport"]
    assert list(entry.parent.iterdir()) == [entry]  # no partial file left behind


def test_disabling_removes_the_entry(config_home: Path) -> None:
    backend = XdgAutostart()
    backend.set_enabled(True)
    backend.set_enabled(False)
    assert not backend.path.exists()
    assert not backend.is_enabled()
    backend.set_enabled(False)  # already off: nothing to do, no error


def test_a_hidden_or_disabled_entry_does_not_count(config_home: Path) -> None:
    backend = XdgAutostart()
    backend.path.parent.mkdir(parents=True)
    base = desktop_entry(["traysupport"])
    backend.path.write_text(base + "Hidden=true\n", encoding="utf-8")
    assert not backend.is_enabled()
    disabled = base.replace("X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false")
    backend.path.write_text(disabled, encoding="utf-8")
    assert not backend.is_enabled()
    backend.path.write_bytes(b"\xff\xfe not text")
    assert not backend.is_enabled()


def test_a_relative_xdg_config_home_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    assert autostart_dir() == tmp_path / ".config" / "autostart"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert autostart_dir() == tmp_path / ".config" / "autostart"


def test_a_frozen_app_starts_its_own_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/traysupport/traysupport")
    monkeypatch.delenv("APPIMAGE", raising=False)
    assert launch_command() == ["/opt/traysupport/traysupport"]
    monkeypatch.setenv("APPIMAGE", "/home/sam/Apps/traysupport.AppImage")
    assert launch_command() == ["/home/sam/Apps/traysupport.AppImage"]


@pytest.mark.parametrize(
    "argv",
    [
        ["/usr/bin/python3", "-m", "traysupport"],
        ["/home/sam/My Apps/python3", "-m", "traysupport"],
        ['/opt/100% real/$HOME/`x`/back\\slash/"q"'],
        [""],
    ],
)
def test_exec_round_trips_awkward_paths(argv: list[str]) -> None:
    value = exec_value(argv)
    assert "\n" not in value
    assert unquote_exec(value) == argv


def test_exec_quotes_only_what_needs_it() -> None:
    assert (
        exec_value(["/usr/bin/python3", "-m", "traysupport"]) == "/usr/bin/python3 -m traysupport"
    )
    assert exec_value(["/a b/python"]) == '"/a b/python"'
    assert exec_value(["/50%/x"]) == "/50%%/x"


def test_a_folder_that_cannot_be_written_is_reported(config_home: Path) -> None:
    config_home.mkdir()
    (config_home / "autostart").write_text("a file where the folder should be")
    with pytest.raises(AutostartError, match=r"Could not write .*traysupport\.desktop"):
        XdgAutostart().set_enabled(True)


def test_a_system_without_a_backend_says_so() -> None:
    backend = autostart_for("sunos5")
    assert not backend.is_supported()
    assert not backend.is_enabled()
    assert backend.why_unsupported() == "Start at login is not supported on sunos5 yet."
    with pytest.raises(AutostartError, match="not supported"):
        backend.set_enabled(True)


@pytest.mark.parametrize("platform", ["linux", "freebsd14"])
def test_linux_and_the_bsds_get_the_xdg_backend(platform: str) -> None:
    backend = autostart_for(platform)
    assert backend.is_supported()
    assert backend.why_unsupported() == ""
    assert "autostart" in backend.where()


def test_the_desktops_own_switch_is_respected(config_home: Path) -> None:
    """Turned off in GNOME's or KDE's session settings: the file stays, but is off."""
    backend = XdgAutostart()
    backend.set_enabled(True)
    text = backend.path.read_text(encoding="utf-8")
    backend.path.write_text(
        text.replace("X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"),
        encoding="utf-8",
    )
    assert not backend.is_enabled()
    backend.set_enabled(True)  # asked again, in the app: on again
    assert backend.is_enabled()


def test_a_system_wide_entry_counts_and_is_hidden_not_deleted(system_dir: Path) -> None:
    """An installer's entry in /etc/xdg/autostart is not ours to delete: turning start at
    login off writes a user entry with Hidden=true, which the spec says overrides it."""
    (system_dir / "traysupport.desktop").write_text(desktop_entry(["/opt/ts/traysupport"]))
    backend = XdgAutostart()
    assert backend.is_enabled()
    backend.set_enabled(False)
    assert (system_dir / "traysupport.desktop").exists()
    assert keys(backend.path)["Hidden"] == "true"
    assert not backend.is_enabled()
    backend.set_enabled(True)
    assert backend.is_enabled()
    assert "Hidden" not in keys(backend.path)


def test_a_hidden_system_entry_is_off(system_dir: Path) -> None:
    (system_dir / "traysupport.desktop").write_text(desktop_entry(["x"]) + "Hidden=true\n")
    assert not XdgAutostart().is_enabled()


def test_system_dirs_follow_xdg_config_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path}/a:relative:{tmp_path}/b")
    assert system_autostart_dirs() == [tmp_path / "a" / "autostart", tmp_path / "b" / "autostart"]
    monkeypatch.delenv("XDG_CONFIG_DIRS")
    assert system_autostart_dirs() == [Path("/etc/xdg/autostart")]


def test_the_packaged_desktop_entry_names_the_shipped_icon_and_command() -> None:
    resources = Path(__file__).resolve().parents[2] / "resources"
    entry = keys(resources / "traysupport.desktop")
    assert entry["Exec"] == "traysupport"  # the console script of pyproject.toml
    assert (resources / "icons" / f"{entry['Icon']}.svg").is_file()
    assert entry["Icon"] == keys_of_text(desktop_entry(["x"]))["Icon"]
