"""The PyInstaller bundle, built by scripts/build-bundle.sh and run as a laptop runs it.

Building takes half a minute or more, so these run only with TRAYSUPPORT_TEST_BUNDLE=1
(`.ci/run` does, in a step of its own). The bundle is built once, into a temporary
folder (never over your dist/), with a small team-defaults file; a hard-linked copy
without that file is "the plain bundle". Every command runs with its own
TRAYSUPPORT_HOME and without the caller's display and session bus.

What is checked is what a frozen app loses first: Qt platform plugins, entry points
(APScheduler's triggers, keyring's backends), resources read through importlib
(desktop-notifier's), the zone data, the team defaults beside the executable, and that
desktop-notifier really reaches a notification server (dunst on a private session bus).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from traysupport import __version__

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900
RUN_TIMEOUT = 60
STARTUP_TIMEOUT = 30.0
TEAM_DEFAULTS = """\
# A team's defaults, as a team would ship them beside the executable.
config_version = 1
me = "priya"

[poll]
queue_seconds = 45

[ui]
timezone = "Europe/Berlin"
"""
DESKTOP_TOOLS = ("dbus-daemon", "dbus-send", "Xvfb", "dunst")
BUS = ("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus")
NAME_HAS_OWNER = (*BUS, "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner")
FORBIDDEN_IN_STDERR = ("Traceback", "could not find the Qt platform plugin", "Fatal Python error")

pytestmark = pytest.mark.bundle
if os.environ.get("TRAYSUPPORT_TEST_BUNDLE") != "1":
    pytest.skip(
        "builds the PyInstaller bundle (30 s or more); set TRAYSUPPORT_TEST_BUNDLE=1",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class Bundle:
    """The two builds under test: with the team's defaults beside it, and without."""

    team: Path
    plain: Path

    @property
    def internal(self) -> Path:
        """The bundle's _internal/ folder (the same files in both)."""
        return self.team.parent / "_internal"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Build once with scripts/build-bundle.sh; fail with the build's output if it fails."""
    base = tmp_path_factory.mktemp("bundle")
    defaults = base / "team-defaults.toml"
    defaults.write_text(TEAM_DEFAULTS, encoding="utf-8")
    env = {
        **os.environ,
        "TEAM_DEFAULTS": str(defaults),
        "BUNDLE_WORKPATH": str(base / "build"),
        "BUNDLE_DISTPATH": str(base / "dist"),
    }
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-bundle.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"the bundle did not build:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    print("\n".join(done.stdout.strip().splitlines()[-2:]))  # time and size, with -s
    team = base / "dist" / "traysupport"
    plain = base / "plain" / "traysupport"
    shutil.copytree(team, plain, copy_function=_link_or_copy, ignore=_team_defaults_only)
    return Bundle(team / "traysupport", plain / "traysupport")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _team_defaults_only(folder: str, names: list[str]) -> list[str]:
    return ["team-defaults.toml"] if "team-defaults.toml" in names else []


