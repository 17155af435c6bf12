"""Reading what a Qt app shows, as a screen reader does: AT-SPI on the test desktop.

`start_a11y` starts ``at-spi-bus-launcher`` on the desktop's session bus (it answers
``org.a11y.Bus.GetAddress`` and starts the accessibility bus, whose registry the bus
starts on demand); its sockets go to the test's folder (``XDG_RUNTIME_DIR`` for the
launcher only), not to ``~/.cache``. A Qt app started with `APP_ENV` in its environment
exposes its widgets there; `A11y.texts` walks the accessible tree of one process's
windows and gives each element's role and name (a label's name is its text).

Tools: ``at-spi-bus-launcher`` (Debian: at-spi2-core) and ``busctl`` (systemd). Without
them the test is skipped, or fails when ``CI=true``, as `tests.e2e.desktop` does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.desktop import Desktop, wait_for

LAUNCHER_PATHS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")
APP_ENV = {"QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1"}
"""What a Qt app needs to expose its widgets whether or not a screen reader runs."""
ROOT = "/org/a11y/atspi/accessible/root"
ACCESSIBLE = "org.a11y.atspi.Accessible"
MAX_NODES = 2000
"""A walk ends here: a window's tree is a few hundred elements."""


@dataclass(frozen=True)
class Element:
    """One element of a window: its role ("label", "push button", ...) and name."""

    role: str
    name: str


@dataclass
class A11y:
    """The accessibility bus of a desktop."""

    address: str

    def _bus(self, *args: str) -> Any | None:
        """busctl on the accessibility bus: the reply's data, None when the call failed."""
        done = subprocess.run(
            ["busctl", f"--address={self.address}", "--json=short", *args],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        return json.loads(done.stdout)["data"] if done.returncode == 0 and done.stdout else None

    def connection_of(self, pid: int) -> str | None:
        """The accessibility bus name of process *pid* (None until it connected)."""
        names = self._bus(
            "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "ListNames",
        )  # fmt: skip
        for name in names[0] if names else []:
            if not name.startswith(":"):
                continue
            owner = self._bus(
                "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "GetConnectionUnixProcessID", "s", name,
            )  # fmt: skip
            if owner == [pid]:
                return str(name)
        return None

    def texts(self, pid: int, window: str) -> list[Element]:
        """Every element of *pid*'s windows whose name matches the regex *window* (the
        window's own title, without the " — app" Qt adds on screen), in tree order."""
        bus_name = self.connection_of(pid)
        if bus_name is None:
            return []
        found: list[Element] = []
        for child, path in self._children(bus_name, ROOT):
            if re.search(window, self._name(child, path)):
                found.extend(self._walk(child, path))
        return found

    def wait_text(self, pid: int, window: str, text: str, timeout: float) -> Element:
        """The first element of the window whose name matches the regex *text*, once
        there is one."""
        return wait_for(
            lambda: next((e for e in self.texts(pid, window) if re.search(text, e.name)), None),
            f"{text!r} in the window {window!r} (as a screen reader reads it)",
            timeout,
            every=0.2,
        )

    def _walk(self, bus_name: str, path: str) -> Iterator[Element]:
        todo, seen = [(bus_name, path)], 0
        while todo and seen < MAX_NODES:
            name, here = todo.pop(0)
            seen += 1
            role = self._bus("call", name, here, ACCESSIBLE, "GetRoleName")
            yield Element(str(role[0]) if role else "", self._name(name, here))
            todo.extend(self._children(name, here))

    def _name(self, bus_name: str, path: str) -> str:
        name = self._bus("get-property", bus_name, path, ACCESSIBLE, "Name")
        return str(name) if name is not None else ""

    def _children(self, bus_name: str, path: str) -> list[tuple[str, str]]:
        reply = self._bus("call", bus_name, path, ACCESSIBLE, "GetChildren")
        return [(str(n), str(p)) for n, p in reply[0]] if reply else []


def launcher() -> str | None:
    """The at-spi-bus-launcher installed, if any."""
    return next((p for p in LAUNCHER_PATHS if os.access(p, os.X_OK)), None)


def start_a11y(desktop: Desktop) -> A11y:
    """Start the accessibility bus on *desktop* (stopped with it); skip (fail on CI)
    without its tools."""
    program = launcher()
    missing = [
        t
        for t, ok in (("at-spi-bus-launcher", program), ("busctl", shutil.which("busctl")))
        if not ok
    ]
    if missing:
        reason = f"reading the windows needs {', '.join(missing)} (at-spi2-core, systemd)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the e2e tests, but {reason}")
        pytest.skip(reason)
    assert program is not None
    runtime = Path(desktop.folder) / "a11y-runtime"
    runtime.mkdir(mode=0o700)
    desktop.start(
        "at-spi-bus-launcher", "env", f"XDG_RUNTIME_DIR={runtime}", program, "--launch-immediately"
    )
    session = desktop.env["DBUS_SESSION_BUS_ADDRESS"]

    def address() -> str | None:
        done = subprocess.run(
            ["busctl", f"--address={session}", "--json=short", "call", "org.a11y.Bus",
             "/org/a11y/bus", "org.a11y.Bus", "GetAddress"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        return str(json.loads(done.stdout)["data"][0]) if done.returncode == 0 else None

    return A11y(wait_for(address, "the accessibility bus"))
