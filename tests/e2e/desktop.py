"""A throwaway desktop for end-to-end tests: Xvfb, a private session bus, dunst and trayer.

The `desktop` fixture starts, in a fresh ``tmp_path``:

- **Xvfb** on a free display (``-displayfd``: the server picks the number);
- **dbus-daemon** on a bus of its own, from a config without service directories, so
  nothing is ever auto-started on it (the Debian dunst package would be);
- **dunst**, the notification server, with a dunstrc written here: notifications never
  time out, history is kept, a rule records every notification it receives (with its
  urgency, which ``dunstctl history`` does not show), and its context menu ("dmenu") is
  a script that picks the entry `Desktop.invoke_action` asked for;
- **trayer**, an XEmbed tray at the top right.

It yields a `Desktop`: run the program under test with ``env=desktop.env`` (it sets
``DISPLAY``, ``DBUS_SESSION_BUS_ADDRESS``, ``QT_QPA_PLATFORM=xcb`` and a private
``TRAYSUPPORT_HOME``). At the end every process group it started is terminated.

Without the tools (``Xvfb``, ``dbus-daemon``, ``dunst``, ``dunstctl``, ``trayer``,
``xwininfo``, ``xdotool``, ``import``) the test is skipped, or fails when ``CI=true``:
CI must run these tests, not skip them.

Use it from a test module by naming the fixture there: ``from tests.e2e import desktop
as the_desktop`` and ``desktop = the_desktop.desktop`` (or from a ``conftest.py``).

Invoking a button: dunst (1.9) draws no buttons; its context menu lists every action
of the notifications on screen as ``#<label> (<summary>) [<id>,<action>]`` and invokes
the line its dmenu prints, which makes the server emit ``ActionInvoked`` exactly as for
a user's click. ``dunstctl context`` opens that menu; the menu script here answers it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest

TOOLS = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "trayer", "xwininfo", "xdotool", "import")
SCREEN = "1280x800x24"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 3.0
T = TypeVar("T")

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

_DUNSTRC = """[global]
    font = DejaVu Sans 10
    width = 380
    origin = top-right
    offset = 12x36
    padding = 10
    horizontal_padding = 10
    frame_width = 2
    icon_position = left
    min_icon_size = 32
    max_icon_size = 48
    markup = full
    format = "<b>%s</b>\\n%b"
    show_indicators = yes
    history_length = 100
    sticky_history = yes
    dmenu = {menu}
    mouse_left_click = do_action, close_current
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
    background = "#900000"
    foreground = "#ffffff"
    frame_color = "#ff4040"
[record_everything]
    appname = "*"
    script = {recorder}
"""

# Run by dunst for every notification: one JSON line with what dunst was given.
_RECORDER = """#!{python}
import json, os
fields = {{k[len("DUNST_"):].lower(): v for k, v in os.environ.items() if k.startswith("DUNST_")}}
with open({out!r}, "a", encoding="utf-8") as out:
    out.write(json.dumps(fields) + "\\n")
"""

# dunst's "dmenu": prints the menu line the test asked for (none: dunst does nothing).
_MENU = """#!{python}
import json, sys
lines = sys.stdin.read().splitlines()
with open({want!r}, encoding="utf-8") as f:
    want = f.read()
chosen = next((line for line in lines if line.endswith(want)), "")
with open({seen!r}, "a", encoding="utf-8") as out:
    out.write(json.dumps({{"menu": lines, "want": want, "chosen": chosen}}) + "\\n")
