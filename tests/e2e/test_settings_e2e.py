"""Issue 10's done-when on a real desktop: a first start with no settings file, the team
set up through the real settings window, the queue there without a restart.

``python -m traysupport`` runs on Xvfb (trayer the tray, dunst the notification server)
with no config file and a test keyring (`tests.keyrings.FileKeyring`, loaded by the app
through ``PYTHON_KEYRING_BACKEND``; the system has no Secret Service). The welcome shows;
"Set up my team" opens the settings window with Add source; the source is typed in as a
user would, through X with xdotool (name, the team API's URL on a local
`tests.faultserver.FaultServer`, the token into the token field); Test connection asks the
server and answers in the dialog; OK, then Save in the window. Without a restart the app
then polls the new source with the token, and dunst gets its new P1. The token is in the
keyring and in no file under the app's home. The test reads the dialog's answer and the
window's "Saved … Applied." as a screen reader does (AT-SPI, `tests.e2e.a11y`).

Every step waits for its outcome (a window, the server's requests, a notification, a
file) with a deadline. Screenshots go to ``artifacts/e2e/`` (settings-*.png).
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import desktop as the_desktop
from tests.e2e.a11y import APP_ENV, A11y, start_a11y
from tests.e2e.desktop import Desktop, wait_for
from tests.e2e.test_tray_app import (
    REPO,
    STEP_TIMEOUT,
    STOP_TIMEOUT,
    embedded_icon,
    focus,
    keys,
    paint_background,
    screenshot,
    type_text,
    window_box,
    windows,
)
from tests.faultserver import FaultServer
from tests.keyrings import file_keyring_env
from traysupport.config import load_config
from traysupport.tokens import SECRET_SERVICE

pytestmark = pytest.mark.e2e
desktop = the_desktop.desktop  # the fixture

TOKEN = "e2e-desk-token-4Kp8-never-in-a-file"
SOURCE = "desk"
WELCOME_TITLE = "^Welcome — traysupport"
SETTINGS_TITLE = "^Settings — traysupport$"
"""Qt adds the app's name to each title; the window's own part does not repeat it."""
ADD_TITLE = "^Add a source — traysupport$"
ADD_A11Y = "^Add a source"
"""The dialog's name to a screen reader (Qt adds the app's name on screen only)."""
NEW_P1 = "New P1 SUP-142"
"""The fault server's open, unacknowledged P1, told while its person (Alice) is on duty
(the demo team the app starts on has DEMO-* keys)."""


@dataclass
class FirstStart:
    """The app started with no settings file, and where it keeps its things."""

    process: subprocess.Popen[bytes]
    stderr: Path
    home: Path
    keyring: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def kept_tokens(self) -> dict[str, str]:
        """What the test keyring holds ("service/name" -> password)."""
        if not self.keyring.exists():
            return {}
        kept: dict[str, str] = json.loads(self.keyring.read_text("utf-8"))
        return kept

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as a session manager sends it; (exit status, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(STOP_TIMEOUT)
        return code, self.stderr.read_text("utf-8", errors="replace")


@pytest.fixture
def team_api() -> Iterator[FaultServer]:
    """The team's API on 127.0.0.1, wanting `TOKEN` (its faults stay off)."""
    with FaultServer(token=TOKEN) as server:
        yield server


@pytest.fixture
def a11y(desktop: Desktop) -> A11y:
    """The desktop's accessibility bus: the test reads the windows as a screen reader."""
    return start_a11y(desktop)


@pytest.fixture
def first_start(desktop: Desktop, a11y: A11y, tmp_path: Path) -> Iterator[FirstStart]:
    """``python -m traysupport`` with no settings file and a test keyring outside its home."""
    home = Path(desktop.env["TRAYSUPPORT_HOME"])
    keyring = tmp_path / "keyring" / "tokens.json"  # not under the app's home: checked apart
    keyring.parent.mkdir()
    env = {
        k: v
        for k, v in desktop.env.items()
        # Nothing but the window may give the app its settings or its token.
        if k != "TRAYSUPPORT_TEAM_DEFAULTS" and not re.fullmatch(r"TRAYSUPPORT_.*_TOKEN", k)
    }
    env |= file_keyring_env(keyring) | APP_ENV
    stderr = tmp_path / "traysupport.err"
    with (tmp_path / "traysupport.out").open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "traysupport"],
            env=env, cwd=REPO, stdout=out, stderr=err, start_new_session=True,
        )  # fmt: skip
    desktop.processes["traysupport"] = process  # the desktop's teardown stops it too
    started = FirstStart(process, stderr, home, keyring)
    try:
        yield started
    finally:
        if process.poll() is None:  # a failed test
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)


# -- the steps -----------------------------------------------------------------------------


def set_up_my_team(desktop: Desktop, app: FirstStart) -> None:
    """The welcome of a first start: "Set up my team" (Alt+S) opens Add source."""
    assert not (app.home / "config" / "config.toml").exists()
    focus(desktop, app.pid, WELCOME_TITLE)
    keys(desktop, "alt+s")
    wait_for(lambda: not windows(desktop, app.pid, WELCOME_TITLE), "the welcome to close")
    wait_for(lambda: windows(desktop, app.pid, SETTINGS_TITLE), "the settings window")


