"""QueueWindow: keyboard paths, actions through the control, banners, timer, placement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, QRect, QSize, Qt, QUrl
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QToolTip
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import (
    ACKED_P3,
    BREACHED_P1,
    FAILED_HANDOVER,
    FAILED_P3,
    HTML_TITLE,
    NO_SLA_P4,
    NOW,
    OK_P2,
    TOOL_P3,
    WARNING_P1,
    FakeControl,
    _ticket,
    team_state,
)
from traysupport.core.model import Priority, SourceStatus, Ticket
from traysupport.service import ActionError
from traysupport.ui.handover_dialog import HandoverDialog
from traysupport.ui.queue_model import Column, QueueFilter
from traysupport.ui.queue_window import QueueWindow, place_near

OFFSCREEN_DIALOG = "This plugin does not support propagateSizeHints"
"""What the offscreen platform says when a dialog is shown; real platforms support it."""


@dataclass
class Harness:
    window: QueueWindow
    control: FakeControl
    clock: FakeClock
    opened: list[QUrl]
    state_file: Path


@pytest.fixture
def harness(qtbot: QtBot, control: FakeControl, tmp_path: Path) -> Iterator[Harness]:
    clock, opened = FakeClock(NOW), []
    state_file = tmp_path / "queue-window.json"
    window = QueueWindow(control, clock=clock, open_url=opened.append, state_file=state_file)
    qtbot.addWidget(window)
    yield Harness(window, control, clock, opened, state_file)
    window.hide()


def shown(harness: Harness, qtbot: QtBot) -> QueueWindow:
    window = harness.window
    with qtbot.waitActive(window):
        window.show_near(None)
    return window


def select(window: QueueWindow, *tickets: Ticket) -> None:
    model, selection = window.model, window.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag
    selection.clearSelection()
    for ticket in tickets:
        row = model.row_of(ticket.ref)
        assert row is not None
        selection.select(model.index(row, 0), flags.Select | flags.Rows)


# -- acting from the keyboard ---------------------------------------------------------------


def test_enter_acknowledges_the_selected_tickets(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    select(window, BREACHED_P1, WARNING_P1)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert harness.control.called("acknowledge") == [(BREACHED_P1,), (WARNING_P1,)]
    # The new state shows them pending, still selected.
    assert window.model.data(window.model.index(0, Column.STATE)) == "Acknowledging…"
    assert [t.ref for t in window.selected_tickets()] == [BREACHED_P1.ref, WARNING_P1.ref]
    assert not window.acknowledge_action.isEnabled()


def test_enter_skips_acknowledged_and_pending_tickets(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    select(window, OK_P2, ACKED_P3, TOOL_P3, BREACHED_P1)  # pending, acked, in progress
    qtbot.keyClick(window.table, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert harness.control.called("acknowledge") == [(BREACHED_P1,)]
    select(window, OK_P2, ACKED_P3)
    assert not window.acknowledge_action.isEnabled()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert len(harness.control.called("acknowledge")) == 1


def test_the_window_opens_with_the_most_urgent_ticket_selected_and_focused(
    harness: Harness, qtbot: QtBot
) -> None:
    window = shown(harness, qtbot)
    qtbot.waitUntil(window.table.hasFocus, timeout=2000)
    assert window.selected_tickets() == [BREACHED_P1]
    assert not window.table.tabKeyNavigation()  # Tab leaves the table


@pytest.mark.qt_log_ignore(OFFSCREEN_DIALOG)
def test_ctrl_h_opens_the_handover_dialog_with_the_selection(
    harness: Harness, qtbot: QtBot
) -> None:
    window = shown(harness, qtbot)
    select(window, BREACHED_P1, OK_P2)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialog = window.handover_dialog
    assert isinstance(dialog, HandoverDialog)
    assert dialog.isVisible()
    assert dialog.checked_tickets() == [BREACHED_P1, OK_P2]
    window.set_state(harness.control.state())  # states reach the open dialog too
    dialog.reject()
    qtbot.waitUntil(lambda: window.handover_dialog is None, timeout=2000)


def test_ctrl_o_opens_only_web_links(harness: Harness, qtbot: QtBot) -> None:
    hostile = (
        _ticket(1101, "script", Priority.P3, timedelta(hours=1), url="javascript:alert(1)"),
        _ticket(1102, "file", Priority.P3, timedelta(hours=1), url="file:///etc/passwd"),
        _ticket(1103, "no host", Priority.P3, timedelta(hours=1), url="https://"),
    )
    harness.control.current = team_state(tickets=(BREACHED_P1, NO_SLA_P4, *hostile))
    window = harness.window
    window.set_state(harness.control.state())
    shown(harness, qtbot)
    select(window, BREACHED_P1, NO_SLA_P4, *hostile)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert harness.opened == [QUrl(BREACHED_P1.url)]
    assert "DEMO-1007" in window.notice.text() and "DEMO-1101" in window.notice.text()
    select(window, *hostile)
    assert not window.open_action.isEnabled()


def test_s_snoozes_the_selection_for_30_minutes(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    harness.clock.now = NOW + timedelta(seconds=20)
    select(window, WARNING_P1, TOOL_P3)
    qtbot.keyClick(window.table, Qt.Key.Key_S)
    until = NOW + timedelta(seconds=20, minutes=30)
    assert harness.control.called("snooze") == [(WARNING_P1, until), (TOOL_P3, until)]
    row = window.model.row_of(WARNING_P1.ref)
    assert window.model.data(window.model.index(row, Column.STATE)) == "Snoozed"


def test_retry_resends_a_failed_action(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    assert window.retry_button.isVisible()
    select(window, BREACHED_P1)
    assert not window.retry_action.isEnabled()
    select(window, FAILED_P3)
    assert "conflict: ticket was reassigned" in window.notice.text()
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert harness.control.called("retry") == [(FAILED_HANDOVER.id,)]
    row = window.model.row_of(FAILED_P3.ref)
    assert window.model.data(window.model.index(row, Column.STATE)) == "Handing over…"
    assert not window.retry_button.isVisible()  # nothing has failed any more


def test_retry_button_click(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    select(window, FAILED_P3)
    qtbot.mouseClick(window.retry_button, Qt.MouseButton.LeftButton)
    assert harness.control.called("retry") == [(FAILED_HANDOVER.id,)]


@pytest.mark.parametrize(
    "error", [OSError("disk full"), ActionError("set `me` in the config")], ids=repr
)
def test_a_failing_control_is_reported_and_the_others_still_go(
    harness: Harness, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    window = shown(harness, qtbot)
    real = harness.control.acknowledge

    def flaky(ticket: Ticket) -> object:
        if ticket is BREACHED_P1:
            raise error
        return real(ticket)

    monkeypatch.setattr(harness.control, "acknowledge", flaky)
    select(window, BREACHED_P1, WARNING_P1)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert harness.control.called("acknowledge") == [(WARNING_P1,)]
    assert window.notice.text() == f"Could not acknowledge DEMO-1001: {error}"
    assert window.notice.isVisible()


def test_esc_hides_and_the_timer_runs_only_while_shown(harness: Harness, qtbot: QtBot) -> None:
    window = harness.window
    assert not window.timer.isActive()
    shown(harness, qtbot)
    assert window.timer.isActive() and window.timer.interval() == 1000
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert not window.timer.isActive()
    window.show()
    assert window.timer.isActive()
    window.close()  # closing hides too: the app lives on in the tray
    assert not window.isVisible() and not window.timer.isActive()


def test_each_second_moves_the_countdowns_and_the_header(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    assert window.duty_label.text() == "On duty · primary"
    assert window.countdown_label.text() == "until 17:00 · 7 h left"
    harness.clock.now = NOW + timedelta(minutes=1)
    window.timer.timeout.emit()
    assert window.countdown_label.text() == "until 17:00 · 6 h 59 min left"
    row = window.model.row_of(WARNING_P1.ref)
    assert window.model.data(window.model.index(row, Column.SLA)) == "11 min"


def test_the_header_off_duty_and_who_is_on(harness: Harness, qtbot: QtBot) -> None:
    window = harness.window
    harness.clock.now = NOW + timedelta(hours=8)  # 18:00, Jonas is on
    window.set_state(harness.control.state())
    assert window.duty_label.text() == "Off duty"
    assert window.countdown_label.text() == "no shift scheduled"
    assert window.on_now_label.text() == "On now: Jonas Becker (primary)"
    harness.clock.now = NOW
    window.set_state(harness.control.state())
    assert window.on_now_label.text() == "On now: you (primary), Mei Tanaka (shadow)"
    harness.clock.now = NOW - timedelta(hours=3)  # 07:00, before my shift
    window.set_state(harness.control.state())
    assert window.countdown_label.text() == "next shift 09:00 · in 2 h"


# -- filters and selection ----------------------------------------------------------------


def test_filters_with_alt_shortcuts_and_counts(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    assert window.filter_buttons[QueueFilter.MINE].text() == "&Mine  4"
    # A mnemonic "animates" the button: its click comes a moment later.
    qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.model.filter is QueueFilter.UNASSIGNED, timeout=2000)
    assert window.filter_buttons[QueueFilter.UNASSIGNED].isChecked()
    assert {t.ref for t in map(window.model.ticket_at, range(window.model.rowCount()))} == {
        BREACHED_P1.ref,
        NO_SLA_P4.ref,
    }
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.model.filter is QueueFilter.MINE, timeout=2000)
    assert window.count_label.text() == "4 tickets"
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.model.filter is QueueFilter.ALL, timeout=2000)
    assert window.model.rowCount() == len(harness.control.state().snapshot.tickets)


def test_the_selection_survives_a_new_state(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    select(window, TOOL_P3, NO_SLA_P4)
    harness.control.current = team_state(tickets=(NO_SLA_P4, TOOL_P3, BREACHED_P1))
    window.set_state(harness.control.state())
    assert window.selected_tickets() == [TOOL_P3, NO_SLA_P4]


def test_a_new_state_keeps_the_current_cell_for_the_keyboard(
    harness: Harness, qtbot: QtBot
) -> None:
    window = shown(harness, qtbot)
    table = window.table
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    qtbot.keyClick(table, Qt.Key.Key_Right)  # into the Key column
    qtbot.keyClick(table, Qt.Key.Key_Down)
    walked_to = window.model.ticket_at(table.currentIndex().row())
    assert table.currentIndex().column() == Column.KEY
    # A poll brings a more urgent ticket: every row moves down one.
    newcomer = _ticket(1010, "Login loops for SSO users", Priority.P1, timedelta(hours=3))
    harness.control.current = team_state(
        tickets=(*harness.control.state().snapshot.tickets, newcomer)
    )
    window.set_state(harness.control.state())
    assert window.model.ticket_at(0) == newcomer
    current = table.currentIndex()
    assert (window.model.ticket_at(current.row()), current.column()) == (walked_to, Column.KEY)
    assert window.selected_tickets() == [walked_to]
    # Type-to-search still looks in the Key column, and arrows still walk it.
    qtbot.keyClicks(table, "DEMO-1007")
    assert window.selected_tickets() == [NO_SLA_P4]
    assert table.currentIndex().column() == Column.KEY
    window.set_filter(QueueFilter.UNASSIGNED)  # NO_SLA_P4 is unassigned: it stays current
    assert table.currentIndex().column() == Column.KEY
    assert window.model.ticket_at(table.currentIndex().row()) == NO_SLA_P4


def test_focus_ticket_selects_it_even_when_filtered_out(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    window.set_filter(QueueFilter.UNASSIGNED)
    assert window.focus_ticket(WARNING_P1.ref)
    assert window.model.filter is QueueFilter.ALL
    assert window.selected_tickets() == [WARNING_P1]
    assert window.focus_ticket("DEMO-1002")  # by key too
    assert window.selected_tickets() == [OK_P2]
    assert not window.focus_ticket("demo:4242")
    assert window.notice.text() == "demo:4242 is no longer in the queue"


# -- text and banners ---------------------------------------------------------------------


def test_server_text_is_plain_everywhere(harness: Harness, qtbot: QtBot) -> None:
    failing = SourceStatus(
        "queue (demo)", ok=False, last_ok_at=NOW, error="<i>boom</i>", failures=2
    )
    harness.control.current = replace(
        team_state(), snapshot=replace(team_state().snapshot, sources=(failing,))
    )
    window = harness.window
    window.set_state(harness.control.state())
    row = window.model.row_of(WARNING_P1.ref)
    assert window.model.data(window.model.index(row, Column.TITLE)) == HTML_TITLE
    labels = window.findChildren(QLabel)
    assert labels
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in labels)
    assert "<i>boom</i>" in window.stale_label.text()


def test_stale_banner_while_a_source_fails(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    assert not window.stale_banner.isVisible()
    failing = SourceStatus(
        "queue (team-api)",
        ok=False,
        last_ok_at=NOW - timedelta(minutes=18),
        error="timed out",
        failures=3,
    )
    fresh = SourceStatus("rotation (team-api)", ok=True, last_ok_at=NOW)
    window.set_state(team_state(sources=(fresh, failing)))
    assert window.stale_banner.isVisible()
    assert window.stale_label.text() == (
        "1 of 2 sources down\nqueue (team-api): no answer since 09:42 (data 18 min old) — timed out"
    )
    # Saved data shown at start-up, before the first fetch has even been tried, is no outage.
    starting = replace(failing, error="showing saved data", failures=0)
    window.set_state(team_state(sources=(fresh, starting)))
    assert not window.stale_banner.isVisible()


def test_demo_banner_asks_for_setup(control: FakeControl, qtbot: QtBot, tmp_path: Path) -> None:
    window = QueueWindow(control, demo=True, state_file=tmp_path / "w.json")
    qtbot.addWidget(window)
    window.show()
    assert window.demo_banner.isVisible()
    with qtbot.waitSignal(window.setup_requested, timeout=1000):
        window.demo_banner.findChild(type(window.retry_button)).click()
    window.set_demo(False)
    assert not window.demo_banner.isVisible()


# -- size and placement -------------------------------------------------------------------


def test_size_and_filter_are_remembered(
    harness: Harness, qtbot: QtBot, control: FakeControl
) -> None:
    window = shown(harness, qtbot)
    window.resize(760, 380)
    window.set_filter(QueueFilter.MINE)
    window.hide()
    assert json.loads(harness.state_file.read_text()) == {
        "width": 760,
        "height": 380,
        "filter": "mine",
    }
    again = QueueWindow(control, state_file=harness.state_file)
    qtbot.addWidget(again)
    assert again.size() == QSize(760, 380)
    assert again.model.filter is QueueFilter.MINE


def test_a_damaged_size_file_gives_the_defaults(
    control: FakeControl, qtbot: QtBot, tmp_path: Path
) -> None:
    damaged = tmp_path / "w.json"
    damaged.write_text("{not json")
    window = QueueWindow(control, state_file=damaged)
    qtbot.addWidget(window)
    assert window.size() == QSize(880, 480)
    assert window.model.filter is QueueFilter.ALL


AVAILABLE = QRect(0, 0, 1920, 1050)  # a 30 px panel at the bottom
SIZE = QSize(800, 440)


def test_placed_above_a_tray_icon_at_the_bottom_right() -> None:
    icon = QRect(1850, 1055, 22, 22)  # in the panel
    assert place_near(SIZE, icon, AVAILABLE) == QPoint(1872 - 800, 1055 - 12 - 440)
    icon = QRect(1850, 1040, 22, 22)  # right edges aligned, 12 px above the icon
    assert place_near(SIZE, icon, AVAILABLE) == QPoint(1872 - 800, 1040 - 12 - 440)


def test_placement_stays_inside_the_screen() -> None:
    small = QRect(0, 0, 1000, 500)
    icon = QRect(990, 480, 22, 22)  # partly off the right edge, at the bottom
    assert place_near(SIZE, icon, small) == QPoint(200, 28)
    assert place_near(QSize(1200, 700), None, small) == QPoint(0, 0)


def test_placed_below_a_tray_icon_at_the_top_left() -> None:
    available = QRect(0, 28, 1920, 1052)  # a panel at the top
    icon = QRect(40, 3, 22, 22)  # left edges aligned, 12 px below the icon
    assert place_near(SIZE, icon, available) == QPoint(40, 3 + 22 + 12)
    icon = QRect(40, 60, 22, 22)
    assert place_near(SIZE, icon, available) == QPoint(40, 60 + 22 + 12)


def test_placed_bottom_right_without_a_tray_icon() -> None:
    assert place_near(SIZE, None, AVAILABLE) == QPoint(1920 - 12 - 800, 1050 - 12 - 440)
    assert place_near(SIZE, QRect(), AVAILABLE) == place_near(SIZE, None, AVAILABLE)


def test_show_near_puts_the_window_on_the_screen(harness: Harness, qtbot: QtBot) -> None:
    window = harness.window
    window.show_near(QRect(-500, -500, 22, 22))  # an icon geometry off every screen
    available = window.screen().availableGeometry()
    assert available.contains(window.pos())


# -- drawing ------------------------------------------------------------------------------


def test_priority_chips_and_row_tints_are_drawn(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    window.focus_ticket(TOOL_P3.ref)  # selection and focus away from the rows looked at
    window.table.viewport().repaint()
    image = window.table.viewport().grab().toImage()
    table, model = window.table, window.model

    def colours(ticket: Ticket) -> set[str]:
        cell = table.visualRect(model.index(model.row_of(ticket.ref) or 0, Column.PRIORITY))
        y = cell.center().y()
        return {image.pixelColor(x, y).name() for x in range(cell.left(), cell.right())}

    assert {"#b3261e", "#fde4e1"} <= colours(BREACHED_P1)  # the P1 chip on the red tint
    assert {"#b3261e", "#fff4d6"} <= colours(WARNING_P1)  # on the amber tint
    assert "#5f6368" in colours(NO_SLA_P4)  # the P4 chip
    assert "#fde4e1" not in colours(NO_SLA_P4)


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen, for QToolTip
def test_tooltips_show_titles_literally(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    model, table = window.model, window.table
    cell = table.visualRect(model.index(model.row_of(WARNING_P1.ref) or 0, Column.TITLE))
    viewport = table.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, cell.center(), viewport.mapToGlobal(cell.center()))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    shown_text = QTextDocument()
    shown_text.setHtml(QToolTip.text())
    assert shown_text.toPlainText() == HTML_TITLE
    QToolTip.hideText()


def test_f5_asks_the_sources_now(harness: Harness, qtbot: QtBot) -> None:
    window = shown(harness, qtbot)
    qtbot.keyClick(window.table, Qt.Key.Key_F5)
    assert harness.control.called("refresh_now") == [()]


def test_the_header_without_me(harness: Harness, qtbot: QtBot) -> None:
    window = harness.window
    window.set_state(team_state(me=None))
    assert window.duty_label.text() == "You are not on the team"
    assert window.countdown_label.text() == "set “me” in Settings"
    assert not window.handover_action.isEnabled()


# -- what a new user reads ------------------------------------------------------------------


def test_the_title_does_not_repeat_the_app_name(harness: Harness) -> None:
    """Qt adds the application's display name to a window's title ("Queue — traysupport")."""
    assert harness.window.windowTitle() == "Queue"


QUEUE_DOWN = SourceStatus(
    "queue (team-api)", ok=False, error="connection refused", failures=2, roles=("queue",)
)
ROTATION_OK = SourceStatus("rotation (team-api)", ok=True, last_ok_at=NOW, roles=("rotation",))


def test_nothing_loaded_yet_says_why_instead_of_an_empty_queue(
    harness: Harness, qtbot: QtBot
) -> None:
    window = shown(harness, qtbot)
    window.set_state(team_state(tickets=(), outbox=(), sources=(ROTATION_OK, QUEUE_DOWN)))
    expected = "Nothing loaded yet\nqueue (team-api): connection refused"
    assert window.table.empty_text == expected
    window.set_filter(QueueFilter.MINE)
    assert window.table.empty_text == expected
    connecting = replace(QUEUE_DOWN, error="", failures=0)
    window.set_state(team_state(tickets=(), outbox=(), sources=(ROTATION_OK, connecting)))
    assert window.table.empty_text == (
        "Nothing loaded yet\nWaiting for the first answer from queue (team-api)…"
    )
    window.set_state(team_state(tickets=(), outbox=(), sources=(ROTATION_OK,)))
    assert window.table.empty_text == (
        "Nothing loaded yet\nNo source serves a queue: add one in Settings…"
    )
    # Once the queue has answered, an empty queue is just that.
    answered = replace(QUEUE_DOWN, ok=True, error="", failures=0, last_ok_at=NOW)
    window.set_state(team_state(tickets=(), outbox=(), sources=(ROTATION_OK, answered)))
    assert window.table.empty_text == "Nothing assigned to you"
    window.set_filter(QueueFilter.ALL)
    assert window.table.empty_text == "The queue is empty"
