"""The strict reader under `traysupport.codec`: one JSON object's typed fields, and its errors.

`Fields` reads each field as the type it must be and names the field's path in every
`CodecError`, never the value (it may be a ticket's title); `Fields.make` refuses fields
nobody read, so a typo or a newer version's field is an error rather than silently lost.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from traysupport.core.model import Priority

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)
_PRIORITIES = {p.label: p for p in Priority}
_SURROGATE = re.compile("[\ud800-\udfff]")


class CodecError(ValueError):
    """Data could not be read as a model value; the message says where and why."""


def _kind_of(raw: object) -> str:
    """The JSON type name of *raw*, for error messages that must not echo content."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "an object", type(None): "null"}
    return names.get(type(raw), type(raw).__name__)


class Fields:
    """Reads the typed fields of one JSON object; every error names the field's path."""

    def __init__(self, raw: object, path: str) -> None:
        if not isinstance(raw, dict):
            raise CodecError(f"{path}: expected an object, got {_kind_of(raw)}")
        self._raw: dict[str, object] = raw
        self._path = path
        self._read: set[str] = set()

    def _take(self, name: str, expected: type, what: str, nullable: bool = False) -> Any:
        self._read.add(name)
        if name not in self._raw:
            raise CodecError(f"{self._path}.{name}: missing")
        value = self._raw[name]
        if value is None and nullable:
            return None
        # bool is an int subclass in Python, but not a number in JSON.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise CodecError(f"{self._path}.{name}: expected {what}, got {_kind_of(value)}")
        return value

    def has(self, name: str) -> bool:
        """Whether the object holds *name* (for fields a newer version added)."""
        return name in self._raw

    def text(self, name: str) -> str:
        value: str = self._take(name, str, "a string")
        # json.loads joins a pair into one character, so any left is unpaired.
        if not value.isascii() and _SURROGATE.search(value) is not None:
            raise CodecError(f"{self._path}.{name}: holds an unpaired surrogate")
        return value

    def flag(self, name: str) -> bool:
        value: bool = self._take(name, bool, "a boolean")
        return value

    def count(self, name: str) -> int:
        value: int = self._take(name, int, "a whole number")
        if value < 0:
            raise CodecError(f"{self._path}.{name}: expected a number >= 0")
        return value

    def instant(self, name: str) -> datetime:
        value = self.optional_instant(name, nullable=False)
        assert value is not None
        return value

    def optional_instant(self, name: str, nullable: bool = True) -> datetime | None:
        text: str | None = self._take(name, str, "an ISO 8601 time", nullable)
        if text is None:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.utcoffset() is None:
            raise CodecError(f"{self._path}.{name}: expected an ISO 8601 time with a UTC offset")
        return value

    def choice(self, name: str, enum: type[_E]) -> _E:
        text = self.text(name)
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise CodecError(f"{self._path}.{name}: expected one of {allowed}") from None

    def priority(self, name: str) -> Priority:
        found = _PRIORITIES.get(self.text(name))
        if found is None:
            raise CodecError(f"{self._path}.{name}: expected one of P1, P2, P3, P4")
        return found

    def nested(self, name: str, decode: Callable[[object, str], _T]) -> _T:
        return decode(self._take(name, dict, "an object"), f"{self._path}.{name}")

    def optional(self, name: str, decode: Callable[[object, str], _T]) -> _T | None:
        value = self._take(name, dict, "an object or null", nullable=True)
        return None if value is None else decode(value, f"{self._path}.{name}")

    def items(self, name: str, decode: Callable[[object, str], _T]) -> tuple[_T, ...]:
        values: list[object] = self._take(name, list, "a list")
        return tuple(decode(v, f"{self._path}.{name}[{i}]") for i, v in enumerate(values))

    def make(self, build: Callable[[], _T]) -> _T:
        """Build the value once every field is read; reject fields nobody read."""
        unknown = sorted(set(self._raw) - self._read)
        if unknown:
            raise CodecError(f"{self._path}: unknown field(s) {', '.join(unknown)}")
        try:
            return build()
        except ValueError as exc:  # the model's own checks, e.g. a shift ending too early
            raise CodecError(f"{self._path}: {exc}") from None