print(chosen)
"""


def missing_tools() -> list[str]:
    """The tools of the desktop that are not installed."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def wait_for(
    probe: Callable[[], T | None], what: str, timeout: float = START_TIMEOUT, every: float = 0.05
) -> T:
    """Poll *probe* until it returns something truthy; fail saying *what* did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


@dataclass
class Desktop:
    """The running desktop: its environment and what a test asks of it."""

    env: dict[str, str] = field(repr=False)
    """The environment for programs on this desktop (not in the repr: it may hold secrets)."""
    display: str
    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    outputs: list[IO[bytes]] = field(default_factory=list, repr=False)
    """The files the programs started write their output to (closed by `stop`)."""

    # -- running things --------------------------------------------------------------

    def run(self, *args: str, timeout: float = START_TIMEOUT) -> str:
        """Run a command in the desktop's environment; its stdout (fails on an error)."""
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def start(self, name: str, *args: str, **popen: Any) -> subprocess.Popen[bytes]:
        """Start a program in its own process group; it is stopped with the desktop."""
        if "stdout" not in popen:
            output = (self.folder / f"{name}.out").open("wb")
            self.outputs.append(output)
            popen["stdout"] = output
        popen.setdefault("stderr", subprocess.STDOUT)
        process = subprocess.Popen(args, env=self.env, start_new_session=True, **popen)
        self.processes[name] = process
        return process

    def stop(self) -> None:
        """Terminate every process group started, newest first, killing stragglers."""
        for name, process in reversed(list(self.processes.items())):
            _stop_group(process)
            if process.stdout is not None:
                process.stdout.close()
            del self.processes[name]
        for output in self.outputs:
            output.close()
        self.outputs.clear()

    # -- looking ---------------------------------------------------------------------

    def screenshot(self, path: Path) -> Path:
        """Save the whole screen to *path* (PNG by its suffix)."""
        self.run("import", "-display", self.display, "-window", "root", str(path))
        return path

    def received(self) -> list[dict[str, str]]:
        """Every notification dunst received, oldest first: id, app_name, summary, body,
        urgency ("LOW", "NORMAL", "CRITICAL"), icon_path, timeout, ..."""
        log = self.folder / "received.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text("utf-8").splitlines()]

    def wait_received(self, count: int = 1, timeout: float = START_TIMEOUT) -> list[dict[str, str]]:
        """The notifications received, once there are at least *count*."""
        return wait_for(
            lambda: got if len(got := self.received()) >= count else None,
            f"{count} notification(s) to reach dunst",
            timeout,
        )

    def dunst_history(self) -> list[dict[str, Any]]:
        """Notifications dunst has closed (invoked, dismissed, closed), newest first, as
        flat dicts: id, appname, summary, body (as sent), message (as shown), ..."""
        reply = json.loads(self.run("dunstctl", "history"))
        return [{k: v["data"] for k, v in entry.items()} for entry in reply["data"][0]]

    def displayed_count(self) -> int:
        """How many notifications are on screen now."""
        return int(self.run("dunstctl", "count", "displayed").strip())

    # -- doing -----------------------------------------------------------------------

    def invoke_action(self, notification_id: int | str, action: str) -> None:
        """Press *action* (a button's key, or "default" for the body) of a displayed
        notification through dunst's context menu; fails if it offered no such action."""
        (self.folder / "menu-want").write_text(f"[{notification_id},{action}]", "utf-8")
        seen = self.folder / "menu-seen.jsonl"
        before = len(seen.read_text("utf-8").splitlines()) if seen.exists() else 0
        self.run("dunstctl", "context")

        def answered() -> list[str] | None:
            return seen.read_text("utf-8").splitlines()[before:] if seen.exists() else None

        answers = wait_for(answered, "dunst's context menu")
        answer = json.loads(answers[0])
        if not answer["chosen"]:
            raise AssertionError(
                f"dunst offered no action {action!r} for notification {notification_id}: "
                f"its menu was {answer['menu']}"
            )

    def close_all(self) -> None:
        """Close every displayed notification (they move to the history)."""
        self.run("dunstctl", "close-all")

    def tray_embedded(self, window: str | int) -> bool:
        """True when a window titled *window* (a str) or of process *window* (an int) is
        embedded in trayer's panel."""
        trayer = self.processes["trayer"].pid
        panel_ids = set(self._window_ids(trayer))
        inside = _subtree_of(
            self.run("xwininfo", "-display", self.display, "-root", "-tree"), panel_ids
        )
        if isinstance(window, int):
            return bool(inside.keys() & set(self._window_ids(window)))
        return window in inside.values()

    def _window_ids(self, pid: int) -> list[int]:
        done = subprocess.run(
            ("xdotool", "search", "--pid", str(pid)),
            env=self.env, capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
        )  # fmt: skip
        return [int(line) for line in done.stdout.split()]  # none found: exit status 1


