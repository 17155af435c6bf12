"""Fired alerts: the dedupe keys of the alerts shown, so none is shown twice."""

from __future__ import annotations

from datetime import datetime

from traysupport.store.db import Database, to_us


class FiredAlerts(Database):
    """The fired table: which alerts were shown, and when last."""

    def mark_fired(self, key: str, at: datetime) -> None:
        """Remember that the alert with dedupe *key* was shown at *at*."""
        self._db.execute(
            "INSERT INTO fired (key, at_us) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET at_us = max(at_us, excluded.at_us)",
            (key, to_us(at)),
        )

    def was_fired(self, key: str) -> bool:
        """True when the alert with dedupe *key* has been shown."""
        return self._db.execute("SELECT 1 FROM fired WHERE key = ?", (key,)).fetchone() is not None

    def fired_keys(self) -> set[str]:
        """Every dedupe key of an alert shown (and not yet pruned)."""
        return {key for (key,) in self._db.execute("SELECT key FROM fired")}

    def prune_fired(self, before: datetime) -> int:
        """Forget alerts last shown before *before*; return how many."""
        return self._db.execute("DELETE FROM fired WHERE at_us < ?", (to_us(before),)).rowcount
