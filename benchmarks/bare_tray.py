"""The least a PySide6 tray app can be: a QApplication and one QSystemTrayIcon, shown.

The yardstick for `benchmarks/desktop.py`: what traysupport's start-up, memory and idle
CPU are compared with. Run: .venv/bin/python benchmarks/bare_tray.py (SIGTERM ends it).
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon


def main() -> int:
    """Show one tray icon until the process is ended."""
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # a tray app has no window to close
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("#1a73e8"))
    tray = QSystemTrayIcon(QIcon(pixmap), app)
    tray.setToolTip("bare tray")
    tray.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
