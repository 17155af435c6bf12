"""The editor widgets of the settings forms, one per kind of setting.

Each `FieldEditor` gives back the TOML value the user entered (`raw`) and shows one it is
given (`set_raw`); the kind's `parse` then accepts or refuses it with the loader's words:
an editor never decides what is valid. `settings_editors.editor_for` picks the widget for
a setting's kind.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from traysupport.sources.settings import toml_text


class FieldEditor(QWidget):
    """Edits one setting; `raw()` is the TOML value entered, as a config file would hold it."""

    edited = Signal()

    def raw(self) -> object:
        """The TOML value the user entered (not yet checked)."""
        raise NotImplementedError

    def set_raw(self, raw: object) -> None:
        """Show TOML value *raw*."""
        raise NotImplementedError

    def _single(self, widget: QWidget) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget)
        self._focus_to(widget)

    def _focus_to(self, widget: QWidget) -> None:
        """Focus given to this editor goes to *widget*. Its policy is taken too: a label's
        mnemonic (&Name) focuses its buddy, this editor, only when the buddy takes focus."""
        self.setFocusProxy(widget)
        self.setFocusPolicy(widget.focusPolicy())


class LineField(FieldEditor):
    """A line edit; *to_text* / *from_text* translate between TOML values and its text."""

    def __init__(self, placeholder: str, *, secret: bool = False) -> None:
        super().__init__()
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        if secret:
            self.line.setEchoMode(QLineEdit.EchoMode.Password)
        self.line.textEdited.connect(self.edited)
        self._single(self.line)

    def to_text(self, raw: object) -> str:
        """*raw* as the line shows it."""
        return raw if isinstance(raw, str) else toml_text(raw)

    def from_text(self, text: str) -> object:
        """The TOML value the line's *text* means."""
        return text

    def raw(self) -> object:
        return self.from_text(self.line.text())

    def set_raw(self, raw: object) -> None:
        self.line.setText(self.to_text(raw))


class NumberListField(LineField):
    """Whole numbers separated by commas ("1440, 15"); an item that is not one is kept as
    text, so the kind refuses it with its own message."""

    def to_text(self, raw: object) -> str:
        return ", ".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)

    def from_text(self, text: str) -> object:
        items: list[object] = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            items.append(int(item) if item.lstrip("-").isdigit() else item)
        return items


class WholeNumberField(LineField):
    """A whole number too large for a spin box (an id): digits, else kept as text."""

    def from_text(self, text: str) -> object:
        text = text.strip()
        return int(text) if text.lstrip("-").isdigit() else text


class TextListField(LineField):
    """Text items separated by commas ("PS1, PS2")."""

    def to_text(self, raw: object) -> str:
        return ", ".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)

    def from_text(self, text: str) -> object:
        return [part.strip() for part in text.split(",") if part.strip()]


class TomlField(LineField):
    """A value of a kind this module does not know, written as TOML (["a", "b"], 3...)."""

    def from_text(self, text: str) -> object:
        try:
            return tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            return text  # the kind refuses it, saying what it wants


class ComboField(FieldEditor):
    """A choice among (shown text, TOML value) items; *editable* lets the user type another."""

    def __init__(self, items: Sequence[tuple[str, str]], *, editable: bool = False) -> None:
        super().__init__()
        self.combo = QComboBox()
        self.combo.setEditable(editable)
        for text, value in items:
            self.combo.addItem(text, value)
        self.combo.currentIndexChanged.connect(self.edited)
        if editable:
            self.combo.editTextChanged.connect(self.edited)
        self._single(self.combo)

    def raw(self) -> object:
        index = self.combo.currentIndex()
        text = self.combo.currentText()
        if index >= 0 and self.combo.itemText(index) == text:
            return self.combo.itemData(index)
        return text.strip()

    def set_raw(self, raw: object) -> None:
        index = self.combo.findData(raw)
        if index < 0 and self.combo.isEditable():
            self.combo.setEditText(raw if isinstance(raw, str) else toml_text(raw))
        else:
            self.combo.setCurrentIndex(max(index, 0))


