"""HandoverDialog: the recipient, the tickets, the note, submitting and the results."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QListWidgetItem, QToolTip
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import (
    ACKED_P3,
    ALEX,
    BREACHED_P1,
    FAILED_P3,
    JONAS,
    ME,
    MEI,
    NOW,
    OK_P2,
    PRIYA,
    WARNING_P1,
    FakeControl,
    team_state,
)
from traysupport.core.handover import handover_note
from traysupport.core.model import ActionKind, Ticket
from traysupport.ui.handover_dialog import (
    _STATUS,
    _TITLE,
    DONE,
    PENDING,
    HandoverDialog,
)
from traysupport.ui.handover_tickets import ITEM_ROLE

# What the offscreen platform says when a dialog is shown; real platforms support it.
OFFSCREEN = ("This plugin does not support propagateSizeHints",)
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN)

MY_OPEN = [WARNING_P1, OK_P2, FAILED_P3, ACKED_P3]
"""My open tickets, most urgent first."""


def make(
    qtbot: QtBot, control: FakeControl, *, show: bool = True, **kwargs: object
) -> HandoverDialog:
    dialog = HandoverDialog(control, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    if show:
        with qtbot.waitActive(dialog):
            dialog.show()
    return dialog


def visible_people(dialog: HandoverDialog) -> list[str]:
    items: list[QListWidgetItem] = [dialog.people.item(i) for i in range(dialog.people.count())]
    return [item.text() for item in items if not item.isHidden()]


def hand_over_ids(control: FakeControl) -> dict[str, str]:
    """Ticket id -> action id of every hand over in the outbox."""
    return {
        e.action.ticket_id: e.id
        for e in control.current.outbox
        if e.action.kind is ActionKind.HAND_OVER
    }


@pytest.fixture
def dialog(qtbot: QtBot, control: FakeControl) -> Iterator[HandoverDialog]:
    made = make(qtbot, control, tickets=[BREACHED_P1, OK_P2])
    yield made
    made.close()


# -- who ----------------------------------------------------------------------------------


def test_the_next_person_on_duty_is_preselected(dialog: HandoverDialog) -> None:
    assert dialog.recipient() == JONAS
    assert visible_people(dialog) == [
        "Jonas Becker — next on duty, from 17:00",
        ALEX.name,
        f"{MEI.name} — on duty now (shadow)",
        PRIYA.name,
    ]  # me left out


def test_typing_filters_the_team(dialog: HandoverDialog, qtbot: QtBot) -> None:
    qtbot.keyClicks(dialog.search, "mei")
    assert visible_people(dialog) == [f"{MEI.name} — on duty now (shadow)"]
    assert dialog.recipient() == MEI
    dialog.search.setText("alex.martin@")  # by email too
    assert dialog.recipient() == ALEX
    dialog.search.setText("zzz")
    assert visible_people(dialog) == []
    assert dialog.recipient() is None
    assert not dialog.ok_button.isEnabled()
    assert dialog.problem.text() == "Nobody on the team matches “zzz”."
    dialog.search.clear()
    assert dialog.recipient() == JONAS


def test_up_and_down_in_the_search_box_move_in_the_team(
    dialog: HandoverDialog, qtbot: QtBot
) -> None:
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.recipient() == ALEX
    qtbot.keyClick(dialog.search, Qt.Key.Key_Up)
    assert dialog.recipient() == JONAS


def test_nobody_next_means_no_choice_yet(qtbot: QtBot, control: FakeControl) -> None:
    state = team_state()
    control.current = state.__class__(
        snapshot=state.snapshot.__class__(
            taken_at=NOW, people=state.snapshot.people, tickets=state.snapshot.tickets
        ),
        me=ME,
        outbox=(),
        settings=state.settings,
    )
    dialog = make(qtbot, control, tickets=[OK_P2])
    assert dialog.recipient() is None
    assert dialog.problem.text() == "Choose who gets them."
    assert not dialog.ok_button.isEnabled()
    qtbot.waitUntil(dialog.search.hasFocus, timeout=2000)  # so typing a name starts at once


# -- which tickets ------------------------------------------------------------------------


def test_end_of_shift_preselects_all_my_open_tickets(qtbot: QtBot, control: FakeControl) -> None:
    dialog = make(qtbot, control, end_of_shift=True)
    assert dialog.checked_tickets() == MY_OPEN
    assert dialog.heading.text() == "Your shift ends at 17:00. Hand over your open tickets:"
    assert dialog.ok_button.text() == "Hand over 4 tickets"


def test_without_tickets_my_open_ones_are_preselected(qtbot: QtBot, control: FakeControl) -> None:
    dialog = make(qtbot, control, show=False)
    assert dialog.checked_tickets() == MY_OPEN


def test_the_given_tickets_are_checked_and_my_others_offered(dialog: HandoverDialog) -> None:
    assert dialog.checked_tickets() == [BREACHED_P1, OK_P2]
    offered = [
        dialog.tickets.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole + 1)
        for i in range(dialog.tickets.topLevelItemCount())
    ]
    assert offered == [BREACHED_P1, WARNING_P1, OK_P2, FAILED_P3, ACKED_P3]
    first = dialog.tickets.topLevelItem(0)
    assert [first.text(c) for c in range(3)] == [
        "P1  DEMO-1001",
        BREACHED_P1.title,
        "breached",
    ]
    assert dialog.tickets.topLevelItem(1).text(1) == WARNING_P1.title  # HTML kept as text


def test_ok_needs_tickets(dialog: HandoverDialog) -> None:
    assert dialog.ok_button.text() == "Hand over 2 tickets"
    for i in range(dialog.tickets.topLevelItemCount()):
        dialog.tickets.topLevelItem(i).setCheckState(0, Qt.CheckState.Unchecked)
    assert not dialog.ok_button.isEnabled()
    assert dialog.ok_button.text() == "Hand over 0 tickets"
    assert dialog.problem.text() == "Check at least one ticket."
    dialog.tickets.topLevelItem(1).setCheckState(0, Qt.CheckState.Checked)
    assert dialog.ok_button.isEnabled()
    assert dialog.ok_button.text() == "Hand over 1 ticket"


def test_ok_needs_to_know_who_i_am(qtbot: QtBot, control: FakeControl) -> None:
    control.current = team_state(me=None)
    dialog = make(qtbot, control, tickets=[OK_P2])
    dialog.people.setCurrentRow(0)
    assert not dialog.ok_button.isEnabled()
    assert "set “me” in the settings" in dialog.problem.text()


# -- the note -----------------------------------------------------------------------------


def test_the_preview_is_the_text_the_ticket_tool_gets(dialog: HandoverDialog, qtbot: QtBot) -> None:
    assert dialog.preview.text() == handover_note(ME, JONAS, "", NOW, UTC)
    qtbot.keyClicks(dialog.note, "Customer <waits> & calls back at 3")
    expected = handover_note(ME, JONAS, "Customer <waits> & calls back at 3", NOW, UTC)
    assert dialog.preview.text() == expected
    assert expected.startswith("Handed over by Sam Rivera to Jonas Becker at Mon 10:00 UTC")
    dialog.search.setText("mei")
    assert dialog.preview.text() == handover_note(
        ME, MEI, "Customer <waits> & calls back at 3", NOW, UTC
    )
    labels = dialog.findChildren(QLabel)
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in labels)


# -- submitting ---------------------------------------------------------------------------


def test_ctrl_enter_hands_each_ticket_over_with_the_note(
    dialog: HandoverDialog, qtbot: QtBot, control: FakeControl
) -> None:
    qtbot.keyClicks(dialog.note, "Waiting on the customer")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    note = handover_note(ME, JONAS, "Waiting on the customer", NOW, UTC)
    assert control.called("hand_over") == [(BREACHED_P1, JONAS, note), (OK_P2, JONAS, note)]
    assert dialog.note.toPlainText() == "Waiting on the customer"  # no newline typed
    assert dialog.results() == {"DEMO-1001": PENDING, "DEMO-1002": PENDING}
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(control.called("hand_over")) == 2  # once only


def test_plain_enter_never_submits(
    dialog: HandoverDialog, qtbot: QtBot, control: FakeControl
) -> None:
    assert not dialog.ok_button.isDefault()
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.note.hasFocus()  # Enter in the search box moves on to the note
    dialog.tickets.setFocus()
    qtbot.keyClick(dialog.tickets, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    assert control.called("hand_over") == []
    assert dialog.isVisible()


def test_results_follow_the_outbox(
    dialog: HandoverDialog, qtbot: QtBot, control: FakeControl
) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    ids = hand_over_ids(control)
    assert dialog.heading.text() == "Handing over 2 tickets to Jonas Becker…"
    assert not dialog.ok_button.isVisible() and dialog.cancel_button.text() == "Close"
    control.confirm(ids[BREACHED_P1.id])
    dialog.set_state(control.state())
    assert dialog.results() == {"DEMO-1001": DONE, "DEMO-1002": PENDING}
    control.fail(ids[OK_P2.id], "forbidden: not your ticket")
    dialog.set_state(control.state())
    assert dialog.results() == {
        "DEMO-1001": DONE,
        "DEMO-1002": "Failed: forbidden: not your ticket",
    }
    assert dialog.heading.text() == "1 handed over, 1 failed."
    assert dialog.tickets.topLevelItem(2).text(2) == "Failed: forbidden: not your ticket"
    assert dialog.retry_button.isVisible()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    assert control.called("retry") == [(ids[OK_P2.id],)]
    assert dialog.results()["DEMO-1002"] == PENDING
    control.confirm(ids[OK_P2.id])
    dialog.set_state(control.state())
    assert dialog.heading.text() == "2 tickets handed over to Jonas Becker."
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        dialog.cancel_button.click()


def test_a_failing_control_fails_that_ticket_only(
    dialog: HandoverDialog, qtbot: QtBot, control: FakeControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = control.hand_over

    def flaky(ticket: Ticket, to: object, note: str) -> object:
        if ticket is BREACHED_P1:
            raise OSError("database is locked")
        return real(ticket, to, note)  # type: ignore[arg-type]

    monkeypatch.setattr(control, "hand_over", flaky)
    dialog.submit()
    assert dialog.results() == {"DEMO-1001": "Failed: database is locked", "DEMO-1002": PENDING}
    assert not dialog.retry_button.isVisible()  # nothing reached the outbox to send again
    control.confirm(hand_over_ids(control)[OK_P2.id])
    dialog.set_state(control.state())
    assert dialog.heading.text() == "1 handed over, 1 failed."


def test_esc_cancels(dialog: HandoverDialog, qtbot: QtBot, control: FakeControl) -> None:
    with qtbot.waitSignal(dialog.rejected, timeout=1000):
        qtbot.keyClick(dialog.note, Qt.Key.Key_Escape)
    assert control.called("hand_over") == []


# -- tooltips ------------------------------------------------------------------------------

HOSTILE_TITLE = '<b>x</b><img src="https://example.invalid/p.png"> & <i>more</i>'


def tooltip_shown(dialog: HandoverDialog, qtbot: QtBot, ticket: Ticket, column: int) -> str:
    """The text a user reads in the tooltip of one ticket's cell (as Qt renders it)."""
    tree = dialog.tickets
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    item = next(i for i in rows if i is not None and i.data(0, ITEM_ROLE).ref == ticket.ref)
    cell = tree.visualRect(tree.indexFromItem(item, column))
    viewport = tree.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, cell.center(), viewport.mapToGlobal(cell.center()))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    rendered = QTextDocument()
    rendered.setHtml(QToolTip.text())
    QToolTip.hideText()
    return rendered.toPlainText()


