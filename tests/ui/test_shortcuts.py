"""Keyboard shortcuts: shown on the buttons, listed on a Help page, from one table.

The drift tests read the keys the widgets really bind (actions, QShortcuts, "&"
mnemonics of buttons, tabs, labels and menus) and hold them to `shortcuts.SHORTCUTS`,
both ways: nothing bound that the page does not list, nothing listed that is not bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMenuBar, QPushButton, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import FAILED_P3, NOW, TICKETS, FakeControl, team_state
from traysupport.ui.handover_dialog import HandoverDialog
from traysupport.ui.queue_window import QueueWindow
from traysupport.ui.shortcuts import (
    HANDOVER,
    QUEUE,
    SHORTCUTS,
    TABS,
    button_text,
    key_text,
    mnemonic_key,
    shortcut,
)
from traysupport.ui.shortcuts_page import ShortcutsPage

OFFSCREEN = (
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN)
PORTABLE = QKeySequence.SequenceFormat.PortableText


@pytest.fixture
def window(qtbot: QtBot, control: FakeControl, tmp_path: Path) -> Iterator[QueueWindow]:
    # A failed hand over of a ticket no longer listed: the "not sent" banner and its Alt+D.
    control.current = team_state(tickets=tuple(t for t in TICKETS if t != FAILED_P3))
    made = QueueWindow(control, clock=FakeClock(NOW), state_file=tmp_path / "w.json")
    qtbot.addWidget(made)
    with qtbot.waitActive(made):
        made.show_near(None)
    yield made
    made.hide()


def bound_keys(top: QWidget) -> set[str]:
    """Every key *top* and its children answer to, as portable key strings."""
    keys: set[str] = set()
    for action in [*top.actions(), *top.findChildren(QAction)]:
        keys.update(k.toString(PORTABLE) for k in action.shortcuts())
    for short in top.findChildren(QShortcut):
        keys.add(short.key().toString(PORTABLE))
    texts = [b.text() for b in top.findChildren(QPushButton)]
    texts += [bar.tabText(i) for bar in top.findChildren(QTabBar) for i in range(bar.count())]
    texts += [label.text() for label in top.findChildren(QLabel) if label.buddy() is not None]
    for bar in top.findChildren(QMenuBar):
        texts += [a.text() for a in bar.actions()]
    keys.update(m for m in map(mnemonic_key, texts) if m)
    keys.discard("")
    return keys


def listed_keys(*sections: str) -> set[str]:
    return {
        QKeySequence(k).toString(PORTABLE)
        for row in SHORTCUTS
        if row.where in sections
        for k in row.keys
    }


def test_the_buttons_show_their_keys(window: QueueWindow) -> None:
    texts = {b.text() for b in window.findChildren(QPushButton)}
    for name in ("acknowledge", "handover", "open", "snooze", "retry", "dismiss"):
        assert button_text(shortcut(name)) in texts
    assert "Hand over… (Ctrl+H)" in texts
    assert "Acknowledge (Enter)" in texts


def test_every_key_of_the_window_is_listed_and_every_listed_key_is_bound(
    window: QueueWindow,
) -> None:
    bound = bound_keys(window)
    bound.add("Return")  # Enter acknowledges in the table itself (QueueTable.keyPressEvent)
    assert bound == listed_keys(QUEUE, TABS)


def test_every_key_of_the_handover_dialog_is_listed(qtbot: QtBot, control: FakeControl) -> None:
    dialog = HandoverDialog(control, clock=lambda: NOW)
    qtbot.addWidget(dialog)
    bound = bound_keys(dialog)
    bound.add("Esc")  # every dialog's reject key
    assert bound == listed_keys(HANDOVER)


def test_mnemonic_rows_name_their_alt_key() -> None:
    for row in SHORTCUTS:
        if "&" in row.label:
            assert row.keys == (mnemonic_key(row.label),), row


def test_f1_and_help_menu_open_the_page_listing_every_shortcut(
    window: QueueWindow, qtbot: QtBot
) -> None:
    [bar] = window.findChildren(QMenuBar)
    [help_menu] = [a.menu() for a in bar.actions() if a.text() == "&Help"]
    assert [a.text() for a in help_menu.actions()] == ["Keyboard shortcuts"]
    qtbot.keyClick(window.table, Qt.Key.Key_F1)
    page = window.shortcuts_page
    assert isinstance(page, ShortcutsPage) and page.isVisible()
    assert page.rows() == [(row.where, key_text(row), row.what) for row in SHORTCUTS]
    assert ("Hand over dialog", "Ctrl+Return or Ctrl+Enter", shortcut("hand-over-now").what) in (
        page.rows()
    )
    page.close()
    help_menu.actions()[0].trigger()
    assert window.shortcuts_page is page and page.isVisible()
    page.close()
