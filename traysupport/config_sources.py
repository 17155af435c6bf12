"""The sources of the settings: ``[[source]]`` tables, laid over each other by name,
and the version-1 ``[rotation]`` / ``[queue]`` sections read as sources.

A team defaults file may declare sources; the user's file adds to a source of the same
name what is personal (``me``, ``token_ref``) or declares sources of its own. A table's
keys are the common ones (`SourceCommon`) and those of its provider's settings; each is
checked by its kind, with the loader's wording (`traysupport.sources.section`).

A key whose kind is `FolderRelative` (a rotation file's ``path``, a calendar's ``url``)
is anchored to the folder of the file that set it before it is parsed, so a team's
``path = "rotation.toml"`` means the file beside its team defaults file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from traysupport.config_source_schema import MIN_POLL, SourceCommon, SourceConfig
from traysupport.sources.local_paths import FolderRelative
from traysupport.sources.provider import ROLES
from traysupport.sources.registry import PROVIDERS
from traysupport.sources.section import (
    make_section,
    read_section,
    section_rows,
    shown_value,
    unknown_key,
)
from traysupport.sources.settings import Choice, InvalidValueError, Text, Url, toml_text

LEGACY_ROLES = ("rotation", "queue")
_COMMON = section_rows(SourceCommon)


@dataclass(slots=True)
class RawSource:
    """One source's table as the files give it: each key's value and the file it came from."""

    name: str
    keys: dict[str, tuple[object, str]] = field(default_factory=dict)
    folders: dict[str, Path] = field(default_factory=dict)
    """The folder of each file (by its `where`) that relative paths in it are read from."""

    def overlay(self, table: dict[str, object], where: str, folder: Path | None = None) -> None:
        """Lay a later file's table for the same source over this one, key by key."""
        self.keys |= {key: (value, where) for key, value in table.items()}
        if folder is not None:
            self.folders[where] = folder


def read_tables(
    raw: object, where: str, problems: list[str], folder: Path | None = None
) -> list[RawSource]:
    """The ``[[source]]`` tables of one file, each with its name; problems go to *problems*.

    *folder* is the file's folder, that relative paths in it are read from (None: a
    relative path is refused).
    """
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        problems.append(
            f"{where}: source = {shown_value(raw)} is not a list of tables; write each"
            ' source as its own [[source]] table with name = "..." and provider = "...".'
        )
        return []
    tables: list[RawSource] = []
    for index, table in enumerate(raw, 1):
        name = table.get("name")
        if not isinstance(name, str) or not name:
            problems.append(
                f'{where}: [[source]] number {index} has no name; add name = "..." to it.'
            )
            continue
        if any(t.name == name for t in tables):
            problems.append(
                f'{where}: two [[source]] tables are named "{name}"; give each its own name.'
            )
            continue
        source = RawSource(name)
        source.overlay(table, where, folder)
        tables.append(source)
    return tables


def merge_layers(layers: Iterable[list[RawSource]]) -> list[RawSource]:
    """The sources of every file, later files laid over earlier ones by source name."""
    merged: dict[str, RawSource] = {}
    for layer in layers:
        for table in layer:
            if table.name in merged:
                for key, (value, where) in table.keys.items():
                    merged[table.name].keys[key] = (value, where)
                merged[table.name].folders |= table.folders
            else:
                merged[table.name] = RawSource(table.name, dict(table.keys), dict(table.folders))
    return list(merged.values())


def parse_sources(tables: list[RawSource], problems: list[str]) -> tuple[SourceConfig, ...]:
    """Each table as a `SourceConfig`; a table with a problem is reported and left out."""
    sources = []
    for table in tables:
        before = len(problems)
        source = _parse_source(table, problems)
        if source is not None and len(problems) == before:
            sources.append(source)
    return tuple(sources)


