"""The schedule tab of the queue window: on now, next, and my shifts for 14 days.

A plain list (one line per item, headings bold) so keyboard and screen-reader users move
through it line by line; the lines come from `schedule_rows.schedule_lines`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from traysupport.service import ServiceState
from traysupport.ui.schedule_rows import schedule_lines


class ScheduleView(QWidget):
    """Shows the schedule of the state it was last given, at the clock's time."""

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._state: ServiceState | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)  # a tab page: off the tab frame
        self.list = QListWidget(self)
        self.list.setAccessibleName("Schedule")
        self.list.setWordWrap(True)
        layout.addWidget(self.list)

    def set_state(self, state: ServiceState) -> None:
        """Show *state*'s schedule now."""
        self._state = state
        self.refresh()

    def refresh(self) -> None:
        """Recompute the lines at the clock's time (state changes, showing the tab)."""
        if self._state is None:
            return
        lines = schedule_lines(self._state, self._clock(), self._state.settings.tz)
        if [line.text for line in lines] == self.texts():
            return  # called each second while shown: keep the reader's place
        current = self.list.currentRow()
        bold = QFont(self.list.font())
        bold.setBold(True)
        self.list.clear()
        for line in lines:
            item = QListWidgetItem(line.text, self.list)
            item.setToolTip(line.text)
            if line.heading:
                item.setFont(bold)
        if current >= 0:
            self.list.setCurrentRow(min(current, self.list.count() - 1))

    def texts(self) -> list[str]:
        """The lines shown, in order (for tests and screen grabs)."""
        return [self.list.item(i).text() for i in range(self.list.count())]


def schedule_tabs(
    window: QWidget, queue: QWidget, clock: Callable[[], datetime]
) -> tuple[QTabWidget, ScheduleView]:
    """The window's "Queue" tab (the *queue* page: filters, table, notice, action row)
    beside a "Schedule" tab.

    Alt+Q / Alt+S (the mnemonics) and Ctrl+Tab / Ctrl+Shift+Tab switch tabs from anywhere
    in the window; the schedule is recomputed whenever its tab is shown.
    """
    tabs = QTabWidget(window)
    schedule = ScheduleView(clock, tabs)
    tabs.addTab(queue, "&Queue")
    tabs.addTab(schedule, "&Schedule")
    tabs.currentChanged.connect(lambda i: schedule.refresh() if i == 1 else None)
    for keys, step in (("Ctrl+Tab", 1), ("Ctrl+Shift+Tab", -1)):
        shortcut = QShortcut(QKeySequence(keys), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(
            lambda step=step: tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())
        )
    return tabs, schedule
