"""Model values hold only times the core's maths can handle: the supported range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traysupport.core.alerts import AlertSettings, QuietHours, plan
from traysupport.core.model import (
    EARLIEST,
    LATEST,
    ActionKind,
    Person,
    Priority,
    Shift,
    Sla,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.core.sla import SlaPolicy, running_clock, time_left, urgency_order
from traysupport.core.timefmt import (
    format_clock,
    format_duration,
    format_instant,
    format_relative,
    format_utc_offset,
)

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
ANA = Person("ana", "Ana")
TOO_EARLY = [
    datetime(1, 1, 1, tzinfo=UTC),
    EARLIEST - timedelta(microseconds=1),
    # Both name an instant before EARLIEST, written in another zone.
    datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),  # no UTC datetime at all
]
TOO_LATE = [
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    LATEST + timedelta(microseconds=1),
    datetime(3000, 1, 1, tzinfo=timezone(timedelta(hours=-1))),
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),  # no UTC datetime at all
]


def ticket(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "id": "1",
        "key": "SUP-1",
        "title": "printer on fire",
        "priority": Priority.P1,
        "status": TicketStatus.NEW,
        "created_at": T0,
        "source": "jira",
    }
    return Ticket(**{**values, **fields})  # type: ignore[arg-type]


def action(**fields: object) -> UserAction:
    values: dict[str, object] = {
        "id": "a1",
        "kind": ActionKind.SNOOZE,
        "source": "jira",
        "ticket_id": "1",
        "by": "ana",
        "created_at": T0,
        "until": T0 + timedelta(hours=1),
    }
    return UserAction(**{**values, **fields})  # type: ignore[arg-type]


MAKERS: dict[str, Callable[[datetime], object]] = {
    "Ticket.created_at": lambda at: ticket(created_at=at),
    "Ticket.acknowledged_at": lambda at: ticket(acknowledged_at=at),
    "Sla.due_at": lambda at: Sla(due_at=at),
    "Shift.start": lambda at: Shift(ANA, at, LATEST),
    "Shift.end": lambda at: Shift(ANA, EARLIEST, at),
    "SourceStatus.last_ok_at": lambda at: SourceStatus("jira", ok=True, last_ok_at=at),
    "Snapshot.taken_at": lambda at: Snapshot(taken_at=at),
    "UserAction.created_at": lambda at: action(created_at=at),
    "UserAction.until": lambda at: action(until=at),
}


@pytest.mark.parametrize("field", sorted(MAKERS))
@pytest.mark.parametrize("instant", TOO_EARLY + TOO_LATE, ids=str)
def test_model_values_refuse_times_outside_the_range(field: str, instant: datetime) -> None:
    with pytest.raises(ValueError, match="outside the supported range") as refused:
        MAKERS[field](instant)
    assert field in str(refused.value)


@pytest.mark.parametrize("field", sorted(MAKERS))
def test_the_range_includes_its_bounds(field: str) -> None:
    # A shift cannot end at EARLIEST nor start at LATEST: it must last.
    if field != "Shift.end":
        MAKERS[field](EARLIEST)
    if field != "Shift.start":
        MAKERS[field](LATEST)


def test_times_in_range_are_kept_in_utc() -> None:
    at = datetime(1900, 1, 1, 0, 30, tzinfo=timezone(timedelta(minutes=30)))
    made = ticket(created_at=at)
    assert made.created_at == EARLIEST
    assert made.created_at.tzinfo is UTC


# --- the range is narrow enough for every sum the core does -------------------------------

# The largest values the settings schema allows (config_schema.py): every lead and target
# at its maximum, so the sums reach as far from a model time as the core ever reaches.
WIDEST_POLICY = SlaPolicy(
    p1=timedelta(minutes=525600),
    p2=timedelta(minutes=525600),
    p3=timedelta(minutes=525600),
    p4=timedelta(minutes=525600),
    warn_fraction=0.99,
    warn_min=timedelta(minutes=1440),
)
ZONES: list[tzinfo] = [UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Niue")]
IN_RANGE = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None),
    max_value=LATEST.replace(tzinfo=None),
    timezones=st.just(UTC),
)
EDGES = st.sampled_from([EARLIEST, LATEST, EARLIEST + timedelta(hours=1), LATEST - timedelta(1)])
INSTANTS = EDGES | IN_RANGE


@st.composite
def edge_tickets(draw: st.DrawFn, ticket_id: str) -> Ticket:
    return ticket(
        id=ticket_id,
        priority=draw(st.sampled_from(Priority)),
        created_at=draw(INSTANTS),
        assignee=ANA,
        sla=draw(st.none() | st.builds(Sla, due_at=st.none() | INSTANTS)),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=4).flatmap(
        lambda ids: st.tuples(*(edge_tickets(str(i)) for i, _ in enumerate(ids)))
    ),
    INSTANTS,
    INSTANTS,
    st.sampled_from(ZONES),
)
def test_the_core_never_overflows_within_the_range(
    tickets: tuple[Ticket, ...], start: datetime, now: datetime, tz: tzinfo
) -> None:
    end = min(start + timedelta(hours=8), LATEST)
    shifts = (Shift(ANA, start, end),) if end > start else ()
    snapshot = Snapshot(taken_at=now, people=(ANA,), shifts=shifts, tickets=tickets)
    alert_settings = AlertSettings(
        tz=tz,
        duty_soon_leads=(timedelta(minutes=10080), timedelta(minutes=1)),
        evening_before=time(18),
        duty_ending_lead=timedelta(minutes=1440),
        breach_repeat_p1=timedelta(minutes=1),
        quiet_hours=QuietHours(time(22), time(7)),
        sla=WIDEST_POLICY,
    )
    plan(None, snapshot, now, ANA, alert_settings, ())
    urgency_order(tickets, WIDEST_POLICY, now)
    for made in tickets:
        time_left(made, WIDEST_POLICY, now)
        clock = running_clock(made, WIDEST_POLICY)
        shown = [made.created_at] + ([] if clock is None else [clock.warn_at, clock.breach_at])
        for at in shown:
            format_instant(at, tz, now)
            format_clock(at, tz)
            format_relative(at, now)
            format_utc_offset(at, tz)
            format_duration(at - now)
