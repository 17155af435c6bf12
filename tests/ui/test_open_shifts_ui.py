"""A permanent on-call (PagerDuty's null start or end, held as the model's far bounds
EARLIEST/LATEST) in the tray, the queue window's header and the handover dialog: it reads
"always on call" or "no end scheduled", as `status` says it, never a date in the year 3000,
a countdown of 356,000 days, or "Your shift ends at 00:00".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import ME as ME_
from tests.ui.conftest import NOW, SHIFTS, FakeControl, team_state
from traysupport.core.model import EARLIEST, LATEST, Role, Shift
from traysupport.service import ServiceState
from traysupport.ui.handover_dialog import HandoverDialog
from traysupport.ui.presenter import tray_view
from traysupport.ui.queue_header import DutyHeader, duty_summary
from traysupport.ui.tray import TrayIcon

BERLIN = ZoneInfo("Europe/Berlin")
OFFSCREEN = ("This plugin does not support propagateSizeHints",)
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN)

ALWAYS = Shift(ME_, EARLIEST, LATEST, Role.SECONDARY, "Core EP")
"""PagerDuty's null start and end, as the model holds them."""
NO_END = Shift(ME_, NOW - timedelta(hours=1), LATEST, Role.PRIMARY, "support")
NEXT_NO_END = Shift(ME_, NOW + timedelta(days=1), LATEST, Role.PRIMARY, "support")
OTHERS = tuple(s for s in SHIFTS if s.person.id != ME_.id)


def with_shifts(*shifts: Shift) -> ServiceState:
    base = team_state()
    return replace(
        base,
        snapshot=replace(base.snapshot, shifts=(*OTHERS, *shifts)),
        settings=replace(base.settings, tz=BERLIN),
    )


def no_far_dates(text: str) -> None:
    assert "3000" not in text and "1 Jan" not in text and "1900" not in text, text


class NoAutostart:
    """An Autostart backend that is not supported: the tray tests need none."""

    def is_supported(self) -> bool:
        return False

    def why_unsupported(self) -> str:
        return "not in these tests"

    def is_enabled(self) -> bool:
        return False

    def set_enabled(self, enabled: bool) -> None:
        raise AssertionError("not called")


@pytest.fixture
def tray(qtbot: QtBot) -> Iterator[tuple[TrayIcon, FakeControl]]:
    control = FakeControl()
    made = TrayIcon(
        control,
        now=FakeClock(NOW),
        autostart=NoAutostart(),
        is_tray_available=lambda: False,
        desktop="ubuntu:GNOME",
    )
    yield made, control
    made.close()
    made.deleteLater()


def shown_in_tray(tray: tuple[TrayIcon, FakeControl], state: ServiceState) -> tuple[str, list[str]]:
    """(tooltip, status lines) as the tray icon and its menu show them."""
    icon, control = tray
    control.current = state
    icon.update(tray_view(state, NOW, BERLIN))
    status = [a for a in icon.menu.actions() if a.objectName().startswith("status-")]
    lines = [a.text() for a in status if a.isVisible() and a.objectName()[7:].isdigit()]
    return icon.tray.toolTip(), lines


# -- the tray ------------------------------------------------------------------------------


def test_tray_says_always_on_call_for_a_permanent_on_call(
    tray: tuple[TrayIcon, FakeControl],
) -> None:
    tooltip, lines = shown_in_tray(tray, with_shifts(ALWAYS))
    assert tooltip.startswith("On duty, always on call · ")
    assert lines[:2] == ["You: on duty as secondary, always on call", "Next shift: none scheduled"]
    no_far_dates(tooltip + "\n".join(lines))


def test_tray_says_no_end_scheduled_for_an_on_call_with_a_start_and_no_end(
    tray: tuple[TrayIcon, FakeControl],
) -> None:
    tooltip, lines = shown_in_tray(tray, with_shifts(NO_END))
    assert tooltip.startswith("On duty, no end scheduled · ")
    assert lines[0] == "You: on duty as primary, no end scheduled"
    no_far_dates(tooltip + "\n".join(lines))


def test_tray_says_my_next_shift_has_no_end(tray: tuple[TrayIcon, FakeControl]) -> None:
    tooltip, lines = shown_in_tray(tray, with_shifts(NEXT_NO_END))
    assert tooltip.startswith("Off duty · next shift Tue 12:00")
    assert lines[:2] == ["You: off duty", "Next shift: Tue 12:00 → no end as primary"]


def test_the_tray_does_not_plan_a_redraw_for_the_year_3000() -> None:
    # Nothing but a duty with neither start nor end: time alone never changes the view.
    base = team_state(tickets=())
    only_mine = replace(base, snapshot=replace(base.snapshot, shifts=(ALWAYS,)))
    assert tray_view(only_mine, NOW, BERLIN).next_change is None


# -- the queue window's header -------------------------------------------------------------


@pytest.mark.parametrize(
    ("shift", "countdown"),
    [(ALWAYS, "always on call"), (NO_END, "no end scheduled")],
)
def test_the_window_header_has_no_countdown_to_the_year_3000(
    qtbot: QtBot, shift: Shift, countdown: str
) -> None:
    state = with_shifts(shift)
    assert duty_summary(state, NOW) == (f"On duty · {shift.role}", countdown, True)
    parent = QWidget()
    qtbot.addWidget(parent)
    header = DutyHeader(parent)
    parent.setLayout(header.layout)
    header.show(state, NOW)
    assert header.countdown_label.text() == countdown


# -- the handover dialog -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shift", "heading"),
    [
        (ALWAYS, "You are always on call. Hand over your open tickets:"),
        (NO_END, "Your shift has no end scheduled. Hand over your open tickets:"),
    ],
)
def test_the_end_of_shift_handover_never_says_the_shift_ends_at_midnight_in_3000(
    qtbot: QtBot, shift: Shift, heading: str
) -> None:
    control = FakeControl(current=with_shifts(shift))
    dialog = HandoverDialog(control, end_of_shift=True, clock=lambda: NOW)
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == heading
