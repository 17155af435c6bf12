"""Ticket history, for statistics: when each ticket was first and last seen, its most
urgent priority, and when it was first acknowledged and first breached its SLA."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from traysupport.core.model import Priority, Ticket
from traysupport.store.db import Database, from_us, maybe_from_us, to_us


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """What the store remembers of a ticket, for statistics."""

    ref: str
    source: str
    ticket_id: str
    key: str
    created_at: datetime
    first_seen: datetime
    last_seen: datetime
    priority: Priority
    """The most urgent priority the ticket ever had."""
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    breached_at: datetime | None = None


class TicketHistory(Database):
    """The ticket_history table: one row per ticket ever seen."""

    def observe(self, tickets: Iterable[Ticket], now: datetime) -> None:
        """Record that *tickets* were in the queue at *now* (one transaction)."""
        seen = to_us(now)
        rows = (
            (t.ref, t.source, t.id, t.key, to_us(t.created_at), seen, seen, int(t.priority), acked)
            for t in tickets
            for acked in [None if t.acknowledged_at is None else to_us(t.acknowledged_at)]
        )
        with self._transaction() as db:
            db.executemany(
                """INSERT INTO ticket_history (ref, source, ticket_id, key, created_us,
                    first_seen_us, last_seen_us, priority, acknowledged_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ref) DO UPDATE SET
                    key = excluded.key,
                    last_seen_us = max(last_seen_us, excluded.last_seen_us),
                    priority = min(priority, excluded.priority),
                    acknowledged_us = coalesce(acknowledged_us, excluded.acknowledged_us)""",
                rows,
            )

    def note_acknowledged(self, ref: str, at: datetime, by: str) -> bool:
        """Record the first acknowledgement of ticket *ref*; False if it was never seen."""
        return bool(
            self._db.execute(
                "UPDATE ticket_history SET acknowledged_us = coalesce(acknowledged_us, ?),"
                " acknowledged_by = coalesce(acknowledged_by, ?) WHERE ref = ?",
                (to_us(at), by, ref),
            ).rowcount
        )

    def note_breached(self, ref: str, at: datetime) -> bool:
        """Record the first SLA breach of ticket *ref*; False if it was never seen."""
        return bool(
            self._db.execute(
                "UPDATE ticket_history SET breached_us = coalesce(breached_us, ?) WHERE ref = ?",
                (to_us(at), ref),
            ).rowcount
        )

    def history(self, ref: str) -> TicketRecord | None:
        """What is known of ticket *ref*, or None if it was never seen."""
        row = self._db.execute(
            "SELECT ref, source, ticket_id, key, created_us, first_seen_us, last_seen_us,"
            " priority, acknowledged_us, acknowledged_by, breached_us"
            " FROM ticket_history WHERE ref = ?",
            (ref,),
        ).fetchone()
        if row is None:
            return None
        ref_, source, ticket_id, key, created, first, last, prio, acked, by, breached = row
        return TicketRecord(
            ref_, source, ticket_id, key, from_us(created), from_us(first), from_us(last),
            Priority(prio), maybe_from_us(acked), by, maybe_from_us(breached),
        )  # fmt: skip
