"""Tests for the plain-text time helpers used in alert and handover text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traysupport.core.timefmt import (
    format_clock,
    format_duration,
    format_instant,
    format_relative,
    format_utc_offset,
    local,
)

BERLIN = ZoneInfo("Europe/Berlin")
MON_0900 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)  # a Monday


def test_clock_and_day_clock_in_the_given_zone() -> None:
    assert format_clock(MON_0900, UTC) == "09:00"
    assert format_clock(MON_0900, BERLIN) == "11:00"
    assert format_instant(MON_0900, UTC) == "Mon 09:00"
    # 23:30 UTC Monday is already Tuesday in Berlin.
    late = datetime(2024, 6, 3, 23, 30, tzinfo=UTC)
    assert format_instant(late, BERLIN) == "Tue 01:30"


def test_day_clock_adds_the_date_only_when_far_from_now() -> None:
    in_six_days = MON_0900 + timedelta(days=6)
    in_eight_days = MON_0900 + timedelta(days=8)
    assert format_instant(in_six_days, UTC, MON_0900) == "Sun 09:00"
    assert format_instant(in_eight_days, UTC, MON_0900) == "Tue 11 Jun 09:00"
    assert format_instant(MON_0900 - timedelta(days=30), UTC, MON_0900) == "Sat 4 May 09:00"


def test_day_clock_measures_distance_in_real_time_not_wall_clock() -> None:
    # Both in Berlin's zone: wall-clock subtraction would ignore the DST change in between.
    now = datetime(2024, 3, 25, 2, 30, tzinfo=BERLIN)
    instant = datetime(2024, 3, 31, 3, 15, tzinfo=BERLIN)  # wall 6 d 45 min, real 5 d 23 h 45 min
    assert format_instant(instant, BERLIN, now) == "Sun 03:15"


def test_utc_offset() -> None:
    assert format_utc_offset(MON_0900, UTC) == "UTC"
    assert format_utc_offset(MON_0900, BERLIN) == "UTC+02:00"  # summer time
    assert format_utc_offset(datetime(2024, 1, 8, tzinfo=UTC), BERLIN) == "UTC+01:00"
    assert format_utc_offset(MON_0900, timezone(timedelta(hours=-5, minutes=-30))) == "UTC-05:30"
    assert format_utc_offset(MON_0900, timezone(timedelta(hours=5, minutes=45))) == "UTC+05:45"


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(seconds=59, microseconds=999), "59 s"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=12, seconds=59), "12 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(days=1, minutes=5), "1 d"),
        (timedelta(days=3, hours=2, minutes=9), "3 d 2 h"),
        (timedelta(minutes=-12), "12 min"),
    ],
)
def test_duration(span: timedelta, text: str) -> None:
    assert format_duration(span) == text


def test_relative() -> None:
    assert format_relative(MON_0900 + timedelta(minutes=12), MON_0900) == "in 12 min"
    assert format_relative(MON_0900 - timedelta(minutes=5), MON_0900) == "5 min ago"
    assert format_relative(MON_0900 + timedelta(milliseconds=500), MON_0900) == "now"
    # Real elapsed time across the spring-forward night, though both share one ZoneInfo.
    before = datetime(2024, 3, 31, 1, 30, tzinfo=BERLIN)
    after = datetime(2024, 3, 31, 3, 30, tzinfo=BERLIN)
    assert format_relative(after, before) == "in 1 h"


def test_local_converts_through_utc() -> None:
    assert local(MON_0900, BERLIN).hour == 11
    assert local(MON_0900, BERLIN).tzinfo is BERLIN


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_duration_never_overstates(span: timedelta) -> None:
    text = format_duration(span)
    units = {"d": 86400, "h": 3600, "min": 60, "s": 1}
    words = text.split()
    shown = sum(int(n) * units[u] for n, u in zip(words[::2], words[1::2], strict=True))
    assert shown <= span.total_seconds()
    assert len(words) <= 4
