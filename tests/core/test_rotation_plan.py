"""core.rotation_plan: per-turn teams, swaps, shadows and out-of-hours hours over expand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from traysupport.core.model import Person, Role, Shift
from traysupport.core.rotation import Override, RotationDefinition, Turn
from traysupport.core.rotation_plan import Hours, RotationPlan, Shadow, Swap, plan_shifts

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
IDS = ("a", "b", "c", "d", "e")
PEOPLE = {pid: Person(id=pid, name=pid.upper()) for pid in IDS}
ZONES = st.sampled_from([BERLIN, NEW_YORK])


def _plan(zone: ZoneInfo, members: tuple[str, ...], **kw: object) -> RotationDefinition:
    return RotationDefinition(
        name="R",
        members=members,
        tz=zone,
        start=date(2026, 1, 5),
        **kw,  # type: ignore[arg-type]
    )


def _holders(shifts: list[Shift], role: Role, at: datetime) -> list[str]:
    return [s.person.id for s in shifts if s.role == role and s.start <= at < s.end]


windows = st.tuples(
    st.datetimes(min_value=datetime(2026, 1, 12), max_value=datetime(2028, 1, 1)),
    st.integers(min_value=1, max_value=24 * 60),
)


@settings(max_examples=80, deadline=None)
@given(
    zone=ZONES,
    window=windows,
    per_turn=st.integers(1, 3),
    turn=st.sampled_from(list(Turn)),
    probes=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=8),
)
def test_a_gapless_rotation_covers_every_instant_once_per_role(
    zone: ZoneInfo, window: tuple[datetime, int], per_turn: int, turn: Turn, probes: list[float]
) -> None:
    since = window[0].replace(tzinfo=UTC)
    until = since + timedelta(hours=window[1])
    plan = RotationPlan(_plan(zone, IDS[:4], turn=turn), per_turn)
    shifts = plan_shifts(plan, PEOPLE, since, until)
    for p in probes:
        at = since + (until - since) * p
        assert len(_holders(shifts, Role.PRIMARY, at)) == 1
        secondaries = _holders(shifts, Role.SECONDARY, at)
        assert len(secondaries) == per_turn - 1
        # The people of one turn are different people.
        assert len(set(secondaries + _holders(shifts, Role.PRIMARY, at))) == per_turn


@settings(max_examples=80, deadline=None)
@given(
    zone=ZONES,
    window=windows,
    cut=st.tuples(st.floats(-0.5, 1.0), st.floats(0.01, 1.0)),
    who=st.sampled_from(IDS),
)
def test_an_override_wins_over_the_primary(
    zone: ZoneInfo, window: tuple[datetime, int], cut: tuple[float, float], who: str
) -> None:
    since = window[0].replace(tzinfo=UTC)
    until = since + timedelta(hours=window[1])
    lo = since + (until - since) * cut[0]
    hi = lo + (until - since) * cut[1]
    plan = RotationPlan(_plan(zone, IDS[:3], overrides=(Override(who, lo, hi),)), 2)
    shifts = plan_shifts(plan, PEOPLE, since, until)
    for at in (since, since + (until - since) / 2, lo, lo + (hi - lo) / 2):
        if since <= at < until:
            primary = _holders(shifts, Role.PRIMARY, at)
            assert len(primary) == 1
            if lo <= at < hi:
                assert primary == [who]


@settings(max_examples=60, deadline=None)
@given(zone=ZONES, weeks=st.integers(0, 60), hour=st.integers(0, 23), per_turn=st.integers(1, 2))
def test_weekly_handoffs_keep_local_wall_time_across_dst(
    zone: ZoneInfo, weeks: int, hour: int, per_turn: int
) -> None:
    # Monday hand-offs: both zones change on a Sunday, so every local time exists.
    defn = _plan(zone, IDS[:3], handoff_time=time(hour, 30))
    since = datetime(2026, 1, 12, tzinfo=UTC) + timedelta(weeks=weeks)
    shifts = plan_shifts(RotationPlan(defn, per_turn), PEOPLE, since, since + timedelta(weeks=40))
    for s in shifts:
        local = s.start.astimezone(zone)
        assert (local.weekday(), local.hour, local.minute) == (0, hour, 30)


def test_handoff_across_spring_forward_berlin_and_new_york() -> None:
    for zone, sunday in ((BERLIN, date(2026, 3, 29)), (NEW_YORK, date(2026, 3, 8))):
        defn = _plan(zone, ("a", "b"), handoff_weekday=6, handoff_time=time(9))
        since = datetime.combine(sunday - timedelta(days=7), time(12), tzinfo=zone)
        shifts = plan_shifts(RotationPlan(defn), PEOPLE, since, since + timedelta(days=14))
        # Every hand-off at 09:00 local; the week over the change is an hour shorter.
        assert [s.start.astimezone(zone).hour for s in shifts] == [9, 9, 9]
        assert shifts[0].end - shifts[0].start == timedelta(days=7, hours=-1)
        assert shifts[1].end - shifts[1].start == timedelta(days=7)


def test_per_turn_slots_follow_the_member_order() -> None:
    plan = RotationPlan(_plan(UTC_ZONE, ("a", "b", "c"), turn=Turn.DAILY), 2)
    day = datetime(2026, 1, 5, 12, tzinfo=UTC)
    shifts = plan_shifts(plan, PEOPLE, day, day + timedelta(days=3))
    turns = [(s.person.id, s.role) for s in shifts]
    assert turns == [
        ("a", Role.PRIMARY),
        ("b", Role.SECONDARY),
        ("c", Role.PRIMARY),
        ("a", Role.SECONDARY),
        ("b", Role.PRIMARY),
        ("c", Role.SECONDARY),
        ("a", Role.PRIMARY),
        ("b", Role.SECONDARY),
    ]


UTC_ZONE = ZoneInfo("UTC")


def test_a_swap_exchanges_two_members_turns_in_its_range() -> None:
    lo = datetime(2026, 1, 6, 9, tzinfo=UTC)
    plan = RotationPlan(
        _plan(UTC_ZONE, ("a", "b", "c"), turn=Turn.DAILY),
        swaps=(Swap("b", "c", lo, lo + timedelta(days=2)),),
    )
    shifts = plan_shifts(plan, PEOPLE, lo - timedelta(days=1), lo + timedelta(days=3))
    assert [s.person.id for s in shifts] == ["a", "c", "b", "a"]


def test_a_shadow_rides_along_with_the_primary_in_its_range() -> None:
    lo = datetime(2026, 1, 6, 0, tzinfo=UTC)
    plan = RotationPlan(
        _plan(UTC_ZONE, ("a", "b"), turn=Turn.DAILY),
        per_turn=1,
        shadows=(Shadow("e", lo, lo + timedelta(days=1)),),
    )
    shifts = plan_shifts(plan, PEOPLE, lo - timedelta(days=2), lo + timedelta(days=3))
    shadow = [s for s in shifts if s.role == Role.SHADOW]
    assert [(s.person.id, s.start, s.end) for s in shadow] == [
        ("e", lo, lo + timedelta(hours=9)),
        ("e", lo + timedelta(hours=9), lo + timedelta(days=1)),
    ]


def test_out_of_hours_covers_evenings_and_weekends_only_in_local_time() -> None:
    defn = _plan(BERLIN, ("a",), turn=Turn.WEEKLY)
    plan = RotationPlan(defn, hours=Hours((time(18), time(9)), weekends=True))
    friday = datetime(2026, 1, 9, 12, tzinfo=BERLIN)
    shifts = plan_shifts(plan, PEOPLE, friday, friday + timedelta(days=4))
    spans = [(s.start.astimezone(BERLIN), s.end.astimezone(BERLIN)) for s in shifts]
    assert all(s.out_of_hours for s in shifts)
    # Friday 18:00 to Monday 09:00 in one piece, then Monday evening.
    assert spans[0] == (friday.replace(hour=18), datetime(2026, 1, 12, 9, tzinfo=BERLIN))
    assert spans[1][0] == datetime(2026, 1, 12, 18, tzinfo=BERLIN)
