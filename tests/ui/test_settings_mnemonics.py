"""Keyboard access in the settings window: each field label's mnemonic (&Name, &URL,
To&ken, ...) moves the focus into its field, in the source dialog and on every page, and
no page gives one key to two things.

Found by the e2e test on Xvfb (tests/e2e/test_settings_e2e.py): Alt+N, Alt+U and Alt+K
left the focus on the provider box, so what was typed next chose a provider instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.keyrings import MemoryKeyring
from traysupport.ui.settings_launch import SettingsLauncher

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def launcher(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SettingsLauncher]:
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    # With a pause, as the running app opens it: its General page has the pause buttons.
    launcher = SettingsLauncher(tmp_path / "config.toml", pause=lambda span: None)
    yield launcher
    launcher.close()
    keyring.set_keyring(before)


def _mnemonic_labels(window: QWidget) -> list[QLabel]:
    """The visible labels of *window* with a buddy and a mnemonic."""
    return [
        label
        for label in window.findChildren(QLabel)
        if label.buddy() is not None and "&" in label.text() and label.isVisible()
    ]


def _press_mnemonic(qtbot: QtBot, window: QWidget, label: QLabel) -> None:
    key = QKeySequence.mnemonic(label.text())[0].key()
    qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)


def _focused_in(buddy: QWidget) -> bool:
    focused = buddy.window().focusWidget()
    return focused is not None and (focused is buddy or buddy.isAncestorOf(focused))


def test_each_field_label_of_the_source_dialog_focuses_its_field(
    qtbot: QtBot, launcher: SettingsLauncher
) -> None:
    window = launcher.open("sources", add=True)
    dialog = window.sources.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    labels = _mnemonic_labels(dialog)
    names = {label.text() for label in labels}
    assert {"&Name", "&URL", "To&ken"} <= names, names
    for label in labels:
        _press_mnemonic(qtbot, dialog, label)
        assert _focused_in(label.buddy()), (label.text(), dialog.focusWidget())


@pytest.mark.parametrize("page", ["sources", "notifications", "general"])
def test_each_field_label_of_a_page_has_its_own_key_and_focuses_its_field(
    qtbot: QtBot, launcher: SettingsLauncher, page: str
) -> None:
    window = launcher.open(page)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    labels = _mnemonic_labels(window)
    # A key shared with a button, a tab or another label makes Qt move among them, so
    # Alt+S would focus "&Sound" instead of pressing "&Save".
    texts = [label.text() for label in labels]
    texts += [w.text() for w in window.findChildren(QAbstractButton) if w.isVisible()]
    texts += [window.tabs.tabText(i) for i in range(window.tabs.count())]
    keys = [QKeySequence.mnemonic(t).toString() for t in texts]
    shared = {k: [t for t, tk in zip(texts, keys, strict=True) if tk == k] for k in keys}
    assert not {k: t for k, t in shared.items() if k and len(t) > 1}
    for label in labels:
        _press_mnemonic(qtbot, window, label)
        assert _focused_in(label.buddy()), (label.text(), window.focusWidget())
