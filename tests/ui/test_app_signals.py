"""SIGTERM and Ctrl-C stop the real tray app, whatever it shows: the running app with its
queue window open, and the "cannot start" dialog.

Each test runs `python -m traysupport` as a process on the offscreen platform with its
own TRAYSUPPORT_HOME, waits for a line the app logs once it is in the state under test
(never a fixed sleep), sends the signal, and gives the process a generous bound to end:
before the fix these processes were still running ten minutes later.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.faultserver import Fault, FaultServer

STARTS_WITHIN = 60.0
"""Seconds for the app to reach the state under test (imports, the demo's first poll)."""
ENDS_WITHIN = 10.0
"""Seconds the app gets to end after the signal; the budget is 2 s, the bug was forever."""
SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")]


class AppProcess:
    """`python -m traysupport *argv*`, its stderr read line by line as it comes."""

    def __init__(self, home: Path, *argv: str, token: str = "") -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRAYSUPPORT_HOME": str(home)}
        if token:
            env["TRAYSUPPORT_TOKEN"] = token
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, "-m", "traysupport", *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._fresh: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._fresh.put(line)
        self._fresh.put(None)

    def wait_for(self, text: str, timeout: float = STARTS_WITHIN) -> str:
        """The first line from now on that contains *text*; fails at the deadline or exit."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._fresh.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"the app ended before logging {text!r}:\n{self.output()}")
            self.lines.append(line)
            if text in line:
                return line
        pytest.fail(f"no {text!r} within {timeout} s:\n{self.output()}")

    def ends_within(self, seconds: float) -> int:
        """The exit code, once the process ended within *seconds*."""
        try:
            code = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {seconds} s after the signal:\n{self.output()}")
        self._reader.join(timeout=STARTS_WITHIN)
        return code

    def output(self) -> str:
        while True:
            try:
                line = self._fresh.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=STARTS_WITHIN)
        self._reader.join(timeout=STARTS_WITHIN)
        assert self.process.stderr is not None
        self.process.stderr.close()


@contextmanager
def app_process(home: Path, *argv: str, token: str = "") -> Iterator[AppProcess]:
    app = AppProcess(home, *argv, token=token)
    try:
        yield app
    finally:
        app.stop()


@pytest.mark.parametrize("number", SIGNALS)
def test_a_signal_ends_the_cannot_start_dialog(tmp_path: Path, number: signal.Signals) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[sla]\np1_minutes = "soon"\n', encoding="utf-8")
    with app_process(tmp_path / "home", "--config", str(bad)) as app:
        app.wait_for("cannot start")  # logged once the dialog is up
        app.process.send_signal(number)
        code = app.ends_within(ENDS_WITHIN)
        output = app.output()
    assert code == 2, output  # the config's exit code: it never ran
    assert "Traceback" not in output


@pytest.mark.parametrize("number", SIGNALS)
def test_a_signal_ends_the_app_with_its_queue_window_open(
    tmp_path: Path, number: signal.Signals
) -> None:
    home = tmp_path / "home"
    with app_process(home, "--demo", "--speed", "20", "-v") as app:
        app.wait_for("running")
        second = subprocess.run(
            [sys.executable, "-m", "traysupport", "--demo"],
            env=app.env,
            capture_output=True,
            text=True,
            timeout=STARTS_WITHIN,
            check=False,
        )
        assert second.returncode == 0, second.stderr
        app.wait_for("queue window shown")
        app.process.send_signal(number)
        code = app.ends_within(ENDS_WITHIN)
        output = app.output()
    assert code == 0, output
    assert "Traceback" not in output
    assert not (home / "run" / "demo-server.json").exists()  # the demo server was stopped


def show_the_window(app: AppProcess) -> None:
    """Launch again, as a user does to bring the running app forward; wait for its window."""
    second = subprocess.run(
        [sys.executable, "-m", "traysupport"],
        env=app.env,
        capture_output=True,
        text=True,
        timeout=STARTS_WITHIN,
        check=False,
    )
    assert second.returncode == 0, second.stderr
    app.wait_for("queue window shown")


@pytest.mark.parametrize("number", SIGNALS)
def test_a_signal_ends_the_app_while_a_poll_hangs(tmp_path: Path, number: signal.Signals) -> None:
    """A fetch in flight to a server that never answers must not hold the quit."""
    with FaultServer(token="t") as server:
        server.set("tickets", Fault.hang())
        config = tmp_path / "team.toml"
        config.write_text(
            f'me = "alice"\n[rotation]\nprovider = "team-api"\nurl = "{server.url}"\n'
            f'[queue]\nprovider = "team-api"\nurl = "{server.url}"\n',
            encoding="utf-8",
        )
        with app_process(tmp_path / "home", "--config", str(config), "-v", token="t") as app:
            app.wait_for("running")
            assert server.wait_hits("tickets", timeout=STARTS_WITHIN)  # hanging now
            show_the_window(app)
            app.process.send_signal(number)
            code = app.ends_within(ENDS_WITHIN)
            output = app.output()
    assert code == 0, output
    assert "Traceback" not in output
