"""A form of settings built from their schema rows: label, editor, help, inline problem.

Each row shows its setting's help and what it takes (the kind's label) under the
editor, the help again as the editor's tooltip, and the problem the loader would
report for the value entered, in the loader's words, under it as the user types. A
value the team's defaults file sets is shown as set by the team, its editor locked
until the user ticks "Override" (the user's file may still set it). Labels carry
mnemonics, so every field is one Alt+letter away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from traysupport.sources.section import shown_value
from traysupport.sources.settings import InvalidValueError, Setting, toml_text
from traysupport.ui.settings_editors import editor_for
from traysupport.ui.settings_fields import FieldEditor

_UNITS = ("minutes", "seconds")
_WORDS = {"sla": "SLA", "url": "URL", "ui": "Display"}


def label_text(row: Setting) -> str:
    """A label for *row* from its TOML key: "duty_soon_minutes" → "Duty soon (minutes)"."""
    words = row.name.split("_")
    unit = f" ({words.pop()})" if len(words) > 1 and words[-1] in _UNITS else ""
    text = " ".join(_WORDS.get(w, w.upper() if re.fullmatch(r"p\d", w) else w) for w in words)
    return text[:1].upper() + text[1:] + unit


def section_title(section: str) -> str:
    """The title of a settings table's group ("sla" → "SLA")."""
    return _WORDS.get(section, section[:1].upper() + section[1:])


def with_mnemonic(text: str, used: set[str]) -> str:
    """*text* with "&" before its first letter not in *used* (which it adds to)."""
    for index, char in enumerate(text):
        if char.isalnum() and char.lower() not in used:
            used.add(char.lower())
            return text[:index] + "&" + text[index:]
    return text


def problem_text(row: Setting, raw: object, prefix: str = "") -> str:
    """What the loader would say of *raw* as *row*'s value ("" when it is fine); *prefix*
    goes before the key ("source.desk."). A default is never read, so never refused."""
    if raw == row.kind.dump(row.default):
        return ""
    try:
        row.kind.parse(raw)
    except InvalidValueError as exc:
        return f"{prefix}{row.key} = {shown_value(raw)} {exc.problem}; {exc.fix}."
    return ""


SECONDARY_MIX = 0.7
"""How much of the text colour a help line keeps (the rest is the window's): a dark grey
on a light window, a light grey on a dark one, both well above 4.5:1."""


def secondary_text(label: QLabel) -> None:
    """Draw *label* as secondary text that stays readable. (Drawn disabled it was light
    grey on light grey, about 1.6:1.)"""
    palette = label.palette()
    text = palette.color(QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorRole.Window)

    def mix(t: float, b: float) -> float:
        return SECONDARY_MIX * t + (1 - SECONDARY_MIX) * b

    mixed = QColor.fromRgbF(
        mix(text.redF(), back.redF()),
        mix(text.greenF(), back.greenF()),
        mix(text.blueF(), back.blueF()),
    )
    palette.setColor(QPalette.ColorRole.WindowText, mixed)
    label.setPalette(palette)


@dataclass(slots=True)
class FormRow:
    """One setting on a form: its schema row and the widgets that show it."""

    setting: Setting
    editor: FieldEditor
    problem: QLabel
    initial: object
    override: QCheckBox | None = None

    @property
    def overridden(self) -> bool:
        """True unless the row is fixed by the team and not overridden."""
        return self.override is None or self.override.isChecked()


