"""The real tray app on a real desktop: ``python -m traysupport --demo`` under Xvfb, with
trayer as the tray, dunst as the notification server, and the demo team's own server.

One test walks through what a user on duty sees and does, in the order the demo team's
script brings it (scenario seconds, played `SPEED` times faster): the icon docks in the
tray; "You are on duty" (+20) and the P1's SLA warning (+90) reach dunst; Acknowledge on
that notification acknowledges the ticket on the demo server; the queue window, brought
forward by a second launch, hands the ticket over to a teammate with a note, driven by
the keyboard through X; the tray menu opens. Each step polls for its outcome with a
deadline. Screenshots of the tray, the notifications and the window go to
``artifacts/e2e/`` (whole screen and cropped to the part shown).

Driving the keyboard: there is no window manager, so ``xdotool windowactivate`` (which
asks one) cannot work; ``windowfocus --sync`` sets X's input focus, which Qt takes as
activation. Keys go in with a human's pace between them (`KEY_PACE_MS`): a mnemonic
such as Alt+M clicks its button after Qt's 100 ms click animation, and the next key must
find the click done.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import desktop as the_desktop
from tests.e2e.desktop import Desktop, wait_for
from traysupport import paths, runtime
from traysupport.demo.script import P1_TITLE

pytestmark = pytest.mark.e2e
desktop = the_desktop.desktop  # the fixture

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "e2e"
SPEED = 10
"""Scenario seconds per real second: the P1's warning (+90) comes 9 s after start."""
STEP_TIMEOUT = 20.0
"""The longest any one step may take (the P1 warning: 9 s at `SPEED`, plus start-up)."""
STOP_TIMEOUT = 15.0
KEY_PACE_MS = "150"
HANDOVER_NOTE = "Retried the EU card flow: still 500. Logs in INC-4711."
RECIPIENT = "mei"
"""Who gets the ticket: typed into the dialog's To field (Mei Tanaka)."""
WINDOW_TITLE = "^Queue — traysupport$"
DIALOG_TITLE = "^Hand over tickets"
MARGIN = 16
"""Pixels kept around what a cropped screenshot shows."""


@dataclass
class Box:
    """A rectangle on the screen."""

    x: int
    y: int
    width: int
    height: int

    def around(self, *others: Box, margin: int = MARGIN) -> Box:
        """The smallest box holding this one and *others*, grown by *margin*."""
        boxes = (self, *others)
        left = min(b.x for b in boxes) - margin
        top = min(b.y for b in boxes) - margin
        right = max(b.x + b.width for b in boxes) + margin
        bottom = max(b.y + b.height for b in boxes) + margin
        return Box(max(left, 0), max(top, 0), right - max(left, 0), bottom - max(top, 0))

    def contains(self, other: Box) -> bool:
        """True when *other* lies wholly inside this box."""
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.width <= self.x + self.width
            and other.y + other.height <= self.y + self.height
        )


# -- the desktop: windows, keys, screenshots (beyond what tests.e2e.desktop offers) -------


def windows(desktop: Desktop, pid: int | None, name: str = "") -> list[int]:
    """The visible windows of process *pid* (of any, if None) whose title matches the
    regex *name* (any title if "")."""
    # xdotool's own --pid with --name (and --all) finds nothing here: filter the titles.
    which = ["--pid", str(pid)] if pid else ["--name", "."]
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", *which],
        env=desktop.env, capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    found = [int(line) for line in done.stdout.split()]  # none: exit status 1
    return [w for w in found if not name or re.search(name, title(desktop, w))]


