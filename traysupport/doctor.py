"""`traysupport doctor`: check the config, each source, the keyring and the desktop."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring

from traysupport import runtime
from traysupport.config import Config, ConfigError, load_config
from traysupport.sources.base import SourceError

Out = Callable[[str], None]


def run(config_path: Path | None, demo: bool, out: Out) -> int:
    """Print one line per check; return the number of problems found."""
    problems = 0
    try:
        config = load_config(config_path)
    except ConfigError as error:
        out(f"✗ config: {error}")
        return 1
    if demo:
        config = config.as_demo()
    out(f"✓ config: {config.source_description}")
    with runtime.demo_for(config) as run:
        problems += _check_sources(config, run.url if run else "", out)
    problems += _check_keyring(out)
    problems += _check_desktop(out)
    out("No problems found." if problems == 0 else f"{problems} problem(s) found.")
    return problems


def _check_sources(config: Config, demo_url: str, out: Out) -> int:
    try:
        sources = runtime.build_sources(config, demo_url)
    except runtime.SetupError as error:
        out(f"✗ sources: {error}")
        return 1
    problems = 0
    now = datetime.now(UTC)
    checks: list[tuple[str, Callable[[], object]]] = [
        (
            f"rotation ({sources.rotation.name})",
            lambda: (
                sources.rotation.fetch_people(),
                sources.rotation.fetch_shifts(now, now + timedelta(days=1)),
            ),
        ),
        (f"queue ({sources.queue.name})", sources.queue.fetch_tickets),
    ]
    for label, check in checks:
        started = time.monotonic()
        try:
            check()
        except SourceError as error:
            out(f"✗ {label}: {error}")
            problems += 1
        else:
            out(f"✓ {label}: reachable and authorised ({time.monotonic() - started:.2f} s)")
    problems += _check_me(config, sources, out)
    return problems


def _check_me(config: Config, sources: runtime.Sources, out: Out) -> int:
    # An unreachable or unauthorised source is one more problem, not the end of the checks.
    try:
        return _check_me_unguarded(config, sources, out)
    except SourceError as error:
        out(f"✗ me: cannot ask the rotation who you are: {error}")
        return 1


def _check_me_unguarded(config: Config, sources: runtime.Sources, out: Out) -> int:
    people = sources.rotation.fetch_people() if config.me else []
    if config.me:
        match = next((p for p in people if p.matches(config.me)), None)
        if match is None:
            out(f"✗ me: nobody on the team matches {config.me!r}; set `me` to your id or email")
            return 1
        out(f"✓ me: {match.name} ({match.id})")
        return 0
    me = sources.fetch_me() if sources.fetch_me else None
    if me is None:
        out("✗ me: not set and the source cannot tell; set `me` in the config")
        return 1
    out(f"✓ me: {me.name} ({me.id}), as the source says")
    return 0


def _check_keyring(out: Out) -> int:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "fail" in name.lower() or "null" in name.lower():
        out(
            f"! keyring: no usable backend ({name}); tokens can come from "
            "TRAYSUPPORT_<SOURCE>_TOKEN environment variables instead"
        )
        return 0
    out(f"✓ keyring: {name}")
    return 0


def _check_desktop(out: Out) -> int:
    display = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
    if not display:
        out("! desktop: no DISPLAY or WAYLAND_DISPLAY; the tray app needs a graphical session")
        return 0
    out(f"✓ desktop: display {display}")
    desktop = os.environ.get("XDG_CURRENT_DESKTOP", "")
    if "GNOME" in desktop.upper():
        out(
            "! GNOME shows tray icons only with the AppIndicator extension "
            "(package gnome-shell-extension-appindicator)"
        )
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        out("! notifications: no session D-Bus; notifications fall back to the tray's balloons")
        return 0
    server = _notification_server()
    out(
        f"✓ notifications: {server}"
        if server
        else "! notifications: no notification daemon answered on D-Bus"
    )
    return 0


def _notification_server() -> str:
    """The name of the freedesktop notification daemon, if `dbus-send` can ask it."""
    tool = shutil.which("dbus-send")
    if tool is None:
        return "session bus present (dbus-send not installed to ask further)"
    try:
        answer = subprocess.run(
            [
                tool,
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.Notifications",
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications.GetServerInformation",
            ],
            capture_output=True,
            text=True,
            timeout=3,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    names = [
        line.split('"')[1] for line in answer.splitlines() if line.strip().startswith("string")
    ]
    return " ".join(names[:2]) or "a notification daemon"
