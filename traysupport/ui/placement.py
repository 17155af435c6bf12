"""Where the queue window opens: beside the tray icon, inside the screen (pure geometry)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize

_EDGE = 12
"""Gap in pixels between the window and the tray icon or the screen's edge."""


def place_near(size: QSize, anchor: QRect | None, available: QRect) -> QPoint:
    """Where a window of *size* goes: beside the tray icon *anchor*, else bottom-right.

    Beside means above an icon in the lower half of the screen and below one in the
    upper half, its edge aligned with the icon's; always inside *available*.
    """
    if anchor is not None and anchor.isValid():
        right_side = anchor.center().x() >= available.center().x()
        x = anchor.right() + 1 - size.width() if right_side else anchor.left()
        lower_half = anchor.center().y() >= available.center().y()
        y = anchor.top() - _EDGE - size.height() if lower_half else anchor.bottom() + 1 + _EDGE
    else:
        x = available.right() + 1 - _EDGE - size.width()
        y = available.bottom() + 1 - _EDGE - size.height()
    x = max(available.left(), min(x, available.right() + 1 - size.width()))
    y = max(available.top(), min(y, available.bottom() + 1 - size.height()))
    return QPoint(x, y)
