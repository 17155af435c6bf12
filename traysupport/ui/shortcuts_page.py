"""Help ▸ Keyboard shortcuts: every row of `shortcuts.SHORTCUTS`, by section."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from traysupport.ui.shortcuts import SHORTCUTS, key_text

TITLE = "Keyboard shortcuts"


class ShortcutsPage(QDialog):
    """A list of the keys and what each does, grouped as the table groups them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Keys", "What they do"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        sections: dict[str, QTreeWidgetItem] = {}
        for row in SHORTCUTS:
            section = sections.get(row.where)
            if section is None:
                section = sections[row.where] = QTreeWidgetItem(self.tree, [row.where])
                font = section.font(0)
                font.setBold(True)
                section.setFont(0, font)
                section.setFirstColumnSpanned(True)
            QTreeWidgetItem(section, [key_text(row), row.what])
        self.tree.expandAll()
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, keys, what) of every line shown, in order (for tests)."""
        shown = []
        sections = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        for section in sections:
            assert section is not None
            for item in (section.child(j) for j in range(section.childCount())):
                assert item is not None
                shown.append((section.text(0), item.text(0), item.text(1)))
        return shown
