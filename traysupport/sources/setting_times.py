"""The setting kinds that hold time: durations, times of day, daily spans and zones.

Part of `traysupport.sources.settings` (the kinds and how to declare a setting), kept
apart by subject. Durations are timedeltas, clock times ``datetime.time``, the zone a
``ZoneInfo`` or None for the system zone.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from traysupport.sources.settings import (
    InvalidValueError,
    Kind,
    Number,
    TextList,
    hint,
    toml_text,
)

_CLOCK = r"([01]\d|2[0-3]):([0-5]\d)"


class Duration(Kind[timedelta]):
    """A whole number of seconds or minutes within bounds, as a timedelta."""

    def __init__(self, unit: str, low: int, high: int) -> None:
        self.unit, self.number = unit, Number(low, high, unit)
        self.label = self.number.label

    def parse(self, raw: object) -> timedelta:
        return timedelta(**{self.unit: self.number.parse(raw)})

    def dump(self, value: timedelta) -> object:
        return int(value / timedelta(**{self.unit: 1}))


class OptionalDuration(Kind[timedelta | None]):
    """Like `Duration`, where 0 means off (None)."""

    def __init__(self, unit: str, high: int) -> None:
        self.duration = Duration(unit, 0, high)
        self.label = f"{self.duration.label} (0: off)"

    def parse(self, raw: object) -> timedelta | None:
        return self.duration.parse(raw) or None

    def dump(self, value: timedelta | None) -> object:
        return 0 if value is None else self.duration.dump(value)


class DurationList(Kind[tuple[timedelta, ...]]):
    """A list of whole minutes (or seconds) within bounds."""

    def __init__(self, unit: str, low: int, high: int) -> None:
        self.duration = Duration(unit, low, high)
        self.label = f"list of {self.duration.label}"

    def parse(self, raw: object) -> tuple[timedelta, ...]:
        if not isinstance(raw, list):
            raise InvalidValueError(
                f"is not a list of {self.duration.unit}", "write it like [60, 15]"
            )
        values = []
        for n, item in enumerate(raw, 1):
            try:
                values.append(self.duration.parse(item))
            except InvalidValueError as exc:
                problem = f"has item {n} = {toml_text(item)} that {exc.problem}"
                raise InvalidValueError(problem, exc.fix) from None
        return tuple(values)

    def dump(self, value: tuple[timedelta, ...]) -> object:
        return [self.duration.dump(v) for v in value]


class ClockTime(Kind[time | None]):
    """A time of day "HH:MM" (24-hour), or "" for off."""

    label = 'time "HH:MM" or ""'

    def parse(self, raw: object) -> time | None:
        match = re.fullmatch(_CLOCK, raw) if isinstance(raw, str) else None
        if raw == "":
            return None
        if match is None:
            raise InvalidValueError(
                "is not a time of day", 'write it as "HH:MM" (24-hour) in quotes, or ""'
            )
        return time(int(match[1]), int(match[2]))

    def dump(self, value: time | None) -> object:
        return "" if value is None else value.strftime("%H:%M")


class ClockTimes(TextList):
    """A list of times of day ``["09:30", "14:00"]`` (24-hour), kept as "HH:MM" text."""

    label = 'list of "HH:MM"'

    def parse(self, raw: object) -> tuple[str, ...]:
        fix = 'write it like ["09:30", "14:00"] (24-hour), or [] for none'
        if not isinstance(raw, list):
            raise InvalidValueError('is not a list of times "HH:MM"', fix)
        for n, item in enumerate(raw, 1):
            if not isinstance(item, str) or re.fullmatch(_CLOCK, item.strip()) is None:
                raise InvalidValueError(f"has item {n} = {toml_text(item)}, not a time", fix)
        return tuple(sorted({item.strip() for item in raw}))


def clock_times(value: tuple[str, ...]) -> tuple[time, ...]:
    """The times of a `ClockTimes` value."""
    return tuple(time(int(t[:2]), int(t[3:5])) for t in value)


class ClockRange(Kind[tuple[time, time] | None]):
    """A daily span "HH:MM-HH:MM" (it may cross midnight), or "" for none."""

    label = '"HH:MM-HH:MM" or ""'

    def parse(self, raw: object) -> tuple[time, time] | None:
        match = re.fullmatch(f"{_CLOCK}-{_CLOCK}", raw) if isinstance(raw, str) else None
        if raw == "":
            return None
        fix = 'write it as "HH:MM-HH:MM", e.g. "22:00-07:00", or "" for none'
        if match is None:
            raise InvalidValueError("is not a span of hours", fix)
        start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
        if start == end:
            raise InvalidValueError("starts and ends at the same time", fix)
        return start, end

    def dump(self, value: tuple[time, time] | None) -> object:
        return "" if value is None else "-".join(t.strftime("%H:%M") for t in value)


class TimeZone(Kind[ZoneInfo | None]):
    """An IANA zone name, or "" for the system's zone."""

    label = 'IANA time zone or ""'

    def parse(self, raw: object) -> ZoneInfo | None:
        if raw == "":
            return None
        try:
            if isinstance(raw, str):
                return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # OSError: a folder of zones such as "America"
        word = raw if isinstance(raw, str) else ""
        fix = 'use an IANA name such as "Europe/Berlin", or "" for the system zone'
        raise InvalidValueError(
            "is not a known time zone", fix + hint(word, sorted(available_timezones()))
        )

    def dump(self, value: ZoneInfo | None) -> object:
        return "" if value is None else value.key
