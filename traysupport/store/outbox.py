"""The action outbox: every user action recorded before any network, sent by leases.

Actions are stored as `traysupport.codec` JSON, which round-trips them exactly.

The outbox is shared by leases. `claim` takes due actions for this store in one
transaction and stamps them with its holder (machine, pid, a random part; see
`traysupport.store.holder`) and an expiry; no other process sends an action while its
lease runs, so each send happens in one process. Who recovers what:

- an action whose holder died on this machine (``kill -9``, a crash, a closed store of
  this process) is claimed again by the next `claim` of any process, at once;
- an action whose holder cannot be checked (another machine sharing the home, another
  pid namespace) is claimed again when its lease expires (`LEASE`);
- a live holder's lease is never taken, and opening a store changes no lease.

The source applies an action sent twice only once (its id is the idempotency key), so
a resend after a holder died mid-send is safe. `mark_done` records a confirmation
whoever holds the action; `mark_retry` and `mark_failed` apply only to an action this
store holds, and are logged and dropped otherwise (its new holder decides). A failed
send is due again after a doubling `backoff`, up to `RETRY_CAP`; entries, their states,
the backoff and the lease are in `outbox_entry`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from traysupport import codec
from traysupport.core.model import UserAction
from traysupport.store import holder
from traysupport.store.db import Database, StoreError, from_us, maybe_from_us, to_us
from traysupport.store.outbox_entry import LEASE, OutboxEntry, OutboxState, backoff, read_steps

log = logging.getLogger(__name__)


class Outbox(Database):
    """The outbox table, and the holder this store claims actions as."""

    def __init__(self, path: Path) -> None:
        self.holder = holder.Holder.new()
        """Who this store is when it claims actions (this process, and this store in it)."""
        self.owner = str(self.holder)
        super().__init__(path)
        holder.opened(self.holder)

    def close(self) -> None:
        """Close the database. The store is unusable afterwards.

        Actions it held stay claimed by it; since it can no longer record their outcome,
        the next `claim` (of any store, in this process or another) takes them again.
        """
        holder.closed(self.holder)
        super().close()

    def record(self, action: UserAction) -> None:
        """Put *action* in the outbox, due at once; durable when this returns.

        Recording the same action twice is a no-op; a different action with a used id
        is a `ValueError`.
        """
        body = codec.dumps(codec.encode_action(action))
        inserted = self._db.execute(
            "INSERT INTO outbox (id, action, state, next_attempt_us, recorded_us)"
            " VALUES (?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING",
            (action.id, body, to_us(action.created_at), to_us(action.created_at)),
        ).rowcount
        if not inserted:
            existing = self.entry(action.id)
            if existing is None or existing.action != action:
                raise ValueError(f"outbox: action id {action.id} is already used")
        log.info("outbox: recorded %s %s (%s)", action.kind, action.ticket_id, action.id)

    def _entries(self, where: str, params: Iterable[object] = ()) -> list[OutboxEntry]:
        query = (
            "SELECT id, action, state, attempts, next_attempt_us, last_error, owner,"
            f" lease_until_us, steps FROM outbox WHERE {where} ORDER BY seq"
        )
        entries = []
        for row in self._db.execute(query, tuple(params)):
            id_, body, state, attempts, next_us, error, owner, lease_us, steps = row
            try:
                action = codec.decode_action(codec.loads(body))
            except codec.CodecError as exc:  # only a hand-edited or damaged row gets here
                log.error("outbox: entry %s cannot be read (%s); skipping it", id_, exc)
                continue
            entries.append(
                OutboxEntry(
                    action,
                    OutboxState(state),
                    attempts,
                    from_us(next_us),
                    error,
                    owner or "",
                    maybe_from_us(lease_us),
                    read_steps(id_, steps),
                )
            )
        return entries

    def entry(self, action_id: str) -> OutboxEntry | None:
        """The outbox entry of *action_id*, in whatever state, if there is one."""
        found = self._entries("id = ?", (action_id,))
        return found[0] if found else None

    def due(self, now: datetime) -> list[OutboxEntry]:
        """Pending entries whose next attempt is due at *now*, oldest first (not claimed)."""
        return self._entries("state = 'pending' AND next_attempt_us <= ?", (to_us(now),))

    def open_entries(self) -> list[OutboxEntry]:
        """Every entry not done (pending, sending, failed), oldest first, for the UI."""
        return self._entries("state != 'done'")

    def done_entries(self) -> list[OutboxEntry]:
        """Every entry the sources confirmed and `prune_done` has not dropped, oldest first."""
        return self._entries("state = 'done'")

    def holds(self, entry: OutboxEntry) -> bool:
        """True when *entry* (as read) is being sent under this store's lease."""
        return entry.state is OutboxState.SENDING and entry.owner == self.owner

    def claim(self, now: datetime, lease: timedelta = LEASE) -> list[OutboxEntry]:
        """Take the actions this store should send now, oldest first, until *now* + *lease*.

        In one transaction: every pending action due at *now*, and every action being
        sent whose lease ran out or whose holder is gone (a dead process on this machine,
        a closed store of this one). A live holder's lease is never taken. Whether a
        taken-over action reached the source is unknown; it is sent again with the same
        idempotency key, so the source applies it once.
        """
        now_us, until_us = to_us(now), to_us(now + lease)
        # Most drains find nothing to take: a read, which never waits for another
        # process's write lock, spares them the transaction.
        candidate = self._db.execute(
            "SELECT 1 FROM outbox WHERE (state = 'pending' AND next_attempt_us <= ?)"
            " OR (state = 'sending' AND (owner IS NULL OR owner != ?)) LIMIT 1",
            (now_us, self.owner),
        ).fetchone()
        if candidate is None:
            return []
        with self._transaction() as db:
            rows = db.execute(
                "SELECT seq, id, state, owner, lease_until_us, next_attempt_us FROM outbox"
                " WHERE state IN ('pending', 'sending') ORDER BY seq"
            ).fetchall()
            gone: dict[str, bool] = {}
            taken: dict[int, str] = {}  # seq: action id
            resumed: set[str] = set()
            for seq, action_id, state, owner, lease_us, next_us in rows:
                if state == OutboxState.PENDING:
                    if next_us <= now_us:
                        taken[seq] = action_id
                    continue
                if owner == self.owner:
                    continue  # ours, in flight: the service knows
                expired = owner is None or lease_us is None or lease_us <= now_us
                if not expired and owner not in gone:
                    gone[owner] = holder.gone(owner)
                if expired or gone[owner]:
                    why = "its lease ran out" if expired else "its sender stopped"
                    log.warning(
                        "outbox: %s was being sent by %s and %s; sending it again",
                        action_id,
                        holder.describe(owner),
                        why,
                    )
                    taken[seq] = action_id
                    resumed.add(action_id)
            db.executemany(
                "UPDATE outbox SET state = 'sending', owner = ?, lease_until_us = ? WHERE seq = ?",
                ((self.owner, until_us, seq) for seq in taken),
            )
        if not taken:
            return []
        claimed = set(taken.values())
        held = self._entries("state = 'sending' AND owner = ?", (self.owner,))
        return [replace(e, resumed=e.id in resumed) for e in held if e.id in claimed]

    @contextmanager
    def _moving(self, action_id: str, *allowed: OutboxState) -> Iterator[sqlite3.Connection]:
        """A transaction on one entry, refused unless it is in one of the *allowed* states."""
        with self._transaction() as db:
            row = db.execute("SELECT state FROM outbox WHERE id = ?", (action_id,)).fetchone()
            if row is None:
                raise KeyError(f"outbox: no action {action_id}")
            if row[0] not in allowed:
                expected = " or ".join(allowed)
                raise StoreError(f"outbox: action {action_id} is {row[0]}, not {expected}")
            yield db

    @contextmanager
    def _holding(self, action_id: str, outcome: str) -> Iterator[sqlite3.Connection | None]:
        """A transaction on an entry this store holds; None (and a log line) if it does not.

        Not holding it is no error: the send outlived the lease, or the store this one
        replaced sent it, and the entry's present holder (or its outcome) stands.
        """
        with self._transaction() as db:
            row = db.execute(
                "SELECT state, owner FROM outbox WHERE id = ?", (action_id,)
            ).fetchone()
            if row is not None and row[0] == OutboxState.SENDING and row[1] == self.owner:
                yield db
                return
            if row is None:
                now_is = "no longer in the outbox"
            elif row[0] == OutboxState.SENDING:
                now_is = f"being sent by {holder.describe(row[1])}"
            else:
                now_is = str(row[0])
            log.warning("outbox: %s %s, not recorded: it is %s", action_id, outcome, now_is)
            yield None

    def mark_done(self, action_id: str, at: datetime) -> bool:
        """Note that the source confirmed the action at *at*; False if it was done already.

        A confirmation stands whoever holds the action now: if another process took it
        over meanwhile, it is done all the same (that process's own answer changes
        nothing), and an action done stays done.
        """
        with self._transaction() as db:
            row = db.execute(
                "SELECT state, owner FROM outbox WHERE id = ?", (action_id,)
            ).fetchone()
            if row is None or row[0] == OutboxState.DONE:
                log.info(
                    "outbox: %s confirmed again; it is %s",
                    action_id,
                    "no longer in the outbox" if row is None else "done already",
                )
                return False
            if row[0] != OutboxState.SENDING or row[1] != self.owner:
                held_by = f" by {holder.describe(row[1])}" if row[0] == OutboxState.SENDING else ""
                log.warning("outbox: %s confirmed while %s%s", action_id, row[0], held_by)
            db.execute(
                "UPDATE outbox SET state = 'done', done_us = ?, owner = ?, lease_until_us = NULL"
                " WHERE id = ?",
                (to_us(at), self.owner, action_id),
            )
        return True

    def mark_step(self, action_id: str, step: str) -> bool:
        """Note that *step* of the action reached the tool; a retry skips it.

        Only for an action this store holds; False (and a log line) otherwise: the
        step's call was made all the same, and the new holder may repeat it.
        """
        with self._holding(action_id, f"step {step!r}") as db:
            if db is None:
                return False
            (body,) = db.execute("SELECT steps FROM outbox WHERE id = ?", (action_id,)).fetchone()
            steps = read_steps(action_id, body) | {step}
            db.execute(
                "UPDATE outbox SET steps = ? WHERE id = ?",
                (json.dumps(sorted(steps)), action_id),
            )
        return True

    def mark_retry(
        self, action_id: str, error: str, now: datetime, not_before: datetime | None = None
    ) -> bool:
        """Note a failed send worth retrying: due again after a backoff, or *not_before*.

        Only for an action this store holds; False (and a log line) otherwise.
        """
        with self._holding(action_id, "retry") as db:
            if db is None:
                return False
            (attempts,) = db.execute(
                "SELECT attempts + 1 FROM outbox WHERE id = ?", (action_id,)
            ).fetchone()
            next_at = now + backoff(attempts)
            if not_before is not None:  # a server's Retry-After wins when it is longer
                next_at = max(next_at, not_before)
            db.execute(
                "UPDATE outbox SET state = 'pending', attempts = ?, next_attempt_us = ?,"
                " last_error = ?, lease_until_us = NULL WHERE id = ?",
                (attempts, to_us(next_at), error, action_id),
            )
        log.info("outbox: %s failed (attempt %d), next try %s", action_id, attempts, next_at)
        return True

    def mark_failed(self, action_id: str, error: str) -> bool:
        """Note a permanent failure: kept visible, never due, until `retry` or `dismiss`.

        Only for an action this store holds; False (and a log line) otherwise.
        """
        with self._holding(action_id, "refusal") as db:
            if db is None:
                return False
            db.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?,"
                " lease_until_us = NULL WHERE id = ?",
                (error, action_id),
            )
        # INFO: the command or window that sent it tells the user, with the tool's words.
        log.info("outbox: %s failed for good", action_id)
        return True

    def retry(self, action_id: str) -> None:
        """Send a failed action again: due at once (as when recorded), attempts from 0."""
        with self._moving(action_id, OutboxState.FAILED) as db:
            db.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_us = recorded_us,"
                " last_error = '', owner = NULL, lease_until_us = NULL WHERE id = ?",
                (action_id,),
            )

    def dismiss(self, action_id: str) -> None:
        """Drop a failed action: the user gave up on it."""
        with self._moving(action_id, OutboxState.FAILED) as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (action_id,))

    def expedite(self, source: str, now: datetime) -> int:
        """Make the pending actions for *source* due at *now*; return how many.

        For when the source answers again: an action waiting out its backoff (up to
        `RETRY_CAP`) would otherwise stay unsent long after the network came back.
        """
        waiting = self._entries("state = 'pending' AND next_attempt_us > ?", (to_us(now),))
        ids = [(e.id,) for e in waiting if e.action.source == source]
        if ids:
            with self._transaction() as db:
                db.executemany(
                    "UPDATE outbox SET next_attempt_us = ? WHERE id = ? AND state = 'pending'",
                    ((to_us(now), action_id) for (action_id,) in ids),
                )
        return len(ids)

    def prune_done(self, before: datetime) -> int:
        """Delete actions confirmed before *before*; return how many."""
        return self._db.execute(
            "DELETE FROM outbox WHERE state = 'done' AND done_us < ?", (to_us(before),)
        ).rowcount
