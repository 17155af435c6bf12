"""The kinds of setting, and `setting()` to declare one as a dataclass field.

A settings section is a frozen dataclass whose fields are declared with `setting`, each
carrying its kind (TOML type, bounds or choices, how to read and write it), its help
text and its TOML key. The app's own sections live in `traysupport.config_schema`; a
source provider declares its own section with the same kinds (this module sits below
both), so validation, ``describe()``, ``doctor`` and the settings dialog derive from one
declaration.

The kinds that hold time (durations, times of day, zones) are in
`traysupport.sources.setting_times`. A kind refuses a value with
`InvalidValueError`, saying what is wrong and how to fix it; the caller adds the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")
_META = "traysupport.setting"


class InvalidValueError(Exception):
    """A value a kind refuses: what is wrong with it, and how to fix it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix


def toml_text(value: object) -> str:
    """*value* written as TOML (the subset settings use; others as their repr)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n"}
        escapes |= {"\f": "\\f", "\r": "\\r"}
        return '"' + "".join(escapes.get(c, _control(c)) for c in value) + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    return repr(value)


def _control(c: str) -> str:
    return f"\\u{ord(c):04X}" if ord(c) < 0x20 or ord(c) == 0x7F else c


def hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {toml_text(close[0])}?)" if close else ""


# --- kinds: what a setting holds, how it reads from TOML and writes back --------------


class Kind(ABC, Generic[_T]):
    """The type of a setting: parse a TOML value (or raise `InvalidValueError`) and dump one."""

    label = ""

    @abstractmethod
    def parse(self, raw: object) -> _T:
        """The typed value of TOML value *raw*."""

    def dump(self, value: _T) -> object:
        """*value* as a TOML value."""
        return value


class Text(Kind[str]):
    """Free text, or a name matching *pattern*."""

    def __init__(self, pattern: str = "", rule: str = "") -> None:
        self.pattern, self.rule = pattern, rule
        self.label = "text" if not pattern else f"name ({rule})"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise InvalidValueError("is not text", 'put it in double quotes, e.g. "text"')
        if self.pattern and not re.fullmatch(self.pattern, raw):
            raise InvalidValueError("is not a valid name", f"use {self.rule}")
        return raw


class Url(Kind[str]):
    """An http(s) URL, or "" for none."""

    label = 'http(s) URL or ""'

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or not re.fullmatch(r"(https?://[^\s/]+\S*)?", raw):
            raise InvalidValueError(
                "is not an http(s) URL", 'write it like "https://support.example.com"'
            )
        return raw


class Choice(Kind[str]):
    """One of a fixed set of names."""

    def __init__(self, choices: tuple[str, ...]) -> None:
        self.choices = choices
        self.label = "one of " + ", ".join(choices)

    def parse(self, raw: object) -> str:
        if raw not in self.choices:
            word = raw if isinstance(raw, str) else ""
            names = ", ".join(toml_text(c) for c in self.choices)
            raise InvalidValueError(
                "is not a known choice", f"use one of {names}{hint(word, [*self.choices])}"
            )
        return str(raw)


class ChoiceSet(Kind[frozenset[str]]):
    """Any of a fixed set of names, as a list (``["critical", "new_ticket"]``; [] for none)."""

    def __init__(self, choices: tuple[str, ...]) -> None:
        self.choices = choices
        self.label = "list of " + ", ".join(choices)

    def parse(self, raw: object) -> frozenset[str]:
        names = ", ".join(toml_text(c) for c in self.choices)
        if not isinstance(raw, list):
            raise InvalidValueError("is not a list", f"write it like [{names}], or [] for none")
        for item in raw:
            if item not in self.choices:
                word = item if isinstance(item, str) else ""
                raise InvalidValueError(
                    f"names the unknown choice {toml_text(item)}",
                    f"use any of {names}{hint(word, [*self.choices])}",
                )
        return frozenset(raw)

    def dump(self, value: frozenset[str]) -> object:
        return [c for c in self.choices if c in value]


class Flag(Kind[bool]):
    """true or false."""

    label = "true/false"

    def parse(self, raw: object) -> bool:
        if not isinstance(raw, bool):
            raise InvalidValueError("is not true or false", "write true or false, without quotes")
        return raw


class Number(Kind[int]):
    """A whole number within bounds."""

    def __init__(self, low: int, high: int, unit: str = "") -> None:
        self.low, self.high = low, high
        self.label = f"{unit or 'integer'} {low}..{high}"

    def parse(self, raw: object) -> int:
        between = f"set it between {self.low} and {self.high}"
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise InvalidValueError("is not a whole number", f"{between}, without quotes")
        if raw < self.low:
            raise InvalidValueError(f"is below the minimum {self.low}", between)
        if raw > self.high:
            raise InvalidValueError(f"is above the maximum {self.high}", between)
        return raw


class Real(Kind[float]):
    """A number (fractions allowed) within bounds."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.label = f"number {low}..{high}"

    def parse(self, raw: object) -> float:
        between = f"set it between {self.low} and {self.high}"
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise InvalidValueError("is not a number", f"{between}, without quotes")
        if not self.low <= raw <= self.high:  # written so that nan fails too
            where = f"below the minimum {self.low}" if raw < self.low else "out of range"
            where = f"above the maximum {self.high}" if raw > self.high else where
            raise InvalidValueError(f"is {where}", between)
        return float(raw)