@pytest.mark.qt_log_ignore(*OFFSCREEN, "This plugin does not support raise")  # for QToolTip
def test_title_tooltips_show_markup_as_text(qtbot: QtBot, control: FakeControl) -> None:
    # Qt renders a tooltip that looks like rich text as HTML: a title could show images.
    hostile = replace(OK_P2, title=HOSTILE_TITLE)
    dialog = make(qtbot, control, tickets=[hostile])
    assert tooltip_shown(dialog, qtbot, hostile, _TITLE) == HOSTILE_TITLE
    dialog.close()


@pytest.mark.qt_log_ignore(*OFFSCREEN, "This plugin does not support raise")  # for QToolTip
def test_result_tooltips_show_markup_as_text(
    qtbot: QtBot, control: FakeControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = control.hand_over

    def refuse_one(ticket: Ticket, to: object, note: str) -> object:
        if ticket is BREACHED_P1:
            raise OSError("<b>refused</b>")  # a store error's text may come from a server
        return real(ticket, to, note)  # type: ignore[arg-type]

    monkeypatch.setattr(control, "hand_over", refuse_one)
    dialog = make(qtbot, control, tickets=[BREACHED_P1, OK_P2])
    dialog.submit()
    assert tooltip_shown(dialog, qtbot, BREACHED_P1, _STATUS) == "Failed: <b>refused</b>"
    dialog.close()


def test_the_preview_follows_the_clock_while_the_dialog_is_open(
    qtbot: QtBot, control: FakeControl
) -> None:
    """The note says when it was handed over: the time it is sent, not when the dialog opened."""
    clock = FakeClock(NOW)
    dialog = HandoverDialog(control, clock=clock, tickets=[OK_P2])
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    timer = dialog.preview_timer
    assert timer.isActive() and 0 < timer.interval() <= 60_000
    clock.now = NOW + timedelta(minutes=7)
    timer.timeout.emit()  # as the timer does at the next minute
    assert dialog.preview.text() == handover_note(ME, JONAS, "", NOW + timedelta(minutes=7), UTC)
    assert "Mon 10:07" in dialog.preview.text()
    dialog.hide()
    assert not timer.isActive()  # no ticking for a hidden dialog