def _subtree_of(tree: str, roots: set[int]) -> dict[int, str]:
    """The windows (id -> name) below any of *roots* in ``xwininfo -root -tree`` output."""
    found: dict[int, str] = {}
    inside_at: int | None = None  # the indentation of the root we are below
    for line in tree.splitlines():
        text = line.lstrip()
        if not text.startswith("0x"):
            continue
        depth = len(line) - len(text)
        wid = int(text.split()[0], 16)
        if inside_at is not None and depth <= inside_at:
            inside_at = None
        if inside_at is not None:
            name = text.split('"')[1] if text.count('"') >= 2 else ""
            found[wid] = name
        elif wid in roots:
            inside_at = depth
    return found


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT)
    except ProcessLookupError:
        process.wait(STOP_TIMEOUT)


def _require_tools() -> None:
    missing = missing_tools()
    if not missing:
        return
    reason = f"the e2e desktop needs {', '.join(missing)} (see dev.sh's APT_PACKAGES)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the e2e tests, but {reason}")
    pytest.skip(reason)


def _start_x(desktop: Desktop) -> None:
    read_end, write_end = os.pipe()
    try:
        desktop.start(
            "xvfb", "Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN,
            "-nolisten", "tcp", "-noreset", pass_fds=(write_end,),
        )  # fmt: skip
        os.close(write_end)
        write_end = -1
        number = _read_line(read_end, "Xvfb to report its display")
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    desktop.display = f":{number}"
    desktop.env["DISPLAY"] = desktop.display


def _read_line(fd: int, what: str) -> str:
    os.set_blocking(fd, False)
    chunks: list[bytes] = []

    def line() -> str | None:
        try:
            chunk = os.read(fd, 64)
        except BlockingIOError:
            return None
        chunks.append(chunk)
        text = b"".join(chunks).decode()
        if not chunk and not text:
            raise AssertionError(f"no answer while waiting for {what}")
        return text.splitlines()[0].strip() if "\n" in text or not chunk else None

    return wait_for(line, what)


def _start_bus(desktop: Desktop) -> None:
    config = desktop.folder / "bus.conf"
    sockets = desktop.folder / "bus"
    sockets.mkdir()
    config.write_text(_BUS_CONFIG.format(folder=sockets), "utf-8")
    log = (desktop.folder / "dbus.out").open("wb")
    desktop.outputs.append(log)
    bus = desktop.start(
        "dbus", "dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1",
        stdout=subprocess.PIPE, stderr=log,
    )  # fmt: skip
    assert bus.stdout is not None
    address = _read_line(bus.stdout.fileno(), "dbus-daemon to report its address")
    desktop.env["DBUS_SESSION_BUS_ADDRESS"] = address


def _start_dunst(desktop: Desktop) -> None:
    folder = desktop.folder
    recorder, menu = folder / "record.py", folder / "menu.py"
    recorder.write_text(
        _RECORDER.format(python=sys.executable, out=str(folder / "received.jsonl")), "utf-8"
    )
    menu.write_text(
        _MENU.format(
            python=sys.executable,
            want=str(folder / "menu-want"),
            seen=str(folder / "menu-seen.jsonl"),
        ),
        "utf-8",
    )
    recorder.chmod(0o755)
    menu.chmod(0o755)
    dunstrc = folder / "dunstrc"
    dunstrc.write_text(_DUNSTRC.format(menu=menu, recorder=recorder), "utf-8")
    desktop.start("dunst", "dunst", "-config", str(dunstrc))

    def owned() -> bool:
        done = subprocess.run(
            ("dunstctl", "is-paused"), env=desktop.env, capture_output=True, timeout=5, check=False
        )
        return done.returncode == 0

    wait_for(owned, "dunst to own org.freedesktop.Notifications")


def _start_trayer(desktop: Desktop) -> None:
    trayer = desktop.start(
        "trayer", "trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
        "--height", "24", "--transparent", "false",
    )  # fmt: skip
    wait_for(lambda: desktop._window_ids(trayer.pid), "trayer's panel window")


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    """A running desktop (Xvfb, session bus, dunst, trayer) for one test; see the module."""
    _require_tools()
    env = {k: v for k, v in os.environ.items() if k not in {"WAYLAND_DISPLAY", "DISPLAY"}}
    env.update(
        QT_QPA_PLATFORM="xcb",
        TRAYSUPPORT_HOME=str(tmp_path / "home"),
        XDG_CURRENT_DESKTOP="",
        XDG_SESSION_TYPE="x11",
    )
    running = Desktop(env=env, display="", folder=tmp_path)
    try:
        _start_x(running)
        _start_bus(running)
        _start_dunst(running)
        _start_trayer(running)
        yield running
    finally:
        running.stop()
