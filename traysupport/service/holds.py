"""Holds: the pause and the snoozes, kept in the store so a restart keeps them.

Both live in the alert settings (`paused_until`, `snoozed`); this module reads and
writes their saved form and drops the ones already over.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime

from traysupport.core.alerts import AlertSettings
from traysupport.store import Store

log = logging.getLogger(__name__)

HOLDS_KEY = "alert_holds"
"""Where the pause and the snoozes are kept in the store, so a restart keeps them."""

Snoozes = tuple[tuple[str, datetime], ...]
"""(ticket ref, until) for each snoozed ticket."""


def save_holds(
    store: Store,
    settings: AlertSettings,
    paused_until: datetime | None,
    snoozed: Snoozes,
    now: datetime,
) -> AlertSettings:
    """Keep the holds still running at *now*; *settings* with them in force."""
    paused = paused_until if paused_until is not None and paused_until > now else None
    active = tuple((ref, until) for ref, until in snoozed if until > now)
    holds = {
        "paused_until": None if paused is None else paused.isoformat(),
        "snoozed": [[ref, until.isoformat()] for ref, until in active],
    }
    store.set_user_state(HOLDS_KEY, json.dumps(holds))
    return replace(settings, paused_until=paused, snoozed=active)


def load_holds(store: Store, settings: AlertSettings, now: datetime) -> AlertSettings:
    """*settings* with the last run's pause and snoozes still running at *now*.

    A damaged record is dropped (and logged), not fatal: *settings* come back unchanged.
    """
    raw = store.user_state(HOLDS_KEY)
    if raw is None:
        return settings
    try:
        holds = json.loads(raw)
        paused = holds["paused_until"]
        until = None if paused is None else datetime.fromisoformat(paused)
        snoozed = tuple((str(r), datetime.fromisoformat(u)) for r, u in holds["snoozed"])
        loaded = replace(settings, paused_until=until, snoozed=snoozed)
    except (ValueError, TypeError, KeyError):
        log.warning("dropped unreadable pause/snooze state")
        return settings
    return replace(
        loaded,
        paused_until=until if until is not None and until > now else None,
        snoozed=tuple(s for s in snoozed if s[1] > now),
    )


def with_snooze(snoozed: Snoozes, ref: str, until: datetime) -> Snoozes:
    """*snoozed* with *ref* held until *until* (replacing an earlier snooze of it)."""
    return (*(s for s in snoozed if s[0] != ref), (ref, until))
