"""Tests for the end-of-shift handover plan and the note written to the ticket tool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from traysupport.core.handover import NOTE_LIMIT, HandoverPlan, handover_note, plan_handover
from traysupport.core.model import Person, Priority, Shift, Snapshot, Ticket, TicketStatus
from traysupport.core.sla import SlaPolicy

ALICE = Person("alice", "Alice", "alice@example.com")
BOB = Person("bob", "Bob")
CAROL = Person("carol", "Carol")
MON = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)  # a Monday
BERLIN = ZoneInfo("Europe/Berlin")


def _ticket(ident: str, priority: Priority, created: datetime, assignee: Person | None) -> Ticket:
    return Ticket(
        id=ident,
        key=f"OPS-{ident}",
        title=f"ticket {ident}",
        priority=priority,
        status=TicketStatus.IN_PROGRESS,
        created_at=created,
        source="jira",
        assignee=assignee,
    )


def test_plan_lists_only_my_tickets_most_urgent_first_and_picks_the_next_on_duty() -> None:
    shifts = (
        Shift(ALICE, MON, MON + timedelta(hours=8)),
        Shift(CAROL, MON + timedelta(hours=8), MON + timedelta(hours=16)),
        Shift(BOB, MON + timedelta(hours=16), MON + timedelta(hours=24)),
    )
    p3_old = _ticket("1", Priority.P3, MON - timedelta(hours=20), ALICE)  # 4 h left at 9:00
    p1_new = _ticket("2", Priority.P1, MON, ALICE)  # 1 h left
    not_mine = _ticket("3", Priority.P1, MON, BOB)
    no_sla = _ticket("4", Priority.P4, MON - timedelta(days=3), ALICE)
    snapshot = Snapshot(
        taken_at=MON,
        people=(ALICE, BOB, CAROL),
        shifts=shifts,
        tickets=(p3_old, not_mine, no_sla, p1_new),
    )

    plan = plan_handover(snapshot, ALICE, MON + timedelta(hours=1), SlaPolicy())

    assert plan == HandoverPlan(giver=ALICE, recipient=CAROL, tickets=(p1_new, p3_old, no_sla))


def test_plan_without_anyone_next_has_no_recipient() -> None:
    snapshot = Snapshot(taken_at=MON, shifts=(Shift(ALICE, MON, MON + timedelta(hours=8)),))
    plan = plan_handover(snapshot, ALICE, MON, SlaPolicy())
    assert plan.recipient is None
    assert plan.tickets == ()


def test_note_reads_like_the_design_in_the_users_zone() -> None:
    winter = datetime(2024, 1, 8, 16, 0, tzinfo=UTC)  # Monday, 17:00 in Berlin
    text = handover_note(ALICE, BOB, "  DB failover still running, see runbook.\n", winter, BERLIN)
    assert text == (
        "Handed over by Alice to Bob at Mon 17:00 UTC+01:00: "
        "DB failover still running, see runbook."
    )


def test_empty_note_leaves_no_trailing_colon() -> None:
    assert (
        handover_note(ALICE, BOB, " \n\t ", MON, UTC)
        == "Handed over by Alice to Bob at Mon 09:00 UTC"
    )


def test_note_keeps_its_lines_but_not_carriage_returns() -> None:
    text = handover_note(ALICE, BOB, "first\r\nsecond\rthird", MON, UTC)
    assert text.endswith(": first\nsecond\nthird")


def test_names_from_servers_stay_on_one_line() -> None:
    sneaky = Person("mallory", "Mal\nlory  X")
    assert handover_note(sneaky, BOB, "", MON, UTC).startswith("Handed over by Mal lory X to Bob")
    nameless = Person("u123", "")
    assert "by u123 to Bob" in handover_note(nameless, BOB, "", MON, UTC)


def test_long_note_is_cut_to_the_limit_with_an_ellipsis() -> None:
    text = handover_note(ALICE, BOB, "x" * 10_000, MON, UTC)
    assert len(text) == NOTE_LIMIT
    assert text.endswith("x…")
    exact = "y" * (NOTE_LIMIT - len("Handed over by Alice to Bob at Mon 09:00 UTC: "))
    assert handover_note(ALICE, BOB, exact, MON, UTC).endswith("y" * 10)


@given(st.text(max_size=5000), st.text(max_size=300))
def test_note_is_always_bounded_and_starts_with_the_header(note: str, name: str) -> None:
    giver = Person("g", name)
    text = handover_note(giver, BOB, note, MON, UTC)
    assert len(text) <= NOTE_LIMIT
    assert text.startswith("Handed over by ")
    if note.strip() and len(text) < NOTE_LIMIT:
        assert text.endswith(note.replace("\r\n", "\n").replace("\r", "\n").strip())
