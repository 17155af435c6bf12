"""The queue window's tabs: the queue's action row and its keys belong to the Queue tab.

On the Schedule tab the queue's selection is out of sight, so its buttons are hidden and
their keys (S, Ctrl+H, Ctrl+O, Ctrl+R, Ctrl+D, Enter) must not act on it; back on the
Queue tab the buttons return as they were. Hide (Esc) and Refresh (F5) work on both tabs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import BREACHED_P1, FAILED_P3, NOW, FakeControl, team_state
from traysupport.ui.queue_window import QueueWindow

ROW = (
    "Acknowledge (Enter)",
    "Hand over… (Ctrl+H)",
    "Open (Ctrl+O)",
    "Snooze 30 min (S)",
    "Retry (Ctrl+R)",
    "Dismiss (Ctrl+D)",
)
"""The queue's action buttons, as labelled: each shows its key."""

CTRL = Qt.KeyboardModifier.ControlModifier
QUEUE_KEYS = (
    (Qt.Key.Key_S, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_H, CTRL),
    (Qt.Key.Key_O, CTRL),
    (Qt.Key.Key_R, CTRL),
    (Qt.Key.Key_D, CTRL),
    (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
)


@dataclass
class Browser:
    """Stands in for the desktop: the links the window asked to open."""

    opened: list[str] = field(default_factory=list)

    def open(self, url: QUrl) -> bool:
        self.opened.append(url.toString())
        return True


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def window(
    qtbot: QtBot, control: FakeControl, browser: Browser, tmp_path: Path
) -> Iterator[QueueWindow]:
    shown = QueueWindow(
        control,
        clock=FakeClock(NOW),
        open_url=browser.open,
        state_file=tmp_path / "queue-window.json",
    )
    qtbot.addWidget(shown)
    with qtbot.waitActive(shown):
        shown.show_near(None)
    yield shown
    shown.hide()


def _row(window: QueueWindow) -> dict[str, tuple[bool, bool]]:
    """Each action button's (visible, enabled)."""
    buttons = {b.text(): b for b in window.findChildren(QPushButton) if b.text() in ROW}
    assert set(buttons) == set(ROW)
    return {text: (b.isVisible(), b.isEnabled()) for text, b in buttons.items()}


def _select_failed_and_breached(window: QueueWindow) -> None:
    assert window.focus_ticket(FAILED_P3.ref)
    row = window.model.row_of(BREACHED_P1.ref)
    assert row is not None
    flags = window.table.selectionModel().SelectionFlag
    window.table.selectionModel().select(window.model.index(row, 0), flags.Select | flags.Rows)


def test_schedule_tab_hides_the_queue_actions_and_they_return(
    window: QueueWindow, qtbot: QtBot
) -> None:
    _select_failed_and_breached(window)
    before = _row(window)
    assert all(visible and enabled for visible, enabled in before.values())

    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert window.tabs.currentWidget() is window.schedule
    assert not any(visible for visible, _ in _row(window).values())

    qtbot.keyClick(window, Qt.Key.Key_Tab, CTRL)  # back to the queue
    assert window.tabs.currentWidget() is not window.schedule
    assert _row(window) == before


def test_queue_keys_do_nothing_on_the_schedule_tab(
    window: QueueWindow, qtbot: QtBot, control: FakeControl, browser: Browser
) -> None:
    _select_failed_and_breached(window)
    qtbot.keyClick(window, Qt.Key.Key_Tab, CTRL)
    assert window.tabs.currentWidget() is window.schedule
    # A new state while the schedule shows must not re-arm the queue's keys.
    window.set_state(team_state())
    _select_failed_and_breached(window)
    window.tabs.setCurrentWidget(window.schedule)
    for target in (window, window.schedule.list):
        for key, modifier in QUEUE_KEYS:
            qtbot.keyClick(target, key, modifier)
    assert control.calls == []
    assert window.handover_dialog is None
    assert browser.opened == []
    assert window.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_F5)  # the window's own keys still work
    assert control.called("refresh_now") == [()]
    qtbot.keyClick(window.schedule.list, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_queue_keys_act_again_back_on_the_queue_tab(
    window: QueueWindow, qtbot: QtBot, control: FakeControl, browser: Browser
) -> None:
    _select_failed_and_breached(window)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert window.tabs.currentIndex() == 0
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL)
    assert sorted(browser.opened) == sorted([FAILED_P3.url, BREACHED_P1.url])
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL)
    assert len(control.called("retry")) == 1


def test_each_tab_keeps_its_content_off_the_tab_frame(window: QueueWindow) -> None:
    # The action row moved inside the Queue tab sat on the tab frame's edge, and the table
    # and the schedule list drew their borders onto it.
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        page = window.tabs.currentWidget()
        inner = page.rect().adjusted(3, 3, -3, -3)
        for child in page.findChildren(QWidget):
            if child.isVisible() and child.parentWidget() is page:
                assert inner.contains(child.geometry()), (child, child.geometry(), page.rect())
