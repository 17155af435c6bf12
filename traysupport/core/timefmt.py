"""Plain-text renderings of instants and durations for alert and handover text.

Everything takes the zone to show as a ``tzinfo`` and never reads the clock. Names of
days and months are fixed English abbreviations rather than ``strftime("%a")``, whose
output depends on the process locale: the same instant must read the same in a test, a
notification and a ticket comment.

Durations are floored to whole minutes: a deadline "in 12 min" must never be later than
it really is, and "12 min ago" never earlier.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
# Beyond this distance a bare weekday is ambiguous, so the date is added.
_WEEKDAY_RANGE = timedelta(days=6)


def local(instant: datetime, tz: tzinfo) -> datetime:
    """*instant* as wall-clock time in *tz* (converted through UTC, so DST is honoured)."""
    return instant.astimezone(UTC).astimezone(tz)


def _between(start: datetime, end: datetime) -> timedelta:
    # Python subtracts two datetimes sharing one ZoneInfo by wall clock, which is wrong
    # across a DST change; through UTC it is the real elapsed time.
    return end.astimezone(UTC) - start.astimezone(UTC)


def format_clock(instant: datetime, tz: tzinfo) -> str:
    """The local time of day: "09:00"."""
    return local(instant, tz).strftime("%H:%M")


def format_instant(instant: datetime, tz: tzinfo, now: datetime | None = None) -> str:
    """Weekday and time, "Mon 09:00"; with the date, "Mon 3 Jun 09:00", when far from *now*.

    Without *now* the weekday form is always used.
    """
    at = local(instant, tz)
    text = f"{_DAYS[at.weekday()]} {at:%H:%M}"
    if now is not None and abs(_between(now, instant)) > _WEEKDAY_RANGE:
        text = f"{_DAYS[at.weekday()]} {at.day} {_MONTHS[at.month - 1]} {at:%H:%M}"
    return text


def format_utc_offset(instant: datetime, tz: tzinfo) -> str:
    """The zone's offset at *instant*: "UTC" or "UTC+01:00" / "UTC-05:30"."""
    offset = local(instant, tz).utcoffset() or timedelta(0)
    if offset == timedelta(0):
        return "UTC"
    sign = "+" if offset > timedelta(0) else "-"
    minutes = int(abs(offset).total_seconds()) // _MINUTE
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_duration(span: timedelta) -> str:
    """A length of time in at most two units, floored: "45 s", "12 min", "2 h 5 min", "3 d 2 h".

    Negative spans are shown by their magnitude; the caller says "ago" or "in".
    """
    seconds = int(abs(span).total_seconds())
    if seconds < _MINUTE:
        return f"{seconds} s"
    days, rest = divmod(seconds, _DAY)
    hours, rest = divmod(rest, _HOUR)
    minutes = rest // _MINUTE
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    # Two units starting from the largest non-zero one; a zero second unit is dropped.
    first = next(i for i, (amount, _) in enumerate(parts) if amount)
    shown = [f"{amount} {unit}" for amount, unit in parts[first : first + 2] if amount]
    return " ".join(shown)


def format_relative(instant: datetime, now: datetime) -> str:
    """Where *instant* lies from *now*: "in 12 min", "5 min ago", or "now" within a second."""
    span = _between(now, instant)
    if abs(span) < timedelta(seconds=1):
        return "now"
    if span > timedelta(0):
        return f"in {format_duration(span)}"
    return f"{format_duration(span)} ago"
