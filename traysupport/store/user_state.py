"""Small user state the app keeps between runs: pause, snoozes (JSON text by key)."""

from __future__ import annotations

from traysupport.store.db import Database


class UserState(Database):
    """The user_state table: one text value per key."""

    def user_state(self, key: str) -> str | None:
        """A value the app keeps between runs (JSON text by convention), or None."""
        row = self._db.execute("SELECT value FROM user_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_user_state(self, key: str, value: str | None) -> None:
        """Keep *value* under *key* (None deletes it); durable when this returns."""
        with self._transaction() as db:
            if value is None:
                db.execute("DELETE FROM user_state WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO user_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
