"""SLA policy rules: targets, warning lead, breach, pause, acknowledgement, ordering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traysupport.core.model import Priority, Sla, SlaKind, Ticket, TicketStatus
from traysupport.core.sla import (
    SlaPolicy,
    SlaState,
    breach_at,
    effective_sla,
    sla_state,
    time_left,
    urgency_order,
    warn_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
POLICY = SlaPolicy()
MIN = timedelta(minutes=1)


def make_ticket(
    priority: Priority = Priority.P1,
    *,
    created_at: datetime = T0,
    sla: Sla | None = None,
    status: TicketStatus = TicketStatus.NEW,
    acknowledged_at: datetime | None = None,
    ticket_id: str = "1",
    source: str = "jira",
) -> Ticket:
    return Ticket(
        id=ticket_id,
        key=f"SUP-{ticket_id}",
        title="printer on fire",
        priority=priority,
        status=status,
        created_at=created_at,
        source=source,
        sla=sla,
        acknowledged_at=acknowledged_at,
    )


def at(hour: int, minute: int = 0, second: int = 0, day: int = 6) -> datetime:
    return datetime(2024, 5, day, hour, minute, second, tzinfo=UTC)


# --- policy -------------------------------------------------------------------------


def test_default_targets_per_priority() -> None:
    assert POLICY.target(Priority.P1) == timedelta(hours=1)
    assert POLICY.target(Priority.P2) == timedelta(hours=3)
    assert POLICY.target(Priority.P3) == timedelta(hours=24)
    assert POLICY.target(Priority.P4) is None


@pytest.mark.parametrize(
    ("target", "lead"),
    [
        (timedelta(hours=1), timedelta(minutes=15)),  # 25 % of the target
        (timedelta(hours=24), timedelta(hours=6)),
        (timedelta(minutes=20), timedelta(minutes=10)),  # never under warn_min
        (timedelta(minutes=5), timedelta(minutes=5)),  # never over the target
        (timedelta(0), timedelta(minutes=10)),  # no target left: warn_min
        (timedelta(hours=-1), timedelta(minutes=10)),
    ],
)
def test_warning_lead(target: timedelta, lead: timedelta) -> None:
    assert POLICY.warning_lead(target) == lead


@pytest.mark.parametrize(
    "kwargs",
    [
        {"warn_fraction": 0.0},
        {"warn_fraction": 1.0},
        {"warn_fraction": -0.5},
        {"warn_fraction": float("nan")},
        {"warn_min": timedelta(seconds=-1)},
        {"p1": timedelta(0)},
        {"p3": timedelta(hours=-2)},
    ],
)
def test_policy_rejects_bad_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SlaPolicy(**kwargs)  # type: ignore[arg-type]


# --- deadlines from the policy --------------------------------------------------------


def test_p1_warns_at_0945_and_breaches_at_1000() -> None:
    ticket = make_ticket(Priority.P1, created_at=at(9))
    assert warn_at(ticket, POLICY) == at(9, 45)
    assert breach_at(ticket, POLICY) == at(10)
    assert sla_state(ticket, POLICY, at(9, 44, 59)) is SlaState.OK
    assert sla_state(ticket, POLICY, at(9, 45)) is SlaState.WARNING
    assert sla_state(ticket, POLICY, at(9, 59, 59)) is SlaState.WARNING
    assert sla_state(ticket, POLICY, at(10)) is SlaState.BREACHED
    assert time_left(ticket, POLICY, at(9, 30)) == timedelta(minutes=30)
    assert time_left(ticket, POLICY, at(10)) == timedelta(0)
    assert time_left(ticket, POLICY, at(10, 5)) == timedelta(minutes=-5)


def test_p2_warns_45_minutes_before() -> None:
    ticket = make_ticket(Priority.P2, created_at=at(9))
    assert warn_at(ticket, POLICY) == at(11, 15)
    assert breach_at(ticket, POLICY) == at(12)


def test_p3_warns_six_hours_before_the_24h_deadline() -> None:
    ticket = make_ticket(Priority.P3, created_at=at(0))
    assert warn_at(ticket, POLICY) == at(18)
    assert breach_at(ticket, POLICY) == at(0, day=7)
    assert sla_state(ticket, POLICY, at(17, 59)) is SlaState.OK
    assert sla_state(ticket, POLICY, at(18)) is SlaState.WARNING


def test_policy_sla_is_a_response_sla_from_created_at() -> None:
    assert effective_sla(make_ticket(Priority.P2), POLICY) == Sla(
        due_at=T0 + timedelta(hours=3), kind=SlaKind.RESPONSE
    )


def test_p4_has_no_sla_by_default() -> None:
    ticket = make_ticket(Priority.P4)
    assert effective_sla(ticket, POLICY) is None
    assert warn_at(ticket, POLICY) is None
    assert breach_at(ticket, POLICY) is None
    assert time_left(ticket, POLICY, T0) is None
    assert sla_state(ticket, POLICY, T0 + timedelta(days=30)) is SlaState.NONE


def test_a_p4_target_can_be_configured() -> None:
    policy = SlaPolicy(p4=timedelta(hours=72))
    assert breach_at(make_ticket(Priority.P4), policy) == T0 + timedelta(hours=72)
    assert warn_at(make_ticket(Priority.P4), policy) == T0 + timedelta(hours=54)


def test_deadline_counts_real_hours_across_dst() -> None:
    # 12:00 CET on the day before spring-forward; 24 real hours later is 13:00 CEST.
    created = datetime(2024, 3, 30, 12, 0, tzinfo=BERLIN)
    ticket = make_ticket(Priority.P3, created_at=created)
    assert breach_at(ticket, POLICY) == datetime(2024, 3, 31, 11, 0, tzinfo=UTC)
    assert warn_at(ticket, POLICY) == datetime(2024, 3, 31, 5, 0, tzinfo=UTC)


def test_now_in_any_zone_means_the_same_instant() -> None:
    ticket = make_ticket(Priority.P1, created_at=at(9))
    just_before_warning = datetime(2024, 5, 6, 5, 44, tzinfo=NEW_YORK)  # 09:44 UTC
    assert sla_state(ticket, POLICY, just_before_warning) is SlaState.OK
    assert sla_state(ticket, POLICY, just_before_warning + MIN) is SlaState.WARNING


# --- the tool's own deadline ---------------------------------------------------------


def test_tool_deadline_wins_over_policy() -> None:
    own = Sla(due_at=at(11), kind=SlaKind.RESOLUTION)
    ticket = make_ticket(Priority.P1, sla=own)
    assert effective_sla(ticket, POLICY) is own
    assert breach_at(ticket, POLICY) == at(11)
    # Lead still comes from the P1 policy target (1 h -> 15 min).
    assert warn_at(ticket, POLICY) == at(10, 45)


def test_tool_deadline_20_minutes_after_creation_warns_10_minutes_before() -> None:
    ticket = make_ticket(Priority.P4, created_at=at(9), sla=Sla(due_at=at(9, 20)))
    assert warn_at(ticket, POLICY) == at(9, 10)
    assert breach_at(ticket, POLICY) == at(9, 20)


def test_tool_deadline_without_policy_target_uses_its_own_length() -> None:
    ticket = make_ticket(Priority.P4, created_at=at(9), sla=Sla(due_at=at(17)))
    assert warn_at(ticket, POLICY) == at(15)  # 25 % of 8 h


def test_warning_is_never_before_creation() -> None:
    # P3's 6 h lead on a 1 h tool deadline would fall before the ticket existed.
    ticket = make_ticket(Priority.P3, created_at=at(9), sla=Sla(due_at=at(10)))
    assert warn_at(ticket, POLICY) == at(9)
    assert sla_state(ticket, POLICY, at(9)) is SlaState.WARNING


def test_tool_deadline_before_creation_is_breached_at_once() -> None:
    ticket = make_ticket(Priority.P4, created_at=at(9), sla=Sla(due_at=at(8)))
    assert breach_at(ticket, POLICY) == at(8)
    assert warn_at(ticket, POLICY) == at(7, 50)  # lead falls back to warn_min
    assert sla_state(ticket, POLICY, at(9)) is SlaState.BREACHED


def test_tool_clock_without_deadline_falls_back_to_policy() -> None:
    ticket = make_ticket(Priority.P1, sla=Sla(due_at=None, kind=SlaKind.RESOLUTION))
    assert effective_sla(ticket, POLICY) == Sla(due_at=T0 + timedelta(hours=1))
    assert breach_at(ticket, POLICY) == T0 + timedelta(hours=1)


# --- pause and acknowledgement -------------------------------------------------------


def test_paused_sla_never_warns_or_breaches() -> None:
    ticket = make_ticket(Priority.P1, sla=Sla(due_at=at(10), paused=True))
    assert warn_at(ticket, POLICY) is None
    assert breach_at(ticket, POLICY) is None
    assert time_left(ticket, POLICY, at(12)) is None
    for now in (at(9), at(9, 50), at(10), at(23)):
        assert sla_state(ticket, POLICY, now) is SlaState.NONE


def test_paused_tool_clock_without_deadline_is_not_replaced_by_policy() -> None:
    ticket = make_ticket(Priority.P1, sla=Sla(due_at=None, paused=True))
    assert sla_state(ticket, POLICY, at(12)) is SlaState.NONE
    assert breach_at(ticket, POLICY) is None


@pytest.mark.parametrize(
    ("status", "acknowledged_at"),
    [
        (TicketStatus.ACKNOWLEDGED, None),
        (TicketStatus.IN_PROGRESS, None),
        (TicketStatus.WAITING, None),
        (TicketStatus.NEW, T0 + MIN),
    ],
)
def test_acknowledging_stops_a_response_sla(
    status: TicketStatus, acknowledged_at: datetime | None
) -> None:
    ticket = make_ticket(Priority.P1, status=status, acknowledged_at=acknowledged_at)
    assert sla_state(ticket, POLICY, at(11)) is SlaState.NONE
    assert warn_at(ticket, POLICY) is None
    assert breach_at(ticket, POLICY) is None
    assert time_left(ticket, POLICY, at(11)) is None


@pytest.mark.parametrize(
    ("status", "acknowledged_at"),
    [(TicketStatus.ACKNOWLEDGED, None), (TicketStatus.IN_PROGRESS, at(9, 5))],
)
def test_a_tool_response_sla_keeps_running_after_acknowledgement(
    status: TicketStatus, acknowledged_at: datetime | None
) -> None:
    # Zendesk counts a reply time until a public reply, Jira an SLA until its stop
    # condition, RT keeps its Due: the tool's deadline is the truth, acknowledged or not.
    ticket = make_ticket(
        sla=Sla(due_at=at(10), kind=SlaKind.RESPONSE),
        status=status,
        acknowledged_at=acknowledged_at,
    )
    assert warn_at(ticket, POLICY) == at(9, 45)
    assert breach_at(ticket, POLICY) == at(10)
    assert sla_state(ticket, POLICY, at(9, 50)) is SlaState.WARNING
    assert sla_state(ticket, POLICY, at(11)) is SlaState.BREACHED
    assert time_left(ticket, POLICY, at(9, 30)) == timedelta(minutes=30)


def test_a_tool_response_sla_stops_when_the_tool_pauses_or_drops_it() -> None:
    running = make_ticket(
        sla=Sla(due_at=at(10), kind=SlaKind.RESPONSE), status=TicketStatus.ACKNOWLEDGED
    )
    paused = make_ticket(
        sla=Sla(due_at=at(10), kind=SlaKind.RESPONSE, paused=True),
        status=TicketStatus.ACKNOWLEDGED,
    )
    # The tool stopped giving a deadline (met): the policy's response SLA, stopped by ack.
    dropped = make_ticket(sla=None, status=TicketStatus.ACKNOWLEDGED)
    assert sla_state(running, POLICY, at(11)) is SlaState.BREACHED
    assert sla_state(paused, POLICY, at(11)) is SlaState.NONE
    assert sla_state(dropped, POLICY, at(11)) is SlaState.NONE


def test_resolution_sla_keeps_running_after_acknowledgement() -> None:
    ticket = make_ticket(
        Priority.P1,
        sla=Sla(due_at=at(13), kind=SlaKind.RESOLUTION),
        status=TicketStatus.IN_PROGRESS,
        acknowledged_at=at(9, 5),
    )
    assert warn_at(ticket, POLICY) == at(12, 45)
    assert sla_state(ticket, POLICY, at(12)) is SlaState.OK
    assert sla_state(ticket, POLICY, at(12, 50)) is SlaState.WARNING
    assert sla_state(ticket, POLICY, at(13)) is SlaState.BREACHED


def test_unacknowledged_ticket_still_breaches() -> None:
    # Guards the acknowledgement tests: the same ticket, NEW, does breach.
    assert sla_state(make_ticket(Priority.P1), POLICY, at(11)) is SlaState.BREACHED


# --- urgency order -------------------------------------------------------------------


def test_urgency_order() -> None:
    now = at(10, 30)
    breached = make_ticket(Priority.P1, created_at=at(9), ticket_id="breached")
    warning = make_ticket(Priority.P2, created_at=at(8), ticket_id="warning")  # due 11:00
    ok_p3 = make_ticket(Priority.P3, created_at=at(9), ticket_id="ok-p3")
    no_sla = make_ticket(Priority.P4, created_at=at(1), ticket_id="no-sla")
    acked = make_ticket(
        Priority.P1, created_at=at(9), ticket_id="acked", status=TicketStatus.ACKNOWLEDGED
    )
    shuffled = [no_sla, ok_p3, acked, warning, breached]
    ordered = urgency_order(shuffled, POLICY, now)
    # No-SLA tickets last, by priority: the acknowledged P1 before the P4.
    assert [t.id for t in ordered] == ["breached", "warning", "ok-p3", "acked", "no-sla"]


def test_urgency_ties_go_by_priority_then_created_then_ref() -> None:
    due = Sla(due_at=at(12))
    p2 = make_ticket(Priority.P2, created_at=at(9), sla=due, ticket_id="p2")
    p1_late = make_ticket(Priority.P1, created_at=at(9, 30), sla=due, ticket_id="p1-late")
    p1_early_b = make_ticket(Priority.P1, created_at=at(9), sla=due, ticket_id="b")
    p1_early_a = make_ticket(Priority.P1, created_at=at(9), sla=due, ticket_id="a")
    ordered = urgency_order([p2, p1_late, p1_early_b, p1_early_a], POLICY, at(10))
    assert [t.id for t in ordered] == ["a", "b", "p1-late", "p2"]


def test_urgency_order_of_nothing() -> None:
    assert urgency_order([], POLICY, T0) == []


# --- properties ----------------------------------------------------------------------

ZONES = st.sampled_from([UTC, BERLIN, NEW_YORK])
OFFSETS = st.integers(min_value=-3 * 24 * 60, max_value=5 * 24 * 60).map(
    lambda m: timedelta(minutes=m)
)
TARGETS = st.none() | st.integers(min_value=1, max_value=3 * 24 * 60).map(
    lambda m: timedelta(minutes=m)
)


@st.composite
def policies(draw: st.DrawFn) -> SlaPolicy:
    return SlaPolicy(
        p1=draw(TARGETS),
        p2=draw(TARGETS),
        p3=draw(TARGETS),
        p4=draw(TARGETS),
        warn_fraction=draw(st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True)),
        warn_min=timedelta(minutes=draw(st.integers(min_value=0, max_value=180))),
    )


@st.composite
def tickets(draw: st.DrawFn, ticket_id: str = "1") -> Ticket:
    created = (T0 + draw(OFFSETS)).astimezone(draw(ZONES))
    own = draw(
        st.none()
        | st.builds(
            Sla,
            due_at=st.none() | OFFSETS.map(lambda d: created + d),
            kind=st.sampled_from(SlaKind),
            paused=st.booleans(),
        )
    )
    return make_ticket(
        priority=draw(st.sampled_from(Priority)),
        created_at=created,
        sla=own,
        status=draw(st.sampled_from(TicketStatus)),
        acknowledged_at=draw(st.none() | st.just(created + MIN)),
        ticket_id=ticket_id,
        source=draw(st.sampled_from(["jira", "rt"])),
    )


RANK = {SlaState.OK: 0, SlaState.WARNING: 1, SlaState.BREACHED: 2}


@settings(max_examples=300, deadline=None)
@given(tickets(), policies(), OFFSETS, OFFSETS)
def test_sla_state_is_monotone_in_time(
    ticket: Ticket, policy: SlaPolicy, a: timedelta, b: timedelta
) -> None:
    early, late = sorted((T0 + a, T0 + b))
    before, after = sla_state(ticket, policy, early), sla_state(ticket, policy, late)
    assert (before is SlaState.NONE) == (after is SlaState.NONE)
    if before is not SlaState.NONE:
        assert RANK[before] <= RANK[after]


@settings(max_examples=300, deadline=None)
@given(tickets(), policies())
def test_warning_comes_no_later_than_breach(ticket: Ticket, policy: SlaPolicy) -> None:
    warn, due = warn_at(ticket, policy), breach_at(ticket, policy)
    assert (warn is None) == (due is None)
    if warn is None or due is None:
        return
    assert warn <= due
    if due > ticket.created_at:
        assert warn >= ticket.created_at
    # The instants agree with the states on either side of them.
    assert sla_state(ticket, policy, due) is SlaState.BREACHED
    tick = timedelta(microseconds=1)
    assert sla_state(ticket, policy, warn - tick) is SlaState.OK
    if warn < due:
        assert sla_state(ticket, policy, warn) is SlaState.WARNING
        assert sla_state(ticket, policy, due - tick) is SlaState.WARNING


@settings(max_examples=100, deadline=None)
@given(st.data(), policies(), OFFSETS)
def test_urgency_order_is_a_sorted_permutation(
    data: st.DataObject, policy: SlaPolicy, offset: timedelta
) -> None:
    count = data.draw(st.integers(min_value=0, max_value=12))
    queue = [data.draw(tickets(ticket_id=str(i))) for i in range(count)]
    now = T0 + offset
    ordered = urgency_order(queue, policy, now)
    assert sorted(t.ref for t in ordered) == sorted(t.ref for t in queue)
    assert len(ordered) == len(queue)
    lefts = [time_left(t, policy, now) for t in ordered]
    with_sla = [left for left in lefts if left is not None]
    assert lefts[: len(with_sla)] == with_sla  # every ticket without an SLA comes last
    assert with_sla == sorted(with_sla)


def test_an_exempt_item_has_no_sla_whatever_the_policy() -> None:
    # An error tracker's year-old issue with sla = "none": not breached by the policy.
    ticket = make_ticket(Priority.P1, sla=Sla(due_at=None, exempt=True))
    assert effective_sla(ticket, POLICY) == Sla(due_at=None, exempt=True)
    assert breach_at(ticket, POLICY) is None
    assert sla_state(ticket, POLICY, at(23)) is SlaState.NONE
