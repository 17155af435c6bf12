"""What the settings window edits, read from the files, and how its changes are saved.

No widgets here. `load_settings` reads the user's file over the team defaults (the
effective value of every setting and source, as TOML values) and which of them the
team's file sets, so the window can show those as the team's. `save_settings` writes
what the user changed through `traysupport.config_edit` (the user's comments and layout
kept, checked by the real loader, written atomically), after keeping typed tokens in the
keyring (`traysupport.tokens`), so the app that applies the new settings finds them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traysupport import paths, tokens
from traysupport.config import Config, ConfigError, find_team_defaults, load_config, load_defaults
from traysupport.config_edit import open_edit, source_rows
from traysupport.config_schema import SETTINGS, flatten
from traysupport.config_source_schema import SourceCommon, SourceConfig
from traysupport.config_sources import RawSource, parse_sources
from traysupport.sources.section import section_rows
from traysupport.sources.settings import Setting

TEAM = "your team's defaults"
WINDOW = "the settings window"
"""Where a problem found before saving is said to be."""
UNSET: Any = None
"""A change that removes a key from the user's file (TOML has no null)."""


@dataclass(slots=True)
class SourceDraft:
    """One source as the window shows and edits it."""

    name: str
    provider: str
    values: dict[str, object] = field(default_factory=dict)
    """The TOML value of each of its keys (common and provider's) as they take effect."""
    fixed: dict[str, str] = field(default_factory=dict)
    """The keys the team's defaults set, with who set them."""
    team: bool = False
    """Declared by the team's defaults: it cannot be removed or renamed here."""
    loaded_name: str = ""
    """The name it was read with; "" for a source added in the window."""
    changes: dict[str, object] = field(default_factory=dict)
    """Keys to write to the user's table for it (`UNSET`: remove the key)."""
    token: str = ""
    """A token typed for it, to keep in the keyring on Save ("" none)."""

    @property
    def token_ref(self) -> str:
        """What its token is kept under: its token_ref, else its name."""
        return str(self.values.get("token_ref") or self.name)

    @property
    def label(self) -> str:
        """One line for the sources list."""
        url = self.values.get("url")
        where = f" at {url}" if isinstance(url, str) and url else ""
        return f"{self.name} ({self.provider}{where})" + ("  — team" if self.team else "")


@dataclass(slots=True)
class SettingsFiles:
    """The settings as the window opens them."""

    path: Path
    team_defaults: Path | None
    values: dict[str, object]
    """The effective TOML value of every setting, by dotted key."""
    fixed: dict[str, str]
    """The settings the team's defaults set, with who set them."""
    sources: list[SourceDraft]
    problems: tuple[str, ...] = ()
    """Why the user's file would not load (its values are then not shown)."""
    config: Config = field(default_factory=Config)


def dumped(rows: Mapping[str, Setting], section: object) -> dict[str, object]:
    """The TOML value of each of *rows* (by TOML key) in settings dataclass *section*."""
    return {key: row.kind.dump(getattr(section, row.attr)) for key, row in rows.items()}


def source_values(source: SourceConfig) -> dict[str, object]:
    """Every key of *source* but name and provider, as TOML values."""
    values = dumped(section_rows(SourceCommon), source.common)
    values |= dumped(section_rows(type(source.options)), source.options)
    values.pop("name"), values.pop("provider")
    return values