def title(desktop: Desktop, window: int) -> str:
    """The title of *window* ("" if it has gone)."""
    done = subprocess.run(
        ["xdotool", "getwindowname", str(window)],
        env=desktop.env, capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    return done.stdout.rstrip("\n")


def window_box(desktop: Desktop, window: int) -> Box:
    """Where *window* is on the screen (xdotool translates to root coordinates)."""
    shell = desktop.run("xdotool", "getwindowgeometry", "--shell", str(window))
    values = dict(line.split("=", 1) for line in shell.split())
    return Box(int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"]))


def is_popup_menu(desktop: Desktop, window: int) -> bool:
    """True for a menu window (the tray's context menu)."""
    kind = desktop.run("xprop", "-id", str(window), "_NET_WM_WINDOW_TYPE")
    return "_NET_WM_WINDOW_TYPE_POPUP_MENU" in kind


def focus(desktop: Desktop, pid: int, title: str) -> int:
    """Wait for *pid*'s window titled *title* and give it the keyboard focus."""
    window = wait_for(lambda: windows(desktop, pid, title), f"a window {title}", STEP_TIMEOUT)[0]
    desktop.run("xdotool", "windowfocus", "--sync", str(window))
    return window


def keys(desktop: Desktop, *names: str) -> None:
    """Press keys (xdotool names, e.g. "ctrl+h") on the focused window, at a human's pace."""
    desktop.run("xdotool", "key", "--clearmodifiers", "--delay", KEY_PACE_MS, *names)


def type_text(desktop: Desktop, text: str) -> None:
    """Type *text* on the focused window."""
    desktop.run("xdotool", "type", "--clearmodifiers", "--delay", "20", text)


def paint_background(desktop: Desktop) -> None:
    """A dark gradient behind the windows, as on a desktop (cosmetic: failing is fine)."""
    subprocess.run(
        ["display", "-display", desktop.display, "-window", "root", "-size", "1280x800",
         "gradient:#3b4a5c-#1c242e"],
        env=desktop.env, capture_output=True, timeout=10, check=False,
    )  # fmt: skip


def screenshot(desktop: Desktop, name: str, box: Box | None = None) -> Path:
    """The whole screen as artifacts/e2e/<name>-screen.png, and *box* of it as <name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screen = desktop.screenshot(ARTIFACTS / f"{name}-screen.png")
    if box is None:
        return screen
    crop = f"{box.width}x{box.height}+{box.x}+{box.y}"
    desktop.run("convert", str(screen), "-crop", crop, "+repage", str(ARTIFACTS / f"{name}.png"))
    return ARTIFACTS / f"{name}.png"


# -- the app and its demo server -----------------------------------------------------------


@dataclass
class TrayApp:
    """The app under test, as a process, and the demo server it publishes."""

    process: subprocess.Popen[bytes]
    stderr: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def demo_url(self) -> str:
        """The demo server's base URL, from the runtime file the app publishes."""
        info = paths.runtime_dir() / runtime.DEMO_RUNTIME_FILE
        published = wait_for(
            lambda: json.loads(info.read_text("utf-8")) if info.exists() else None,
            f"the app to publish {info}",
            STEP_TIMEOUT,
        )
        assert published["pid"] == self.pid, published
        return str(published["url"])

    def tickets(self) -> list[dict[str, Any]]:
        """GET /tickets on the demo server, every page."""
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            query = f"?cursor={cursor}" if cursor else ""
            with urllib.request.urlopen(f"{self.demo_url()}/tickets{query}", timeout=5) as reply:
                page = json.load(reply)
            found.extend(page["tickets"])
            if not page["next"]:
                return found
            cursor = page["next"]

    def ticket(self, key: str) -> dict[str, Any] | None:
        """The open ticket *key* on the demo server."""
        return next((t for t in self.tickets() if t["key"] == key), None)

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as a session manager sends it; (exit status, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(STOP_TIMEOUT)
        return code, self.stderr.read_text("utf-8", errors="replace")


@pytest.fixture
def tray_app(
    desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TrayApp]:
    """``python -m traysupport --demo --speed SPEED`` on the desktop (stopped at the end)."""
    # This process reads the app's runtime files through the same paths module.
    monkeypatch.setenv(paths.HOME_ENV, desktop.env[paths.HOME_ENV])
    stderr = tmp_path / "traysupport.err"
    with (tmp_path / "traysupport.out").open("wb") as out, stderr.open("wb") as err:
        process = desktop.start(
            "traysupport",
            sys.executable, "-m", "traysupport", "--demo", "--speed", str(SPEED),
            cwd=REPO, stdout=out, stderr=err,
        )  # fmt: skip
    try:
        yield TrayApp(process, stderr)
    finally:
        if process.poll() is None:  # a failed test: the desktop's teardown kills the rest
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)


# -- the steps -----------------------------------------------------------------------------


def p1_key(app: TrayApp) -> str:
    """The key of the demo's scripted P1 (+45), once it is on the server."""
    ticket = wait_for(
        lambda: next((t for t in app.tickets() if t["title"] == P1_TITLE), None),
        "the demo's P1 to arrive",
        STEP_TIMEOUT,
    )
    return str(ticket["key"])


def notification(desktop: Desktop, summary: str) -> dict[str, str]:
    """The notification dunst received whose summary matches the regex *summary*."""
    return wait_for(
        lambda: next((n for n in desktop.received() if re.fullmatch(summary, n["summary"])), None),
        f"a notification {summary!r} in dunst",
        STEP_TIMEOUT,
    )


def acknowledge_from_notification(
    desktop: Desktop, app: TrayApp, key: str, icon: Box
) -> dict[str, str]:
    """Press Acknowledge on the P1's SLA warning; the demo server records it."""
    warning = notification(desktop, rf"P1 {key}: response SLA due in .+")
    # dunst does not set _NET_WM_PID on its window: found by its title.
    dunst = wait_for(lambda: windows(desktop, None, "^Dunst$"), "dunst's window", STEP_TIMEOUT)
    screenshot(desktop, "notification", window_box(desktop, dunst[0]).around(icon))
    desktop.invoke_action(warning["id"], "acknowledge")
    acknowledged = wait_for(
        lambda: (t := app.ticket(key)) is not None and t["status"] == "acknowledged" and t,
        f"{key} to be acknowledged on the demo server",
        STEP_TIMEOUT,
    )
    assert acknowledged["acknowledged_by"] == "you"
    return warning


def open_window(desktop: Desktop, app: TrayApp) -> int:
    """A second launch brings the running app's window forward, then exits."""
    second = subprocess.run(
        [sys.executable, "-m", "traysupport", "--demo"],
        env=desktop.env, cwd=REPO, capture_output=True, text=True, timeout=STEP_TIMEOUT,
        check=False,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr, second.stderr
    return focus(desktop, app.pid, WINDOW_TITLE)


def hand_over_mine(desktop: Desktop, app: TrayApp, key: str) -> None:
    """In the window: Mine, the first ticket, Ctrl+H; in the dialog: note, recipient, go."""
    focus(desktop, app.pid, WINDOW_TITLE)
    keys(desktop, "alt+m", "Home", "ctrl+h")  # my one ticket: the P1 I acknowledged
    focus(desktop, app.pid, DIALOG_TITLE)
    keys(desktop, "alt+n")
    type_text(desktop, HANDOVER_NOTE)
    keys(desktop, "alt+t")
    type_text(desktop, RECIPIENT)
    keys(desktop, "ctrl+Return")
    handed = wait_for(
        lambda: (t := app.ticket(key)) is not None and t["assignee_id"] == RECIPIENT and t,
        f"{key} to be handed over to {RECIPIENT} on the demo server",
        STEP_TIMEOUT,
    )
    assert [n for n in handed["notes"] if HANDOVER_NOTE in n["text"]], handed["notes"]
    dialog = windows(desktop, app.pid, DIALOG_TITLE)
    screenshot(desktop, "handover", window_box(desktop, dialog[0]).around() if dialog else None)


def tray_menu(desktop: Desktop, app: TrayApp, icon: Box) -> None:
    """A right click on the icon opens the tray menu (shot), Esc closes it."""
    # At the icon's lower edge: the menu opens at the pointer, below the icon, not over it.
    x, y = icon.x + icon.width // 2, icon.y + icon.height - 1
    desktop.run("xdotool", "mousemove", "--sync", str(x), str(y), "click", "3")
    menu = wait_for(
        lambda: [w for w in windows(desktop, app.pid) if is_popup_menu(desktop, w)],
        "the tray menu",
        STEP_TIMEOUT,
    )
    screenshot(desktop, "tray", icon.around(window_box(desktop, menu[0])))
    keys(desktop, "Escape")
    wait_for(
        lambda: not any(is_popup_menu(desktop, w) for w in windows(desktop, app.pid)),
        "the tray menu to close",
        STEP_TIMEOUT,
    )


def embedded_icon(desktop: Desktop, app: TrayApp) -> Box:
    """The app's icon, once trayer has embedded it."""
    wait_for(lambda: desktop.tray_embedded(app.pid), "the tray icon in trayer", STEP_TIMEOUT)
    trayer = window_box(desktop, windows(desktop, desktop.processes["trayer"].pid, "^panel$")[0])
    icons = [window_box(desktop, w) for w in windows(desktop, app.pid)]
    inside = [b for b in icons if trayer.contains(b)]
    assert len(inside) == 1, (trayer, icons)
    return inside[0]


# -- the test ------------------------------------------------------------------------------


def test_a_shift_with_the_real_app_on_a_real_desktop(desktop: Desktop, tray_app: TrayApp) -> None:
    paint_background(desktop)
    icon = embedded_icon(desktop, tray_app)

    key = p1_key(tray_app)
    duty = notification(desktop, "You are on duty")
    warning = acknowledge_from_notification(desktop, tray_app, key, icon)
    assert warning["urgency"] == "CRITICAL"
    assert duty["urgency"] == "NORMAL"
    # The title's markup arrives escaped, so dunst (which reads markup) shows it as text.
    assert warning["body"].splitlines()[0] == "&lt;b&gt;Checkout&lt;/b&gt; returns 500 for EU cards"

    desktop.close_all()  # they would cover the window; closed, they are in the history
    history = {str(h["id"]): h for h in desktop.dunst_history()}
    assert history[duty["id"]]["summary"] == "You are on duty"
    assert "&lt;b&gt;Checkout&lt;/b&gt; returns 500" in history[warning["id"]]["message"]

    window = open_window(desktop, tray_app)
    desktop.close_all()  # anything that arrived meanwhile
    screenshot(desktop, "window", window_box(desktop, window).around(icon))
    hand_over_mine(desktop, tray_app, key)
    keys(desktop, "Escape")  # closes the dialog
    wait_for(lambda: not windows(desktop, tray_app.pid, DIALOG_TITLE), "the dialog to close")
    focus(desktop, tray_app.pid, WINDOW_TITLE)  # no window manager hands the focus back
    keys(desktop, "Escape")  # hides the window
    wait_for(lambda: not windows(desktop, tray_app.pid, WINDOW_TITLE), "the window to hide")

    desktop.close_all()
    tray_menu(desktop, tray_app, icon)

    code, stderr = tray_app.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