def environment(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without its desktop, session bus or traysupport settings."""
    dropped = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "QT_QPA_PLATFORM")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRAYSUPPORT_", "XDG_", "PYTHON")) and k not in dropped
    }
    return {**env, "TRAYSUPPORT_HOME": str(home), **extra}


def run(command: list[str | Path], env: dict[str, str]) -> Run:
    """Run *command* to completion; no traceback may reach its stderr."""
    done = subprocess.run(
        [str(part) for part in command],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    for text in FORBIDDEN_IN_STDERR:
        assert text not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


def doctor_lines(output: str) -> list[str]:
    """doctor's lines without its timings, which differ from run to run."""
    return [re.sub(r"\(\d+\.\d+ s\)", "(… s)", line) for line in output.splitlines()]


# --- the CLI ------------------------------------------------------------------------------


def test_version(bundle: Bundle, tmp_path: Path) -> None:
    result = run([bundle.plain, "--version"], environment(tmp_path))
    assert (result.code, result.out.strip()) == (0, f"traysupport {__version__}")


def test_status_json_shows_the_demo_team(bundle: Bundle, tmp_path: Path) -> None:
    result = run([bundle.plain, "status", "--demo", "--json"], environment(tmp_path))
    assert result.code == 0, result.err
    status = json.loads(result.out)
    assert status["demo"] is True
    assert status["me"]["id"] == "you"  # the demo's own user: no team defaults here
    assert status["tickets"], "the demo queue is empty"
    assert all(t["key"].startswith("DEMO-") for t in status["tickets"])
    assert [s["ok"] for s in status["sources"]] == [True] * len(status["sources"])


def test_doctor_says_what_the_source_install_says(bundle: Bundle, tmp_path: Path) -> None:
    """Same config, sources, keyring backend (found through entry points) and desktop."""
    frozen = run([bundle.plain, "doctor", "--demo"], environment(tmp_path / "frozen"))
    source = run(
        [sys.executable, "-m", "traysupport", "doctor", "--demo"],
        environment(tmp_path / "source"),
    )
    assert frozen.code == 0, frozen.out + frozen.err
    assert doctor_lines(frozen.out) == doctor_lines(source.out)
    assert "✓ config: the embedded demo team" in frozen.out


def test_platformdirs_folders_without_traysupport_home(bundle: Bundle, tmp_path: Path) -> None:
    """Without TRAYSUPPORT_HOME the XDG folders under $HOME are used, as platformdirs says."""
    env = environment(tmp_path, HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    del env["TRAYSUPPORT_HOME"]
    result = run([bundle.plain, "doctor", "--demo"], env)
    assert result.code == 0, result.out + result.err
    assert (tmp_path / ".local" / "state" / "traysupport" / "log" / "traysupport.log").is_file()


# --- team defaults ------------------------------------------------------------------------


def test_team_defaults_sit_beside_the_executable(bundle: Bundle) -> None:
    beside = bundle.team.parent / "team-defaults.toml"
    assert beside.read_text(encoding="utf-8") == TEAM_DEFAULTS
    assert not (bundle.plain.parent / "team-defaults.toml").exists()


def test_team_defaults_are_applied(bundle: Bundle, tmp_path: Path) -> None:
    result = run([bundle.team, "status", "--demo", "--json"], environment(tmp_path))
    assert result.code == 0, result.err
    assert json.loads(result.out)["me"]["id"] == "priya"


def test_a_symlink_on_path_still_finds_the_team_defaults(bundle: Bundle, tmp_path: Path) -> None:
    """docs/packaging.md installs a symlink in ~/.local/bin: the defaults stay beside the
    real executable, and so does _internal/."""
    link = tmp_path / "bin" / "traysupport"
    link.parent.mkdir()
    link.symlink_to(bundle.team)
    result = run([link, "status", "--demo", "--json"], environment(tmp_path / "home"))
    assert result.code == 0, result.err
    assert json.loads(result.out)["me"]["id"] == "priya"


def test_doctor_reads_the_team_defaults_as_the_source_install_does(
    bundle: Bundle, tmp_path: Path
) -> None:
    """With only the bundled zone data (PYTHONTZPATH empty), "Europe/Berlin" must resolve."""
    beside = str(bundle.team.parent / "team-defaults.toml")
    frozen = run(
        [bundle.team, "doctor", "--demo"], environment(tmp_path / "frozen", PYTHONTZPATH="")
    )
    source = run(
        [sys.executable, "-m", "traysupport", "doctor", "--demo"],
        environment(tmp_path / "source", TRAYSUPPORT_TEAM_DEFAULTS=beside),
    )
    assert frozen.code == 0, frozen.out + frozen.err
    assert "✓ me: Priya Natarajan (priya) in demo" in frozen.out.splitlines()
    assert doctor_lines(frozen.out) == doctor_lines(source.out)


# --- what only the frozen files show ------------------------------------------------------


def test_the_bundle_holds_what_is_found_at_run_time(bundle: Bundle) -> None:
    """Entry points, plugins and resources, including keyring backends that no machine
    here can use (so the doctor test cannot see them missing)."""
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    modules = set(CArchiveReader(str(bundle.plain)).open_embedded_archive("PYZ.pyz").toc)
    wanted = {
        "apscheduler.triggers.interval",
        "apscheduler.triggers.date",
        "apscheduler.executors.pool",
        "apscheduler.jobstores.memory",
        "keyring.backends.SecretService",
        "keyring.backends.kwallet",
        "keyring.backends.libsecret",
        "keyring.backends.chainer",
        "secretstorage",
        "desktop_notifier.backends.dbus",
        "dbus_fast.aio",
        "traysupport.app",
        "traysupport.ui.notify_dbus",
        "platformdirs.unix",
    }
    assert wanted - modules == set()
    internal = bundle.internal
    entry_points = {p.parent.name.split("-")[0] for p in internal.glob("*/entry_points.txt")}
    assert {"apscheduler", "keyring"} <= entry_points
    assert (internal / "desktop_notifier" / "resources" / "python.png").is_file()
    assert (internal / "tzdata" / "zoneinfo" / "Europe" / "Berlin").is_file()
    assert (internal / "resources" / "traysupport.desktop").is_file()
    # Read at run time from sys._MEIPASS (traysupport.sounds): the P1 alert's sound.
    assert (internal / "resources" / "sounds" / "alert.wav").is_file()
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "imageformats/libqsvg.so"):
        assert (plugins / plugin).is_file(), plugin
    import PySide6

    wheel_platforms = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms"
    for wayland in wheel_platforms.glob("libqwayland*.so"):
        assert (plugins / "platforms" / wayland.name).is_file(), wayland.name


# --- the tray app -------------------------------------------------------------------------


@dataclass
class TrayRun:
    code: int
    err: str
    log: str


def run_tray(exe: Path, home: Path, env: dict[str, str], ready: Callable[[], bool]) -> TrayRun:
    """Start the tray app on the demo team, wait until *ready* (the first poll at least)
    while it stays up, then stop it with SIGTERM as a session manager does."""
    err_path = home.parent / f"{home.name}.stderr"
    with err_path.open("w", encoding="utf-8") as err:
        app = subprocess.Popen(
            [str(exe), "--demo", "--speed", "20"], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            started = time.monotonic()
            while not (ready() and first_poll_done(home) and time.monotonic() - started > 3):
                assert app.poll() is None, f"the tray app ended: {err_path.read_text()}"
                assert time.monotonic() < deadline, f"not ready in time: {err_path.read_text()}"
                time.sleep(0.2)
            app.send_signal(signal.SIGTERM)
            code = app.wait(timeout=20)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    log_file = home / "log" / "traysupport.log"
    return TrayRun(code, err_path.read_text(), log_file.read_text() if log_file.exists() else "")


def first_poll_done(home: Path) -> bool:
    """The demo source's rotation and queue are in a state database under *home* (the
    demo keeps its own store; snapshots are saved per source and role)."""
    for database in home.glob("data/**/*.sqlite3"):
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            try:
                rows = {r[0] for r in db.execute("SELECT source FROM snapshot")}
            except sqlite3.OperationalError:  # not created yet
                continue
        if {"demo/rotation", "demo/queue"} <= rows:
            return True
    return False


def assert_clean(result: TrayRun) -> None:
    assert result.code == 0, result.err
    for text in FORBIDDEN_IN_STDERR:
        assert text not in result.err, result.err
        assert text not in result.log, result.log
    assert "desktop notifications are unavailable" not in result.log  # desktop_notifier imports
    assert " ERROR " not in result.log, result.log


def test_tray_app_runs_on_offscreen(bundle: Bundle, tmp_path: Path) -> None:
    """No session bus: desktop-notifier loads, finds no server, and the app carries on."""
    home = tmp_path / "home"
    env = environment(home, QT_QPA_PLATFORM="offscreen")
    log_file = home / "log" / "traysupport.log"
    result = run_tray(
        bundle.plain, home, env, ready=lambda: "desktop notifications failed" in _read(log_file)
    )
    assert_clean(result)
    # desktop-notifier and dbus_fast loaded and looked for a bus: the failure is not theirs.
    failed = next(line for line in result.log.splitlines() if "notifications failed" in line)
    assert "DBUS_SESSION_BUS_ADDRESS" in failed, failed
    assert not re.search(r"ImportError|ModuleNotFoundError|FileNotFoundError", result.log)


def test_tray_app_notifies_through_dbus(bundle: Bundle, tmp_path: Path) -> None:
    """A real notification server (dunst) on a private session bus gets the app's alerts."""
    missing = [tool for tool in DESKTOP_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (./dev.sh setup installs them)")
    home = tmp_path / "home"
    notes = tmp_path / "notes.tsv"
    with private_desktop(tmp_path, notes) as bus:
        env = environment(home, QT_QPA_PLATFORM="offscreen", DBUS_SESSION_BUS_ADDRESS=bus)
        result = run_tray(bundle.team, home, env, ready=lambda: "traysupport\t" in _read(notes))
    assert_clean(result)
    assert "desktop notifications failed" not in result.log, result.log
    assert re.search(r"^traysupport\t\S", _read(notes), re.MULTILINE), _read(notes)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


# --- a private desktop: session bus, X server, notification daemon ------------------------


@contextlib.contextmanager
def private_desktop(folder: Path, notes: Path) -> Iterator[str]:
    """A session bus, an Xvfb and dunst recording each notification's app name and
    summary to *notes*; yields the bus address. Everything started is stopped."""
    recorder = folder / "record.sh"
    recorder.write_text(f'#!/bin/sh\nprintf "%s\\t%s\\n" "$1" "$2" >> "{notes}"\n')
    recorder.chmod(0o755)
    dunstrc = folder / "dunstrc"
    dunstrc.write_text(f'[record]\n    appname = "*"\n    script = "{recorder}"\n')
    with contextlib.ExitStack() as stack:
        bus_daemon, bus = stack.enter_context(
            _started(["dbus-daemon", "--session", "--nofork", "--print-address=1"])
        )
        _xvfb, display = stack.enter_context(
            _started(["Xvfb", "-displayfd", "1", "-screen", "0", "640x480x24", "-nolisten", "tcp"])
        )
        env = {**os.environ, "DISPLAY": f":{display}", "DBUS_SESSION_BUS_ADDRESS": bus}
        dunst = subprocess.Popen(
            ["dunst", "-config", str(dunstrc)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(_stop, dunst)
        _wait_for_name(bus, "org.freedesktop.Notifications", bus_daemon)
        yield bus


@contextlib.contextmanager
def _started(command: list[str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start *command*, which prints one line (an address, a display) when ready."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        yield process, _first_line(process, command[0])
    finally:
        _stop(process)


def _first_line(process: subprocess.Popen[str], name: str) -> str:
    stream: IO[str] | None = process.stdout
    assert stream is not None
    ready, _, _ = select.select([stream], [], [], 10)
    assert ready, f"{name} did not start"
    line = stream.readline().strip()
    assert line, f"{name} did not start"
    return line


def _wait_for_name(bus: str, name: str, daemon: subprocess.Popen[str]) -> None:
    """Wait until *name* is owned on the bus (dunst is up), at most 10 s."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = subprocess.run(
            [*NAME_HAS_OWNER, f"string:{name}"],
            env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus},
            capture_output=True,
            text=True,
            check=False,
        )
        if "boolean true" in answer.stdout:
            return
        assert daemon.poll() is None, "the session bus died"
        time.sleep(0.1)
    pytest.fail(f"nobody took {name} on the test bus")


def _stop(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
