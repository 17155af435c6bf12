"""Which editor for which setting, so a form is built from the schema alone.

`editor_for` picks the widget (`settings_fields`) for a `Setting`'s kind: a line edit for
text, URLs, times of day and lists (read with the kind's own syntax), a combo box for
choices and time zones, a check box for a flag and one per choice for a set of choices or
roles, a spin box with the kind's bounds for numbers and durations, a small table for
text tables. A kind this module does not know (a provider's own) gets a line edit: its
text as is when the setting holds text, else a TOML value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import available_timezones

from traysupport.sources.setting_times import (
    ClockRange,
    ClockTime,
    Duration,
    DurationList,
    OptionalDuration,
    TimeZone,
)
from traysupport.sources.settings import (
    Choice,
    ChoiceSet,
    Flag,
    Kind,
    Number,
    Real,
    Roles,
    Setting,
    Text,
    TextList,
    TextTable,
    Url,
)
from traysupport.ui.settings_fields import (
    CheckField,
    ChoicesField,
    ComboField,
    FieldEditor,
    LineField,
    NumberListField,
    RealField,
    RolesField,
    SpinField,
    TableField,
    TextListField,
    TomlField,
    WholeNumberField,
)

SYSTEM_ZONE = "(the system's zone)"


def _zones() -> list[tuple[str, str]]:
    return [(SYSTEM_ZONE, ""), *((zone, zone) for zone in sorted(available_timezones()))]


_SPIN_MAX = 2**31 - 1  # a QSpinBox holds a C int


def _spin(kind: Kind[Any]) -> FieldEditor | None:
    if isinstance(kind, Number) and kind.high > _SPIN_MAX:
        return WholeNumberField(kind.label)
    if isinstance(kind, OptionalDuration):
        # What 0 means is in the label: "(0: off)", "(0: the default of its roles)".
        off = kind.label.rpartition("(0: ")[2].rstrip(")") or "off"
        return SpinField(0, kind.duration.number.high, kind.duration.unit, off=off)
    if isinstance(kind, Duration):
        return SpinField(kind.number.low, kind.number.high, kind.unit)
    if isinstance(kind, Number):
        return SpinField(kind.low, kind.high)
    if isinstance(kind, Real):
        return RealField(kind.low, kind.high)
    return None


def editor_for(
    row: Setting, roles: Sequence[str] = (), suggestions: Sequence[tuple[str, str]] = ()
) -> FieldEditor:
    """The editor for *row*'s kind. *roles*: those a source's provider serves (for its
    roles); *suggestions*: (shown, value) items offered for a text setting (people)."""
    kind = row.kind
    editor = _spin(kind)
    if editor is not None:
        return editor
    if isinstance(kind, Flag):
        return CheckField()
    if isinstance(kind, Choice):
        return ComboField([(c, c) for c in kind.choices])
    if isinstance(kind, ChoiceSet):
        return ChoicesField(kind.choices)
    if isinstance(kind, TimeZone):
        return ComboField(_zones(), editable=True)
    if isinstance(kind, Roles):
        return RolesField(roles or kind.ROLES)
    if isinstance(kind, TextTable):
        return TableField()
    if isinstance(kind, DurationList):
        return NumberListField(f"{kind.duration.unit}, e.g. 1440, 15 (empty: none)")
    if isinstance(kind, TextList):
        return TextListField("items separated by commas")
    if isinstance(kind, Text) and suggestions:
        return ComboField(suggestions, editable=True)
    if isinstance(kind, ClockTime | ClockRange | Text | Url):
        return LineField(kind.label)
    if isinstance(row.default, str):
        return LineField(kind.label)
    return TomlField(f"{kind.label} (TOML)")
