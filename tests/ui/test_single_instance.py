"""One instance per user and home: the lock decides, the local socket rings the doorbell.

Both "launches" run in this process (a QLockFile held by one object refuses another),
except the crash, which is a real process killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from traysupport.ui.single_instance import SingleInstance, parse_message, server_name

WAIT_MS = 5000


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def launch(qtbot: QtBot, home: Path) -> Iterator[Callable[[], SingleInstance]]:
    made: list[SingleInstance] = []

    def make() -> SingleInstance:
        instance = SingleInstance()
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.release()


def test_the_second_launch_shows_the_first_and_does_not_run(
    qtbot: QtBot, launch: Callable[[], SingleInstance]
) -> None:
    first, second = launch(), launch()
    assert first.acquire()
    with qtbot.waitSignal(first.activated, timeout=WAIT_MS) as shown:
        assert not second.acquire()
    assert shown.args == [""]


def test_a_later_launch_can_name_a_ticket(
    qtbot: QtBot, launch: Callable[[], SingleInstance]
) -> None:
    first = launch()
    assert first.acquire()
    with qtbot.waitSignal(first.activated, timeout=WAIT_MS) as shown:
        assert not launch().acquire("demo:1003")
    assert shown.args == ["demo:1003"]


def test_after_release_the_next_launch_runs(launch: Callable[[], SingleInstance]) -> None:
    first = launch()
    assert first.acquire()
    first.release()
    assert launch().acquire()


def test_another_home_is_another_instance(
    launch: Callable[[], SingleInstance], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = launch()
    assert first.acquire()
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "other"))
    other = launch()
    assert other.name != first.name
    assert other.acquire()


def test_a_crashed_run_leaves_nothing_in_the_way(
    qtbot: QtBot, launch: Callable[[], SingleInstance], home: Path
) -> None:
    """A run killed outright leaves its lock file and its socket file behind."""
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert crashed.stdout.strip() == "listening"
    assert (home / "run" / "tray.lock").exists()
    first = launch()
    assert first.acquire()
    with qtbot.waitSignal(first.activated, timeout=WAIT_MS):
        assert not launch().acquire()


CRASHING_RUN = """
import os, signal
from PySide6.QtCore import QCoreApplication
from traysupport.ui.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance()
assert instance.acquire()
print("listening", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_message_that_is_not_a_show_request_is_ignored(
    qtbot: QtBot, launch: Callable[[], SingleInstance]
) -> None:
    first = launch()
    assert first.acquire()
    shown: list[str] = []
    first.activated.connect(shown.append)
    stranger = QLocalSocket()
    stranger.connectToServer(server_name())
    assert stranger.waitForConnected(WAIT_MS)
    stranger.write(QByteArray(b"delete everything\n"))
    stranger.waitForBytesWritten(WAIT_MS)
    with qtbot.waitSignal(first.activated, timeout=WAIT_MS):
        assert not launch().acquire("demo:1")
    qtbot.waitUntil(lambda: stranger.state() == QLocalSocket.LocalSocketState.UnconnectedState)
    assert shown == ["demo:1"]


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        (b"show", ""),
        (b"show\n", ""),
        (b"show demo:1003\n", "demo:1003"),
        (b"show  spaced \r\n", "spaced"),
        (b"shout", None),
        (b"", None),
        (b"\xff\xfe", None),
        (b"show a\nb", None),
    ],
)
def test_parse_message(raw: bytes, ref: str | None) -> None:
    assert parse_message(raw) == ref
