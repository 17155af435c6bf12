"""The command line's arguments: every command, its options and their help.

`cli` holds the commands and hands them here as `Commands`; nothing here runs one.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from traysupport import __version__
from traysupport.timeparse import FORMS

Handler = Callable[[argparse.Namespace], int]
LONGEST_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class Commands:
    """What each command runs."""

    tray: Handler
    watch: Handler
    status: Handler
    shifts: Handler
    ack: Handler
    handover: Handler
    retry: Handler
    dismiss: Handler
    doctor: Handler
    demo_server: Handler
    rotation: Handler


def _seconds(text: str) -> float:
    """A --timeout value: seconds, more than 0 and at most `LONGEST_TIMEOUT`."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or not 0 < value <= LONGEST_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give more than 0 and at most {LONGEST_TIMEOUT:g} seconds"
        )
    return value


def _common_options(parser: argparse.ArgumentParser, top: bool) -> None:
    # On subcommands the defaults are suppressed so they don't undo options given before.
    default = (lambda v: v) if top else (lambda _v: argparse.SUPPRESS)
    parser.add_argument(
        "--demo", action="store_true", default=default(False), help="use the embedded demo team"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=default(None),
        metavar="PATH",
        help="use this config file instead of the user's",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="log more to the terminal",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=default(1.0),
        metavar="X",
        help="demo team only: run its script X times faster",
    )


def parser_for(commands: Commands, *, default_budget: float) -> argparse.ArgumentParser:
    """The argument parser for `traysupport`; *default_budget* is status's --timeout."""
    parser = argparse.ArgumentParser(
        prog="traysupport",
        description="Support-rotation companion: duty reminders, SLA alerts, ack and handover. "
        "Without a command it runs the tray app.",
    )
    parser.add_argument("--version", action="version", version=f"traysupport {__version__}")
    _common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        _common_options(p, top=False)
        p.set_defaults(handler=handler)
        return p

    add("watch", commands.watch, "run headless, printing notifications in the terminal")
    status = add("status", commands.status, "who is on duty, and the queue by SLA time left")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.add_argument(
        "--timeout",
        type=_seconds,
        default=default_budget,
        metavar="SECONDS",
        help="wait at most this long for the sources; one that is slower shows its saved"
        f" data, marked stale (default {default_budget:g})",
    )
    status.add_argument(
        "--at",
        metavar="TIME",
        help="who is on duty at TIME rather than now (the queue stays as of now)",
    )
    shifts = add("shifts", commands.shifts, "the team's shifts in a window, by local day")
    shifts.add_argument("--from", dest="since", metavar="TIME", help="from TIME (default: now)")
    shifts.add_argument(
        "--to", dest="until", metavar="TIME", help="to TIME (default: 14 days from now)"
    )
    shifts.add_argument("--mine", action="store_true", help="only my shifts")
    shifts.add_argument("--json", action="store_true", help="print one JSON object")
    shifts.add_argument(
        "--timeout",
        type=_seconds,
        default=default_budget,
        metavar="SECONDS",
        help=f"wait at most this long for the sources (default {default_budget:g})",
    )
    shifts.epilog = status.epilog = (
        f"TIME: {FORMS}. Local time is ui.timezone's, or the system's. Give a TIME that"
        " starts with - as --from=-1d."
    )
    ref = "ticket key, or SOURCE:KEY when several sources have that key"
    ack = add("ack", commands.ack, "acknowledge a ticket")
    ack.add_argument("ticket", help=f"{ref}, e.g. DEMO-1003")
    handover = add("handover", commands.handover, "hand a ticket over to a teammate")
    handover.add_argument("ticket", help=ref)
    handover.add_argument("--to", required=True, metavar="PERSON", help="id, email or name")
    handover.add_argument("--note", default="", help="what the next person should know")
    failed_ref = (
        "the ticket: its key or id, or SOURCE:KEY or SOURCE:ID (as status lists it under"
        " 'Not sent:'); a ticket no longer in the queue still has its failed actions"
    )
    retry = add(
        "retry",
        commands.retry,
        "send a ticket's actions the ticket tool refused again (exit 0 done, 1 refused,"
        " 75 saved to send later)",
    )
    retry.add_argument("ticket", metavar="TICKET", help=failed_ref)
    dismiss = add(
        "dismiss", commands.dismiss, "drop a ticket's refused actions without sending them"
    )
    dismiss.add_argument("ticket", metavar="TICKET", help=failed_ref)
    add("doctor", commands.doctor, "check the config, each source and the desktop")
    demo = add("demo-server", commands.demo_server, "serve the demo team's API on its own")
    demo.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    rotation = add("rotation", commands.rotation, "rotation files (the rotation-file provider)")
    actions = rotation.add_subparsers(dest="rotation_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a rotation file and show its next weeks",
        description="validate a rotation file; print who is on when (exit 0), or its problems"
        " (exit 2)",
    )
    check.add_argument("file", type=Path, help="the rotation file (TOML)")
    check.add_argument("--weeks", type=int, default=2, help="how many weeks to show (default 2)")
    parser.set_defaults(handler=commands.tray)
    return parser