class TextList(Kind[tuple[str, ...]]):
    """A list of non-empty text items (ids, names): ``["PS1", "PS2"]``."""

    label = "list of text"

    def parse(self, raw: object) -> tuple[str, ...]:
        fix = 'write it like ["PABC123", "PDEF456"]'
        if not isinstance(raw, list):
            raise InvalidValueError("is not a list of text", fix)
        for n, item in enumerate(raw, 1):
            if not isinstance(item, str) or not item.strip():
                raise InvalidValueError(f"has item {n} = {toml_text(item)} that is not text", fix)
        return tuple(item.strip() for item in raw)

    def dump(self, value: tuple[str, ...]) -> object:
        return list(value)


class TextTable(Kind[tuple[tuple[str, str], ...]]):
    """A table of text to text (``{ "Ada Lo" = "ada@example.com" }``), kept as pairs."""

    label = "table of text = text"

    def parse(self, raw: object) -> tuple[tuple[str, str], ...]:
        fix = 'write it like { "Ada Lo" = "ada@example.com" }'
        if not isinstance(raw, dict):
            raise InvalidValueError("is not a table", fix)
        for key, value in raw.items():
            if not isinstance(value, str):
                raise InvalidValueError(f"has {toml_text(key)} = a value that is not text", fix)
        return tuple((str(k), v) for k, v in raw.items())

    def dump(self, value: tuple[tuple[str, str], ...]) -> object:
        return dict(value)


# --- declaring settings ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingMeta:
    """What `setting` attaches to a field."""

    kind: Kind[Any]
    help: str
    name: str
    """The key in TOML ("" for the field's name); it carries the unit, the field not."""


def setting(kind: Kind[_T], default: _T, help: str, name: str = "") -> _T:
    """Declare one setting as a dataclass field (TOML key *name*, default: the field's)."""
    return field(default=default, metadata={_META: SettingMeta(kind, help, name)})


# --- the flat table, derived ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the schema."""

    key: str
    """Dotted TOML key, e.g. "poll.queue_seconds"."""
    attr: str
    """Dotted attribute path in a `Config`, e.g. "poll.queue_interval"."""
    kind: Kind[Any]
    default: Any
    help: str

    @property
    def section(self) -> str:
        """The TOML table the setting lives in ("" for the top level)."""
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        """The key within its table."""
        return self.key.rpartition(".")[2]


def setting_rows(section: object, prefix: str = "") -> list[Setting]:
    """The settings of *section* (a settings dataclass instance), its sub-sections opened.

    Keys and attribute paths start with *prefix* (e.g. ``"poll."``).
    """
    rows = []
    for f in dataclasses.fields(section):  # type: ignore[arg-type]
        meta = f.metadata.get(_META)
        if meta is None:  # a field without metadata is a section, or a list of tables
            value = getattr(section, f.name)
            if dataclasses.is_dataclass(value):
                rows += setting_rows(value, f"{prefix}{f.name}.")
        else:
            key, attr = prefix + (meta.name or f.name), prefix + f.name
            rows.append(Setting(key, attr, meta.kind, f.default, meta.help))
    return rows


class Roles(Kind[frozenset[str]]):
    """A non-empty list of the roles a source serves: "rotation", "queue"."""

    label = 'list of "rotation", "queue"'
    ROLES = ("rotation", "queue")

    def parse(self, raw: object) -> frozenset[str]:
        fix = 'write ["rotation"], ["queue"] or ["rotation", "queue"]'
        if not isinstance(raw, list) or not raw:
            raise InvalidValueError("is not a list of roles", fix)
        for role in raw:
            if role not in self.ROLES:
                word = role if isinstance(role, str) else ""
                raise InvalidValueError(
                    f"names the unknown role {toml_text(role)}", fix + hint(word, [*self.ROLES])
                )
        return frozenset(raw)

    def dump(self, value: frozenset[str]) -> object:
        return [r for r in self.ROLES if r in value]
