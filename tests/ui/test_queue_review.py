"""The queue window's "New since review" filter (issue 11): exactly the tickets the review
reminder counts, and Mark reviewed (through the control) empties it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import NOW, OK_P2, WARNING_P1, FakeControl
from traysupport.core.alerts.review import new_since_review
from traysupport.ui.queue_model import QueueFilter
from traysupport.ui.queue_window import QueueWindow


def _window(qtbot: QtBot, control: FakeControl, tmp_path: Path) -> QueueWindow:
    window = QueueWindow(control, clock=FakeClock(NOW), state_file=tmp_path / "view.json")
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show_near(None)
    return window


def _shown_refs(window: QueueWindow) -> set[str]:
    model = window.model
    return {model.ticket_at(row).ref for row in range(model.rowCount())}


def test_new_since_review_shows_exactly_the_tickets_created_after_it(
    qtbot: QtBot, control: FakeControl, tmp_path: Path
) -> None:
    # Reviewed at 09:00: of the team's tickets, only 09:12's and 09:30's are newer.
    reviewed = replace(control.current.settings, reviewed_at=NOW - timedelta(hours=1))
    control.current = replace(control.current, settings=reviewed)
    window = _window(qtbot, control, tmp_path)
    window.set_state(control.state())
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.model.filter is QueueFilter.NEW, timeout=2000)
    assert _shown_refs(window) == {WARNING_P1.ref, OK_P2.ref}
    expected = new_since_review(control.current.snapshot.tickets, reviewed)
    assert _shown_refs(window) == {t.ref for t in expected}
    assert window.filter_buttons[QueueFilter.NEW].text() == "Ne&w since review  2"
    window.hide()


def test_marked_reviewed_nothing_is_new(qtbot: QtBot, control: FakeControl, tmp_path: Path) -> None:
    window = _window(qtbot, control, tmp_path)
    window.set_filter(QueueFilter.NEW)
    window.set_state(control.state())
    assert window.model.rowCount() == 7  # never reviewed: everything is new
    control.mark_reviewed()
    window.set_state(control.state())
    assert window.model.rowCount() == 0
    window.hide()


def test_mark_reviewed_button_shows_on_the_new_filter_and_empties_it(
    qtbot: QtBot, control: FakeControl, tmp_path: Path
) -> None:
    window = _window(qtbot, control, tmp_path)
    window.set_state(control.state())
    button = window.actions_bar.reviewed_button
    assert not button.isVisible()  # on All: the review is done on its own filter
    window.set_filter(QueueFilter.NEW)
    assert button.isVisible()
    assert button.isEnabled()
    assert button.text() == "Mark reviewed (Ctrl+Shift+M)"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert control.called("mark_reviewed") == [()]
    assert window.model.rowCount() == 0
    assert not button.isEnabled()  # nothing new left to mark
    window.hide()
