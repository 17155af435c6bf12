"""Settings: read and check the TOML files, write them back, and keep the API tokens.

The schema itself (every setting's kind, default and help) is `traysupport.config_schema`.
Here it is applied: the team defaults file is laid under the user's file key by key,
every problem in either is collected into one `ConfigError`, and a missing file is the
built-in defaults, which run the embedded demo team.

Tokens never go in a file: they live in the OS keyring (service "traysupport", user name
the source's ``token_ref``) or, for CI and keyring-less systems, in the environment; the
code that keeps them is `traysupport.tokens`, re-exported here.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
import tempfile
import textwrap
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traysupport import paths
from traysupport.config_schema import (
    CONFIG_VERSION,
    SECTIONS,
    SETTINGS,
    Config,
    build,
    flatten,
    toml_text,
)
from traysupport.config_sources import (
    LegacyKey,
    RawSource,
    is_legacy_key,
    legacy_sources,
    merge_layers,
    parse_sources,
    read_tables,
    render_sources,
)
from traysupport.sources.section import parse_value, shown_value, unknown_key
from traysupport.tokens import (
    SECRET_SERVICE,
    SecretError,
    delete_secret,
    get_secret,
    secret_env_names,
    set_secret,
)

__all__ = [
    "CONFIG_VERSION",
    "SECRET_SERVICE",
    "Config",
    "ConfigError",
    "SecretError",
    "SettingRow",
    "delete_secret",
    "describe",
    "find_team_defaults",
    "get_secret",
    "load_config",
    "load_defaults",
    "render",
    "save_config",
    "secret_env_names",
    "set_secret",
    "shown_path",
]

log = logging.getLogger(__name__)

TEAM_DEFAULTS_ENV = "TRAYSUPPORT_TEAM_DEFAULTS"
TEAM_DEFAULTS_NAME = "team-defaults.toml"


class ConfigError(Exception):
    """Settings that cannot be used: one problem a line, each naming file, key and fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def shown_path(path: Path) -> str:
    """*path* as a user recognises it, with ~ for the home folder."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


# --- reading --------------------------------------------------------------------------


def _read_toml(path: Path, required: bool, problems: list[str]) -> dict[str, Any]:
    """The TOML document in *path*; {} if it is missing and not *required*."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            problems.append(f"{shown_path(path)}: no such file; create it or fix the path to it.")
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        shown = shown_path(path)
        problems.append(f"{shown}: cannot be read ({exc}); check it is a UTF-8 text file.")
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        where = f"{shown_path(path)}:{line[1]}" if line else shown_path(path)
        problems.append(f"{where}: TOML syntax error: {exc}; fix the syntax on that line.")
        return {}


def _leaves(doc: dict[str, Any], prefix: str = "") -> dict[str, object]:
    """The document's values by dotted key; tables that are not settings are opened."""
    flat: dict[str, object] = {}
    for name, value in doc.items():
        key = prefix + name
        if isinstance(value, dict) and key not in SETTINGS:
            flat |= _leaves(value, key + ".")
        else:
            flat[key] = value
    return flat


