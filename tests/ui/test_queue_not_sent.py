"""The queue window's failed actions whose ticket it does not list: shown, and dismissed.

An action for a source removed from the settings fails with a reason, but its ticket is
no longer in the queue, so it has no row: the banner under the header is the only place
the user sees it and drops it. Failed actions of listed tickets keep Retry on their row,
and gain Dismiss (Ctrl+D) beside it.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import (
    FAILED_HANDOVER,
    FAILED_P3,
    NOW,
    PRIYA,
    TICKETS,
    TOOL_P3,
    FakeControl,
    action,
    team_state,
)
from traysupport.core.model import ActionKind, Ticket
from traysupport.home_control import QUITTING
from traysupport.service import ActionError
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.queue_model import Column
from traysupport.ui.queue_not_sent import DISMISS_TEXT, MAX_SHOWN
from traysupport.ui.queue_window import QueueWindow

GONE = 'the source "beta" is no longer in the settings; add it back or dismiss this action'
"""What the service says of an action whose source was removed from the settings."""
BETA_TICKET = replace(TOOL_P3, source="beta")
"""DEMO-1004 of the source "beta", listed until beta is removed from the settings."""


def failed(ticket: Ticket, error: str, kind: ActionKind = ActionKind.ACKNOWLEDGE) -> OutboxEntry:
    extra = {"to": PRIYA.id} if kind is ActionKind.HAND_OVER else {}
    return OutboxEntry(action(kind, ticket, **extra), OutboxState.FAILED, 0, NOW, error)


ORPHAN = failed(BETA_TICKET, GONE)


@dataclass
class Harness:
    window: QueueWindow
    control: FakeControl


@pytest.fixture
def harness(qtbot: QtBot, control: FakeControl, tmp_path: Path) -> Iterator[Harness]:
    window = QueueWindow(control, clock=FakeClock(NOW), state_file=tmp_path / "view.json")
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show_near(None)
    yield Harness(window, control)
    window.hide()


def feed(harness: Harness, **parts: object) -> QueueWindow:
    """Give the control (and the window) a new team state."""
    harness.control.current = team_state(**parts)  # type: ignore[arg-type]
    harness.window.set_state(harness.control.state())
    return harness.window


def lines(window: QueueWindow) -> list[str]:
    """The banner's visible lines, as the user reads them."""
    frame = window.not_sent.frame
    if not frame.isVisible():
        return []
    return [
        label.text()
        for label in frame.findChildren(QLabel)
        if label.isVisible() and label is not window.not_sent.more_label
    ]


def test_an_action_of_a_removed_source_is_shown_with_its_reason(harness: Harness) -> None:
    window = feed(harness, outbox=(ORPHAN,))
    assert lines(window) == [f"Not sent: acknowledge 1004 (beta) — {GONE}"]
    assert [b.text() for b in window.not_sent.buttons] == [DISMISS_TEXT]
    # Retry needs a row to select: none here, so it does not offer itself.
    assert not window.retry_button.isVisible() and not window.dismiss_button.isVisible()


def test_a_ticket_seen_listed_is_called_by_its_key_once_gone(harness: Harness) -> None:
    pending = replace(ORPHAN, state=OutboxState.PENDING, last_error="")
    window = feed(harness, tickets=(*TICKETS, BETA_TICKET), outbox=(pending,))
    assert lines(window) == []  # listed, on its row
    window = feed(harness, outbox=(ORPHAN,))  # beta removed: its tickets went with it
    assert lines(window) == [f"Not sent: acknowledge DEMO-1004 (beta) — {GONE}"]


def test_a_closed_tickets_failed_hand_over_is_shown_too(harness: Harness) -> None:
    closed = failed(FAILED_P3, "409 ticket DEMO-1006 is closed", ActionKind.HAND_OVER)
    others = tuple(t for t in TICKETS if t is not FAILED_P3)
    window = feed(harness, tickets=others, outbox=(closed,))  # closed: no longer listed
    # Called by its key: the window saw it listed, with an action, when it opened.
    assert lines(window) == [
        "Not sent: hand over DEMO-1006 (demo) — 409 ticket DEMO-1006 is closed"
    ]


def test_nothing_is_shown_without_such_actions(harness: Harness) -> None:
    window = feed(harness)  # one failed action, on a listed ticket
    assert lines(window) == [] and not window.not_sent.frame.isVisible()
    assert window.retry_button.isVisible() and window.dismiss_button.isVisible()
    window = feed(harness, outbox=())
    assert lines(window) == []
    assert not window.retry_button.isVisible() and not window.dismiss_button.isVisible()


