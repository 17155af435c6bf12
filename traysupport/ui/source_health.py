"""How each source is doing, in words for the tray and the window, worked out without Qt.

A user may read from several sources at once (a rotation here, two queues there); when
one stops answering, the rest of the data is still current, so the UI says *which* one is
down and how old its data is, not just "offline".

**Down** means a source whose last fetch failed (``ok`` false with at least one failure).
A source that has not answered yet since start (no failure) is "connecting", not down,
for the same reason the tray does not call it stale: a start takes a second.

Names and errors may come from a server or a settings file: every text here is made one
line of plain text, without control or bidi characters, and clipped. Tooltips use only
`down_summary`, which holds counts and times, never server text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from traysupport.core.model import SourceStatus
from traysupport.core.timefmt import format_clock, format_duration, format_instant, local
from traysupport.sources.parse import clean_text

NAME_SHOWN = 40
"""Characters of a source's name (or provider) shown."""
ERROR_SHOWN = 80
"""Characters of a source's error shown in a menu item."""


class Health(StrEnum):
    """One source's state, as the user sees it."""

    OK = "ok"
    CONNECTING = "connecting"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One source in the tray's Sources submenu: its state and what the item says."""

    name: str
    health: Health
    text: str


def health(source: SourceStatus) -> Health:
    """Whether *source* answers, is still connecting, or is down (see the module docstring)."""
    if source.ok:
        return Health.OK
    return Health.DOWN if source.failures > 0 else Health.CONNECTING


def down(sources: Sequence[SourceStatus]) -> tuple[SourceStatus, ...]:
    """The sources that are down, in their order."""
    return tuple(s for s in sources if health(s) is Health.DOWN)


def shown(text: str, limit: int) -> str:
    """*text* as one clean line of at most *limit* characters (server text is never trusted)."""
    flat = " ".join(clean_text(text, len(text) + 1).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def when(instant: datetime, now: datetime, tz: tzinfo) -> str:
    """A time of today as "14:05"; any other day as "Sun 14:05" (or with the date, far off)."""
    if local(instant, tz).date() == local(now, tz).date():
        return format_clock(instant, tz)
    return format_instant(instant, tz, now)


def _label(source: SourceStatus) -> str:
    """ "zendesk-eu (zendesk, queue)": the name, then the provider and roles when known."""
    details = [shown(source.provider, NAME_SHOWN)] if source.provider else []
    details += [shown(role, NAME_SHOWN) for role in source.roles]
    name = shown(source.name, NAME_SHOWN) or "unnamed source"
    return f"{name} ({', '.join(details)})" if details else name


def _state_text(source: SourceStatus, now: datetime, tz: tzinfo) -> str:
    state = health(source)
    if state is Health.OK:
        return "ok"
    if state is Health.CONNECTING:
        if source.last_ok_at is None:
            return "connecting…"
        return f"showing data from {when(source.last_ok_at, now, tz)}"
    error = shown(source.error or "not answering", ERROR_SHOWN)
    if source.last_ok_at is None:
        return f"down, no data yet — {error}"
    return f"down since {when(source.last_ok_at, now, tz)} — {error}"


def source_lines(
    sources: Sequence[SourceStatus], now: datetime, tz: tzinfo
) -> tuple[SourceLine, ...]:
    """One line per source for the tray's Sources submenu, in the sources' order."""
    return tuple(
        SourceLine(shown(s.name, NAME_SHOWN), health(s), f"{_label(s)}: {_state_text(s, now, tz)}")
        for s in sources
    )


def down_summary(sources: Sequence[SourceStatus], now: datetime, tz: tzinfo) -> str:
    """For the tooltip: "1 of 3 sources down — showing data from 10:42", or "" if none is.

    With one source it stays "Offline — …", as it always was. No server text: some tray
    hosts render tooltips as rich text.
    """
    failing = down(sources)
    if not failing:
        return ""
    head = "Offline" if len(sources) == 1 else f"{len(failing)} of {len(sources)} sources down"
    known = [s.last_ok_at for s in failing if s.last_ok_at is not None]
    if not known:
        return f"{head} — no data yet"
    return f"{head} — showing data from {when(min(known), now, tz)}"


def outage_line(source: SourceStatus, now: datetime, tz: tzinfo, limit: int = 160) -> str:
    """For the window: "zendesk: no answer since 14:05 (data 12 min old) — timed out"."""
    name = shown(source.name, NAME_SHOWN) or "unnamed source"
    error = shown(source.error or "not answering", limit)
    if source.last_ok_at is None:
        return f"{name}: no answer yet (no data) — {error}"
    age = format_duration(now - source.last_ok_at)
    return f"{name}: no answer since {when(source.last_ok_at, now, tz)} (data {age} old) — {error}"
