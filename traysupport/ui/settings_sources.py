"""The Sources page of the settings window: the list, add, edit, remove, reorder, test.

Each row is one ``[[source]]`` as it takes effect; a source the team's defaults declare
is marked so and can be edited (the user's own keys over the team's) but not removed.
Test connection checks the selected source as it stands on a worker thread
(`settings_check`); its answer shows under the list when it comes, and the page stays
live meanwhile. Nothing is written here: the window saves the list (`settings_model`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from traysupport.ui.settings_check import CheckAnswer, ConnectionChecks
from traysupport.ui.settings_model import SourceDraft, draft_source
from traysupport.ui.settings_source_dialog import Check, SourceDialog


class SourcesPage(QWidget):
    """The sources, in order; `edited` when the list or a source changed."""

    edited = Signal()

    def __init__(
        self,
        sources: Sequence[SourceDraft],
        *,
        keyring: tuple[bool, str],
        token_kept: Callable[[str], bool],
        check: Check,
        checks: ConnectionChecks | None = None,
        providers: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        """*checks*: where checks run; give the window's, which outlives a rebuilt page."""
        super().__init__(parent)
        self.sources = list(sources)
        self.providers = list(providers)
        """Offered first when adding (the team's providers)."""
        self._keyring, self._token_kept, self._check = keyring, token_kept, check
        self.checks = checks if checks is not None else ConnectionChecks(self)
        self.dialog: SourceDialog | None = None
        self.list = QListWidget()
        self.list.setObjectName("sources")
        self.buttons = {
            name: QPushButton(text)
            for name, text in (
                ("add", "&Add…"),
                ("edit", "&Edit…"),
                ("remove", "&Remove"),
                ("up", "Move &up"),
                ("down", "Move &down"),
                ("test", "&Test connection"),
            )
        }
        self.answer = QLabel()
        self.answer.setObjectName("answer")
        self.answer.setTextFormat(Qt.TextFormat.PlainText)
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty = QLabel(
            "No source yet: the app shows the embedded demo team. Add your team's ticket tool"
            " and rotation with Add…"
        )
        self.empty.setWordWrap(True)
        works, why = keyring
        self.keyring_note = QLabel(why)
        self.keyring_note.setObjectName("keyring")
        self.keyring_note.setTextFormat(Qt.TextFormat.PlainText)
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not works)
        self._lay_out()
        self._connect()
        self._fill()

    def _lay_out(self) -> None:
        side = QVBoxLayout()
        for button in self.buttons.values():
            side.addWidget(button)
        side.addStretch()
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.empty)
        layout.addLayout(row, 1)
        layout.addWidget(self.answer)

    def _connect(self) -> None:
        self.buttons["add"].clicked.connect(self.add)
        self.buttons["edit"].clicked.connect(self.edit)
        self.buttons["remove"].clicked.connect(self.remove)
        self.buttons["up"].clicked.connect(self.move_up)
        self.buttons["down"].clicked.connect(self.move_down)
        self.buttons["test"].clicked.connect(self.test_connection)
        self.list.currentRowChanged.connect(self._selected)
        self.list.itemActivated.connect(self.edit)
        self.checks.answered.connect(self._answered)

    def _fill(self, current: int = 0) -> None:
        self.list.clear()
        for draft in self.sources:
            item = QListWidgetItem(draft.label)
            if draft.team:
                item.setToolTip("Declared by your team's defaults; your changes go over them.")
            self.list.addItem(item)
        self.empty.setVisible(not self.sources)
        self.list.setCurrentRow(min(current, len(self.sources) - 1))
        self._selected()

    def _row(self) -> int:
        row = self.list.currentRow()
        return row if 0 <= row < len(self.sources) else -1

    @Slot()
    def _selected(self) -> None:
        row = self._row()
        chosen = self.sources[row] if row >= 0 else None
        for name in ("edit", "test", "up", "down"):
            self.buttons[name].setEnabled(chosen is not None)
        self.buttons["remove"].setEnabled(chosen is not None and not chosen.team)
        self.buttons["up"].setEnabled(row > 0)
        self.buttons["down"].setEnabled(0 <= row < len(self.sources) - 1)
        if chosen is not None and not self.checks.running(chosen.name):
            self.answer.clear()

    def _open(self, draft: SourceDraft) -> SourceDialog:
        self.dialog = SourceDialog(
            draft,
            taken=[d.name for d in self.sources if d is not draft],
            keyring=self._keyring,
            token_kept=self._token_kept,
            checks=self.checks,
            check=self._check,
            providers=self.providers,
            parent=self,
        )
        return self.dialog

    @Slot()
    def add(self) -> None:
        """Add a source through the source dialog (opened window-modal; tests drive it)."""
        provider = self.providers[0] if self.providers else "team-api"
        dialog = self._open(SourceDraft("", provider))
        dialog.accepted.connect(self._added)
        dialog.open()

    @Slot()
    def _added(self) -> None:
        if self.dialog is not None:
            self.sources.append(self.dialog.result_draft)
            self._fill(len(self.sources) - 1)
            self.edited.emit()

    @Slot()
    def edit(self) -> None:
        """Edit the selected source."""
        row = self._row()
        if row < 0:
            return
        dialog = self._open(self.sources[row])
        dialog.accepted.connect(self._edited)
        dialog.open()

    @Slot()
    def _edited(self) -> None:
        row = self._row()
        if self.dialog is not None and row >= 0:
            self.sources[row] = self.dialog.result_draft
            self._fill(row)
            self.edited.emit()

    @Slot()
    def remove(self) -> None:
        """Remove the selected source (not one of the team's)."""
        row = self._row()
        if row >= 0 and not self.sources[row].team:
            del self.sources[row]
            self._fill(row)
            self.edited.emit()

    def _move(self, by: int) -> None:
        row = self._row()
        to = row + by
        if row >= 0 and 0 <= to < len(self.sources):
            self.sources[row], self.sources[to] = self.sources[to], self.sources[row]
            self._fill(to)
            self.edited.emit()

    @Slot()
    def move_up(self) -> None:
        """Move the selected source up one place."""
        self._move(-1)

    @Slot()
    def move_down(self) -> None:
        """Move the selected source down one place."""
        self._move(1)

    @Slot()
    def test_connection(self) -> None:
        """Check the selected source as it stands, on a worker; the answer comes later."""
        row = self._row()
        if row < 0:
            return
        draft = self.sources[row]
        source, problems = draft_source(draft, draft.values)
        if source is None:
            self._say("\n".join(problems), ok=False)
            return
        token = draft.token or None
        if self.checks.start(draft.name, lambda: self._check(source, token)):
            self._say(f"Testing {draft.name}…", ok=True)

    @Slot(str, object)
    def _answered(self, key: str, answer: object) -> None:
        if isinstance(answer, CheckAnswer) and any(d.name == key for d in self.sources):
            self._say(f"{key}: {answer.text}", ok=answer.ok)

    def _say(self, text: str, *, ok: bool) -> None:
        self.answer.setStyleSheet("" if ok else "color: #b00020;")
        self.answer.setText(text)
