"""On-duty maths and rotation expansion, including DST weeks and overrides."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traysupport.core.model import Person, Role, Shift
from traysupport.core.rotation import (
    ROLE_ORDER,
    Override,
    RotationDefinition,
    Turn,
    current_shift,
    duty_span,
    expand,
    my_future_shifts,
    next_after,
    next_shift,
    on_duty,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
APIA = ZoneInfo("Pacific/Apia")
HOUR = timedelta(hours=1)

ALICE = Person("alice", "Alice", "alice@example.com")
BOB = Person("bob", "Bob")
CAROL = Person("carol", "Carol")
DAVE = Person("dave", "Dave")
PEOPLE = {p.id: p for p in (ALICE, BOB, CAROL, DAVE)}


def utc(day: int, hour: int = 0, minute: int = 0, month: int = 5, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def shift(person: Person, start: datetime, end: datetime, role: Role = Role.PRIMARY) -> Shift:
    return Shift(person=person, start=start, end=end, role=role, rotation="ops")


def hours(s: Shift) -> float:
    return (s.end - s.start) / HOUR


def summary(shifts: list[Shift]) -> list[tuple[str, datetime, datetime]]:
    return [(s.person.id, s.start, s.end) for s in shifts]


# --- on duty, current, span, next -----------------------------------------------------

# 2024-05-06 is a Monday.
A_PRIMARY = shift(ALICE, utc(6, 9), utc(7, 9))
B_SECONDARY = shift(BOB, utc(6, 9), utc(7, 9), Role.SECONDARY)
C_SHADOW = shift(CAROL, utc(6, 12), utc(6, 18), Role.SHADOW)
D_PRIMARY = shift(DAVE, utc(7, 9), utc(8, 9))
A_SHADOW = shift(ALICE, utc(6, 8), utc(6, 20), Role.SHADOW)
DAY = [D_PRIMARY, C_SHADOW, B_SECONDARY, A_PRIMARY]


def test_role_order() -> None:
    assert sorted(Role, key=ROLE_ORDER.__getitem__) == [
        Role.PRIMARY,
        Role.SECONDARY,
        Role.SHADOW,
    ]


def test_on_duty_sorted_by_role() -> None:
    assert on_duty(DAY, utc(6, 13)) == [A_PRIMARY, B_SECONDARY, C_SHADOW]
    assert on_duty(DAY, utc(6, 18)) == [A_PRIMARY, B_SECONDARY]  # end is exclusive


def test_on_duty_at_a_handoff_is_the_incoming_shift() -> None:
    assert on_duty(DAY, utc(7, 9)) == [D_PRIMARY]
    assert on_duty(DAY, utc(6, 8, 59)) == []


def test_on_duty_ties_by_start_then_name() -> None:
    late = shift(ALICE, utc(6, 10), utc(6, 11))
    early_b = shift(BOB, utc(6, 9), utc(6, 11))
    early_a = shift(CAROL, utc(6, 9), utc(6, 11))
    assert on_duty([late, early_b, early_a], utc(6, 10, 30)) == [early_b, early_a, late]


def test_on_duty_accepts_any_zone() -> None:
    local = datetime(2024, 5, 6, 15, 0, tzinfo=BERLIN)  # 13:00 UTC
    assert on_duty(DAY, local) == [A_PRIMARY, B_SECONDARY, C_SHADOW]


def test_current_shift_prefers_the_senior_role() -> None:
    shifts = [A_SHADOW, A_PRIMARY, B_SECONDARY]
    assert current_shift(shifts, ALICE, utc(6, 12)) == A_PRIMARY
    assert current_shift(shifts, ALICE, utc(6, 8, 30)) == A_SHADOW
    assert current_shift(shifts, ALICE, utc(7, 9)) is None
    assert current_shift(shifts, BOB, utc(6, 12)) == B_SECONDARY


def test_current_shift_matches_me_by_id() -> None:
    renamed_me = Person("alice", "Alice Liddell")
    assert current_shift(DAY, renamed_me, utc(6, 12)) == A_PRIMARY


def _week_in_days(person: Person, first_day: int, days: int) -> list[Shift]:
    return [shift(person, utc(first_day + i, 9), utc(first_day + i + 1, 9)) for i in range(days)]


def test_current_shift_does_not_merge_back_to_back_shifts() -> None:
    week = _week_in_days(ALICE, 6, 7)
    assert current_shift(week, ALICE, utc(8, 12)) == week[2]


def test_duty_span_merges_back_to_back_shifts() -> None:
    week = _week_in_days(ALICE, 6, 7)
    random.Random(4).shuffle(week)
    assert duty_span(week, ALICE, utc(8, 12)) == (utc(6, 9), utc(13, 9))
    assert duty_span(week, ALICE, utc(13, 9)) is None


def test_duty_span_merges_overlapping_shifts_of_any_role() -> None:
    shifts = [A_SHADOW, A_PRIMARY, shift(ALICE, utc(6, 22), utc(7, 12), Role.SECONDARY)]
    assert duty_span(shifts, ALICE, utc(6, 8)) == (utc(6, 8), utc(7, 12))


def test_duty_span_keeps_gaps_and_ignores_others() -> None:
    shifts = [
        shift(ALICE, utc(6, 9), utc(6, 17)),
        shift(BOB, utc(6, 17), utc(6, 18)),  # bob's shift does not bridge mine
        shift(ALICE, utc(6, 18), utc(6, 22)),
    ]
    assert duty_span(shifts, ALICE, utc(6, 10)) == (utc(6, 9), utc(6, 17))
    assert duty_span(shifts, ALICE, utc(6, 17, 30)) is None
    assert duty_span(shifts, ALICE, utc(6, 19)) == (utc(6, 18), utc(6, 22))


def test_next_shift_skips_the_continuation_of_current_duty() -> None:
    later = shift(ALICE, utc(27, 9), utc(28, 9))
    shifts = [*_week_in_days(ALICE, 6, 7), later, B_SECONDARY]
    assert next_shift(shifts, ALICE, utc(8, 12)) == later


def test_next_shift_when_off_duty() -> None:
    first = shift(ALICE, utc(10, 9), utc(11, 9))
    second = shift(ALICE, utc(12, 9), utc(13, 9))
    assert next_shift([second, first, D_PRIMARY], ALICE, utc(8, 12)) == first
    assert next_shift([second, first], ALICE, utc(11, 9)) == second
    assert next_shift([second, first], ALICE, utc(12, 9)) is None
    assert next_shift([], ALICE, utc(8, 12)) is None


def test_my_future_shifts() -> None:
    past = shift(ALICE, utc(1, 9), utc(2, 9))
    now_on = shift(ALICE, utc(6, 9), utc(7, 9))
    soon = shift(ALICE, utc(9, 9), utc(10, 9), Role.SHADOW)
    later = shift(ALICE, utc(20, 9), utc(21, 9))
    shifts = [later, B_SECONDARY, soon, past, now_on]
    assert my_future_shifts(shifts, ALICE, utc(6, 12)) == [now_on, soon, later]
    assert my_future_shifts(shifts, ALICE, utc(7, 9)) == [soon, later]


def test_next_after_is_the_next_primary_when_my_duty_ends() -> None:
    shifts = [
        *_week_in_days(ALICE, 6, 7),  # alice on until Mon 13 May 09:00
        shift(CAROL, utc(13, 9), utc(20, 9), Role.SECONDARY),
        shift(DAVE, utc(14, 9), utc(21, 9)),
        shift(BOB, utc(13, 9), utc(20, 9)),
        shift(CAROL, utc(1, 9), utc(6, 9)),  # before me: never the recipient
    ]
    assert next_after(shifts, ALICE, utc(8, 12)) == BOB


def test_next_after_prefers_a_primary_already_on_when_i_leave() -> None:
    shifts = [
        shift(ALICE, utc(6, 9), utc(6, 17)),
        shift(CAROL, utc(6, 16), utc(7, 0)),  # overlaps my end: takes my tickets
        shift(BOB, utc(7, 9), utc(8, 9)),
    ]
    assert next_after(shifts, ALICE, utc(6, 12)) == CAROL


def test_next_after_of_two_already_on_prefers_the_one_staying_longer() -> None:
    shifts = [
        shift(ALICE, utc(6, 9), utc(6, 17)),
        shift(CAROL, utc(6, 8), utc(6, 20)),  # leaves three hours after me
        shift(DAVE, utc(6, 16), utc(7, 0)),
        shift(BOB, utc(6, 17), utc(6, 23)),
    ]
    assert next_after(shifts, ALICE, utc(6, 12)) == DAVE


def test_next_after_falls_back_to_any_role() -> None:
    shifts = [
        shift(ALICE, utc(6, 9), utc(7, 9)),
        shift(DAVE, utc(8, 9), utc(9, 9), Role.SHADOW),
        shift(CAROL, utc(7, 9), utc(8, 9), Role.SECONDARY),
    ]
    assert next_after(shifts, ALICE, utc(6, 12)) == CAROL


def test_next_after_never_picks_me() -> None:
    shifts = [shift(ALICE, utc(6, 9), utc(7, 9)), shift(ALICE, utc(8, 9), utc(9, 9))]
    assert next_after(shifts, ALICE, utc(6, 12)) is None
    assert next_after([], ALICE, utc(6, 12)) is None


def test_next_after_when_off_duty_uses_my_next_duty() -> None:
    shifts = [
        shift(BOB, utc(6, 9), utc(7, 9)),  # on now, but before my next duty ends
        *_week_in_days(ALICE, 7, 2),  # my next duty: 7th 09:00 .. 9th 09:00
        shift(CAROL, utc(9, 9), utc(10, 9)),
    ]
    assert next_after(shifts, ALICE, utc(6, 12)) == CAROL


def test_next_after_with_no_duty_of_mine_is_whoever_is_on_primary() -> None:
    shifts = [shift(BOB, utc(6, 9), utc(7, 9)), shift(CAROL, utc(7, 9), utc(8, 9))]
    assert next_after(shifts, ALICE, utc(6, 12)) == BOB


# --- expand: plain weeks and days -----------------------------------------------------


def weekly(**kwargs: object) -> RotationDefinition:
    fields: dict[str, object] = {
        "name": "ops",
        "members": ("alice", "bob", "carol"),
        "start": date(2024, 5, 1),  # a Wednesday: first hand-off Monday 6 May
    }
    fields.update(kwargs)
    return RotationDefinition(**fields)  # type: ignore[arg-type]


def test_expand_weekly() -> None:
    shifts = expand(weekly(), PEOPLE, utc(1), utc(28))
    assert summary(shifts) == [
        ("alice", utc(6, 9), utc(13, 9)),
        ("bob", utc(13, 9), utc(20, 9)),
        ("carol", utc(20, 9), utc(27, 9)),
        ("alice", utc(27, 9), utc(3, 9, month=6)),
    ]
    assert {(s.role, s.rotation, s.out_of_hours) for s in shifts} == {(Role.PRIMARY, "ops", False)}
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in shifts)


def test_expand_returns_whole_shifts_overlapping_the_window() -> None:
    shifts = expand(weekly(), PEOPLE, utc(15, 12), utc(20, 9))
    assert summary(shifts) == [("bob", utc(13, 9), utc(20, 9))]
    shifts = expand(weekly(), PEOPLE, utc(15, 12), utc(20, 9, 1))
    assert [s.person.id for s in shifts] == ["bob", "carol"]


def test_expand_weekly_on_another_weekday_and_role() -> None:
    defn = weekly(handoff_weekday=4, handoff_time=time(17, 30), role=Role.SECONDARY)
    shifts = expand(defn, PEOPLE, utc(1), utc(12))
    assert summary(shifts) == [
        ("alice", utc(3, 17, 30), utc(10, 17, 30)),
        ("bob", utc(10, 17, 30), utc(17, 17, 30)),
    ]
    assert shifts[0].role is Role.SECONDARY


def test_expand_far_from_start_jumps_to_the_right_member() -> None:
    # 2024-05-06 + 52 weeks = 2025-05-05; 52 % 3 == 1 -> bob.
    shifts = expand(weekly(), PEOPLE, utc(6, 12, year=2025), utc(6, 13, year=2025))
    assert summary(shifts) == [("bob", utc(5, 9, year=2025), utc(12, 9, year=2025))]


def test_expand_daily() -> None:
    defn = RotationDefinition(
        name="night",
        members=("dave", "carol"),
        turn=Turn.DAILY,
        handoff_time=time(18),
        start=date(2024, 5, 6),
        role=Role.SHADOW,
    )
    shifts = expand(defn, PEOPLE, utc(6), utc(9))
    assert summary(shifts) == [
        ("dave", utc(6, 18), utc(7, 18)),
        ("carol", utc(7, 18), utc(8, 18)),
        ("dave", utc(8, 18), utc(9, 18)),
    ]
    assert shifts[0].rotation == "night"
    assert shifts[0].role is Role.SHADOW


def test_expand_nothing_before_the_first_handoff() -> None:
    assert expand(weekly(), PEOPLE, utc(1), utc(6, 9)) == []


def test_expand_empty_window() -> None:
    assert expand(weekly(), PEOPLE, utc(8), utc(8)) == []


def test_expanded_daily_shifts_merge_into_one_duty_span() -> None:
    defn = weekly(members=("alice",) * 7 + ("bob",) * 7, turn=Turn.DAILY, start=date(2024, 5, 6))
    shifts = expand(defn, PEOPLE, utc(6), utc(31))
    assert duty_span(shifts, ALICE, utc(8, 12)) == (utc(6, 9), utc(13, 9))
    assert next_after(shifts, ALICE, utc(8, 12)) == BOB


# --- expand: DST ----------------------------------------------------------------------


def _only(shifts: list[Shift], covering: datetime) -> Shift:
    (found,) = [s for s in shifts if s.covers(covering)]
    return found


def _local(instant: datetime, zone: tzinfo) -> tuple[date, time]:
    local = instant.astimezone(zone)
    return local.date(), local.time()


@pytest.mark.parametrize(
    ("zone", "inside", "start", "end", "length"),
    [
        # Berlin springs forward on Sunday 31 March 2024: CET (+1) -> CEST (+2).
        (BERLIN, utc(31, 12, month=3), utc(25, 8, month=3), utc(1, 7, month=4), 167),
        # ... and falls back on Sunday 27 October 2024.
        (BERLIN, utc(27, 12, month=10), utc(21, 7, month=10), utc(28, 8, month=10), 169),
        # New York: 10 March 2024 EST (-5) -> EDT (-4); back on 3 November.
        (NEW_YORK, utc(10, 12, month=3), utc(4, 14, month=3), utc(11, 13, month=3), 167),
        (NEW_YORK, utc(3, 12, month=11), utc(28, 13, month=10), utc(4, 14, month=11), 169),
    ],
)
def test_weekly_shift_across_dst(
    zone: ZoneInfo, inside: datetime, start: datetime, end: datetime, length: int
) -> None:
    defn = weekly(tz=zone, start=date(2024, 1, 1))
    shifts = expand(defn, PEOPLE, inside - timedelta(days=10), inside + timedelta(days=10))
    week = _only(shifts, inside)
    assert (week.start, week.end, hours(week)) == (start, end, length)
    # Hand-off is still 09:00 local, on Mondays, on both sides of the change.
    for s in shifts:
        local_day, local_time = _local(s.start, zone)
        assert (local_day.weekday(), local_time) == (0, time(9))
    assert all(a.end == b.start for a, b in pairwise(shifts))


def test_daily_handoff_in_the_skipped_hour_moves_later_by_the_gap() -> None:
    # 02:30 does not exist in Berlin on 31 March 2024: it happens at 03:30 CEST.
    defn = weekly(tz=BERLIN, turn=Turn.DAILY, handoff_time=time(2, 30), start=date(2024, 3, 1))
    shifts = expand(defn, PEOPLE, utc(30, 12, month=3), utc(1, 12, month=4))
    assert [(s.start, hours(s)) for s in shifts] == [
        (utc(30, 1, 30, month=3), 24),  # 02:30 CET
        (utc(31, 1, 30, month=3), 23),  # 03:30 CEST
        (utc(1, 0, 30, month=4), 24),  # 02:30 CEST
    ]


@pytest.mark.parametrize(
    ("fold", "handoff"),
    [(0, utc(27, 0, 30, month=10)), (1, utc(27, 1, 30, month=10))],
)
def test_daily_handoff_in_the_repeated_hour_follows_fold(fold: int, handoff: datetime) -> None:
    # 02:30 happens twice in Berlin on 27 October 2024: first CEST, then CET.
    defn = weekly(
        tz=BERLIN, turn=Turn.DAILY, handoff_time=time(2, 30, fold=fold), start=date(2024, 10, 1)
    )
    shifts = expand(defn, PEOPLE, utc(27, 12, month=10), utc(27, 13, month=10))
    (day,) = shifts
    assert day.start == handoff
    assert day.end == utc(28, 1, 30, month=10)  # 02:30 CET


def test_a_skipped_local_day_drops_that_turn() -> None:
    # Samoa skipped 30 December 2011 when it moved across the date line.
    defn = weekly(tz=APIA, turn=Turn.DAILY, start=date(2011, 12, 29))
    shifts = expand(
        defn, PEOPLE, datetime(2011, 12, 29, tzinfo=UTC), datetime(2012, 1, 2, tzinfo=UTC)
    )
    assert summary(shifts)[:2] == [
        ("alice", datetime(2011, 12, 29, 19, tzinfo=UTC), datetime(2011, 12, 30, 19, tzinfo=UTC)),
        ("carol", datetime(2011, 12, 30, 19, tzinfo=UTC), datetime(2011, 12, 31, 19, tzinfo=UTC)),
    ]
    assert all(a.end == b.start for a, b in pairwise(shifts))


# --- expand: overrides ----------------------------------------------------------------


def test_override_splits_the_underlying_shift() -> None:
    cover = Override("dave", utc(8, 12), utc(9, 12))
    shifts = expand(weekly(overrides=(cover,)), PEOPLE, utc(6, 9), utc(13, 9))
    assert summary(shifts) == [
        ("alice", utc(6, 9), utc(8, 12)),
        ("dave", utc(8, 12), utc(9, 12)),
        ("alice", utc(9, 12), utc(13, 9)),
    ]
    assert {s.rotation for s in shifts} == {"ops"}


def test_override_across_a_handoff_splits_both_shifts() -> None:
    cover = Override("dave", utc(12, 9), utc(14, 9))
    shifts = expand(weekly(overrides=(cover,)), PEOPLE, utc(10), utc(16))
    assert summary(shifts) == [
        ("alice", utc(6, 9), utc(12, 9)),
        ("dave", utc(12, 9), utc(13, 9)),
        ("dave", utc(13, 9), utc(14, 9)),
        ("bob", utc(14, 9), utc(20, 9)),
    ]


def test_later_override_wins_where_they_overlap() -> None:
    overrides = (Override("dave", utc(7, 9), utc(9, 9)), Override("carol", utc(8, 9), utc(10, 9)))
    shifts = expand(weekly(overrides=overrides), PEOPLE, utc(6, 9), utc(13, 9))
    assert summary(shifts) == [
        ("alice", utc(6, 9), utc(7, 9)),
        ("dave", utc(7, 9), utc(8, 9)),
        ("carol", utc(8, 9), utc(10, 9)),
        ("alice", utc(10, 9), utc(13, 9)),
    ]


def test_override_by_the_person_on_duty_changes_nothing() -> None:
    same = Override("alice", utc(8, 9), utc(9, 9))
    assert expand(weekly(overrides=(same,)), PEOPLE, utc(6, 9), utc(13, 9)) == expand(
        weekly(), PEOPLE, utc(6, 9), utc(13, 9)
    )


def test_override_before_the_first_handoff_does_nothing() -> None:
    early = Override("dave", utc(1), utc(6, 10))
    shifts = expand(weekly(overrides=(early,)), PEOPLE, utc(1), utc(8))
    assert summary(shifts) == [
        ("dave", utc(6, 9), utc(6, 10)),
        ("alice", utc(6, 10), utc(13, 9)),
    ]


def test_override_given_in_local_time() -> None:
    cover = Override("dave", datetime(2024, 5, 8, 14, tzinfo=BERLIN), utc(8, 13))
    shifts = expand(weekly(overrides=(cover,)), PEOPLE, utc(6, 9), utc(13, 9))
    assert summary(shifts)[1] == ("dave", utc(8, 12), utc(8, 13))
    assert shifts[1].start.tzinfo is UTC


# --- validation -----------------------------------------------------------------------


def test_unknown_member_is_named() -> None:
    with pytest.raises(ValueError, match="'zed'"):
        expand(weekly(members=("alice", "zed")), PEOPLE, utc(1), utc(2))


def test_unknown_override_person_is_named() -> None:
    cover = Override("yolanda", utc(8), utc(9))
    with pytest.raises(ValueError, match="'yolanda'"):
        expand(weekly(overrides=(cover,)), PEOPLE, utc(1), utc(2))


def test_window_over_two_years_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than"):
        expand(weekly(), PEOPLE, utc(1, year=2024), utc(1, year=2027))
    # Two years exactly is fine (and quick).
    assert len(expand(weekly(), PEOPLE, utc(1, year=2024), utc(1, year=2026))) == 104


def test_inverted_and_naive_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="ends before"):
        expand(weekly(), PEOPLE, utc(2), utc(1))
    with pytest.raises(ValueError, match="timezone-aware"):
        expand(weekly(), PEOPLE, datetime(2024, 5, 1), utc(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"members": ()}, "at least one member"),
        ({"handoff_weekday": 7}, "handoff_weekday"),
        ({"handoff_time": time(9, tzinfo=UTC)}, "without a tzinfo"),
        ({"turn": "fortnightly"}, "fortnightly"),
    ],
)
def test_bad_definitions_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        weekly(**kwargs)


def test_override_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="end after"):
        Override("bob", utc(2), utc(2))


# --- properties -----------------------------------------------------------------------

ZONES = st.sampled_from(
    [UTC, BERLIN, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]
)
WINDOW_START = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@st.composite
def definitions(draw: st.DrawFn) -> RotationDefinition:
    return RotationDefinition(
        name="prop",
        members=tuple(draw(st.lists(st.sampled_from(sorted(PEOPLE)), min_size=1, max_size=5))),
        turn=draw(st.sampled_from(Turn)),
        handoff_weekday=draw(st.integers(0, 6)),
        handoff_time=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))),
        tz=draw(ZONES),
        start=draw(st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30))),
    )


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, datetime]:
    since = draw(WINDOW_START)
    return since, since + timedelta(minutes=draw(st.integers(1, 60 * 24 * 60)))


def _instants(since: datetime, until: datetime, fractions: list[float]) -> list[datetime]:
    return [since + (until - since) * f for f in fractions] + [since]


FRACTIONS = st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(definitions(), windows(), FRACTIONS)
def test_rotation_covers_every_instant_exactly_once(
    defn: RotationDefinition, window: tuple[datetime, datetime], fractions: list[float]
) -> None:
    since, until = window
    shifts = expand(defn, PEOPLE, since, until)
    for instant in _instants(since, until, fractions):
        covering = [s for s in shifts if s.covers(instant)]
        assert len(covering) == (1 if instant >= defn.handoff(0) else 0)
    assert all(a.end == b.start for a, b in pairwise(shifts))


def _exists(day: date, wall: time, zone: tzinfo) -> bool:
    local = datetime.combine(day, wall, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    return (back.date(), back.time()) == (day, wall)


@settings(max_examples=150, deadline=None)
@given(definitions(), windows())
def test_each_shift_starts_at_the_local_handoff_time(
    defn: RotationDefinition, window: tuple[datetime, datetime]
) -> None:
    for s in expand(defn, PEOPLE, *window):
        local_day, local_time = _local(s.start, defn.tz)
        if local_time == defn.handoff_time:
            if defn.turn is Turn.WEEKLY:
                assert local_day.weekday() == defn.handoff_weekday
            continue
        # Only a hand-off time the clocks skipped that day may land elsewhere.
        assert not _exists(local_day, defn.handoff_time, defn.tz)
        assert local_time > defn.handoff_time


@st.composite
def overrides(draw: st.DrawFn, since: datetime, until: datetime) -> tuple[Override, ...]:
    span = until - since
    found = []
    for _ in range(draw(st.integers(0, 4))):
        start = since - span * 0.2 + span * 1.4 * draw(st.floats(0, 1))
        length = timedelta(minutes=draw(st.integers(1, 10 * 24 * 60)))
        found.append(Override(draw(st.sampled_from(sorted(PEOPLE))), start, start + length))
    return tuple(found)


@settings(max_examples=150, deadline=None)
@given(definitions(), windows(), FRACTIONS, st.data())
def test_overrides_keep_coverage_exactly_once(
    defn: RotationDefinition,
    window: tuple[datetime, datetime],
    fractions: list[float],
    data: st.DataObject,
) -> None:
    since, until = window
    covers = data.draw(overrides(since, until))
    plain = expand(defn, PEOPLE, since, until)
    shifts = expand(replace(defn, overrides=covers), PEOPLE, since, until)
    for instant in _instants(since, until, fractions):
        covering = [s for s in shifts if s.covers(instant)]
        underlying = [s for s in plain if s.covers(instant)]
        assert len(covering) == len(underlying)
        if underlying:
            winners = [o.person_id for o in covers if o.start <= instant < o.end]
            expected = winners[-1] if winners else underlying[0].person.id
            assert covering[0].person.id == expected
