"""The effective settings, each with its value and where it comes from.

``traysupport config show`` prints them, one line each as ``key = value  (origin)``, and
the settings window marks a value the team's defaults fix. The origin of a value is the
layer that set it last:

- ``built-in``: nobody set it;
- ``team``: the team defaults file (``$TRAYSUPPORT_TEAM_DEFAULTS`` or beside the app);
- ``user``: the user's config.toml;
- ``policy``: the installer's locked file (not read yet: the next issue adds it; the
  origin is here so that what shows origins need not change then);
- ``environment``: a ``TRAYSUPPORT_*`` variable (today only a source's token).

A source's token is listed as ``source.NAME.token``, never its value: ``keyring``,
``environment`` (with the variable's name) or none.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traysupport import paths
from traysupport.config import Config, find_team_defaults, load_config
from traysupport.config_schema import SETTINGS, flatten
from traysupport.config_source_schema import SourceConfig
from traysupport.sources.section import section_rows
from traysupport.sources.settings import toml_text
from traysupport.tokens import token_origin

__all__ = [
    "BUILT_IN",
    "ENVIRONMENT",
    "KEYRING",
    "POLICY",
    "TEAM",
    "USER",
    "Shown",
    "effective",
    "show_json",
    "show_text",
]

BUILT_IN, TEAM, USER, POLICY, ENVIRONMENT = "built-in", "team", "user", "policy", "environment"
KEYRING = "keyring"
"""The origin of a token kept in the OS keyring."""


@dataclass(frozen=True, slots=True)
class Shown:
    """One effective setting: its dotted key, its value as TOML holds it, its origin."""

    key: str
    value: object
    """The TOML value (a token's is None: it is never shown)."""
    origin: str

    @property
    def line(self) -> str:
        """``key = value  (origin)``."""
        shown = "(hidden)" if self.value is None else toml_text(self.value)
        return f"{self.key} = {shown}  ({self.origin})"


@dataclass(frozen=True, slots=True)
class _Layer:
    """What one file sets: the setting keys it names, and each source table's keys."""

    origin: str
    keys: frozenset[str]
    sources: Mapping[str, frozenset[str]]
    legacy: bool
    """It has version-1 [rotation] / [queue] sections, which become sources."""


def _read(path: Path | None, origin: str) -> _Layer:
    doc: dict[str, Any] = {}
    if path is not None:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            doc = {}  # the loader, asked first, has said what is wrong
    keys = set()
    for key in SETTINGS:
        table: Any = doc
        *sections, name = key.split(".")
        for section in sections:
            table = table.get(section) if isinstance(table, dict) else None
        if isinstance(table, dict) and name in table:
            keys.add(key)
    tables = doc.get("source")
    sources = {
        str(t["name"]): frozenset(t)
        for t in (tables if isinstance(tables, list) else [])
        if isinstance(t, dict) and "name" in t
    }
    legacy = any(isinstance(doc.get(role), dict) for role in ("rotation", "queue"))
    return _Layer(origin, frozenset(keys), sources, legacy)


def _origin(layers: list[_Layer], key: str, source: str | None = None) -> str:
    for layer in reversed(layers):  # the last layer to set it wins, as in the loader
        if source is None and key in layer.keys:
            return layer.origin
        if source is not None and key in layer.sources.get(source, ()):
            return layer.origin
    return BUILT_IN


def _source_rows(source: SourceConfig, layers: list[_Layer]) -> list[Shown]:
    rows: list[Shown] = []
    prefix = f"source.{source.name}."
    known = any(source.name in layer.sources for layer in layers)
    legacy = next((layer.origin for layer in reversed(layers) if layer.legacy), BUILT_IN)
    for section in (source.common, source.options):
        for row in section_rows(type(section)).values():
            value = row.kind.dump(getattr(section, row.attr))
            origin = _origin(layers, row.key, source.name) if known else legacy
            if source.provider == "demo" and not known:
                origin = BUILT_IN
            rows.append(Shown(prefix + row.key, value, origin))
    if source.provider != "demo":  # the embedded demo team takes no token
        found = token_origin(source.token_ref)
        where = ENVIRONMENT if found and found != KEYRING else (found or "not set")
        rows.append(Shown(prefix + "token", None, where))
    return rows


def effective(path: Path | None = None, team_defaults: Path | None = None) -> list[Shown]:
    """Every setting and every source key in effect, with its origin, in schema order.

    *path* is the user's file (default: the user config dir), *team_defaults* the team's
    (default: `find_team_defaults`). Raises `ConfigError` when they do not load.
    """
    path = path or paths.config_file()
    team = team_defaults or find_team_defaults()
    config: Config = load_config(path, team)
    layers = [_read(team, TEAM), _read(path, USER)]
    values = flatten(config)
    rows = [
        Shown(key, setting.kind.dump(values[key]), _origin(layers, key))
        for key, setting in SETTINGS.items()
    ]
    for source in config.effective_sources:
        rows += _source_rows(source, layers)
    return rows


def show_text(rows: list[Shown]) -> str:
    """One line each: ``key = value  (origin)``."""
    return "\n".join(row.line for row in rows)


def show_json(rows: list[Shown]) -> dict[str, dict[str, object]]:
    """``{key: {"value": ..., "origin": ...}}``; a token's value is null."""
    return {row.key: {"value": row.value, "origin": row.origin} for row in rows}
