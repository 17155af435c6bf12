"""How the queue's cells are drawn: tooltips as plain text, and the priority as a chip.

Server text is never markup: every tooltip is shown escaped, whatever it holds.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QHelpEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from traysupport.core.model import Priority
from traysupport.ui.queue_model import AnyIndex, QueueModel

_CHIP = {
    # Dark enough for white text at a small size (contrast of 4.5:1 or more).
    Priority.P1: QColor("#b3261e"),
    Priority.P2: QColor("#b45309"),
    Priority.P3: QColor("#1d4ed8"),
    Priority.P4: QColor("#5f6368"),
}


def plain_tooltip(text: str) -> str:
    """*text* as a tooltip that shows it literally.

    Qt renders a tooltip as rich text whenever it looks like markup (`Qt::mightBeRichText`),
    so a ticket titled "<b>Checkout</b>" would show in bold: escaped inside a paragraph
    that keeps line breaks, it reads exactly as written.
    """
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


class PlainTextDelegate(QStyledItemDelegate):
    """Draws cells as usual, and shows their tooltips as plain text."""

    def helpEvent(  # noqa: N802
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: AnyIndex,
    ) -> bool:
        """Show the cell's ToolTipRole literally, whatever characters it holds."""
        if event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        model = index.model()
        text = model.data(index, Qt.ItemDataRole.ToolTipRole) if model is not None else None
        if not text:
            QToolTip.hideText()
            return False
        QToolTip.showText(event.globalPos(), plain_tooltip(str(text)), view)
        return True


class PriorityChipDelegate(PlainTextDelegate):
    """Draws the priority as a small coloured chip ("P1" white on red)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """The cell's background and selection as the style draws them, then the chip.

        The model is read directly rather than through `initStyleOption`, which would
        also lay out the "P1" text that the chip replaces.
        """
        model, view = index.model(), self.parent()
        if not isinstance(model, QueueModel) or not isinstance(view, QAbstractItemView):
            super().paint(painter, option, index)
            return
        cell = QStyleOptionViewItem(option)
        tint = model.data(index, Qt.ItemDataRole.BackgroundRole)
        if isinstance(tint, QBrush):
            cell.backgroundBrush = tint
        view.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, cell, painter, view)
        priority = model.ticket_at(index.row()).priority
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        metrics = QFontMetrics(font)
        rect = QRect(0, 0, metrics.horizontalAdvance(priority.label) + 10, metrics.height() + 2)
        rect.moveCenter(option.rect.center())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_CHIP[priority])
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, priority.label)
        painter.restore()