def test_dismiss_calls_through_and_the_line_goes(harness: Harness, qtbot: QtBot) -> None:
    window = feed(harness, outbox=(ORPHAN, FAILED_HANDOVER))
    qtbot.mouseClick(window.not_sent.buttons[0], Qt.MouseButton.LeftButton)
    assert harness.control.called("dismiss") == [(ORPHAN.id,)]
    assert lines(window) == []
    assert harness.control.current.outbox == (FAILED_HANDOVER,)  # only that one


def test_the_line_goes_when_the_state_no_longer_has_the_action(harness: Harness) -> None:
    window = feed(harness, outbox=(ORPHAN,))
    assert len(lines(window)) == 1
    window = feed(harness, outbox=())  # dismissed elsewhere (the CLI, another window)
    assert lines(window) == []
    assert harness.control.called("dismiss") == []


def test_alt_d_dismisses_and_moves_between_several(harness: Harness, qtbot: QtBot) -> None:
    other = failed(replace(TOOL_P3, id="1010", key="DEMO-1010", source="beta"), GONE)
    window = feed(harness, outbox=(ORPHAN, other))
    alt = Qt.KeyboardModifier.AltModifier
    # Two buttons share the mnemonic: Alt+D goes to one, and Space presses it.
    qtbot.keyClick(window, Qt.Key.Key_D, alt)
    first = window.not_sent.buttons[0]
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Space)
    assert harness.control.called("dismiss") == [(ORPHAN.id,)]
    # The keyboard stays in the banner, on the line that is left; alone, Alt+D presses it.
    [last] = window.not_sent.buttons
    assert last.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_D, alt)
    both = [(ORPHAN.id,), (other.id,)]  # a mnemonic clicks as the mouse does, a moment later
    qtbot.waitUntil(lambda: harness.control.called("dismiss") == both, timeout=2000)
    assert lines(window) == []
    assert window.table.hasFocus()  # not lost with the last button


def test_hostile_text_is_one_clean_plain_line(harness: Harness) -> None:
    source = "be\u202eta\x1b[2J\n<i>x</i>"
    ticket = replace(TOOL_P3, id="10\x0704\u2066", source=source)
    error = '502 <b>bad gateway</b>\r\n\x1b[31m<a href="https://evil.example">fix</a>' + "x" * 500
    window = feed(harness, outbox=(failed(ticket, error),))
    [line] = lines(window)
    assert line.startswith(
        "Not sent: acknowledge 1004 (beta[2J <i>x</i>) — 502 <b>bad gateway</b> [31m<a href="
    )
    assert line.endswith("…") and len(line) < 300  # clipped, not 500 x
    assert not [c for c in line if unicodedata.category(c) in ("Cc", "Cf")]
    labels = [label for label in window.not_sent.frame.findChildren(QLabel) if label.isVisible()]
    assert labels and all(label.textFormat() is Qt.TextFormat.PlainText for label in labels)


def test_many_show_a_few_and_count_the_rest(harness: Harness) -> None:
    many = tuple(
        replace(
            failed(replace(TOOL_P3, id=str(2000 + n), source="beta"), GONE),
            action=replace(
                ORPHAN.action, id=f"a{n}", ticket_id=str(2000 + n), created_at=NOW + timedelta(n)
            ),
        )
        for n in range(MAX_SHOWN + 2)
    )
    window = feed(harness, outbox=tuple(reversed(many)))
    shown = lines(window)
    assert len(shown) == MAX_SHOWN
    assert shown[0].startswith("Not sent: acknowledge 2000 ")  # oldest first
    assert window.not_sent.more_label.isVisible()
    assert window.not_sent.more_label.text() == "… and 2 more not sent; dismiss these to see them"


def test_ctrl_d_dismisses_a_listed_tickets_failed_action(harness: Harness, qtbot: QtBot) -> None:
    window = harness.window
    row = window.model.row_of(FAILED_P3.ref)
    assert row is not None
    flags = QItemSelectionModel.SelectionFlag
    selection = window.table.selectionModel()
    selection.select(window.model.index(row, 0), flags.ClearAndSelect | flags.Rows)
    assert "Dismiss (Ctrl+D)" in window.notice.text()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert harness.control.called("dismiss") == [(FAILED_HANDOVER.id,)]
    assert not window.model.data(window.model.index(row, Column.STATE)).startswith("Failed")
    assert not window.dismiss_button.isVisible()


def test_a_refused_dismissal_is_said(
    harness: Harness,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    window = feed(harness, outbox=(ORPHAN,))

    def quitting(action_id: str) -> None:
        raise ActionError(QUITTING)

    monkeypatch.setattr(harness.control, "dismiss", quitting)
    qtbot.mouseClick(window.not_sent.buttons[0], Qt.MouseButton.LeftButton)
    assert window.notice.isVisible()
    assert window.notice.text() == f"Could not dismiss: {QUITTING}"
    assert len(lines(window)) == 1  # still there to dismiss later
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no bug: no trace