def _version(where: str, flat: dict[str, object], problems: list[str]) -> int | None:
    """The file's config_version (1 when it names none); None when it cannot be read."""
    version = flat.pop("config_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        shown = shown_value(version)
        problems.append(f"{where}: config_version = {shown} is not valid; set it to 2.")
        return None
    if version > CONFIG_VERSION:
        problems.append(
            f"{where}: config_version = {version} is from a newer traysupport (this one knows "
            f"{CONFIG_VERSION}); upgrade traysupport."
        )
        return None
    return version


def _unknown(where: str, key: str, value: object, version: int) -> str:
    if key in SECTIONS:
        shown = shown_value(value)
        return f"{where}: {key} = {shown} is not a table; put its settings under [{key}]."
    if version >= 2 and is_legacy_key(key):
        return (
            f"{where}: {key} is a config_version 1 setting; in version 2 each source is a"
            " [[source]] table (name, provider, roles, url...): see docs/configuration.md."
        )
    return unknown_key(where, key, [*SETTINGS, "config_version"])


@dataclass(slots=True)
class _Layer:
    """What one file sets: typed values by dotted key, its sources, its version-1 keys."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: list[RawSource] = field(default_factory=list)
    legacy: dict[str, LegacyKey] = field(default_factory=dict)


def _read_layer(path: Path, required: bool, problems: list[str]) -> _Layer:
    """What *path* sets; its problems go to *problems*."""
    where = shown_path(path)
    layer = _Layer()
    flat = _leaves(_read_toml(path, required, problems))
    version = _version(where, flat, problems)
    if version is None:
        return layer
    for key, raw in flat.items():
        setting = SETTINGS.get(key)
        if key == "source":
            # Relative paths in a file mean beside it (a team ships files with its defaults).
            layer.sources = read_tables(raw, where, problems, path.expanduser().absolute().parent)
        elif version == 1 and is_legacy_key(key):
            layer.legacy[key] = LegacyKey(raw, where)
        elif setting is None:
            problems.append(_unknown(where, key, raw, version))
        else:
            before = len(problems)
            value = parse_value(where, setting, raw, problems)
            if len(problems) == before:
                layer.values[key] = value
    return layer


def find_team_defaults() -> Path | None:
    """The team defaults file: from $TRAYSUPPORT_TEAM_DEFAULTS (a file or its folder),
    else beside the packaged app's executable; None when there is none."""
    named = os.environ.get(TEAM_DEFAULTS_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        return path / TEAM_DEFAULTS_NAME if path.is_dir() else path
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the team ships it alongside
        beside = Path(sys.executable).parent / TEAM_DEFAULTS_NAME
        return beside if beside.exists() else None
    return None


def _load(user: Path | None, team: Path | None) -> Config:
    problems: list[str] = []
    layers = [
        _read_layer(path, required, problems)
        for path, required in ((team, True), (user, False))
        if path is not None
    ]
    values: dict[str, Any] = {}
    legacy: dict[str, LegacyKey] = {}
    for layer in layers:
        values |= layer.values  # the user's file wins, key by key
        legacy |= layer.legacy
    sources = parse_sources(merge_layers(layer.sources for layer in layers), problems)
    if legacy:
        if any(layer.sources for layer in layers):
            where = next(iter(legacy.values())).where
            problems.append(
                f"{where}: [rotation] / [queue] (config_version 1) and [[source]] tables are"
                " both set; move the old sections into [[source]] tables (docs/configuration.md)."
            )
        else:
            sources = legacy_sources(legacy, problems)
    if problems:
        raise ConfigError(problems)
    return dataclasses.replace(build(values), sources=sources)


def load_config(path: Path | None = None, team_defaults: Path | None = None) -> Config:
    """The settings: the user's file (default: the user config dir) over the team
    defaults (default: `find_team_defaults`) over the built-in defaults.

    Raise `ConfigError` listing every problem found in either file.
    """
    return _load(path or paths.config_file(), team_defaults or find_team_defaults())


def load_defaults(team_defaults: Path | None = None) -> Config:
    """What a user's file is laid over: the team defaults over the built-in ones."""
    return _load(None, team_defaults or find_team_defaults())


# --- writing --------------------------------------------------------------------------


def render(config: Config, base: Config | None = None) -> str:
    """TOML text that sets what *config* changes from *base* (default: built-in)."""
    current, defaults = flatten(config), flatten(base or Config())
    lines = [
        "# traysupport settings (`traysupport doctor` checks them). API tokens are not kept",
        "# here but in the OS keyring. Settings left out have their default.",
        f"config_version = {CONFIG_VERSION}",
    ]
    section = ""
    # Top-level keys first: after a [table] header, every key belongs to that table.
    for setting in sorted(SETTINGS.values(), key=lambda s: s.section != ""):
        if current[setting.key] == defaults[setting.key]:
            continue
        if setting.section != section:
            section = setting.section
            lines += ["", f"[{section}]"]
        default = toml_text(setting.kind.dump(setting.default))
        comment = f"{setting.help} ({setting.kind.label}; default {default})"
        lines += ["", *textwrap.wrap(comment, 86, initial_indent="# ", subsequent_indent="# ")]
        value = toml_text(setting.kind.dump(current[setting.key]))
        lines.append(f"{setting.name} = {value}")
    lines += render_sources(config.sources, (base or Config()).sources)
    return "\n".join(lines) + "\n"


def save_config(config: Config, path: Path | None = None, *, base: Config | None = None) -> None:
    """Write *config* to *path* (default: the user's file), atomically.

    Only settings that differ from *base* (default: the built-in defaults; pass
    `load_defaults()` to keep team defaults out of the user's file) are written.
    The file is rewritten whole: comments a user added by hand are not kept.
    """
    path = path or paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(render(config, base))
            file.flush()
            os.fsync(file.fileno())  # the new content is on disk before it replaces the old
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One setting as docs and the settings dialog show it."""

    key: str
    type: str
    default: str
    help: str


def describe() -> tuple[SettingRow, ...]:
    """Every setting, in schema order, with its type, default (as TOML) and help."""
    return tuple(
        SettingRow(s.key, s.kind.label, toml_text(s.kind.dump(s.default)), s.help)
        for s in SETTINGS.values()
    )
