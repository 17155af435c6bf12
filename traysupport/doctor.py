"""`traysupport doctor`: check the config, each source, the keyring and the desktop."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from traysupport import runtime
from traysupport.config import Config, ConfigError, get_secret, load_config, secret_env_names
from traysupport.config_source_schema import SourceConfig
from traysupport.sources import opsgenie
from traysupport.sources.base import SourceError
from traysupport.sources.provider import BuiltSource
from traysupport.tokens import keyring_status

Out = Callable[[str], None]


def run(config_path: Path | None, demo: bool, out: Out, now: datetime | None = None) -> int:
    """Print one line per check; return the number of problems found.

    *now* (default: the clock) dates the warnings about providers whose API is ending.
    """
    problems = 0
    try:
        config = load_config(config_path)
    except ConfigError as error:
        out(f"✗ config: {error}")
        return 1
    if demo:
        config = config.as_demo()
    out(f"✓ config: {config.source_description}")
    _check_settings(config, (now or datetime.now(UTC)).astimezone(UTC).date(), out)
    with runtime.demo_for(config) as run:
        problems += _check_sources(config, run.url if run else "", out)
    problems += _check_keyring(out)
    problems += _check_desktop(out)
    out("No problems found." if problems == 0 else f"{problems} problem(s) found.")
    return problems


def _check_settings(config: Config, today: date, out: Out) -> None:
    """What the settings alone show, before any network: a source without the token its
    provider needs, a provider whose API is ending. Warnings: the source checks that
    follow count the failures these lead to."""
    for source in config.sources:
        if source.spec.needs_token and get_secret(source.token_ref) is None:
            out(_no_token(source))
        if source.provider == opsgenie.SPEC.name:
            out(_opsgenie_ending(source, today))


def _no_token(source: SourceConfig) -> str:
    """Which source lacks a token, under which token_ref, and the two ways to give it."""
    ref, env = source.token_ref, secret_env_names(source.token_ref)[0]
    return (
        f'! {source.name} ({source.provider}): no token under token_ref "{ref}"; keep it in'
        f' the keyring (service "traysupport", user name "{ref}": `traysupport token set'
        f" {source.name}` or the Settings window's Sources page) or set the environment"
        f" variable {env}."
    )


def _opsgenie_ending(source: SourceConfig, today: date) -> str:
    """When Opsgenie's REST API ends (or ended), and that jsm-oncall replaces it."""
    label, end = f"{source.name} ({source.provider})", opsgenie.API_ENDS.isoformat()
    move = "move this source to provider jsm-oncall (docs/providers.md#jsm-oncall)"
    if opsgenie.api_ended(today):
        return f"! {label}: Opsgenie's REST API ended on {end} and cannot be read; {move}."
    days = (opsgenie.API_ENDS - today).days
    left = f"{days} day" + ("s" if days != 1 else "")
    return (
        f"! {label}: Opsgenie's REST API ends on {end} (in {left}); {move}, which reads"
        " the same schedules."
    )


def _check_sources(config: Config, demo_url: str, out: Out) -> int:
    """Each source on its own: reachable and authorised in each of its roles."""
    try:
        sources = runtime.build_sources(config, demo_url)
    except runtime.SetupError as error:
        out(f"✗ sources: {error}")
        return 1
    try:
        problems = sum(_check_source(source, out) for source in sources)
        return problems + _check_me(config, sources, out)
    finally:
        sources.close()


def _check_source(source: BuiltSource, out: Out) -> int:
    """One line per role of *source*: reachable and authorised, or why not."""
    now = datetime.now(UTC)
    checks: list[tuple[str, Callable[[], object]]] = []
    if (rotation := source.rotation) is not None:
        checks.append(
            (
                "rotation",
                lambda: (
                    rotation.fetch_people(),
                    rotation.fetch_shifts(now, now + timedelta(days=1)),
                ),
            )
        )
    if (queue := source.queue) is not None:
        checks.append(("queue", queue.fetch_tickets))
    problems = 0
    for role, check in checks:
        label = f"{source.name} ({source.provider}, {role})"
        started = time.monotonic()
        try:
            check()
        except SourceError as error:
            out(f"✗ {label}: {error}")
            problems += 1
        else:
            out(f"✓ {label}: reachable and authorised ({time.monotonic() - started:.2f} s)")
    return problems


def _check_me(config: Config, sources: runtime.Sources, out: Out) -> int:
    """Who I am, in the first rotation source that can tell."""
    rotations = [s for s in sources if s.rotation is not None]
    for source in rotations:
        # An unreachable or unauthorised source is one more problem, not the end of the checks.
        try:
            return _check_me_in(source, out)
        except SourceError as error:
            out(f"✗ me: cannot ask {source.name} who you are: {error}")
            return 1
    if config.me:
        out(f"! me: {config.me!r} (no rotation source to check it against)")
    return 0


def _check_me_in(source: BuiltSource, out: Out) -> int:
    rotation = source.rotation
    assert rotation is not None
    if source.me:
        match = next((p for p in rotation.fetch_people() if p.matches(source.me)), None)
        if match is None:
            out(
                f"✗ me: nobody in {source.name} matches {source.me!r}; set `me` to your id"
                " or email there"
            )
            return 1
        out(f"✓ me: {match.name} ({match.id}) in {source.name}")
        return 0
    me = source.fetch_me() if source.fetch_me else None
    if me is None:
        out(f"✗ me: not set and {source.name} cannot tell; set `me` in the config")
        return 1
    out(f"✓ me: {me.name} ({me.id}), as {source.name} says")
    return 0


def _check_keyring(out: Out) -> int:
    """Whether tokens can be kept; when not, how to get a keyring and the environment way.

    A warning, not a problem: tokens in the environment work without one.
    """
    status = keyring_status()
    out(f"✓ keyring: {status.backend}" if status.works else f"! keyring: {status.summary}")
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
