"""The handover dialog's ticket list: which tickets go (checked), most urgent first, and
once they are sent, what became of each.

Titles and results come from servers: they are shown, and their tooltips too, as plain
text (`queue_cells.PlainTextDelegate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from traysupport.core.model import Ticket
from traysupport.core.sla import time_left, urgency_order
from traysupport.core.timefmt import format_duration
from traysupport.service import ServiceState
from traysupport.ui.queue_cells import PlainTextDelegate

AnyIndex = QModelIndex | QPersistentModelIndex

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""The Person of a team row, the Ticket of a ticket row."""
KEY, TITLE, STATUS = 0, 1, 2
"""Columns of the ticket list."""
_FAILED_INK = QBrush(QColor("#b3261e"))


def sla_left(ticket: Ticket, state: ServiceState, now: datetime) -> str:
    """The ticket's SLA in a few words: "12 min left", "breached", or ""."""
    left = time_left(ticket, state.settings.sla, now)
    if left is None:
        return ""
    return f"{format_duration(left)} left" if left.total_seconds() > 0 else "breached"


class RoomyRows(PlainTextDelegate):
    """Rows a little taller than the style's tightest, for a list one reads and clicks in.

    Tooltips (titles, names, results) come from servers: shown literally, as in the queue.
    """

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802
        """The usual size, 6 px taller."""
        return super().sizeHint(option, index) + QSize(0, 6)


class HandoverTickets(QTreeWidget):
    """Key, title and SLA (later: the result) of each ticket, with a check box to pick it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(RoomyRows(self))
        self.setColumnCount(3)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.ResizeToContents)

    def fill(
        self,
        chosen: Sequence[Ticket],
        mine: Sequence[Ticket],
        state: ServiceState,
        now: datetime,
    ) -> None:
        """The chosen tickets, checked, and my other open ones, unchecked; most urgent first."""
        picked = {t.ref for t in chosen}
        extra = [t for t in mine if t.ref not in picked]
        for ticket in urgency_order([*chosen, *extra], state.settings.sla, now):
            item = QTreeWidgetItem(
                self,
                [
                    f"{ticket.priority.label}  {ticket.key}",
                    ticket.title,
                    sla_left(ticket, state, now),
                ],
            )
            item.setData(KEY, ITEM_ROLE, ticket)
            item.setToolTip(TITLE, ticket.title)
            item.setTextAlignment(
                STATUS, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = ticket.ref in picked
            item.setCheckState(KEY, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def rows(self) -> list[QTreeWidgetItem]:
        """Every ticket's row, in order."""
        rows = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in rows if item is not None]

    def checked(self) -> list[Ticket]:
        """The checked tickets, most urgent first."""
        return [
            item.data(KEY, ITEM_ROLE)
            for item in self.rows()
            if item.checkState(KEY) == Qt.CheckState.Checked
        ]

    def keep_checked(self) -> None:
        """Once sent: only the checked tickets stay, and can no longer be unchecked."""
        for item in self.rows():
            item.setHidden(item.checkState(KEY) != Qt.CheckState.Checked)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setData(KEY, Qt.ItemDataRole.CheckStateRole, None)

    def show_results(self, results: Mapping[str, str]) -> None:
        """Each ticket's result (by key) in its last column; failures in red."""
        for item in self.rows():
            ticket: Ticket = item.data(KEY, ITEM_ROLE)
            result = results.get(ticket.key)
            if result is not None:
                item.setText(STATUS, result)
                item.setToolTip(STATUS, result)
                ink = _FAILED_INK if result.startswith("Failed") else None
                item.setData(STATUS, Qt.ItemDataRole.ForegroundRole, ink)
