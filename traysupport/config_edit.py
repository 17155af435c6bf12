"""Edit the user's config.toml in place: set a key, add, change, remove or move a source.

The file is edited as a document (tomlkit), so the user's comments, blank lines and
order stay as they wrote them. Every edit is checked by loading the result through the
real loader (`traysupport.config.load_config`, with the team defaults under it), so the
settings window and ``traysupport config set`` refuse exactly what the app would, with
the loader's words naming the user's file. Saving is atomic: the text goes to a temporary
file beside config.toml (mode 0600), is flushed to disk, checked, then replaces the old.

Values are given as TOML values, the way the file holds them (minutes as a whole number,
a quiet-hours span as "22:00-07:00"): a setting's ``kind.dump(typed)`` gives one, and
`value_from_text` reads one from a command line.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Table

from traysupport import paths
from traysupport.config import (
    CONFIG_VERSION,
    Config,
    ConfigError,
    find_team_defaults,
    load_config,
    shown_path,
)
from traysupport.config_schema import SETTINGS
from traysupport.config_source_schema import SourceCommon
from traysupport.sources.registry import PROVIDERS
from traysupport.sources.section import section_rows, unknown_key
from traysupport.sources.settings import InvalidValueError, Kind, Setting

__all__ = ["ConfigEdit", "open_edit", "source_rows", "value_from_text"]

HEADER = (
    "# traysupport settings: `traysupport config show` lists them all, `traysupport doctor`\n"
    "# checks them. API tokens are never kept here but in the OS keyring.\n"
)


def source_rows(provider: str) -> dict[str, Setting]:
    """The keys a ``[[source]]`` table of *provider* may set: the common ones, then its own."""
    rows = section_rows(SourceCommon)
    spec = PROVIDERS.get(provider)
    return rows | (section_rows(spec.settings) if spec is not None else {})


def value_from_text(kind: Kind[Any] | None, text: str) -> object:
    """The TOML value a command line's *text* means for a setting of *kind*.

    TOML first (``30``, ``true``, ``[1440, 15]``, ``"x"``); when the kind refuses that
    but takes the text itself (a name such as ``Europe/Berlin`` or ``123`` for a text
    setting), the text. Otherwise the TOML value (or the text), for the loader to refuse
    with its message.
    """
    try:
        value: object = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    if kind is None:
        return value
    for candidate in (value, text):
        try:
            kind.parse(candidate)
        except InvalidValueError:
            continue
        return candidate
    return value


@dataclass(slots=True)
class ConfigEdit:
    """The user's config file as an editable document; `save` checks and writes it."""

    path: Path
    team_defaults: Path | None
    doc: tomlkit.TOMLDocument

    # --- top-level settings ------------------------------------------------------------

    def set(self, key: str, value: object) -> None:
        """Set the setting *key* (dotted, e.g. "alerts.quiet_hours") to TOML *value*.

        A key no setting has is refused here, with the loader's words; a value its kind
        refuses is refused by `check` / `save`.
        """
        if key not in SETTINGS:  # in the loader's words, with "did you mean"
            raise ConfigError([unknown_key(shown_path(self.path), key, SETTINGS)])
        section, _, name = key.rpartition(".")
        table = self._section(section, create=True)
        assert table is not None
        table[name] = value

    def unset(self, key: str) -> None:
        """Remove *key* from the file: it takes the team's or the built-in default again."""
        section, _, name = key.rpartition(".")
        table = self._section(section, create=False)
        if table is not None and name in table:
            del table[name]

    def _section(self, section: str, *, create: bool) -> Any:
        """The table of *section* ("" for the top level), made when *create*."""
        if not section:
            return self.doc
        found = self.doc.get(section)
        if found is None and create:
            found = tomlkit.table()
            self.doc[section] = found
        return found

    # --- sources ----------------------------------------------------------------------

    def _tables(self) -> AoT | None:
        found = self.doc.get("source")
        return found if isinstance(found, AoT) else None

    def _table(self, name: str) -> Table | None:
        tables = self._tables()
        return next((t for t in tables or () if t.get("name") == name), None)

    def source_names(self) -> list[str]:
        """The names of the ``[[source]]`` tables in the user's file, in order."""
        return [str(t.get("name")) for t in self._tables() or ()]

    def team_source_names(self) -> list[str]:
        """The names of the sources the team defaults declare (none without that file)."""
        if self.team_defaults is None:
            return []
        try:
            doc = tomllib.loads(self.team_defaults.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return []  # the loader says what is wrong with it
        tables = doc.get("source")
        if not isinstance(tables, list):
            return []
        return [str(t["name"]) for t in tables if isinstance(t, dict) and "name" in t]

    def set_source(self, name: str, values: Mapping[str, object]) -> None:
        """Add the source *name*, or change its keys: *values* are TOML values by key
        (``provider``, ``url``, ``roles``...). For a source of the team defaults, the user's
        table for it holds only what the user changes."""
        table = self._table(name)
        if table is None:
            table = tomlkit.table()
            table["name"] = name
            tables = self._tables()
            if tables is None:
                self.doc.add(tomlkit.nl())
                self.doc["source"] = tomlkit.aot()
                tables = self._tables()
                assert tables is not None
            tables.append(table)
        for key, value in values.items():
            if key != "name":
                table[key] = value

    def unset_source_key(self, name: str, key: str) -> None:
        """Remove *key* from the user's table for source *name* (back to its default)."""
        table = self._table(name)
        if table is not None and key in table and key != "name":
            del table[key]

    def rename_source(self, name: str, new_name: str) -> None:
        """Give the user's source *name* the name *new_name* (its token_ref stays)."""
        table = self._table(name)
        if table is None:
            raise self._not_in_file(name)
        table["name"] = new_name

    def remove_source(self, name: str) -> None:
        """Remove the source *name* from the user's file.

        A source the team defaults declare cannot be removed from the user's file: the
        user's table for it (their changes) is removed and the refusal says so.
        """
        tables = self._tables()
        index = next((i for i, t in enumerate(tables or ()) if t.get("name") == name), None)
        if tables is not None and index is not None:
            del tables[index]
            if not len(tables):
                del self.doc["source"]
        if name in self.team_source_names():
            team = shown_path(self.team_defaults) if self.team_defaults else "the team defaults"
            raise ConfigError(
                [
                    f'{shown_path(self.path)}: the source "{name}" comes from the team defaults'
                    f" ({team}); it cannot be removed here. Ask whoever maintains them."
                ]
            )
        if index is None:
            raise self._not_in_file(name)

    def move_source(self, name: str, position: int) -> None:
        """Move the user's source *name* to *position* (0: first) among the user's tables.

        Sources of the team defaults come first, in the team's order, whatever the user's file.
        """
        tables = self._tables()
        index = next((i for i, t in enumerate(tables or ()) if t.get("name") == name), None)
        if tables is None or index is None:
            raise self._not_in_file(name)
        table = tables[index]
        del tables[index]
        tables.insert(max(0, min(position, len(tables))), table)

    def _not_in_file(self, name: str) -> ConfigError:
        known = ", ".join(f'"{n}"' for n in self.source_names()) or "none"
        return ConfigError(
            [
                f'{shown_path(self.path)}: no [[source]] is named "{name}" (the file has:'
                f" {known}); check the name with `traysupport config show`."
            ]
        )

    # --- checking and saving ------------------------------------------------------------

    def text(self) -> str:
        """The file's text as it would be saved."""
        return tomlkit.dumps(self.doc)

    def check(self) -> Config:
        """The settings the edited file gives, through the real loader; `ConfigError` (in
        the loader's words, naming the user's file) when it would not load."""
        temp = self._write_temp()
        try:
            return self._load(temp)
        finally:
            temp.unlink(missing_ok=True)

    def save(self) -> Config:
        """Check the edited file, then write it atomically (mode 0600); its settings.

        On a `ConfigError` the file on disk is left as it was.
        """
        temp = self._write_temp()
        try:
            config = self._load(temp)
            os.replace(temp, self.path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return config

    def _write_temp(self) -> Path:
        """The text in a new file beside config.toml, flushed to disk, mode 0600."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        temp = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
                file.write(self.text())
                file.flush()
                os.fsync(file.fileno())  # on disk before it may replace the old file
            if os.name == "posix":
                temp.chmod(0o600)  # mkstemp's mode already; said again: the file may hold URLs
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp

    def _load(self, temp: Path) -> Config:
        try:
            return load_config(temp, self.team_defaults)
        except ConfigError as error:
            theirs, ours = shown_path(temp), shown_path(self.path)
            raise ConfigError([p.replace(theirs, ours) for p in error.problems]) from None


def open_edit(path: Path | None = None, team_defaults: Path | None = None) -> ConfigEdit:
    """The user's config file (default: the user config dir) opened for editing, with
    the team defaults (default: `find_team_defaults`) under it for checking.

    A missing file is a new one with a short header; one that is not TOML is refused
    with the line to fix.
    """
    path = path or paths.config_file()
    team = team_defaults or find_team_defaults()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        doc = tomlkit.parse(HEADER)
        doc["config_version"] = CONFIG_VERSION
        return ConfigEdit(path, team, doc)
    except (OSError, UnicodeDecodeError) as exc:
        shown = shown_path(path)
        raise ConfigError(
            [f"{shown}: cannot be read ({exc}); check it is a UTF-8 text file."]
        ) from None
    try:
        return ConfigEdit(path, team, tomlkit.parse(text))
    except tomlkit.exceptions.ParseError as exc:
        where = f"{shown_path(path)}:{exc.line}"
        raise ConfigError(
            [f"{where}: TOML syntax error: {exc}; fix the syntax on that line."]
        ) from None