def _team_keys(team: Path | None) -> tuple[set[str], dict[str, set[str]]]:
    """The settings the team file sets, and the keys of each source it declares."""
    if team is None:
        return set(), {}
    try:
        doc = tomllib.loads(team.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set(), {}  # the loader says what is wrong with it
    keys = {key for key in SETTINGS if _has(doc, key)}
    tables = doc.get("source")
    sources = {
        str(t["name"]): set(t) - {"name"}
        for t in (tables if isinstance(tables, list) else [])
        if isinstance(t, dict) and "name" in t
    }
    return keys, sources


def _has(doc: Mapping[str, Any], key: str) -> bool:
    node: Any = doc
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def load_settings(path: Path | None = None, team_defaults: Path | None = None) -> SettingsFiles:
    """The settings the window opens with: the user's file over the team defaults."""
    path = path or paths.config_file()
    team = team_defaults or find_team_defaults()
    problems: tuple[str, ...] = ()
    try:
        config = load_config(path, team)
    except ConfigError as error:
        problems = error.problems
        try:
            config = load_defaults(team)
        except ConfigError:
            config = Config()
    team_settings, team_sources = _team_keys(team)
    values = {key: SETTINGS[key].kind.dump(value) for key, value in flatten(config).items()}
    sources = [
        SourceDraft(
            source.name,
            source.provider,
            source_values(source),
            fixed=dict.fromkeys(team_sources.get(source.name, ()), TEAM),
            team=source.name in team_sources,
            loaded_name=source.name,
        )
        for source in config.sources
    ]
    fixed = dict.fromkeys(team_settings, TEAM)
    return SettingsFiles(path, team, values, fixed, sources, problems, config)


def draft_source(
    draft: SourceDraft, values: Mapping[str, object]
) -> tuple[SourceConfig | None, list[str]]:
    """The source *values* (TOML values by key) describe, read by the loader, or its problems.

    Keys at their default are left out, as a file would leave them out.
    """
    rows = source_rows(draft.provider)
    keys: dict[str, tuple[object, str]] = {
        "name": (draft.name, WINDOW),
        "provider": (draft.provider, WINDOW),
    }
    for key, value in values.items():
        row = rows.get(key)
        if (
            row is not None
            and key not in ("name", "provider")
            and value != row.kind.dump(row.default)
        ):
            keys[key] = (value, WINDOW)
    problems: list[str] = []
    if not draft.name:
        return None, [f'{WINDOW}: the source has no name; give it a name such as "desk".']
    found = parse_sources([RawSource(draft.name, keys)], problems)
    return (found[0] if found and not problems else None), problems


def changed_keys(draft: SourceDraft, values: Mapping[str, object]) -> dict[str, object]:
    """What the user's table for *draft* must say for it to hold *values*: changed keys,
    and for a new source every key not at its default (`UNSET`: back to the default)."""
    rows = source_rows(draft.provider)
    changes: dict[str, object] = {}
    for key, value in values.items():
        row = rows.get(key)
        if row is None or key in ("name", "provider"):
            continue
        default = row.kind.dump(row.default)
        if draft.loaded_name and value == draft.values.get(key):
            continue
        if value == default and key not in draft.fixed:
            if draft.loaded_name:
                changes[key] = UNSET
        else:
            changes[key] = value
    return changes


def save_settings(
    files: SettingsFiles,
    settings: Mapping[str, object],
    sources: Sequence[SourceDraft],
) -> Config:
    """Write what changed: *settings* (TOML values by key, `UNSET` to remove one) and the
    list of *sources* in its new order (sources of *files* missing from it are removed).

    Typed tokens go to the keyring first (`tokens.SecretError` if it cannot keep them:
    then nothing is written). `ConfigError` in the loader's words when the result would
    not load; the file is then left as it was. Returns the settings now in effect.
    """
    for draft in sources:
        if draft.token:
            tokens.set_secret(draft.token_ref, draft.token)
    edit = open_edit(files.path, files.team_defaults)
    for key, value in settings.items():
        if value is UNSET:
            edit.unset(key)
        else:
            edit.set(key, value)
    kept = {draft.loaded_name for draft in sources}
    for source in files.sources:
        if source.loaded_name not in kept and not source.team:
            edit.remove_source(source.loaded_name)
    for draft in sources:
        _save_source(edit, draft)
    own = [d.name for d in sources if d.name in edit.source_names() and not d.team]
    for position, name in enumerate(own):
        edit.move_source(name, position)
    return edit.save()


def _save_source(edit: Any, draft: SourceDraft) -> None:
    if draft.loaded_name and draft.loaded_name != draft.name:
        if draft.loaded_name in edit.source_names():
            edit.rename_source(draft.loaded_name, draft.name)
        # Its token is kept under its old name: keep finding it there.
        unnamed = "token_ref" not in draft.changes and not draft.values.get("token_ref")
        if unnamed and not draft.token and tokens.has_token(draft.loaded_name):
            draft.changes["token_ref"] = draft.loaded_name
    changes = dict(draft.changes)
    if not draft.loaded_name:
        changes = {"provider": draft.provider} | changes
    removed = [key for key, value in changes.items() if value is UNSET]
    written = {key: value for key, value in changes.items() if value is not UNSET}
    if written or (draft.name not in edit.source_names() and not draft.team):
        edit.set_source(draft.name, written)
    for key in removed:
        edit.unset_source_key(draft.name, key)
