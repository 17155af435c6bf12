"""Source health rules: source_down once per outage, source_recovered when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from traysupport.core.alerts.context import Candidate, Context, clip, when
from traysupport.core.alerts.settings import AlertSettings
from traysupport.core.model import Alert, AlertKind, Snapshot, SourceStatus, Urgency


def _down(status: SourceStatus, settings: AlertSettings) -> bool:
    return status.failures >= settings.source_down_after


def _outage(status: SourceStatus) -> str:
    return status.last_ok_at.astimezone(UTC).isoformat() if status.last_ok_at else "never"


def source_down(ctx: Context) -> Iterator[Candidate]:
    for status in ctx.snapshot.sources:
        if not _down(status, ctx.settings):
            continue
        error = clip(status.error) if status.error.strip() else "it did not answer"
        if status.last_ok_at is None:
            shown = "No data from it yet."
        else:
            shown = f"Showing data from {when(status.last_ok_at, ctx)}."
        alert = Alert(
            key=f"source_down|{status.name}|{_outage(status)}",
            kind=AlertKind.SOURCE_DOWN,
            title=f"Can't reach {clip(status.name, 60)}",
            body=f"{status.failures} failed fetches in a row: {error}\n{shown}",
            subject=status.name,
        )
        yield Candidate(alert, ctx.now)


def source_recovered(previous: Snapshot | None, ctx: Context) -> Iterator[Candidate]:
    if previous is None:
        return
    was_down = {s.name: s for s in previous.sources if _down(s, ctx.settings)}
    for status in ctx.snapshot.sources:
        before = was_down.get(status.name)
        if before is None or not status.ok:
            continue
        alert = Alert(
            key=f"source_recovered|{status.name}|{_outage(before)}",
            kind=AlertKind.SOURCE_RECOVERED,
            title=f"{clip(status.name, 60)} is back",
            body="Fetching works again; the data is up to date.",
            urgency=Urgency.LOW,
            subject=status.name,
        )
        yield Candidate(alert, ctx.now)