def _parse_source(table: RawSource, problems: list[str]) -> SourceConfig | None:
    prefix = f"source.{table.name}."
    first_where = next(iter(table.keys.values()))[1]
    provider_raw = table.keys.get("provider", (None, ""))[0]
    if provider_raw is None:
        names = ", ".join(f'"{p}"' for p in PROVIDERS)
        problems.append(
            f'{first_where}: the source "{table.name}" has no provider; add provider = one of'
            f" {names}."
        )
        return None
    spec = PROVIDERS.get(provider_raw) if isinstance(provider_raw, str) else None
    common = _read_keys(SourceCommon, _COMMON, table, prefix, problems)
    if spec is None:
        return None  # reading `provider` reported it, with the choices
    options = _read_keys(spec.settings, section_rows(spec.settings), table, prefix, problems)
    known = [prefix + k for k in (*_COMMON, *section_rows(spec.settings))]
    what = f'a setting of a "{spec.name}" source'
    for key, (_value, where) in table.keys.items():
        if prefix + key not in known:
            problems.append(unknown_key(where, prefix + key, known, what))
    source = SourceConfig(make_section(SourceCommon, common), make_section(spec.settings, options))
    _check_source(source, table, options, problems)
    return source


def _read_keys(
    cls: type[Any],
    rows: dict[str, Any],
    table: RawSource,
    prefix: str,
    problems: list[str],
) -> dict[str, Any]:
    """The values *table* gives the keys of section *cls*, each read with its own file
    (and a relative path against that file's folder)."""
    by_file: dict[str, dict[str, object]] = {}
    for key, (written, where) in table.keys.items():
        if key in rows:
            kind, folder = rows[key].kind, table.folders.get(where)
            value = written
            if folder is not None and isinstance(kind, FolderRelative):
                value = kind.anchored(written, folder)
            by_file.setdefault(where, {})[key] = value
    values: dict[str, Any] = {}
    for where, part in by_file.items():
        values |= read_section(cls, part, where, problems, prefix=prefix)
    return values


def _check_source(
    source: SourceConfig, table: RawSource, options: dict[str, Any], problems: list[str]
) -> None:
    """What no single key shows: roles beyond the provider, too brisk a poll, a missing URL."""
    spec, prefix = source.spec, f"source.{source.name}."
    extra = source.common.roles - spec.roles
    if extra:
        serves = " and ".join(sorted(spec.roles))
        problems.append(
            f"{table.keys['roles'][1]}: {prefix}roles asks for {' and '.join(sorted(extra))},"
            f' but "{spec.name}" serves only {serves}; remove it from roles.'
        )
    poll = source.common.poll
    if poll is not None and poll < MIN_POLL:
        problems.append(
            f"{table.keys['poll_seconds'][1]}: {prefix}poll_seconds = {poll.total_seconds():g}"
            f" is too often for a ticket tool; set it to {MIN_POLL.total_seconds():g} or more,"
            " or 0 for the default."
        )
    for key in spec.required:
        refused = key in table.keys and key not in options  # its own problem says why
        if not getattr(source.options, key) and not refused:
            problems.append(
                f"{table.keys['provider'][1]}: {prefix}{key} is empty, but provider ="
                f' "{spec.name}" needs it; set {key} in the source\'s table.'
            )


# -- version 1: one [rotation] and one [queue] section --------------------------------


@dataclass(frozen=True, slots=True)
class LegacyKey:
    """A version-1 key of [rotation] or [queue]: its value and the file that set it."""

    value: object
    where: str


LEGACY_KINDS = {
    "provider": Choice(("team-api", "demo")),
    "url": Url(),
    "token_ref": Text(r"[A-Za-z0-9_-]+", "letters, digits, - and _"),
}


def is_legacy_key(key: str) -> bool:
    """Whether *key* is a version-1 source key such as ``rotation.url``."""
    role, _, name = key.partition(".")
    return role in LEGACY_ROLES and name in LEGACY_KINDS


