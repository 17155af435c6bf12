"""Last good snapshots: the latest snapshot each source gave, shown stale while it fails.

Snapshots are stored as `traysupport.codec` JSON, which round-trips them exactly; one
that cannot be read is ignored, with a log line.
"""

from __future__ import annotations

import logging

from traysupport import codec
from traysupport.core.model import Snapshot
from traysupport.store.db import Database, to_us

log = logging.getLogger(__name__)


class Snapshots(Database):
    """The snapshot table: one row per source, replaced by each snapshot saved."""

    def save_snapshot(self, source_name: str, snapshot: Snapshot) -> None:
        """Keep *snapshot* as the last good one from *source_name*."""
        self._db.execute(
            "INSERT INTO snapshot (source, saved_us, body) VALUES (?, ?, ?)"
            " ON CONFLICT (source) DO UPDATE SET saved_us = excluded.saved_us,"
            " body = excluded.body",
            (source_name, to_us(snapshot.taken_at), codec.dumps(codec.encode_snapshot(snapshot))),
        )

    def load_snapshot(self, source_name: str) -> Snapshot | None:
        """The last good snapshot from *source_name*; None if none or it cannot be read."""
        row = self._db.execute(
            "SELECT body FROM snapshot WHERE source = ?", (source_name,)
        ).fetchone()
        if row is None:
            return None
        try:
            return codec.decode_snapshot(codec.loads(row[0]))
        except codec.CodecError as exc:
            log.warning("snapshot of %s cannot be read (%s); ignoring it", source_name, exc)
            return None
