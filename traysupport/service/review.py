"""The last review: when I last marked the queue reviewed, kept in the store.

The review reminders (`core.alerts.review`) count what is new since that instant; keeping
it in the store means a restart neither forgets what was reviewed nor, with the fired keys,
repeats a slot.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from traysupport.core.alerts import AlertSettings
from traysupport.store import Store

log = logging.getLogger(__name__)

REVIEWED_KEY = "last_review"
"""Where the instant of the last review is kept (ISO 8601, UTC)."""


def save_reviewed(store: Store, settings: AlertSettings, at: datetime) -> AlertSettings:
    """Keep *at* as the last review; *settings* with it in force."""
    store.set_user_state(REVIEWED_KEY, at.isoformat())
    return replace(settings, reviewed_at=at)


def load_reviewed(store: Store, settings: AlertSettings) -> AlertSettings:
    """*settings* with the last review kept in the store; unchanged when there is none.

    A damaged record is dropped (and logged): everything counts as new until the next review.
    """
    raw = store.user_state(REVIEWED_KEY)
    if raw is None:
        return settings
    try:
        at = datetime.fromisoformat(raw)
        return replace(settings, reviewed_at=at)
    except (ValueError, TypeError):
        log.warning("dropped an unreadable last-review instant")
        return settings
