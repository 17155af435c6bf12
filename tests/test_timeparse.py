"""TIME arguments: ISO 8601 with or without a zone, words, offsets; anything else refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traysupport.core.model import EARLIEST, LATEST
from traysupport.timeparse import FORMS, TimeParseError, parse_time

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZONES: list[tzinfo] = [
    UTC,
    BERLIN,
    NEW_YORK,
    ZoneInfo("Asia/Kolkata"),
    timezone(-timedelta(hours=3)),
]
MONDAY = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
"""A Monday, 09:30 in Berlin."""

zones = st.sampled_from(ZONES)
nows = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
naive = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


def at(text: str, now: datetime = MONDAY, tz: tzinfo = BERLIN) -> datetime:
    return parse_time(text, now, tz)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", MONDAY),
        ("NOW", MONDAY),
        ("09:00", berlin(2026, 12, 7, 9, 0)),
        ("today", berlin(2026, 12, 7)),
        ("tomorrow 09:00", berlin(2026, 12, 8, 9, 0)),
        ("  Tomorrow   9:05 ", berlin(2026, 12, 8, 9, 5)),
        ("yesterday 23:59", berlin(2026, 12, 6, 23, 59)),
        ("monday", berlin(2026, 12, 7)),  # today is Monday: today
        ("next monday 09:00", berlin(2026, 12, 14, 9, 0)),  # a week on
        ("next tue", berlin(2026, 12, 8)),
        ("sunday 18:00", berlin(2026, 12, 13, 18, 0)),
        ("fri", berlin(2026, 12, 11)),
        ("+3h", MONDAY + timedelta(hours=3)),
        ("+90m", MONDAY + timedelta(minutes=90)),
        ("-1d", MONDAY - timedelta(days=1)),
        ("+1w", MONDAY + timedelta(weeks=1)),
        ("2026-12-24", berlin(2026, 12, 24)),
        ("2026-12-24 10:00", berlin(2026, 12, 24, 10, 0)),
        ("2026-12-24T10:00Z", datetime(2026, 12, 24, 10, 0, tzinfo=UTC)),
        ("2026-12-24t10:00z", datetime(2026, 12, 24, 10, 0, tzinfo=UTC)),
        ("2026-12-24T10:00+05:00", datetime(2026, 12, 24, 5, 0, tzinfo=UTC)),
    ],
)
def test_each_documented_form(text: str, expected: datetime) -> None:
    assert at(text) == expected
    assert at(text).tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorow",
        "next",
        "next moon",
        "mo",
        "25:00",
        "09:75",
        "tomorrow 9",
        "+d",
        "+3y",
        "2026-13-01",
        "2026-12",
        "9999-12-31T23:59Z",
        "0001-01-01",
        "+999999w",
        "12/24/2026",
    ],
)
def test_what_is_not_a_time_is_refused_with_the_forms(text: str) -> None:
    with pytest.raises(TimeParseError) as raised:
        at(text)

    assert FORMS in str(raised.value)
    assert repr(text) in str(raised.value)


def test_days_are_calendar_days_across_a_dst_change() -> None:
    saturday_nine = berlin(2026, 3, 28, 9, 0)  # Berlin springs forward that night

    assert at("+1d", saturday_nine) == berlin(2026, 3, 29, 9, 0)
    assert at("+1d", saturday_nine) - saturday_nine == timedelta(hours=23)
    assert at("+24h", saturday_nine) == berlin(2026, 3, 29, 10, 0)


def test_local_time_is_the_zone_given_not_the_systems() -> None:
    assert at("2026-07-01 09:00", tz=NEW_YORK) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert at("tomorrow 09:00", tz=NEW_YORK) == datetime(2026, 12, 8, 14, 0, tzinfo=UTC)


def test_today_is_the_local_date_not_the_utc_one() -> None:
    late_evening_in_new_york = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # Mon 21:00 there

    assert at("today", late_evening_in_new_york, NEW_YORK) == datetime(
        2026, 12, 7, 5, 0, tzinfo=UTC
    )


@given(instant=nows, tz=zones, shown=zones)
def test_an_iso_time_with_a_zone_is_that_instant(
    instant: datetime, tz: tzinfo, shown: tzinfo
) -> None:
    text = instant.astimezone(shown).isoformat()

    assert parse_time(text, MONDAY, tz) == instant


@given(wall=naive, tz=zones)
def test_an_iso_time_without_a_zone_is_local_wall_time(wall: datetime, tz: tzinfo) -> None:
    found = parse_time(wall.isoformat(sep=" "), MONDAY, tz)

    back = found.astimezone(tz).replace(tzinfo=None)
    skipped = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall
    assert back == wall or skipped  # a wall time a DST change skips has no instant


@given(now=nows, tz=zones, day=st.integers(0, 6), next_=st.booleans())
def test_a_weekday_is_local_midnight_of_the_right_day(
    now: datetime, tz: tzinfo, day: int, next_: bool
) -> None:
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    text = f"next {names[day]}" if next_ else names[day]

    local = parse_time(text, now, tz).astimezone(tz)

    ahead = (local.date() - now.astimezone(tz).date()).days
    assert local.weekday() == day
    assert (1 <= ahead <= 7) if next_ else (0 <= ahead <= 6)
    assert (local.hour, local.minute) in {(0, 0), (1, 0)}  # 01:00 where midnight is skipped


@given(now=nows, tz=zones, hours=st.integers(-10_000, 10_000))
def test_hours_are_elapsed_time(now: datetime, tz: tzinfo, hours: int) -> None:
    text = f"{'-' if hours < 0 else '+'}{abs(hours)}h"

    assert parse_time(text, now, tz) == now + timedelta(hours=hours)


@given(text=st.text(max_size=40), now=nows, tz=zones)
def test_any_text_is_an_instant_in_range_or_a_time_parse_error(
    text: str, now: datetime, tz: tzinfo
) -> None:
    try:
        found = parse_time(text, now, tz)
    except TimeParseError:
        return
    assert found.tzinfo is UTC
    assert EARLIEST <= found <= LATEST
