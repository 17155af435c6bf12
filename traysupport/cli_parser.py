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
    silence: Handler
    retry: Handler
    dismiss: Handler
    doctor: Handler
    demo_server: Handler
    rotation: Handler
    config: Handler
    source: Handler
    token: Handler


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
    silence = add(
        "silence", commands.silence, "silence a ticket in its tool until it escalates (Sentry)"
    )
    silence.add_argument("ticket", help=f"{ref}, e.g. API-1K")
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
    _setup_commands(add, commands)
    parser.set_defaults(handler=commands.tray)
    return parser


def _setup_commands(
    add: Callable[[str, Handler, str], argparse.ArgumentParser], commands: Commands
) -> None:
    """config, source and token: setting up without a text editor (`cli_config`)."""
    config = add("config", commands.config, "show or change the settings")
    actions = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        help="the effective settings, each with where it comes from",
        description="every setting in effect as `key = value  (origin)`; origin is built-in,"
        " team, user, policy or environment (a source's token: keyring or environment)",
    )
    show.add_argument("--json", action="store_true", help="print {key: {value, origin}}")
    change = actions.add_parser(
        "set",
        help="change one setting in your config.toml (comments kept)",
        description="set KEY (e.g. alerts.quiet_hours, or source.NAME.url) to VALUE in your"
        " config.toml, checked as the app checks it; the file keeps its comments",
    )
    change.add_argument("key", metavar="KEY", help="a dotted key (`config show` lists them)")
    change.add_argument("value", metavar="VALUE", help='a TOML value: 30, true, "22:00-07:00"')
    source = add("source", commands.source, "add a source, or test the sources")
    actions = source.add_subparsers(dest="source_action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "add",
        help="add a [[source]] to your config.toml",
        description="add a source of PROVIDER (docs/providers.md) named NAME; then keep its"
        " token with `traysupport token set NAME` and test it with `traysupport source test`",
    )
    new.add_argument("provider", metavar="PROVIDER", help="e.g. team-api, zendesk, pagerduty")
    new.add_argument("--name", required=True, metavar="NAME", help="the source's name")
    new.add_argument("--url", metavar="URL", help="its base URL, for providers that have one")
    new.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="another of its keys (repeatable)"
    )
    test = actions.add_parser(
        "test",
        help="fetch from each source (or NAME) once; exit 1 when one fails",
        description="fetch what each source serves once and say what it found, or what"
        " went wrong and what to do; exit 1 when any fails",
    )
    test.add_argument("name", nargs="?", metavar="NAME", help="only this source")
    test.add_argument(
        "--timeout",
        type=_seconds,
        default=15.0,
        metavar="SECONDS",
        help="give each source at most this long (default 15)",
    )
    token = add("token", commands.token, "keep a source's API token in the OS keyring")
    actions = token.add_subparsers(dest="token_action", metavar="ACTION", required=True)
    keep = actions.add_parser(
        "set",
        help="read a token (not shown) and keep it in the OS keyring",
        description="read the API token of source NAME without echo (or the first line of"
        " stdin when it is not a terminal) and keep it in the OS keyring, never in a file",
    )
    keep.add_argument("name", metavar="NAME", help="the source (or a token_ref)")
