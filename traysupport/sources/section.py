"""Reading one settings table into its dataclass: every key checked by its kind.

The config loader reads the app's sections and each ``[[source]]`` table with this,
and a provider's own keys are the same: one loop, one wording of every problem
("did you mean ...?" for a misspelt key), whatever declares the settings.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from traysupport.sources.settings import InvalidValueError, Setting, setting_rows, toml_text

_S = TypeVar("_S")


def shown_value(raw: object) -> str:
    """*raw* as TOML, cut short for an error message."""
    text = toml_text(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def unknown_key(where: str, key: str, known: Iterable[str], what: str = "a setting") -> str:
    """The problem line for a key nothing declares, with the closest known key."""
    keys = list(known)
    # Compare past a prefix they all share ("source.desk."): with it any two keys look alike.
    shared = ""
    while (dot := key.find(".", len(shared)) + 1) and all(k.startswith(key[:dot]) for k in keys):
        shared = key[:dot]
    cut = len(shared)
    close = difflib.get_close_matches(key[cut:], [k[cut:] for k in keys], n=1)
    hint = f"did you mean {shared}{close[0]}? " if close else ""
    return f"{where}: {key} is not {what}; {hint}Remove it or correct its name."


def parse_value(where: str, row: Setting, raw: object, problems: list[str]) -> Any:
    """*raw* parsed by *row*'s kind; on a refusal the problem is added and None returned."""
    try:
        return row.kind.parse(raw)
    except InvalidValueError as exc:
        problems.append(f"{where}: {row.key} = {shown_value(raw)} {exc.problem}; {exc.fix}.")
        return None


def section_rows(cls: type[Any], prefix: str = "") -> dict[str, Setting]:
    """The settings a section dataclass declares, by TOML key (with *prefix*)."""
    return {row.key: row for row in setting_rows(cls(), prefix)}


def read_section(
    cls: type[_S],
    table: Mapping[str, object],
    where: str,
    problems: list[str],
    *,
    prefix: str = "",
    what: str = "a setting",
) -> dict[str, Any]:
    """The typed values *table* sets for section *cls*, by field name.

    Every problem (an unknown key, a value its kind refuses) goes to *problems*,
    naming *where* and the key with *prefix*; the values that are fine are kept.
    """
    rows = section_rows(cls, prefix)
    values: dict[str, Any] = {}
    for name, raw in table.items():
        row = rows.get(prefix + name)
        if row is None:
            problems.append(unknown_key(where, prefix + name, rows, what))
            continue
        before = len(problems)
        value = parse_value(where, row, raw, problems)
        if len(problems) == before:
            values[row.attr.removeprefix(prefix)] = value
    return values


def make_section(cls: type[_S], values: Mapping[str, Any]) -> _S:
    """An instance of section *cls* with *values* (by field name) over its defaults."""
    return dataclasses.replace(cls(), **values)  # type: ignore[type-var]