class SettingsForm(QWidget):
    """Settings *rows* (grouped by table), showing *values* (TOML values by key).

    *fixed*: keys whose value a team's defaults set, with who set it, shown as such.
    *suggestions*: (shown, value) items offered for a key (the people the sources know).
    *roles*: the roles offered for a source's ``roles``.
    """

    edited = Signal()

    def __init__(
        self,
        rows: Sequence[Setting],
        values: Mapping[str, object],
        *,
        fixed: Mapping[str, str] | None = None,
        suggestions: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        roles: Sequence[str] = (),
        mnemonics: set[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows: dict[str, FormRow] = {}
        self.prefix = ""
        """Written before each key in problems: "source.desk." on a source's form."""
        used = mnemonics if mnemonics is not None else set()
        layout = QVBoxLayout(self)
        groups: dict[str, QFormLayout] = {}
        for setting in rows:
            form = groups.get(setting.section)
            if form is None:
                box = QGroupBox(section_title(setting.section)) if setting.section else None
                form = QFormLayout(box) if box is not None else QFormLayout()
                if box is not None:
                    layout.addWidget(box)
                else:
                    layout.addLayout(form)
                groups[setting.section] = form
            raw = values.get(setting.key, setting.kind.dump(setting.default))
            fixed_by = (fixed or {}).get(setting.key, "")
            editor = editor_for(setting, roles, (suggestions or {}).get(setting.key, ()))
            self._add(form, setting, editor, raw, fixed_by=fixed_by, used=used)
        layout.addStretch()

    def _add(
        self,
        form: QFormLayout,
        setting: Setting,
        editor: FieldEditor,
        raw: object,
        *,
        fixed_by: str,
        used: set[str],
    ) -> None:
        editor.set_raw(raw)
        editor.setToolTip(setting.help)
        editor.setObjectName(f"field:{setting.key}")
        default = toml_text(setting.kind.dump(setting.default))
        about = QLabel(f"{setting.help} ({setting.kind.label}; default {default})")
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setWordWrap(True)
        secondary_text(about)
        problem = QLabel()
        problem.setTextFormat(Qt.TextFormat.PlainText)
        problem.setWordWrap(True)
        problem.setStyleSheet("color: #b00020;")
        problem.setObjectName(f"problem:{setting.key}")
        problem.hide()
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(editor)
        row = FormRow(setting, editor, problem, editor.raw())
        if fixed_by:
            row.override = QCheckBox(f"Set by {fixed_by}: override it for me")
            row.override.setObjectName(f"override:{setting.key}")
            row.override.toggled.connect(editor.setEnabled)
            row.override.toggled.connect(self._edited)
            editor.setEnabled(False)
            column.addWidget(row.override)
        column.addWidget(about)
        column.addWidget(problem)
        label = QLabel(with_mnemonic(label_text(setting), used))
        label.setBuddy(editor)
        form.addRow(label, column)
        editor.edited.connect(self._edited)
        self.rows[setting.key] = row

    def _edited(self) -> None:
        self.check()
        self.edited.emit()

    def editor(self, key: str) -> FieldEditor:
        """The editor of *key*."""
        return self.rows[key].editor

    def raw_values(self) -> dict[str, object]:
        """Every row's TOML value as entered."""
        return {key: row.editor.raw() for key, row in self.rows.items()}

    def changed(self) -> dict[str, object]:
        """The rows the user changed (and may change: fixed ones only when overridden)."""
        return {
            key: row.editor.raw()
            for key, row in self.rows.items()
            if row.overridden and row.editor.raw() != row.initial
        }

    def check(self) -> list[str]:
        """Show under each row the loader's problem with its value; all problems found."""
        problems = []
        for row in self.rows.values():
            raw = row.editor.raw()
            text = problem_text(row.setting, raw, self.prefix) if row.overridden else ""
            self._show(row, text)
            if text:
                problems.append(text)
        return problems

    def show_problems(self, problems: Iterable[str]) -> list[str]:
        """Show each loader problem under the row whose key it names; the problems that
        name no row of this form are returned."""
        rest = []
        for text in problems:
            row = next((r for k, r in self.rows.items() if self._names(text, k)), None)
            if row is None:
                rest.append(text)
            else:
                self._show(row, text)
        return rest

    def _names(self, problem: str, key: str) -> bool:
        """Whether *problem* is about *key* (a whole key: "me" is not "source.x.me")."""
        return re.search(rf"(^|[\s:]){re.escape(self.prefix + key)}(\s|$)", problem) is not None

    @staticmethod
    def _show(row: FormRow, text: str) -> None:
        row.problem.setText(text)
        row.problem.setVisible(bool(text))
