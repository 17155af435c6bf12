"""Command-line entry points: the tray app (the default), watch (headless), status,
shifts, doctor, demo-server, rotation; ack, handover, retry and dismiss live in `cli_outbox`,
config, source and token (setting up without an editor) in `cli_config`.

Qt is imported only when the tray app runs (`cmd_tray`), so the other commands start
fast and work where there is no display. At module level there is only what parsing the
arguments needs: each command imports the rest itself, so the tray app can show its icon
before the engine's dependencies (requests, keyring, APScheduler's background scheduler)
are loaded, and `--version` or `--help` load none of them.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from traysupport import __version__, logsetup, paths
from traysupport.textout import json_text, visible

if TYPE_CHECKING:
    from traysupport import runtime
    from traysupport.config import Config
    from traysupport.core.model import Alert
    from traysupport.service import Clock, HomeLoop, ServiceState

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_QUEUED = 0, 1, 2, 75
EXIT_NO_ANSWER = 69
"""`status`: no source answered; what it printed is saved data, or nothing (EX_UNAVAILABLE)."""
EXIT_INTERRUPTED = 130
ACTION_TIMEOUT_SECONDS = 30.0
STATUS_BUDGET_SECONDS = 15.0
"""How long `status` (and a ticket lookup) waits for the sources; slower ones show stale."""


def say(text: str, *, error: bool = False) -> None:
    """Print one message for a person: server text in it cannot drive the terminal."""
    print(visible(text), file=sys.stderr if error else sys.stdout, flush=True)


class CliError(Exception):
    """A problem to report in one line, with the exit code to use."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class _Listener:
    """Collects what the service reports; optionally prints alerts as they fire."""

    print_alerts: bool = False
    state: ServiceState | None = None
    on_change: Callable[[ServiceState], None] | None = None

    def state_changed(self, state: ServiceState) -> None:
        self.state = state
        if self.on_change is not None:
            self.on_change(state)

    def alerts_fired(self, alerts: list[Alert]) -> None:
        if not self.print_alerts:
            return
        stamp = datetime.now().astimezone().strftime("%H:%M:%S")
        for alert in alerts:
            say(f"[{stamp}] {alert.urgency.upper():8} {alert.title} — {alert.body}")


@dataclass(slots=True)
class Session:
    """A command's engine, its home loop, and what the service reported."""

    engine: runtime.Engine
    loop: HomeLoop
    listener: _Listener
    clock: Clock
    """The engine's clock: what the command shows and writes is timed by it too."""


@contextmanager
def open_session(args: argparse.Namespace, print_alerts: bool = False) -> Iterator[Session]:
    """The engine on a background scheduler with a home loop on this thread.

    Only a session that prints alerts (`watch`) may show, and so record, alerts: a
    one-shot command never consumes alerts it does not show. One clock, the real one,
    times it all: the service, its sources, a demo team it starts, and the command.
    """
    from apscheduler.schedulers.background import BackgroundScheduler  # noqa: PLC0415

    from traysupport import runtime  # noqa: PLC0415
    from traysupport.home import DaemonJobs, stop_scheduler  # noqa: PLC0415
    from traysupport.service import HomeLoop, utc_now  # noqa: PLC0415

    clock: Clock = utc_now
    config = _config(args)
    # A thread per job, as the tray app: a pool's few workers, each held by a hung
    # source, would keep the other sources' polls waiting.
    scheduler = BackgroundScheduler(timezone=UTC, executors={"default": DaemonJobs()})
    loop = HomeLoop()
    listener = _Listener(print_alerts=print_alerts)
    try:
        with runtime.open_engine(
            config,
            scheduler=scheduler,
            call_soon=loop.call_soon,
            listener=listener,
            demo_speed=getattr(args, "speed", 1.0),
            notifies=print_alerts,
            clock=clock,
        ) as engine:
            scheduler.start()
            try:
                yield Session(engine, loop, listener, clock)
            finally:
                stop_scheduler(scheduler)  # not shutdown alone: see there
    except runtime.SetupError as error:
        raise CliError(f"{_config_name(args)}: {error}", EXIT_USAGE) from error


def _config(args: argparse.Namespace) -> Config:
    from traysupport.config import ConfigError, load_config  # noqa: PLC0415

    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise CliError(str(error), EXIT_USAGE) from error
    return config.as_demo() if args.demo else config


def _check_config_path(path: Path | None) -> None:
    """An explicit --config must exist: a mistyped path must not quietly mean the demo."""
    if path is not None and not path.exists():
        raise CliError(
            f"{path}: no such config file; check the path, or leave out --config "
            f"to use {paths.config_file()}",
            EXIT_USAGE,
        )


def _config_name(args: argparse.Namespace) -> str:
    return str(args.config) if args.config else "config"


# -- commands -------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    """One poll, then who is on duty (now, or --at TIME) and the queue by SLA time left."""
    from traysupport import report, shifts_report  # noqa: PLC0415

    with open_session(args) as session:
        tz = session.engine.config.ui.tz
        try:  # before the poll: a mistyped TIME should not wait for the sources
            at = shifts_report.duty_instant(args.at, session.clock(), tz)
        except shifts_report.WindowError as error:
            raise CliError(str(error), EXIT_USAGE) from None
        state = session.engine.service.poll_once(budget=args.timeout)
        now = session.clock()
        demo = session.engine.config.is_demo
        note = None if at is None else shifts_report.duty_note(state, at, tz, now)
        if note:
            say(note, error=True)
        if args.json:
            print(json_text(report.status_dict(state, now, demo, at)), flush=True)
        else:
            # Confirmed actions make older failures of their kind moot (see report).
            confirmed = session.engine.store.done_entries()
            say(report.status_text(state, now, tz, demo, at, confirmed=confirmed))
    answered = any(s.ok for s in state.snapshot.sources)
    return EXIT_OK if answered else EXIT_NO_ANSWER


