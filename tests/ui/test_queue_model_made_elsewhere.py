"""The queue model handed rows and change marks made beforehand (on the tray app's home
thread) shows and ticks exactly as with those it makes itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import NOW, WARNING_P1, team_state
from traysupport.ui.queue_model import (
    Column,
    QueueFilter,
    QueueModel,
    build_rows,
    change_marks,
)


def everything(model: QueueModel) -> list[list[object]]:
    return [
        [model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) for c in Column]
        for r in range(model.rowCount())
    ]


def repaints(model: QueueModel) -> list[tuple[int, int, int, int]]:
    seen: list[tuple[int, int, int, int]] = []

    def record(first: QModelIndex, last: QModelIndex, *_roles: object) -> None:
        seen.append((first.row(), last.row(), first.column(), last.column()))

    model.dataChanged.connect(record)
    return seen


@pytest.mark.parametrize("which", list(QueueFilter))
def test_rows_and_marks_made_elsewhere_show_and_tick_the_same(
    qtbot: QtBot, which: QueueFilter
) -> None:
    state = team_state()
    own, given = QueueModel(), QueueModel()
    own.set_filter(which)
    given.set_filter(which)
    own.set_state(state, NOW)
    rows = build_rows(state, NOW)
    given.set_state(state, NOW, rows, change_marks(rows))
    assert everything(given) == everything(own)
    seen_own, seen_given = repaints(own), repaints(given)
    later = NOW + timedelta(minutes=12, seconds=5)  # past WARNING_P1's deadline
    own.tick(later)
    given.tick(later)
    assert seen_given == seen_own
    if given.row_of(WARNING_P1.ref) is not None:
        row = given.row_of(WARNING_P1.ref)
        assert (row, row, 0, len(Column) - 1) in seen_given
