"""The duty lines of `traysupport status`: the same facts, in the same words, as the tray menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import Person, Role, Shift, Snapshot
from traysupport.report import status_text
from traysupport.service import ServiceState

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
