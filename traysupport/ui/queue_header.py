"""The queue window's header: my duty and its countdown, who is on, and the banners.

The texts are plain functions of the state and the time, so they are tested without
widgets; `DutyHeader` owns the labels that show them and restyles only on change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from traysupport.core.duty import duty
from traysupport.core.timefmt import format_clock, format_duration, format_instant, local
from traysupport.service import ServiceState
from traysupport.ui.presenter import on_now_line, open_duty_text
from traysupport.ui.source_health import down, outage_line, shown


def _when(instant: datetime, now: datetime, tz: Any) -> str:
    """A clock time today, else weekday and time ("17:00", "Tue 09:00")."""
    if local(instant, tz).date() == local(now, tz).date():
        return format_clock(instant, tz)
    return format_instant(instant, tz, now)


def duty_summary(state: ServiceState, now: datetime) -> tuple[str, str, bool]:
    """(headline, countdown, on duty) for the window's header."""
    tz = state.settings.tz
    if state.me is None:
        if not state.snapshot.people:
            return ("Waiting for the rotation…", "", False)
        return ("You are not on the team", "set “me” in Settings", False)
    status = duty(state.snapshot.shifts, state.me, now)
    if status.until is not None:
        role = f" · {status.role}" if status.role is not None else ""
        open_text = open_duty_text(status)
        if open_text is not None:  # a permanent on-call: no countdown to the year 3000
            return (f"On duty{role}", open_text, True)
        left = format_duration(status.until - now)
        return (f"On duty{role}", f"until {_when(status.until, now, tz)} · {left} left", True)
    upcoming = status.next_shift
    if upcoming is None:
        return ("Off duty", "no shift scheduled", False)
    wait = format_duration(upcoming.start - now)
    return ("Off duty", f"next shift {_when(upcoming.start, now, tz)} · in {wait}", False)


def on_now_text(state: ServiceState, now: datetime) -> str:
    """Who is on duty now, as the tray menu says it: "On now: you (primary), Mei (shadow)"."""
    return on_now_line(duty(state.snapshot.shifts, state.me, now))


def stale_text(state: ServiceState, now: datetime) -> str:
    """The offline banner's text, or "" while every source answers (or has yet to try).

    With one source, one line: "Offline — showing data from 09:42 (queue: timed out)".
    With several, the rest is still current, so it counts the ones down and gives each
    its own line: "zendesk: no answer since 14:05 (data 12 min old) — timed out".
    """
    sources = state.snapshot.sources
    failing = down(sources)
    if not failing:
        return ""
    tz = state.settings.tz
    if len(sources) > 1:
        lines = [outage_line(s, now, tz) for s in failing]
        return "\n".join([f"{len(failing)} of {len(sources)} sources down", *lines])
    (source,) = failing
    error = f"{shown(source.name, 40)}: {shown(source.error or 'not answering', 160)}"
    if source.last_ok_at is None:
        return f"Offline — no data yet ({error})"
    return f"Offline — showing data from {_when(source.last_ok_at, now, tz)} ({error})"


def plain_label(
    text: str = "", *, bold: bool = False, muted: bool = False, parent: QWidget | None = None
) -> QLabel:
    """A label that shows its text literally: server text is never markup."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    if muted:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


_BANNER_COLOURS = {
    "demo": ("#e8f0fe", "#aecbfa", "#174ea6"),
    "stale": ("#fff4d6", "#f0c36d", "#5c3b00"),
    "failed": ("#fde4e1", "#f28b82", "#8c1d18"),
}
"""Background, border and ink of each kind of banner: fixed, readable in light and dark."""


def banner_frame(kind: str) -> QFrame:
    """A hidden, empty coloured strip ("demo", "stale" or "failed"), without a layout."""
    frame = QFrame()
    frame.setObjectName(f"{kind}-banner")
    back, border, ink = _BANNER_COLOURS[kind]
    name = f"QFrame#{kind}-banner"
    frame.setStyleSheet(
        f"{name} {{ background: {back}; border: 1px solid {border}; border-radius: 4px; }}"
        f" {name} QLabel {{ color: {ink}; }}"
    )
    frame.hide()
    return frame


def banner(kind: str) -> tuple[QFrame, QLabel]:
    """A hidden coloured strip (see `banner_frame`) and the label that carries its text."""
    frame = banner_frame(kind)
    layout = QHBoxLayout(frame)
    layout.setContentsMargins(8, 4, 8, 4)
    label = plain_label(parent=frame)
    label.setWordWrap(True)
    layout.addWidget(label, 1)
    return frame, label


class DutyHeader:
    """The header's labels (duty dot, headline, countdown, who is on) and the offline banner.

    Not a widget of its own: its layout goes into the window's, as it always did.
    """

    def __init__(self, parent: QWidget) -> None:
        self.layout = QVBoxLayout()
        self.layout.setSpacing(2)
        line = QHBoxLayout()
        self.duty_dot = plain_label(parent=parent)
        self.duty_dot.setFixedSize(10, 10)
        self.duty_label = plain_label(bold=True)
        self.countdown_label = plain_label()
        line.addWidget(self.duty_dot)
        line.addWidget(self.duty_label)
        line.addStretch(1)
        line.addWidget(self.countdown_label)
        self.layout.addLayout(line)
        self.on_now_label = plain_label(muted=True)
        self.layout.addWidget(self.on_now_label)
        self.stale_banner, self.stale_label = banner("stale")

    def show(self, state: ServiceState, now: datetime) -> None:
        """Say my duty, who is on, and whether the data is stale, at *now*."""
        headline, countdown, on_duty = duty_summary(state, now)
        self.duty_label.setText(headline)
        self.countdown_label.setText(countdown)
        dot = f"background: {'#1e8e3e' if on_duty else '#9aa0a6'}; border-radius: 5px;"
        if self.duty_dot.styleSheet() != dot:  # restyling every second would be waste
            self.duty_dot.setStyleSheet(dot)
        self.on_now_label.setText(on_now_text(state, now))
        stale = stale_text(state, now)
        self.stale_label.setText(stale)
        self.stale_banner.setVisible(bool(stale))
