"""Per-source health in words: the tray's Sources submenu, its tooltip and the window's lines.

Pure rules with fixed datetimes and hand-made sources (no Qt), several at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import Snapshot, SourceStatus
from traysupport.service import ServiceState
from traysupport.ui.presenter import TrayState, tray_view
from traysupport.ui.source_health import (
    Health,
    down,
    down_summary,
    health,
    outage_line,
    source_lines,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 6, 2, 12, 17, tzinfo=UTC)
"""Monday 14:17 in Berlin."""
LAST_OK = datetime(2031, 6, 2, 12, 5, tzinfo=UTC)
"""14:05 in Berlin, 12 min before NOW."""

ROTA = SourceStatus(
    "pagerduty-primary", ok=True, last_ok_at=NOW, provider="pagerduty", roles=("rotation",)
)
ZENDESK = SourceStatus(
    "zendesk-eu",
    ok=False,
    last_ok_at=LAST_OK,
    error="timed out after 10 s",
    failures=3,
    provider="zendesk",
    roles=("queue",),
)
SENTRY = SourceStatus("sentry", ok=True, last_ok_at=NOW, provider="sentry", roles=("queue",))
HOSTILE = "<b>boom</b>\x1b]0;pwned\x07 \u202etxt.exe\nsecond line"


def state(*sources: SourceStatus) -> ServiceState:
    snapshot = Snapshot(NOW, sources=sources)
    return ServiceState(snapshot, None, (), AlertSettings(tz=BERLIN))


def test_down_means_failed_not_still_connecting() -> None:
    connecting = SourceStatus("new", ok=False, last_ok_at=LAST_OK)
    assert health(ROTA) is Health.OK
    assert health(ZENDESK) is Health.DOWN
    assert health(connecting) is Health.CONNECTING
    assert down((ROTA, ZENDESK, connecting, SENTRY)) == (ZENDESK,)


def test_each_source_gets_a_line_with_its_provider_roles_and_state() -> None:
    never = SourceStatus("rt", ok=False, error="wrong token", failures=1, provider="rt")
    saved = SourceStatus("jira", ok=False, last_ok_at=NOW - timedelta(days=1), provider="jira-sm")
    lines = source_lines((ROTA, ZENDESK, SENTRY, never, saved), NOW, BERLIN)
    assert [line.text for line in lines] == [
        "pagerduty-primary (pagerduty, rotation): ok",
        "zendesk-eu (zendesk, queue): down since 14:05 — timed out after 10 s",
        "sentry (sentry, queue): ok",
        "rt (rt): down, no data yet — wrong token",
        "jira (jira-sm): showing data from Sun 14:17",
    ]
    assert [line.health for line in lines] == [
        Health.OK,
        Health.DOWN,
        Health.OK,
        Health.DOWN,
        Health.CONNECTING,
    ]
    assert source_lines((SourceStatus("old", ok=False),), NOW, BERLIN)[0].text == (
        "old: connecting…"
    )


def test_server_text_is_one_clean_clipped_line() -> None:
    hostile = SourceStatus("evil\nname", ok=False, error=HOSTILE * 20, failures=1)
    (line,) = source_lines((hostile,), NOW, BERLIN)
    assert line.name == "evil name"
    for bad in ("\x1b", "\x07", "\u202e", "\n"):
        assert bad not in line.text
    assert line.text.startswith("evil name: down, no data yet — <b>boom</b>]0;pwned txt.exe")
    assert line.text.endswith("…")
    assert len(line.text) < 140


def test_the_summary_counts_without_naming() -> None:
    assert down_summary((ROTA, SENTRY), NOW, BERLIN) == ""
    summary = down_summary((ROTA, ZENDESK, SENTRY), NOW, BERLIN)
    assert summary == "1 of 3 sources down — showing data from 14:05"
    assert "zendesk" not in summary and "timed out" not in summary
    # One source alone is simply offline, as it always was.
    assert down_summary((ZENDESK,), NOW, BERLIN) == "Offline — showing data from 14:05"
    never = SourceStatus("rt", ok=False, error="wrong token", failures=1)
    assert down_summary((never, ROTA), NOW, BERLIN) == "1 of 2 sources down — no data yet"


def test_the_outage_line_says_since_when_and_how_old() -> None:
    assert outage_line(ZENDESK, NOW, BERLIN) == (
        "zendesk-eu: no answer since 14:05 (data 12 min old) — timed out after 10 s"
    )
    never = SourceStatus("rt", ok=False, error="", failures=1)
    assert outage_line(never, NOW, BERLIN) == "rt: no answer yet (no data) — not answering"


def test_the_tray_view_carries_every_source_and_counts_the_down_ones() -> None:
    v = tray_view(state(ROTA, ZENDESK, SENTRY), NOW, BERLIN)
    assert v.sources_down == 1
    assert [line.name for line in v.sources] == ["pagerduty-primary", "zendesk-eu", "sentry"]
    assert v.tooltip.startswith("1 of 3 sources down — showing data from 14:05")
    assert v.tray_state is TrayState.STALE
    calm = tray_view(state(ROTA, SENTRY), NOW, BERLIN)
    assert calm.sources_down == 0
    assert "down" not in calm.tooltip


def test_the_tooltip_holds_no_server_text_even_when_the_error_is_hostile() -> None:
    hostile = SourceStatus(
        "zendesk <i>eu</i>", ok=False, last_ok_at=LAST_OK, error=HOSTILE, failures=2
    )
    v = tray_view(state(ROTA, hostile, SENTRY), NOW, BERLIN)
    for text in ("boom", "pwned", "zendesk", "<"):
        assert text not in v.tooltip
    assert v.sources_down == 1
