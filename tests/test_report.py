"""The duty lines of `traysupport status`: the same facts, in the same words, as the tray menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    EARLIEST,
    LATEST,
    ActionKind,
    Person,
    Priority,
    Role,
    Shift,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.report import status_text
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)  # a Monday
ME = Person("me", "Sam")
BOB = Person("bob", "Bob")


def shift(person: Person, start: datetime, hours: int, role: Role = Role.PRIMARY) -> Shift:
    return Shift(person, start, start + timedelta(hours=hours), role, "ops")


def lines(*shifts: Shift) -> list[str]:
    snapshot = Snapshot(NOW, people=(ME, BOB), shifts=shifts)
    state = ServiceState(snapshot, ME, (), AlertSettings())
    return status_text(state, NOW, UTC, demo=False).splitlines()


def test_on_duty_names_my_role_like_the_tray_menu() -> None:
    out = lines(shift(ME, NOW - timedelta(hours=3), 5, Role.SECONDARY))
    assert "You (Sam): ON DUTY as secondary until Mon 14:00 (2 h left)" in out


def test_no_next_shift_is_said_like_the_tray_menu() -> None:
    out = lines(shift(BOB, NOW - timedelta(hours=3), 5))
    assert out[:2] == ["You (Sam): off duty", "Your next shift: none scheduled"]


def test_back_to_back_shifts_read_as_one_duty_and_the_next_after_it() -> None:
    first = shift(ME, NOW - timedelta(hours=3), 5)
    second = shift(ME, first.end, 8, Role.SHADOW)
    later = shift(ME, NOW + timedelta(days=1), 8)
    out = lines(first, second, later)
    assert out[0] == "You (Sam): ON DUTY as primary until Mon 22:00 (10 h left)"
    assert out[1].startswith("Your next shift: Tue 12:00 → Tue 20:00 as primary")


# -- several sources ----------------------------------------------------------------------


def _ticket(source: str, key: str = "DEMO-1004") -> Ticket:
    return Ticket(
        key.removeprefix("DEMO-"), key, "Checkout down", Priority.P2, TicketStatus.NEW, NOW, source
    )


def _failed(source: str, ticket_id: str, error: str) -> OutboxEntry:
    action = UserAction("a1", ActionKind.ACKNOWLEDGE, source, ticket_id, "me", NOW)
    return OutboxEntry(action, OutboxState.FAILED, 1, NOW, error)


def test_with_several_queues_each_ticket_says_its_source_and_a_stale_one_is_marked() -> None:
    sources = (
        SourceStatus("alpha", ok=True, last_ok_at=NOW),
        SourceStatus("beta", ok=False, last_ok_at=NOW - timedelta(minutes=12), error="beta: down"),
    )
    snapshot = Snapshot(NOW, tickets=(_ticket("alpha"), _ticket("beta")), sources=sources)
    out = status_text(ServiceState(snapshot, ME, (), AlertSettings()), NOW, UTC, demo=False)

    assert "alpha:DEMO-1004" in out and "beta:DEMO-1004" in out
    [beta_line] = [line for line in out.splitlines() if "beta:DEMO-1004" in line]
    assert beta_line.endswith("[stale]")
    assert "beta STALE (beta: down, data 12 min old)" in out


def test_a_failed_action_on_a_ticket_no_longer_listed_is_said_with_its_reason() -> None:
    gone = 'the source "beta" is no longer in the settings; add it back or dismiss this action'
    outbox = (_failed("beta", "1004", gone), _failed("alpha", "1004", "alpha: refused"))
    snapshot = Snapshot(NOW, tickets=(_ticket("alpha"),))
    out = status_text(ServiceState(snapshot, ME, outbox, AlertSettings()), NOW, UTC, False)

    lines = out.splitlines()
    assert lines[lines.index("Not sent:") + 1] == f"  acknowledge beta:1004 — {gone}"
    assert "alpha: refused" not in out.split("Not sent:")[1], "a listed ticket shows its own"


# -- permanent on-call and overlapping rotations -----------------------------------------


def _always(person: Person, role: Role = Role.SECONDARY) -> Shift:
    # PagerDuty's null start and end, as the model holds them (core/model.py).
    return Shift(person, EARLIEST, LATEST, role, "Core EP")


def _on_now(out: list[str]) -> str:
    [line] = [line for line in out if line.startswith("On duty now: ")]
    return line


def test_a_permanent_on_call_is_always_on_call_not_until_the_year_3000() -> None:
    out = lines(_always(BOB), _always(ME))
    text = "\n".join(out)
    assert _on_now(out) == (
        "On duty now: Bob (secondary, always on call), Sam (secondary, always on call)"
    )
    assert out[0] == "You (Sam): ON DUTY as secondary, always on call"
    assert "1 Jan" not in text and "3000" not in text and "until" not in text


def test_an_on_call_with_a_start_and_no_end_says_no_end() -> None:
    mine = Shift(ME, NOW - timedelta(hours=1), LATEST, Role.PRIMARY, "ops")
    later = Shift(BOB, NOW + timedelta(days=1), LATEST, Role.PRIMARY, "ops")
    out = lines(mine, later)
    assert out[0] == "You (Sam): ON DUTY as primary, no end scheduled"
    assert _on_now(out) == "On duty now: Sam (primary, no end)"
    assert "1 Jan" not in "\n".join(out)


def test_my_next_shift_without_an_end_says_so() -> None:
    nxt = Shift(ME, NOW + timedelta(days=1), LATEST, Role.PRIMARY, "ops")
    out = lines(nxt)
    assert out[1] == "Your next shift: Tue 12:00 → no end as primary (in 1 d)"


def test_one_person_on_in_two_rotations_of_one_role_is_told_apart_by_rotation() -> None:
    day = Shift(BOB, NOW - timedelta(hours=3), NOW + timedelta(hours=5), Role.PRIMARY, "Day turn")
    night = Shift(BOB, NOW - timedelta(hours=1), NOW + timedelta(hours=21), Role.PRIMARY, "Nights")
    other = shift(ME, NOW - timedelta(hours=1), 2, Role.SECONDARY)
    out = lines(day, night, other)
    assert _on_now(out) == (
        "On duty now: Bob (primary, Day turn, until Mon 17:00), "
        "Bob (primary, Nights, until Tue 09:00), Sam (secondary, until Mon 13:00)"
    )
