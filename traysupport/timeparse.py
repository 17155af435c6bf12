"""TIME arguments of the command line (`shifts --from/--to`, `status --at`) read as instants.

Pure: no I/O and no clock reads; `now` and the local zone are passed in. The forms, all
case-insensitive (`FORMS` is what an error message shows):

- ISO 8601: ``2026-12-07T09:00Z``, ``2026-12-07 09:00+01:00``; without a zone the time
  is local (``2026-12-07 09:00``); a date alone is local midnight (``2026-12-07``).
- ``now``.
- ``HH:MM``: today at that local time.
- ``today``, ``tomorrow``, ``yesterday``, a weekday (``monday`` or ``mon``) or ``next``
  and a weekday, each optionally followed by ``HH:MM`` (else midnight), local time. A
  bare weekday is today if today is that day, else the next one; ``next monday`` is the
  Monday 1 to 7 days after today (on a Monday, a week later).
- ``+N`` or ``-N`` with a unit: ``m`` minutes, ``h`` hours (elapsed time), ``d`` days,
  ``w`` weeks (calendar days: ``+1d`` at 09:00 is 09:00 tomorrow, across a DST change too).

A local wall time that a DST change skips (02:30 on the spring-forward night) is read
with the offset before the change, as `zoneinfo` does; a repeated one, as its first
occurrence. The result is always aware, in UTC, and within the model's range.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from traysupport.core.model import EARLIEST, LATEST

FORMS = (
    "ISO 8601 (2026-12-07T09:00Z, 2026-12-07 09:00 local, 2026-12-07), now, 09:00, "
    "today/tomorrow/yesterday [HH:MM], monday [HH:MM], next monday [HH:MM], "
    "+3h, +90m, +2d, +1w, -1d"
)
"""The accepted forms, for help texts and error messages."""

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{1,6})\s*(m|min|h|d|w)")
_ISO_START = re.compile(r"\d{4}-?\d{2}")


class TimeParseError(ValueError):
    """A TIME the parser cannot read; the message quotes it and lists the accepted forms."""

    def __init__(self, text: str, why: str = "not a time traysupport can read") -> None:
        super().__init__(f"{text!r}: {why}; accepted: {FORMS}")


def parse_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The instant *text* names, in UTC; *now* (aware) anchors relative forms, *tz* is local.

    Raises TimeParseError for anything else (never another exception).
    """
    words = " ".join(text.strip().casefold().split())
    try:
        found = _read(words, now, tz)
        if found is None:
            raise TimeParseError(text)
        instant = found.astimezone(UTC)
    except (OverflowError, ValueError) as error:
        if isinstance(error, TimeParseError):
            raise
        raise TimeParseError(text, "not a valid time") from None
    if not EARLIEST <= instant <= LATEST:
        raise TimeParseError(text, f"outside {EARLIEST:%Y}..{LATEST:%Y}")
    return instant


def _read(words: str, now: datetime, tz: tzinfo) -> datetime | None:
    """The instant of *words* (normalised), None when no form matches."""
    if words == "now":
        return now
    offset = _OFFSET.fullmatch(words)
    if offset is not None:
        return _shifted(now, tz, offset[1], int(offset[2]), offset[3])
    clock = _CLOCK.fullmatch(words)
    if clock is not None:
        return _wall(_today(now, tz), _clock(clock), tz)
    day, _, rest = words.partition(" ")
    if day == "next":
        weekday, _, rest = rest.partition(" ")
        found = _weekday(weekday)
        if found is None:
            return None
        ahead = (found - _today(now, tz).weekday() - 1) % 7 + 1
        return _with_clock(_today(now, tz) + timedelta(days=ahead), rest, tz)
    weekday_number = _weekday(day)
    if weekday_number is not None:
        ahead = (weekday_number - _today(now, tz).weekday()) % 7
        return _with_clock(_today(now, tz) + timedelta(days=ahead), rest, tz)
    if day in _DAY_WORDS:
        return _with_clock(_today(now, tz) + timedelta(days=_DAY_WORDS[day]), rest, tz)
    if _ISO_START.match(words):
        return _iso(words, tz)
    return None


def _iso(words: str, tz: tzinfo) -> datetime:
    # casefold made the "T" and "Z" lower case; fromisoformat wants them upper.
    parsed = datetime.fromisoformat(words.upper())
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=tz)


def _weekday(word: str) -> int | None:
    """Monday = 0 for a full or three-letter weekday name, else None."""
    return next(
        (i for i, name in enumerate(_WEEKDAYS) if len(word) >= 3 and name.startswith(word)),
        None,
    )


def _clock(match: re.Match[str]) -> time:
    return time(int(match[1]), int(match[2]))  # ValueError for 25:00 or 09:75


def _with_clock(day: date, rest: str, tz: tzinfo) -> datetime | None:
    """Local *day* at the time *rest* gives (``HH:MM``), or at midnight when it is empty."""
    if not rest:
        return _wall(day, time(), tz)
    clock = _CLOCK.fullmatch(rest)
    return None if clock is None else _wall(day, _clock(clock), tz)


def _today(now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date()


def _wall(day: date, at: time, tz: tzinfo) -> datetime:
    """Wall time *at* on *day* in *tz* (aware)."""
    return datetime.combine(day, at, tzinfo=tz)


def _shifted(now: datetime, tz: tzinfo, sign: str, amount: int, unit: str) -> datetime:
    """*now* moved by *amount* units: minutes and hours elapsed, days and weeks by calendar."""
    factor = -1 if sign == "-" else 1
    if unit in ("m", "min", "h"):
        minutes = amount * (60 if unit == "h" else 1)
        return now + factor * timedelta(minutes=minutes)
    days = amount * (7 if unit == "w" else 1)
    local = now.astimezone(tz).replace(tzinfo=None)
    return (local + factor * timedelta(days=days)).replace(tzinfo=tz)