def legacy_sources(keys: dict[str, LegacyKey], problems: list[str]) -> tuple[SourceConfig, ...]:
    """The sources a version-1 [rotation] and [queue] meant, as version 2 reads them.

    One server for both roles is one source, named "team-api" as version 1 named its
    tickets; a rotation on another server is "team-api-rotation"; a demo role is the
    demo team's.
    """
    roles: dict[str, dict[str, str]] = {}
    for role in LEGACY_ROLES:
        values = {"provider": "demo", "url": "", "token_ref": role}
        for name, kind in LEGACY_KINDS.items():
            found = keys.get(f"{role}.{name}")
            if found is None:
                continue
            try:
                values[name] = kind.parse(found.value)
            except InvalidValueError as exc:
                problems.append(f"{found.where}: {role}.{name} = {shown_value(found.value)} {exc}.")
        roles[role] = values
        if values["provider"] == "team-api" and not values["url"]:
            where = keys[f"{role}.provider"].where
            problems.append(
                f'{where}: {role}.url is empty, but {role}.provider = "team-api" needs it; set'
                f' {role}.url, e.g. "https://support.example.com/api/v1".'
            )
    rotation, queue = roles["rotation"], roles["queue"]
    # Version 1 read one server once, with the rotation's token, whatever the queue's said.
    same = (rotation["provider"], rotation["url"]) == (queue["provider"], queue["url"])
    if same:
        return _legacy(rotation, "rotation", "queue")
    names = {"queue": _legacy_name(queue), "rotation": _legacy_name(rotation)}
    if names["rotation"] == names["queue"]:
        names["rotation"] += "-rotation"
    return (
        *_legacy(rotation, "rotation", name=names["rotation"]),
        *_legacy(queue, "queue", name=names["queue"]),
    )


def _legacy_name(values: dict[str, str]) -> str:
    return values["provider"]


def _legacy(values: dict[str, str], *roles: str, name: str = "") -> tuple[SourceConfig, ...]:
    if values["provider"] == "demo" and len(roles) == 2:
        return ()  # no source: the demo team, as the built-in default
    spec = PROVIDERS[values["provider"]]
    common = SourceCommon(
        name=name or values["provider"],
        provider=spec.name,
        roles=frozenset(roles),
        token_ref=values["token_ref"],
    )
    options = replace(spec.settings(), url=values["url"]) if spec.name == "team-api" else None
    return (SourceConfig(common, options if options is not None else spec.settings()),)


# -- writing ------------------------------------------------------------------------------


def render_sources(sources: tuple[SourceConfig, ...], base: tuple[SourceConfig, ...]) -> list[str]:
    """TOML lines for the ``[[source]]`` tables of *sources* that *base* lacks or differs
    in: for a source *base* has, only the keys whose value differs from base's (a key set
    back to its default over a team value is written too, or the team's would return)."""
    lines: list[str] = []
    known = {s.name: s for s in base}
    for source in sources:
        under = known.get(source.name)
        if under == source:
            continue
        if under is None or under.provider != source.provider:
            shown = {k: v for k, v in _values(source).items() if k in _set_keys(source)}
        else:
            below = _values(under)
            shown = {k: v for k, v in _values(source).items() if below.get(k) != v}
        lines += ["", "[[source]]", f"name = {toml_text(source.name)}"]
        if under is None or under.provider != source.provider:
            lines.append(f"provider = {toml_text(source.provider)}")
        lines += [f"{key} = {toml_text(value)}" for key, value in shown.items()]
    return lines


def _values(source: SourceConfig) -> dict[str, object]:
    """Every key of *source* but its name and provider, as TOML values; `token_ref` and
    `roles` as they take effect, since their defaults ("", []) cannot be written."""
    keys: dict[str, object] = {}
    for section, rows in ((source.common, _COMMON), (source.options, None)):
        for row in (rows or section_rows(type(section))).values():
            if row.key not in ("name", "provider"):
                keys[row.key] = row.kind.dump(getattr(section, row.attr))
    keys["token_ref"] = source.token_ref
    keys["roles"] = [r for r in ROLES if r in source.roles]
    return keys


def _set_keys(source: SourceConfig) -> set[str]:
    """The keys of *source* that differ from their defaults."""
    keys = set()
    for section, rows in ((source.common, _COMMON), (source.options, None)):
        for row in (rows or section_rows(type(section))).values():
            if getattr(section, row.attr) != row.default:
                keys.add(row.key)
    return keys
