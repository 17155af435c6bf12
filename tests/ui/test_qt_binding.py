"""The Qt binding itself: a known-bad release must not come back in an upgrade."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_calling_void_methods_does_not_leak_references_to_none(qtbot: QtBot) -> None:
    # PySide6 6.12.0 on Python 3.11 drops one reference to None per call of a C++ method
    # that returns void; the app then aborts within minutes ("deallocating None").
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setEnabled(True)
    assert sys.getrefcount(None) - before > -100
