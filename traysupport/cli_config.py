"""Setting up from a terminal: config show/set, source add/test, token set.

The same validation as the settings window: every change goes through `config_edit`
(checked by the real loader, saved atomically with the user's comments kept), a source
is tested by `source_check`, a token is kept by `tokens` in the OS keyring and never
in a file. `cli` hands these to its parser; their modules load only when one runs.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from traysupport import paths
from traysupport.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, say
from traysupport.textout import json_text

if TYPE_CHECKING:
    from traysupport.config import Config
    from traysupport.config_edit import ConfigEdit

_SOURCE_PREFIX = "source."


def _path(args: argparse.Namespace) -> Path:
    return Path(args.config) if args.config else paths.config_file()


def _edit(args: argparse.Namespace) -> ConfigEdit:
    from traysupport.config import ConfigError  # noqa: PLC0415
    from traysupport.config_edit import open_edit  # noqa: PLC0415

    try:
        return open_edit(_path(args))
    except ConfigError as error:
        raise CliError(str(error), EXIT_USAGE) from None


def _save(edit: ConfigEdit) -> Config:
    from traysupport.config import ConfigError  # noqa: PLC0415

    try:
        return edit.save()
    except ConfigError as error:
        raise CliError(f"not saved: {error}", EXIT_USAGE) from None


def _load(args: argparse.Namespace) -> Config:
    from traysupport.config import ConfigError, load_config  # noqa: PLC0415

    try:
        return load_config(args.config)
    except ConfigError as error:
        raise CliError(str(error), EXIT_USAGE) from None


# -- config show / set ------------------------------------------------------------------


def cmd_config(args: argparse.Namespace) -> int:
    """`config show [--json]` and `config set KEY VALUE`."""
    if args.config_action == "show":
        return _show(args)
    return _set(args)


def _show(args: argparse.Namespace) -> int:
    from traysupport import config_show  # noqa: PLC0415
    from traysupport.config import ConfigError  # noqa: PLC0415

    try:
        rows = config_show.effective(args.config)
    except ConfigError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    if args.json:
        print(json_text(config_show.show_json(rows)), flush=True)
    else:
        say(config_show.show_text(rows))
    return EXIT_OK


def _set(args: argparse.Namespace) -> int:
    from traysupport.config import ConfigError  # noqa: PLC0415
    from traysupport.config_edit import source_rows, value_from_text  # noqa: PLC0415
    from traysupport.config_schema import SETTINGS  # noqa: PLC0415
    from traysupport.sources.settings import toml_text  # noqa: PLC0415

    edit, key = _edit(args), args.key
    if key.startswith(_SOURCE_PREFIX) and key.count(".") >= 2:
        name, _, field = key.removeprefix(_SOURCE_PREFIX).rpartition(".")
        provider = _provider_of(args, name)
        row = source_rows(provider).get(field)
        value = value_from_text(row.kind if row else None, args.value)
        if name not in edit.source_names() + edit.team_source_names():
            raise CliError(
                f"no source is called {name!r}; add it with `traysupport source add PROVIDER"
                f" --name {name}`",
                EXIT_USAGE,
            )
        edit.set_source(name, {field: value})
    else:
        setting = SETTINGS.get(key)
        value = value_from_text(setting.kind if setting else None, args.value)
        try:
            edit.set(key, value)
        except ConfigError as error:
            raise CliError(str(error), EXIT_USAGE) from None
    _save(edit)
    say(f"{key} = {toml_text(value)}, saved in {edit.path}")
    return EXIT_OK


def _provider_of(args: argparse.Namespace, name: str) -> str:
    """The provider of the configured source *name* ("" when none is called so)."""
    from traysupport.config import ConfigError, load_config  # noqa: PLC0415

    try:
        source = load_config(args.config).source(name)
    except ConfigError:
        return ""  # the check after the change says what is wrong
    return source.provider if source is not None else ""


# -- source add / test ------------------------------------------------------------------


def cmd_source(args: argparse.Namespace) -> int:
    """`source add PROVIDER --name N ...` and `source test [NAME]`."""
    if args.source_action == "add":
        return _add(args)
    return _test(args)


def _add(args: argparse.Namespace) -> int:
    from traysupport.config_edit import source_rows, value_from_text  # noqa: PLC0415
    from traysupport.tokens import has_token  # noqa: PLC0415

    edit = _edit(args)
    if args.name in edit.source_names() + edit.team_source_names():
        raise CliError(
            f"a source is already called {args.name!r}; change it with `traysupport config"
            f" set source.{args.name}.KEY VALUE`, or pick another name",
            EXIT_USAGE,
        )
    rows = source_rows(args.provider)
    values: dict[str, object] = {"provider": args.provider}
    if args.url is not None:
        values["url"] = args.url
    for pair in args.set or ():
        key, equals, text = pair.partition("=")
        if not equals or not key.strip():
            raise CliError(f"--set {pair!r}: write it as KEY=VALUE, e.g. --set me=sam", EXIT_USAGE)
        row = rows.get(key.strip())
        values[key.strip()] = value_from_text(row.kind if row else None, text)
    edit.set_source(args.name, values)
    config = _save(edit)
    source = config.source(args.name)
    say(f"Added the source {args.name} ({args.provider}) to {edit.path}.")
    if source is not None and source.provider != "demo" and not has_token(source.token_ref):
        needs = "Next: keep its API token" if source.spec.needs_token else "If it asks for a token"
        say(f"{needs} with `traysupport token set {args.name}`.")
    say(f"Test it with `traysupport source test {args.name}`.")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from traysupport.source_check import check_source  # noqa: PLC0415

    config = _load(args)
    if args.name:
        source = config.source(args.name)
        if source is None:
            names = ", ".join(s.name for s in config.effective_sources)
            raise CliError(f"no source is called {args.name!r}; the sources are: {names}")
        sources = [source]
    else:
        sources = list(config.effective_sources)
    failed = 0
    for source in sources:
        result = check_source(source, config, budget=args.timeout)
        if result.ok:
            say(f"✓ {source.name} ({source.provider}): {result.summary}")
        else:
            failed += 1
            text = result.text.removeprefix(f"{source.name}: ")
            say(f"✗ {source.name} ({source.provider}): {text}", error=True)
    return EXIT_FAILED if failed else EXIT_OK


# -- token set --------------------------------------------------------------------------


def cmd_token(args: argparse.Namespace) -> int:
    """`token set NAME`: keep a source's API token in the OS keyring, read without echo."""
    from traysupport.tokens import SecretError, keyring_status, set_secret  # noqa: PLC0415

    ref, label = _token_ref(args)
    status = keyring_status()
    if not status.works:
        raise CliError(f"cannot keep the token of {label}: {status.summary}", EXIT_FAILED)
    token = _read_token(label)
    if not token:
        raise CliError("no token given; nothing was kept", EXIT_USAGE)
    try:
        set_secret(ref, token)
    except SecretError as error:
        raise CliError(str(error)) from None
    say(f'Kept the token of {label} in the OS keyring (service "traysupport", user "{ref}").')
    return EXIT_OK


def _token_ref(args: argparse.Namespace) -> tuple[str, str]:
    """What the token is kept under, and how to name it: a source's token_ref, else NAME."""
    config = _load(args)
    source = config.source(args.name)
    if source is not None:
        return source.token_ref, f"{source.name} ({source.provider})"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", args.name):
        raise CliError(
            f"no source is called {args.name!r}, and it is not a token_ref (letters, digits,"
            " - and _)",
            EXIT_USAGE,
        )
    return args.name, f'token_ref "{args.name}"'


def _read_token(label: str) -> str:
    """The token: typed without echo on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return getpass.getpass(f"API token of {label} (not shown): ").strip()
    return sys.stdin.readline().strip()
