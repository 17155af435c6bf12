"""The queue window's Silence action (issue 11): offered only on tickets whose source can
silence (its status lists "silence"), sent through the control like acknowledge, shown
pending, and listed with its key on the Help page (one table builds both)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import (
    BREACHED_P1,
    NOW,
    OK_P2,
    SOURCE,
    TICKETS,
    WARNING_P1,
    FakeControl,
    _ticket,
    team_state,
)
from tests.ui.test_queue_window import Harness, select, shown
from traysupport.core.model import Priority, SourceStatus
from traysupport.ui.queue_model import Column
from traysupport.ui.queue_window import QueueWindow
from traysupport.ui.shortcuts import SHORTCUTS, shortcut

ROTATION = SourceStatus("rotation (demo)", ok=True, last_ok_at=NOW)
QUEUE = SourceStatus(SOURCE, ok=True, last_ok_at=NOW, roles=("queue",))
SENTRY = SourceStatus("sentry", ok=True, last_ok_at=NOW, provider="sentry", actions=("silence",))
NOISY = replace(_ticket(2001, "KeyError in checkout", Priority.P3, NOW - NOW), source="sentry")


@pytest.fixture
def harness(qtbot: QtBot, control: FakeControl, tmp_path: Path) -> Iterator[Harness]:
    control.current = team_state(tickets=(*TICKETS, NOISY), sources=(ROTATION, QUEUE, SENTRY))
    clock = FakeClock(NOW)
    window = QueueWindow(
        control, clock=clock, open_url=lambda _: None, state_file=tmp_path / "w.json"
    )
    qtbot.addWidget(window)
    yield Harness(window, control, clock, [], tmp_path / "w.json")
    window.hide()


def test_ctrl_i_silences_the_tickets_whose_source_can_and_shows_them_pending(
    harness: Harness, qtbot: QtBot
) -> None:
    window = shown(harness, qtbot)
    bar = window.actions_bar
    assert bar.silence_button.isVisible()
    select(window, BREACHED_P1)
    assert not bar.silence.isEnabled(), "offered on a ticket whose tool cannot silence"
    select(window, BREACHED_P1, NOISY)
    assert bar.silence.isEnabled()

    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)

    assert harness.control.called("silence") == [(NOISY,)]
    row = window.model.row_of(NOISY.ref)
    assert window.model.data(window.model.index(row, Column.STATE)) == "Silencing…"
    select(window, NOISY)
    assert not bar.silence.isEnabled(), "a pending silence could be sent again"


def test_no_silence_button_when_no_source_can_silence(
    harness: Harness, qtbot: QtBot, control: FakeControl
) -> None:
    control.current = team_state(sources=(ROTATION, QUEUE))
    window = shown(harness, qtbot)
    window.set_state(control.current)
    select(window, WARNING_P1, OK_P2)
    assert not window.actions_bar.silence_button.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert harness.control.called("silence") == []


def test_the_help_page_lists_silence_with_its_key() -> None:
    row = shortcut("silence")
    assert row.keys == ("Ctrl+I",) and row.label == "Silence"
    keys = [(r.where, k) for r in SHORTCUTS for k in r.keys]
    assert len(keys) == len(set(keys)), "two actions share a key"
