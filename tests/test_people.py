"""The people of several sources merged into one team (service/people.py): pure tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from traysupport.core.model import Person, Priority, Shift, Ticket, TicketStatus
from traysupport.service.people import merge_people

NOW = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)

SAM_ROTA = Person("P1X", "Sam Rivera", "sam.rivera@example.com")
SAM_DESK = Person("361843", "Sam R.", "SAM.Rivera@Example.com ")
PRIYA_ROTA = Person("P2Y", "Priya Natarajan", "")
PRIYA_DESK = Person("77", "priya natarajan", "priya@example.com")


def test_people_are_matched_by_email_whatever_its_case_and_the_first_seen_is_kept() -> None:
    roster = merge_people([("pd", [SAM_ROTA]), ("desk", [SAM_DESK])])

    assert roster.people == (SAM_ROTA,)
    assert roster.merged("desk", SAM_DESK) is SAM_ROTA
    assert roster.own("desk", SAM_ROTA.id) is SAM_DESK
    assert roster.own("pd", SAM_ROTA.id) is SAM_ROTA


def test_without_an_email_on_one_side_people_are_matched_by_name() -> None:
    roster = merge_people([("pd", [PRIYA_ROTA]), ("desk", [PRIYA_DESK])])

    assert roster.people == (PRIYA_ROTA,)
    assert roster.own("desk", "P2Y") is PRIYA_DESK


def test_the_same_name_with_two_different_emails_is_two_people() -> None:
    one = Person("a", "Alex Martin", "alex@one.example")
    other = Person("b", "Alex Martin", "alex@other.example")

    roster = merge_people([("pd", [one]), ("desk", [other])])

    assert roster.people == (one, other)
    assert roster.merged("desk", other) is other


def test_two_people_of_one_source_are_never_merged() -> None:
    first = Person("1", "Jo Smith")
    second = Person("2", "Jo Smith")

    roster = merge_people([("desk", [first, second])])

    assert roster.people == (first, second)


def test_a_merged_id_two_people_would_share_is_prefixed_with_the_later_source() -> None:
    # Two tools both call their own user "you": different people, different ids.
    sam = Person("you", "Sam Rivera", "sam@example.com")
    mei = Person("you", "Mei Tanaka", "mei@example.com")

    roster = merge_people([("rota", [sam]), ("desk", [mei])])

    assert [p.id for p in roster.people] == ["you", "desk:you"]
    assert roster.merged("desk", mei).id == "desk:you"
    assert roster.own("desk", "desk:you") is mei
    assert roster.own("desk", "you") is None


def test_shifts_and_tickets_name_the_merged_person_and_shifts_their_source() -> None:
    roster = merge_people([("pd", [SAM_ROTA]), ("desk", [SAM_DESK])])
    shift = Shift(SAM_ROTA, NOW, NOW + timedelta(hours=8))
    named = Shift(SAM_ROTA, NOW, NOW + timedelta(hours=8), rotation="night", source="pd")
    ticket = Ticket(
        "1001", "DEMO-1001", "t", Priority.P2, TicketStatus.NEW, NOW, "desk", assignee=SAM_DESK
    )

    assert roster.shift("pd", shift).rotation == "pd"
    assert roster.shift("pd", shift).source == "pd"
    assert roster.shift("pd", named) is named, "a named, merged shift was copied"
    assert roster.ticket("desk", ticket).assignee is SAM_ROTA
    unknown = Person("nobody", "Nobody")
    assert roster.merged("desk", unknown) is unknown


def test_who_assigned_a_ticket_is_the_merged_person_too() -> None:
    roster = merge_people([("pd", [SAM_ROTA, PRIYA_ROTA]), ("desk", [SAM_DESK, PRIYA_DESK])])
    ticket = Ticket(
        "1001",
        "DEMO-1001",
        "t",
        Priority.P2,
        TicketStatus.NEW,
        NOW,
        "desk",
        assignee=SAM_DESK,
        assigned_by=PRIYA_DESK,
    )

    merged = roster.ticket("desk", ticket)

    assert (merged.assignee, merged.assigned_by) == (SAM_ROTA, PRIYA_ROTA)
    alone = Ticket("1002", "DEMO-1002", "t", Priority.P2, TicketStatus.NEW, NOW, "desk")
    assert roster.ticket("desk", alone) is alone
