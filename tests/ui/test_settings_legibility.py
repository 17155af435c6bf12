"""The settings window's help lines are readable: each field's help (what it does, what
it takes, its default) is drawn with at least WCAG AA contrast (4.5:1) on the window.

Seen in a screenshot of the e2e run on Xvfb: the help was drawn as disabled text, light
grey on light grey (about 2:1), the line a new user most needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from traysupport.ui.settings_model import load_settings
from traysupport.ui.settings_window import SettingsWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def drawn_color(label: QLabel) -> QColor:
    """The colour *label*'s text is drawn in (disabled text in the disabled colour)."""
    group = QPalette.ColorGroup.Active if label.isEnabled() else QPalette.ColorGroup.Disabled
    return label.palette().color(group, label.foregroundRole())


def test_each_help_line_is_drawn_with_enough_contrast(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    window = SettingsWindow(load_settings(tmp_path / "config.toml", None))
    qtbot.addWidget(window)
    helps = [
        label
        for form in window.forms.values()
        for label in form.findChildren(QLabel)
        if "; default " in label.text()
    ]
    assert len(helps) > 10
    background = window.palette().color(QPalette.ColorRole.Window)
    low = {
        label.text()[:40]: round(contrast(drawn_color(label), background), 1)
        for label in helps
        if contrast(drawn_color(label), background) < 4.5
    }
    assert not low
