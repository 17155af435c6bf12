"""The queue window's table and its filter bar: keys, columns, empty text and selection.

Enter acknowledges rather than edits; the selection is read and restored by ranges,
because row-by-row calls take seconds at 10,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QWidget,
)

from traysupport.service import ServiceState
from traysupport.ui.queue_cells import PlainTextDelegate, PriorityChipDelegate
from traysupport.ui.queue_header import plain_label
from traysupport.ui.queue_model import Column, QueueFilter, QueueModel
from traysupport.ui.shortcuts import shortcut, tip
from traysupport.ui.source_health import shown

_COLUMN_WIDTHS = {
    Column.PRIORITY: 40,
    Column.KEY: 86,
    Column.ASSIGNEE: 112,
    Column.AGE: 56,
    Column.SLA: 156,
    Column.STATE: 130,
}
EMPTY_TEXT = {
    QueueFilter.MINE: "Nothing assigned to you",
    QueueFilter.UNASSIGNED: "No unassigned tickets",
    QueueFilter.ALL: "The queue is empty",
    QueueFilter.NEW: "Nothing new since your last review",
}
NOTHING_LOADED = "Nothing loaded yet"
NO_QUEUE_SOURCE = "No source serves a queue: add one in Settings…"


def empty_text(state: ServiceState, which: QueueFilter) -> str:
    """What the table says with no rows: why nothing is listed.

    Until a source serving the queue has answered once, an empty table says nothing
    about the queue: it says "Nothing loaded yet" with the reason (the source's error,
    that it has not answered yet, or that no source serves a queue).
    """
    if state.snapshot.tickets:
        return EMPTY_TEXT[which]
    queues = [s for s in state.snapshot.sources if not s.roles or "queue" in s.roles]
    if any(s.last_ok_at is not None for s in queues):
        return EMPTY_TEXT[which]
    if not queues:
        return f"{NOTHING_LOADED}\n{NO_QUEUE_SOURCE}"
    failing = [s for s in queues if s.error]
    if failing:
        reasons = [f"{shown(s.name, 40)}: {shown(s.error, 160)}" for s in failing]
        return "\n".join([NOTHING_LOADED, *reasons])
    names = ", ".join(shown(s.name, 40) for s in queues)
    return f"{NOTHING_LOADED}\nWaiting for the first answer from {names}…"


_FILTER_ROWS = {
    QueueFilter.MINE: shortcut("filter-mine"),
    QueueFilter.UNASSIGNED: shortcut("filter-unassigned"),
    QueueFilter.ALL: shortcut("filter-all"),
    QueueFilter.NEW: shortcut("filter-new"),
}
FILTER_TIPS = {which: tip(row) for which, row in _FILTER_ROWS.items()}
# A segmented control in the palette's own colours, so it follows light and dark themes.
_SEGMENTED_STYLE = """
#filters QPushButton {
    padding: 3px 12px; border: 1px solid palette(mid); border-left: none;
    background: palette(button); color: palette(button-text);
}
#filters QPushButton:checked {
    background: palette(highlight); color: palette(highlighted-text);
    border-color: palette(highlight);
}
#filters QPushButton:focus { border: 1px solid palette(highlight); }
#filters QPushButton#filter-mine {
    border-left: 1px solid palette(mid);
    border-top-left-radius: 4px; border-bottom-left-radius: 4px;
}
#filters QPushButton#filter-mine:checked { border-left-color: palette(highlight); }
#filters QPushButton#filter-new { border-top-right-radius: 4px; border-bottom-right-radius: 4px; }
"""
FILTER_LABELS = {which: row.label for which, row in _FILTER_ROWS.items()}
"""The filter buttons' texts, their mnemonics (Alt+M, Alt+U, Alt+A) from `shortcuts`."""


