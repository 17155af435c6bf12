"""A sheet of the tray icon: each state at 16, 22, 24 and 32 px on a light and a dark panel.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/tray_icon_sheet.py [OUT_FILE]

Writes docs/screenshots/tray-icons.png by default: every icon is drawn at its real pixel
size, then shown twice as big with square pixels (no smoothing), so the sheet shows what
a panel shows. Run it after changing `traysupport.ui.icons`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication

from traysupport.ui import icons
from traysupport.ui.presenter import TrayState

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "tray-icons.png"
SIZES = (16, 22, 24, 32)
CASES = (
    ("Off duty", TrayState.OFF_DUTY, 0, False),
    ("On duty", TrayState.ON_DUTY_QUIET, 0, False),
    ("3 waiting", TrayState.ON_DUTY_ATTENTION, 3, False),
    ("12 waiting", TrayState.ON_DUTY_ATTENTION, 12, False),
    ("SLA warning", TrayState.SLA_WARNING, 3, False),
    ("SLA breached", TrayState.SLA_BREACHED, 3, False),
    ("Source down", TrayState.STALE, 3, True),
    ("Breached, a\nsource down", TrayState.SLA_BREACHED, 3, True),
    ("Paused", TrayState.PAUSED, 3, False),
)
PANELS = (("Light panel", "#e8e8e7", False), ("Dark panel", "#2b2b2b", True))
ZOOM = 2
COLUMN, ROW, LEFT, HEAD = 88, 70, 84, 40


def sheet() -> QImage:
    """The whole sheet: a band per panel, a row per size, a column per case."""
    band = HEAD + ROW * len(SIZES)
    image = QImage(LEFT + COLUMN * len(CASES), band * len(PANELS), QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    font = QFont()
    font.setPixelSize(13)
    painter.setFont(font)
    for p, (title, colour, dark) in enumerate(PANELS):
        top = p * band
        ink = QColor("#f2f2f2" if dark else "#232629")
        painter.fillRect(0, top, image.width(), band, QColor(colour))
        painter.setPen(ink)
        painter.drawText(QRect(8, top, LEFT, HEAD), Qt.AlignmentFlag.AlignVCenter, title)
        for c, (label, *_rest) in enumerate(CASES if p == 0 else ()):
            box = QRect(LEFT + c * COLUMN, top, COLUMN, HEAD)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        for r, size in enumerate(SIZES):
            y = top + HEAD + r * ROW
            painter.setPen(ink)
            painter.drawText(QRect(8, y, LEFT, ROW), Qt.AlignmentFlag.AlignVCenter, f"{size} px")
            for c, (_label, state, badge, warning) in enumerate(CASES):
                icon = icons.tray_icon(state, badge, dark_panel=dark, warning=warning)
                drawn = icon.pixmap(size, size).toImage()
                big = drawn.scaled(size * ZOOM, size * ZOOM)  # nearest: the panel's pixels
                x = LEFT + c * COLUMN + (COLUMN - size * ZOOM) // 2
                painter.drawImage(x, y + (ROW - size * ZOOM) // 2, big)
    painter.end()
    return image


def main(argv: list[str]) -> int:
    """Write the sheet to argv[1] (default `OUT`) as a PNG."""
    out = Path(argv[1]) if len(argv) > 1 else OUT
    app = QApplication.instance() or QApplication([])
    # Full colour: a palette would drop the icons' anti-aliasing, which is what a panel shows.
    image = sheet()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG", 9):
        print(f"could not write {out}", file=sys.stderr)
        return 1
    print(f"{out}: {out.stat().st_size // 1024} KB")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