class CheckField(FieldEditor):
    """true or false."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.box = QCheckBox(text)
        self.box.toggled.connect(self.edited)
        self._single(self.box)

    def raw(self) -> object:
        return self.box.isChecked()

    def set_raw(self, raw: object) -> None:
        self.box.setChecked(raw is True)


class SpinField(FieldEditor):
    """A whole number within *low*..*high*; *off* names the lowest value when it means off."""

    def __init__(self, low: int, high: int, unit: str = "", off: str = "") -> None:
        super().__init__()
        self.spin = QSpinBox()
        self.spin.setRange(low, high)
        if unit:
            self.spin.setSuffix(f" {unit}")
        if off:
            self.spin.setSpecialValueText(off)
        self.spin.valueChanged.connect(self.edited)
        self._single(self.spin)

    def raw(self) -> object:
        return self.spin.value()

    def set_raw(self, raw: object) -> None:
        if isinstance(raw, int) and not isinstance(raw, bool):
            self.spin.setValue(raw)


class RealField(FieldEditor):
    """A number with fractions within *low*..*high*."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__()
        self.spin = QDoubleSpinBox()
        self.spin.setRange(low, high)
        self.spin.setDecimals(2)
        self.spin.setSingleStep(0.05)
        self.spin.valueChanged.connect(self.edited)
        self._single(self.spin)

    def raw(self) -> object:
        return round(self.spin.value(), 2)

    def set_raw(self, raw: object) -> None:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            self.spin.setValue(float(raw))


class RolesField(FieldEditor):
    """A check box per role the provider can serve; none ticked: all of them."""

    def __init__(self, roles: Sequence[str]) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes = {role: QCheckBox(role) for role in roles}
        for box in self.boxes.values():
            box.toggled.connect(self.edited)
            layout.addWidget(box)
        layout.addStretch()
        if self.boxes:
            self._focus_to(next(iter(self.boxes.values())))

    def raw(self) -> object:
        return [role for role, box in self.boxes.items() if box.isChecked()]

    def set_raw(self, raw: object) -> None:
        chosen = raw if isinstance(raw, list) else []
        for role, box in self.boxes.items():
            box.setChecked(role in chosen or not chosen)


class ChoicesField(FieldEditor):
    """A check box per choice, any number ticked (three to a row)."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes = {choice: QCheckBox(choice.replace("_", " ")) for choice in choices}
        for index, box in enumerate(self.boxes.values()):
            box.toggled.connect(self.edited)
            grid.addWidget(box, index // 3, index % 3)
        if self.boxes:
            self._focus_to(next(iter(self.boxes.values())))

    def raw(self) -> object:
        return [choice for choice, box in self.boxes.items() if box.isChecked()]

    def set_raw(self, raw: object) -> None:
        chosen = raw if isinstance(raw, list) else []
        for choice, box in self.boxes.items():
            box.setChecked(choice in chosen)


class TableField(FieldEditor):
    """A two-column table of text = text, with Add and Remove."""

    def __init__(self, headers: tuple[str, str] = ("Name", "Value")) -> None:
        super().__init__()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(140)
        self.table.itemChanged.connect(self.edited)
        add, remove = QPushButton("Add row"), QPushButton("Remove row")
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._focus_to(self.table)

    def _add(self) -> None:
        self.table.insertRow(self.table.rowCount())
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        self.edited.emit()

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.edited.emit()

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def raw(self) -> object:
        pairs = ((self._cell(r, 0), self._cell(r, 1)) for r in range(self.table.rowCount()))
        return {key: value for key, value in pairs if key}

    def set_raw(self, raw: object) -> None:
        pairs = list(raw.items()) if isinstance(raw, dict) else []
        self.table.blockSignals(True)  # one `edited` for the whole table, not a cell each
        self.table.setRowCount(len(pairs))
        for row, (key, value) in enumerate(pairs):
            self.table.setItem(row, 0, QTableWidgetItem(str(key)))
            self.table.setItem(row, 1, QTableWidgetItem(str(value)))
        self.table.blockSignals(False)