def cmd_shifts(args: argparse.Namespace) -> int:
    """One poll, then the team's shifts in a window: a table per local day, or JSON."""
    from traysupport import shifts_report as shifts  # noqa: PLC0415

    with open_session(args) as session:
        tz = session.engine.config.ui.tz
        try:
            asked = shifts.asked_window(args.since, args.until, session.clock(), tz)
        except shifts.WindowError as error:
            raise CliError(str(error), EXIT_USAGE) from None
        state = session.engine.service.poll_once(budget=args.timeout)
        now = session.clock()
        if args.mine and state.me is None:
            raise CliError("who you are on the team is not known; set `me` in the config")
        found = shifts.build(state, asked, now, mine=args.mine)
        if not found.rotations:
            raise CliError("no configured source serves a rotation (see docs/providers.md)")
        if args.json:
            print(json_text(shifts.shifts_dict(found)), flush=True)
            note = shifts.clip_note(found, tz, now)
            if note:
                say(note, error=True)  # stdout stays one JSON object
        else:
            say(shifts.shifts_text(found, tz, now))
    return EXIT_OK if found.answered else EXIT_NO_ANSWER


def cmd_watch(args: argparse.Namespace) -> int:
    """Headless: poll and print notifications in the terminal until Ctrl-C."""
    with open_session(args, print_alerts=True) as session:
        config = session.engine.config
        if config.is_demo:
            say(
                f"traysupport {__version__}: watching the demo team "
                f"({session.engine.sources.demo_url}). Ctrl-C stops."
            )
        else:
            say(f"traysupport {__version__}: watching your team. Ctrl-C stops.")
        if not session.engine.notifications.try_hold():
            holder = session.engine.notifications.holder()
            say(
                f"Another traysupport process{f' (pid {holder})' if holder else ''} shows "
                "this home's notifications; this one prints them once that one stops."
            )
        session.engine.service.start()
        with suppress(KeyboardInterrupt):
            session.loop.run()
    return EXIT_OK


def cmd_tray(args: argparse.Namespace) -> int:
    """The tray app: icon, notifications with buttons, and the queue window."""
    _check_display()
    from traysupport import app  # noqa: PLC0415  # here: only the tray app needs Qt

    return app.run_tray(args)


def _check_display() -> None:
    """On X11/Wayland desktops, fail in one line when there is no display to show on."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return
    if os.environ.get("QT_QPA_PLATFORM") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY")
    ):
        return
    raise CliError(
        "no graphical session to show the tray app in (DISPLAY and WAYLAND_DISPLAY are "
        "unset); run `traysupport watch` for the headless mode",
        EXIT_USAGE,
    )


def cmd_demo_server(args: argparse.Namespace) -> int:
    """Run the demo team's API server on its own until Ctrl-C."""
    from traysupport import runtime  # noqa: PLC0415

    running = runtime.running_demo()
    if running is not None:
        # A second one would take over the published address and the first one's store.
        raise CliError(f"a demo team already runs at {running.url}; use it, or stop it first")
    with runtime.demo_server(port=args.port, speed=args.speed) as (server, _run):
        say(f"Demo team API at {server.url} (speed {args.speed:g}x). Ctrl-C stops.")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the config, each source, the keyring, and what we can tell of the desktop."""
    from traysupport import doctor  # noqa: PLC0415

    problems = doctor.run(args.config, demo=args.demo, out=say)
    return EXIT_FAILED if problems else EXIT_OK


def cmd_rotation(args: argparse.Namespace) -> int:
    """`rotation check FILE`: validate a rotation file, show its next weeks (rotation_check)."""
    from traysupport import rotation_check  # noqa: PLC0415

    return rotation_check.run(args.file, args.weeks, say, args.config)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `traysupport` (see `cli_parser`), with these commands."""
    from traysupport import cli_config, cli_outbox  # noqa: PLC0415  # they import this module
    from traysupport.cli_parser import Commands, parser_for  # noqa: PLC0415

    return parser_for(
        Commands(
            tray=cmd_tray,
            watch=cmd_watch,
            status=cmd_status,
            shifts=cmd_shifts,
            ack=cli_outbox.cmd_ack,
            handover=cli_outbox.cmd_handover,
            silence=cli_outbox.cmd_silence,
            retry=cli_outbox.cmd_retry,
            dismiss=cli_outbox.cmd_dismiss,
            doctor=cmd_doctor,
            demo_server=cmd_demo_server,
            rotation=cmd_rotation,
            config=cli_config.cmd_config,
            source=cli_config.cmd_source,
            token=cli_config.cmd_token,
        ),
        default_budget=STATUS_BUDGET_SECONDS,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logsetup.configure(verbose=args.verbose)
    # A service manager or a script stops us with SIGTERM (and a background job may
    # ignore SIGINT): end as Ctrl-C does, cleanly, stopping servers and the scheduler.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _check_config_path(args.config)
        return int(args.handler(args))
    except CliError as error:
        say(f"traysupport: {error}", error=True)
        return error.code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:
        if not isinstance(error, _reported_errors()):
            raise
        say(f"traysupport: {error}", error=True)
        return EXIT_FAILED


def _reported_errors() -> tuple[type[Exception], ...]:
    """The engine's errors that end a command with their message rather than a traceback.

    Imported here, once one was raised, rather than at the top: that would load the
    engine before every command, the tray app's icon included.
    """
    from traysupport.service import ActionError  # noqa: PLC0415
    from traysupport.sources.base import SourceError  # noqa: PLC0415

    return (SourceError, ActionError)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
