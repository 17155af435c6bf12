"""Wall-clock maths in the user's zone: an evening reminder's instant, the end of quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from traysupport.core.alerts.settings import QuietHours
from traysupport.core.timefmt import local


def wall_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant the wall clock in *tz* reads *day* *at* (the first, if it reads it twice).

    In a DST gap the wall clock skips *at*; the result is then the instant of the skip.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    readable = [u for u in (first, second) if _wall(u, tz) == naive]
    if readable:
        return min(readable)
    return _first_wall_at_least(min(first, second), max(first, second), naive, tz)


def _wall(instant: datetime, tz: tzinfo) -> datetime:
    return local(instant, tz).replace(tzinfo=None)


def _first_wall_at_least(lo: datetime, hi: datetime, naive: datetime, tz: tzinfo) -> datetime:
    # Bisect to the microsecond: the wall clock is monotonic across a spring-forward gap.
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if _wall(mid, tz) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def quiet_end(quiet: QuietHours, now: datetime, tz: tzinfo) -> datetime:
    """The first instant after *now* when the wall clock leaves the quiet hours (or may)."""
    today = local(now, tz).date()
    naive_end = quiet.end.replace(tzinfo=None)
    candidates = []
    for offset in (-1, 0, 1, 2):
        naive = datetime.combine(today + timedelta(days=offset), naive_end)
        for fold in (0, 1):
            candidates.append(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC))
    end = min(at for at in candidates if at > now)
    # A DST change in between can move the wall clock out of the quiet hours early (a gap
    # skipping the end, or a fall back before the start); waking at the change is safe.
    change = _offset_change(now, end, tz)
    return end if change is None else min(end, change)


def _offset_change(start: datetime, end: datetime, tz: tzinfo) -> datetime | None:
    """The first instant in (start, end] where *tz*'s UTC offset differs from at *start*."""
    offset = local(start, tz).utcoffset()
    if local(end, tz).utcoffset() == offset:
        return None
    lo, hi = start, end
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if local(mid, tz).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return hi