class QueueTable(QTableView):
    """The queue's table: Enter acknowledges, and an empty queue says so."""

    acknowledge_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter and Return acknowledge the selection, rather than start an edit."""
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not plain:
            self.acknowledge_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The rows, or a line saying why there are none."""
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            area = self.viewport().rect().adjusted(12, 0, -12, 0)
            painter.drawText(area, int(flags), self.empty_text)
            painter.end()


def build_table(model: QueueModel, parent: QWidget) -> QueueTable:
    """A read-only, row-selecting table over *model*, its columns sized for the queue."""
    table = QueueTable(parent)
    table.setModel(model)
    table.setItemDelegate(PlainTextDelegate(table))
    table.setItemDelegateForColumn(Column.PRIORITY, PriorityChipDelegate(table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab leaves the table instead of walking cells
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setCornerButtonEnabled(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for column, width in _COLUMN_WIDTHS.items():
        table.setColumnWidth(column, width)
    header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
    return table


class FilterBar:
    """Mine / Unassigned / All / New since review as a segmented control, and the rows shown."""

    def __init__(self, parent: QWidget, choose: Callable[[QueueFilter], None]) -> None:
        segments = QWidget(parent)
        segments.setObjectName("filters")
        segments.setStyleSheet(_SEGMENTED_STYLE)
        inner = QHBoxLayout(segments)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(0)
        self.group = QButtonGroup(parent)
        self.buttons: dict[QueueFilter, QPushButton] = {}
        for which in QueueFilter:
            button = QPushButton(FILTER_LABELS[which], segments)
            button.setObjectName(f"filter-{which}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setToolTip(FILTER_TIPS[which])
            button.clicked.connect(lambda _checked=False, w=which: choose(w))
            self.group.addButton(button)
            self.buttons[which] = button
            inner.addWidget(button)
        self.buttons[QueueFilter.ALL].setChecked(True)
        self.layout = QHBoxLayout()
        self.layout.addWidget(segments)
        self.layout.addStretch(1)
        self.count_label = plain_label(muted=True)
        self.layout.addWidget(self.count_label)

    def show_counts(self, model: QueueModel) -> None:
        """Each filter's count on its button, and how many rows the table shows."""
        for which, button in self.buttons.items():
            button.setText(f"{FILTER_LABELS[which]}  {model.count(which)}")
        shown = model.rowCount()
        self.count_label.setText(f"{shown} ticket{'' if shown == 1 else 's'}")


def selected_rows(table: QTableView) -> list[int]:
    """The selected rows, in order.

    Read from the selection's ranges: `selectedRows()` asks the model for its column
    count once per row, which takes seconds with 10,000 rows selected.
    """
    selection = table.selectionModel().selection()
    rows: set[int] = set()
    for i in range(selection.count()):
        span = selection.at(i)
        rows.update(range(span.top(), span.bottom() + 1))
    return sorted(rows)


def current_cell(table: QTableView, model: QueueModel) -> tuple[str, int] | None:
    """The current cell as (ticket ref, column): rows move between states, refs stay."""
    current = table.currentIndex()
    if not current.isValid():
        return None
    return (model.ticket_at(current.row()).ref, current.column())


def reselect(
    table: QTableView, model: QueueModel, refs: set[str], current: tuple[str, int] | None
) -> None:
    """Select the rows of *refs* again after a reset (in one call, runs merged).

    The current cell comes back on its ticket and in its column: a poll must not
    move the keyboard's place (arrow keys, type-to-search in the Key column).
    """
    rows = model.rows_of(refs | ({current[0]} if current else set()))
    selection = QItemSelection()
    last = model.columnCount() - 1
    for start, end in _runs(sorted(rows[r] for r in refs if r in rows)):
        selection.select(model.index(start, 0), model.index(end, last))
    flags = QItemSelectionModel.SelectionFlag
    chosen = table.selectionModel()
    if current is not None and current[0] in rows:
        index = model.index(rows[current[0]], current[1])
        chosen.setCurrentIndex(index, flags.NoUpdate)
    chosen.select(selection, flags.ClearAndSelect | flags.Rows)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
