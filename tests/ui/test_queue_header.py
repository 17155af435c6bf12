"""The window header's word on the sources: nothing while all answer, which ones when not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.conftest import team_state
from traysupport.core.model import SourceStatus
from traysupport.service import ServiceState
from traysupport.ui.queue_header import DutyHeader, stale_text

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 6, 2, 12, 17, tzinfo=UTC)
"""Monday 14:17 in Berlin."""
LAST_OK = datetime(2031, 6, 2, 12, 5, tzinfo=UTC)
"""14:05 in Berlin."""

ROTA = SourceStatus("pagerduty", ok=True, last_ok_at=NOW, provider="pagerduty")
ZENDESK = SourceStatus(
    "zendesk", ok=False, last_ok_at=LAST_OK, error="timed out", failures=2, provider="zendesk"
)
SENTRY = SourceStatus(
    "sentry",
    ok=False,
    last_ok_at=NOW - timedelta(days=1),
    error="401 <b>bad token</b>\x1b[2J\nsee https://sentry.example",
    failures=7,
    provider="sentry",
)


def state(*sources: SourceStatus) -> ServiceState:
    base = team_state(sources=sources)
    return replace(base, settings=replace(base.settings, tz=BERLIN))


def test_nothing_extra_while_every_source_answers() -> None:
    assert stale_text(state(ROTA, replace(ZENDESK, ok=True, failures=0)), NOW) == ""
    # Saved data before the first fetch (no failure yet) is no outage either.
    assert stale_text(state(ROTA, replace(ZENDESK, failures=0)), NOW) == ""


def test_one_source_down_of_several_is_named_with_the_age_of_its_data() -> None:
    assert stale_text(state(ROTA, ZENDESK, replace(SENTRY, ok=True, failures=0)), NOW) == (
        "1 of 3 sources down\nzendesk: no answer since 14:05 (data 12 min old) — timed out"
    )


def test_each_source_down_gets_its_own_clean_line() -> None:
    never = SourceStatus("rt", ok=False, error="connection refused", failures=1)
    text = stale_text(state(ROTA, ZENDESK, SENTRY, never), NOW)
    assert text.split("\n") == [
        "3 of 4 sources down",
        "zendesk: no answer since 14:05 (data 12 min old) — timed out",
        "sentry: no answer since Sun 14:17 (data 1 d old) — "
        "401 <b>bad token</b>[2J see https://sentry.example",
        "rt: no answer yet (no data) — connection refused",
    ]


def test_a_single_source_keeps_the_one_line_banner() -> None:
    assert stale_text(state(ZENDESK), NOW) == (
        "Offline — showing data from 14:05 (zendesk: timed out)"
    )
    never = SourceStatus("rt", ok=False, error="", failures=1)
    assert stale_text(state(never), NOW) == "Offline — no data yet (rt: not answering)"


def test_the_banner_shows_each_down_source_as_plain_text(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    header = DutyHeader(parent)
    parent.setLayout(header.layout)
    header.layout.addWidget(header.stale_banner)
    header.show(state(ROTA, ZENDESK, SENTRY), NOW)
    assert header.stale_banner.isVisibleTo(parent)
    assert header.stale_label.textFormat() is Qt.TextFormat.PlainText
    lines = header.stale_label.text().split("\n")
    assert lines[0] == "2 of 3 sources down"
    assert lines[1].startswith("zendesk: no answer since 14:05")
    assert "<b>bad token</b>" in lines[2]  # shown as written, never as markup
    header.show(state(ROTA, replace(ZENDESK, ok=True, failures=0, last_ok_at=NOW)), NOW)
    assert not header.stale_banner.isVisibleTo(parent)
