"""My duty status (`core.duty`): on now, role, until, next shift, who is on now and next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from traysupport.core.duty import Duty, duty
from traysupport.core.model import Person, Role, Shift

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)

ME = Person("me", "Me")
BOB = Person("bob", "Bob")
CAROL = Person("carol", "Carol")


def utc(day: int, hour: int = 0, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def shift(person: Person, start: datetime, end: datetime, role: Role = Role.PRIMARY) -> Shift:
    return Shift(person=person, start=start, end=end, role=role, rotation="ops")


def test_off_duty_with_a_next_shift() -> None:
    mine = shift(ME, utc(7, 9), utc(7, 17))
    bob = shift(BOB, utc(6, 9), utc(7, 9))
    status = duty([mine, bob], ME, utc(6, 12))
    assert not status.on_duty
    assert status.role is None
    assert (status.shift, status.start, status.until) == (None, None, None)
    assert status.next_shift == mine
    assert status.on_now == (bob,)
    # The hand-over is when my next duty ends, and nobody is on after it.
    assert status.on_next is None


def test_on_duty_reports_role_span_and_who_else_is_on() -> None:
    mine = shift(ME, utc(6, 9), utc(6, 17), Role.SECONDARY)
    bob = shift(BOB, utc(6, 9), utc(6, 17))
    carol = shift(CAROL, utc(6, 17), utc(7, 9))
    status = duty([carol, mine, bob], ME, utc(6, 12))
    assert status.on_duty
    assert status.role is Role.SECONDARY
    assert (status.start, status.until) == (utc(6, 9), utc(6, 17))
    assert status.on_now == (bob, mine)
    assert status.next_shift is None
    assert status.on_next == CAROL
    assert status.is_me(ME) and not status.is_me(BOB)


def test_back_to_back_shifts_are_one_duty_and_not_a_next_shift() -> None:
    first = shift(ME, utc(6, 9), utc(6, 17))
    second = shift(ME, utc(6, 17), utc(7, 9), Role.SECONDARY)
    later = shift(ME, utc(9, 9), utc(9, 17))
    status = duty([later, second, first], ME, utc(6, 12))
    assert status.shift == first
    assert (status.start, status.until) == (utc(6, 9), utc(7, 9))
    assert status.next_shift == later
    # In the second shift the role is the second shift's, the span the same.
    status = duty([later, second, first], ME, utc(6, 20))
    assert status.role is Role.SECONDARY
    assert (status.start, status.until) == (utc(6, 9), utc(7, 9))


def test_the_most_senior_role_wins_when_my_shifts_overlap() -> None:
    shadow = shift(ME, utc(6, 8), utc(6, 18), Role.SHADOW)
    primary = shift(ME, utc(6, 9), utc(6, 17))
    status = duty([shadow, primary], ME, utc(6, 12))
    assert status.role is Role.PRIMARY
    assert (status.start, status.until) == (utc(6, 8), utc(6, 18))


def test_span_end_is_exclusive() -> None:
    mine = shift(ME, utc(6, 9), utc(6, 17))
    assert duty([mine], ME, utc(6, 9)).on_duty
    assert not duty([mine], ME, utc(6, 17)).on_duty


def test_without_me_nobody_is_me_and_nothing_is_mine() -> None:
    bob = shift(BOB, utc(6, 9), utc(6, 17))
    status = duty([bob], None, utc(6, 12))
    assert status == Duty(utc(6, 12), None, None, None, None, None, (bob,), None)
    assert not status.on_duty
    assert not status.is_me(BOB)


def test_local_times_are_compared_as_instants_in_the_repeated_dst_hour() -> None:
    # Berlin falls back on 2024-10-27 at 03:00 CEST to 02:00 CET: 02:30 happens twice.
    first_0230 = datetime(2024, 10, 27, 2, 30, tzinfo=BERLIN, fold=0)  # 00:30 UTC
    second_0230 = datetime(2024, 10, 27, 2, 30, tzinfo=BERLIN, fold=1)  # 01:30 UTC
    mine = shift(ME, datetime(2024, 10, 27, 0, 0, tzinfo=BERLIN), first_0230)
    bob = shift(BOB, first_0230, datetime(2024, 10, 27, 9, 0, tzinfo=BERLIN))
    # By wall clock the second 02:30 equals the first, and my shift would have ended
    # at it; as instants it is an hour later, so I am off and Bob is on.
    status = duty([mine, bob], ME, second_0230)
    assert not status.on_duty
    assert status.on_now == (bob,)
    early = duty([mine, bob], ME, datetime(2024, 10, 27, 2, 15, tzinfo=BERLIN, fold=0))
    assert early.until == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert early.on_next == BOB


def test_a_spring_forward_shift_is_one_hour_shorter_and_results_are_utc() -> None:
    # Berlin springs forward on 2024-03-31 at 02:00 CET to 03:00 CEST.
    start = datetime(2024, 3, 30, 9, 0, tzinfo=BERLIN)
    end = datetime(2024, 3, 31, 9, 0, tzinfo=BERLIN)
    status = duty([shift(ME, start, end)], ME, datetime(2024, 3, 31, 3, 30, tzinfo=BERLIN))
    assert status.on_duty
    assert status.until is not None and status.start is not None
    assert status.until - status.start == 23 * HOUR
    assert status.until.tzinfo is UTC and status.now.tzinfo is UTC


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="now"):
        duty([], ME, datetime(2024, 5, 6, 12))