def add_source(desktop: Desktop, app: FirstStart, server: FaultServer, a11y: A11y) -> int:
    """In Add a source (team-API, the first provider): name, URL, token, Test connection;
    the dialog answers with what the server said. The dialog's window id."""
    dialog = focus(desktop, app.pid, ADD_TITLE)
    keys(desktop, "alt+n")
    type_text(desktop, SOURCE)
    keys(desktop, "alt+u")
    type_text(desktop, server.url)
    keys(desktop, "alt+k")
    type_text(desktop, TOKEN)
    keys(desktop, "alt+t")
    # "Testing desk…" first, then what the worker found (an error would say what failed).
    answer = a11y.wait_text(app.pid, ADD_A11Y, "^Connected: ", STEP_TIMEOUT)
    # The fault server answers only the right token (another gets 401): the token went out.
    assert answer.name == (
        "Connected: 4 open tickets, 4 people, on duty now: Alice Martin, Dana Silva,"
        " you are Alice Martin"
    ), answer
    shown = a11y.texts(app.pid, ADD_A11Y)
    assert [e for e in shown if e.name.startswith("Connected: ")] == [answer]
    assert not [e for e in shown if TOKEN in e.name]  # what a screen reader reads
    return dialog


def save(desktop: Desktop, app: FirstStart) -> None:
    """OK in the dialog (Ctrl+S there), Save (Ctrl+S) in the window; the file is written."""
    config = app.home / "config" / "config.toml"
    focus(desktop, app.pid, ADD_TITLE)
    keys(desktop, "ctrl+s")
    wait_for(lambda: not windows(desktop, app.pid, ADD_TITLE), "the source dialog to close")
    focus(desktop, app.pid, SETTINGS_TITLE)
    keys(desktop, "ctrl+s")
    wait_for(config.exists, f"Save to write {config}", STEP_TIMEOUT)


def notification(desktop: Desktop, summary: str) -> dict[str, str]:
    """The notification dunst received whose summary is *summary*."""
    return wait_for(
        lambda: next((n for n in desktop.received() if n["summary"] == summary), None),
        f"a notification {summary!r} in dunst",
        STEP_TIMEOUT,
    )


def files_holding(folder: Path, secret: str) -> list[Path]:
    """The files under *folder* whose bytes hold *secret* (databases and logs included)."""
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


# -- the test ------------------------------------------------------------------------------


def test_a_first_start_sets_up_a_team_through_the_window(
    desktop: Desktop, first_start: FirstStart, team_api: FaultServer, a11y: A11y
) -> None:
    paint_background(desktop)
    icon = embedded_icon(desktop, first_start)  # a TrayApp by its .pid
    welcome = focus(desktop, first_start.pid, WELCOME_TITLE)
    screenshot(desktop, "settings-welcome", window_box(desktop, welcome).around())
    assert team_api.hits("tickets") == 0  # nothing knows of the team yet

    set_up_my_team(desktop, first_start)
    dialog = add_source(desktop, first_start, team_api, a11y)
    screenshot(desktop, "settings-add-source", window_box(desktop, dialog).around())
    checked = team_api.hits("tickets")

    save(desktop, first_start)
    # Applied without a restart: the running app polls the new source, with its token...
    assert team_api.wait_hits("tickets", checked + 1, STEP_TIMEOUT), "the app never polled"
    # ...and tells its news: the server's P1, while Alice (the token's person) is on duty.
    new_p1 = notification(desktop, NEW_P1)
    assert new_p1["body"].startswith("Checkout returns 500 for EU cards"), new_p1
    assert first_start.process.poll() is None  # the same process: no restart
    saved = a11y.wait_text(first_start.pid, "^Settings", r"^Saved to ", STEP_TIMEOUT)
    assert saved.name.endswith(" Applied."), saved  # not "...the next time it starts"
    settings = focus(desktop, first_start.pid, SETTINGS_TITLE)
    screenshot(desktop, "settings-saved", window_box(desktop, settings).around(icon))
    desktop.close_all()
    history = {h["summary"] for h in desktop.dunst_history()}
    assert NEW_P1 in history, history
    for key, page in (("alt+n", "notifications"), ("alt+g", "general")):  # shots to look at
        keys(desktop, key)
        screenshot(desktop, f"settings-{page}", window_box(desktop, settings).around())

    config = first_start.home / "config" / "config.toml"
    assert [(s.name, s.url) for s in load_config(config, None).sources] == [(SOURCE, team_api.url)]
    assert first_start.kept_tokens() == {f"{SECRET_SERVICE}/{SOURCE}": TOKEN}
    assert files_holding(first_start.home, TOKEN) == []

    keys(desktop, "Escape")  # closes the settings window
    wait_for(lambda: not windows(desktop, first_start.pid, SETTINGS_TITLE), "the window to close")
    code, stderr = first_start.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert TOKEN not in stderr
    # Under the test's folder (the app's output, dunst's and the desktop's logs, the
    # keyring) only the test keyring holds the token.
    assert files_holding(desktop.folder, TOKEN) == [first_start.keyring]
