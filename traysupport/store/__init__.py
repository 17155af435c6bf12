"""SQLite state in the user data dir: fired alerts, the action outbox, history, cache.

Durability: the connection runs in WAL mode with ``synchronous=FULL``, so every commit
is fsynced before it returns. WAL with ``NORMAL`` would already survive the app being
killed, but not a power cut or a kernel panic, and a user's acknowledgement must survive
those too. The extra fsync is one per write, a few per minute, so the whole connection
uses FULL rather than switching modes per table.

Every write is its own transaction and is committed before the method returns. Times are
stored as integer microseconds since the Unix epoch (UTC), exact and ordered; actions
and snapshots are stored as `traysupport.codec` JSON, which round-trips them exactly.

Several processes share one file (the tray app, `watch`, `ack` from a terminal). Opening
is safe when they start together: switching a new file to WAL is retried while another
process holds it, and the schema is migrated in one IMMEDIATE transaction that reads the
version under the write lock, so exactly one process migrates and the others see it done.

The outbox is shared by leases. `claim` takes due actions for this store in one
transaction and stamps them with its holder (machine, pid, a random part; see
`traysupport.store.holder`) and an expiry; no other process sends an action while its lease
runs, so each send happens in one process. Who recovers what:

- an action whose holder died on this machine (``kill -9``, a crash, a closed store of
  this process) is claimed again by the next `claim` of any process, at once;
- an action whose holder cannot be checked (another machine sharing the home, another
  pid namespace) is claimed again when its lease expires (`LEASE`);
- a live holder's lease is never taken, and opening a store changes no lease.

The source applies an action sent twice only once (its id is the idempotency key), so
a resend after a holder died mid-send is safe. `mark_done` records a confirmation
whoever holds the action; `mark_retry` and `mark_failed` apply only to an action this
store holds, and are logged and dropped otherwise (its new holder decides).

A `Store` belongs to one thread (sqlite3's ``check_same_thread`` enforces it): the
service calls it on its home thread and hands worker results back there.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Self

from traysupport import codec, paths
from traysupport.core.model import Priority, Snapshot, Ticket, UserAction
from traysupport.store import holder

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
"""Wait after the first failed send; doubled after each further failure."""
RETRY_CAP = timedelta(minutes=15)
"""Longest wait between two sends of the same action."""
BUSY_TIMEOUT_SECONDS = 5.0
"""How long to wait for another process (a second instance, the CLI) holding the lock."""
# The longest one send can take with the HTTP client's defaults (sources.http.HttpLimits):
# (max_retries + 1) attempts x (connect_timeout + max_answer_seconds, the total deadline
# of one answer) + max_retries waits of at most max_retry_after between them:
# 4 x (5 + 60) + 3 x 120 = 620 s. The lease is about twice that, for a send that queues
# behind other jobs on the scheduler and the hand-back to the home thread. A lease that
# ran out under a live sender would let a second process send the same action; a long
# one only delays recovery from a holder that cannot be checked (a dead holder on this
# machine is recovered at once, whatever its lease). tests/test_store.py checks the sum.
LEASE = timedelta(minutes=20)
"""How long a claimed action stays with the process that claimed it."""

# Each entry takes the schema from version i to i+1; append, never edit a shipped one.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE fired (key TEXT PRIMARY KEY, at_us INTEGER NOT NULL)",
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            action TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'failed', 'done')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_us INTEGER NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            recorded_us INTEGER NOT NULL,
            done_us INTEGER)""",
        "CREATE INDEX outbox_by_state ON outbox (state, next_attempt_us)",
        """CREATE TABLE ticket_history (
            ref TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            key TEXT NOT NULL,
            created_us INTEGER NOT NULL,
            first_seen_us INTEGER NOT NULL,
            last_seen_us INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            acknowledged_us INTEGER,
            acknowledged_by TEXT,
            breached_us INTEGER)""",
        """CREATE TABLE snapshot (
            source TEXT PRIMARY KEY, saved_us INTEGER NOT NULL, body TEXT NOT NULL)""",
    ),
    ("CREATE TABLE user_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",),
    # Leases: who is sending an action, until when. Rows left 'sending' by an older
    # version have no holder, and `claim` takes them at once.
    (
        "ALTER TABLE outbox ADD COLUMN owner TEXT",
        "ALTER TABLE outbox ADD COLUMN lease_until_us INTEGER",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# SQLite result codes (low byte of the extended code) that mean "this file is damaged".
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
# ... and those that mean "another connection holds a lock; try again".
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""


class NewerSchemaError(StoreError):
    """The database was written by a newer traysupport."""


class _CorruptError(Exception):
    """Internal: the file on disk is not a sound database."""


class OutboxState(StrEnum):
    """Where an action stands on its way to the source."""

    PENDING = "pending"
    SENDING = "sending"
    FAILED = "failed"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A recorded action and how sending it has gone so far."""

    action: UserAction
    state: OutboxState
    attempts: int
    """Failed sends so far."""
    next_attempt_at: datetime
    last_error: str = ""
    owner: str = ""
    """The `Holder` (text form) that claimed it last; empty if none has."""
    lease_until: datetime | None = None
    """When that claim runs out, while the action is being sent."""

    @property
    def id(self) -> str:
        """The action id, which is also the idempotency key sent to the source."""
        return self.action.id


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


def _us(at: datetime) -> int:
    """Microseconds since the epoch; exact, unlike a float timestamp."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _at(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _maybe_at(us: int | None) -> datetime | None:
    return None if us is None else _at(us)


def backoff(attempts: int) -> timedelta:
    """The wait before the next send after *attempts* failures: doubling, capped."""
    return min(RETRY_CAP, RETRY_BASE * (1 << min(max(attempts - 1, 0), 20)))


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


def _move_aside(path: Path, reason: str) -> Path:
    """Rename a damaged database (and its WAL files, which belong to it) out of the way."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    path.replace(target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(target.with_name(target.name + suffix))
    log.error(
        "database %s is damaged (%s); moved it aside to %s and started a fresh one",
        path,
        reason,
        target,
    )
    return target


class Store:
    """The app's state database. Use from one thread; close it (or use ``with``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.moved_aside: Path | None = None
        """Where a damaged database was moved on open, so the UI can say so."""
        self.holder = holder.Holder.new()
        """Who this store is when it claims actions (this process, and this store in it)."""
        self.owner = str(self.holder)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect()
        except _CorruptError as exc:
            try:
                self.moved_aside = _move_aside(path, str(exc))
            except OSError as move_error:  # e.g. Windows, while another process has it open
                raise StoreError(
                    f"{path} is damaged ({exc}) and cannot be moved aside ({move_error}); "
                    "quit every traysupport and move the file away by hand"
                ) from move_error
            self._db = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._db.close()
            raise
        holder.opened(self.holder)

    @classmethod
    def open_default(cls) -> Store:
        """The store in the user data dir (or under ``TRAYSUPPORT_HOME``)."""
        return cls(paths.database_file())

    def _connect(self) -> sqlite3.Connection:
        """Open and check the file; raise `_CorruptError` if it is damaged."""
        try:
            # isolation_level=None: no implicit transactions; _transaction() is explicit.
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open {self.path}: {exc}; check the folder's permissions"
            ) from exc
        try:
            mode = self._enable_wal(db)
            if mode != "wal":  # some network filesystems refuse WAL; FULL still holds
                log.warning("database %s: WAL unavailable, using journal mode %s", self.path, mode)
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            db.close()
            if _is_corruption(exc):
                raise _CorruptError(str(exc)) from exc
            raise StoreError(f"cannot use {self.path}: {exc}") from exc
        if problems != ["ok"]:
            db.close()
            raise _CorruptError("; ".join(problems[:3]))
        return db

    def _enable_wal(self, db: sqlite3.Connection) -> str:
        """Switch to WAL; return the journal mode in force.

        On a brand-new file the switch needs the file to itself, and SQLite reports a
        second process starting at the same moment as busy at once, without waiting the
        busy timeout. So the switch is retried, for as long as that timeout.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                mode: str = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.005, 0.05))  # jitter: racers do not retry in step
                continue
            return mode

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so a busy database waits here
        # (busy timeout) instead of failing halfway through.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _schema_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path} was written by a newer traysupport (schema {version}; this "
                f"version knows up to {SCHEMA_VERSION}). Upgrade traysupport, or move the "
                "file away to start with an empty history."
            )
        return version

    def _migrate(self) -> None:
        """Bring the schema up to date: all steps in one transaction, or none.

        The version is read again under the write lock: two processes starting on a
        fresh file both see version 0 before either takes the lock, and the second must
        find the first one's work done rather than create the same tables again.
        """
        if self._schema_version() == SCHEMA_VERSION:
            return  # the usual open: no write lock taken
        with self._transaction() as db:
            version = self._schema_version()
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target - 1]:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if version < SCHEMA_VERSION:
            log.info(
                "database %s: migrated from schema %d to %d", self.path, version, SCHEMA_VERSION
            )

    def close(self) -> None:
        """Close the database. The store is unusable afterwards.

        Actions it held stay claimed by it; since it can no longer record their outcome,
        the next `claim` (of any store, in this process or another) takes them again.
        """
        holder.closed(self.holder)
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- fired alerts -----------------------------------------------------------------

    def mark_fired(self, key: str, at: datetime) -> None:
        """Remember that the alert with dedupe *key* was shown at *at*."""
        self._db.execute(
            "INSERT INTO fired (key, at_us) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET at_us = max(at_us, excluded.at_us)",
            (key, _us(at)),
        )

    def was_fired(self, key: str) -> bool:
        """True when the alert with dedupe *key* has been shown."""
        return self._db.execute("SELECT 1 FROM fired WHERE key = ?", (key,)).fetchone() is not None

    def fired_keys(self) -> set[str]:
        """Every dedupe key of an alert shown (and not yet pruned)."""
        return {key for (key,) in self._db.execute("SELECT key FROM fired")}

    def prune_fired(self, before: datetime) -> int:
        """Forget alerts last shown before *before*; return how many."""
        return self._db.execute("DELETE FROM fired WHERE at_us < ?", (_us(before),)).rowcount

    # --- outbox -----------------------------------------------------------------------

    def record(self, action: UserAction) -> None:
        """Put *action* in the outbox, due at once; durable when this returns.

        Recording the same action twice is a no-op; a different action with a used id
        is a `ValueError`.
        """
        body = codec.dumps(codec.encode_action(action))
        inserted = self._db.execute(
            "INSERT INTO outbox (id, action, state, next_attempt_us, recorded_us)"
            " VALUES (?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING",
            (action.id, body, _us(action.created_at), _us(action.created_at)),
        ).rowcount
        if not inserted:
            existing = self.entry(action.id)
            if existing is None or existing.action != action:
                raise ValueError(f"outbox: action id {action.id} is already used")
        log.info("outbox: recorded %s %s (%s)", action.kind, action.ticket_id, action.id)

    def _entries(self, where: str, params: Iterable[object] = ()) -> list[OutboxEntry]:
        query = (
            "SELECT id, action, state, attempts, next_attempt_us, last_error, owner,"
            f" lease_until_us FROM outbox WHERE {where} ORDER BY seq"
        )
        entries = []
        for id_, body, state, attempts, next_us, error, owner, lease_us in self._db.execute(
            query, tuple(params)
        ):
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
                    _at(next_us),
                    error,
                    owner or "",
                    _maybe_at(lease_us),
                )
            )
        return entries

    def entry(self, action_id: str) -> OutboxEntry | None:
        """The outbox entry of *action_id*, in whatever state, if there is one."""
        found = self._entries("id = ?", (action_id,))
        return found[0] if found else None

    def due(self, now: datetime) -> list[OutboxEntry]:
        """Pending entries whose next attempt is due at *now*, oldest first (not claimed)."""
        return self._entries("state = 'pending' AND next_attempt_us <= ?", (_us(now),))

    def open_entries(self) -> list[OutboxEntry]:
        """Every entry not done (pending, sending, failed), oldest first, for the UI."""
        return self._entries("state != 'done'")

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
        now_us, until_us = _us(now), _us(now + lease)
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
            db.executemany(
                "UPDATE outbox SET state = 'sending', owner = ?, lease_until_us = ? WHERE seq = ?",
                ((self.owner, until_us, seq) for seq in taken),
            )
        if not taken:
            return []
        claimed = set(taken.values())
        held = self._entries("state = 'sending' AND owner = ?", (self.owner,))
        return [e for e in held if e.id in claimed]

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
                (_us(at), self.owner, action_id),
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
                (attempts, _us(next_at), error, action_id),
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
        log.warning("outbox: %s failed for good", action_id)
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
        waiting = self._entries("state = 'pending' AND next_attempt_us > ?", (_us(now),))
        ids = [(e.id,) for e in waiting if e.action.source == source]
        if ids:
            with self._transaction() as db:
                db.executemany(
                    "UPDATE outbox SET next_attempt_us = ? WHERE id = ? AND state = 'pending'",
                    ((_us(now), action_id) for (action_id,) in ids),
                )
        return len(ids)

    def prune_done(self, before: datetime) -> int:
        """Delete actions confirmed before *before*; return how many."""
        return self._db.execute(
            "DELETE FROM outbox WHERE state = 'done' AND done_us < ?", (_us(before),)
        ).rowcount

    # --- ticket history ---------------------------------------------------------------

    def observe(self, tickets: Iterable[Ticket], now: datetime) -> None:
        """Record that *tickets* were in the queue at *now* (one transaction)."""
        seen = _us(now)
        rows = (
            (t.ref, t.source, t.id, t.key, _us(t.created_at), seen, seen, int(t.priority), acked)
            for t in tickets
            for acked in [None if t.acknowledged_at is None else _us(t.acknowledged_at)]
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
                (_us(at), by, ref),
            ).rowcount
        )

    def note_breached(self, ref: str, at: datetime) -> bool:
        """Record the first SLA breach of ticket *ref*; False if it was never seen."""
        return bool(
            self._db.execute(
                "UPDATE ticket_history SET breached_us = coalesce(breached_us, ?) WHERE ref = ?",
                (_us(at), ref),
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
            ref_, source, ticket_id, key, _at(created), _at(first), _at(last), Priority(prio),
            _maybe_at(acked), by, _maybe_at(breached),
        )  # fmt: skip

    # --- last good snapshot -----------------------------------------------------------

    # --- small user state (pause, snoozes) --------------------------------------------

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

    def save_snapshot(self, source_name: str, snapshot: Snapshot) -> None:
        """Keep *snapshot* as the last good one from *source_name*."""
        self._db.execute(
            "INSERT INTO snapshot (source, saved_us, body) VALUES (?, ?, ?)"
            " ON CONFLICT (source) DO UPDATE SET saved_us = excluded.saved_us,"
            " body = excluded.body",
            (source_name, _us(snapshot.taken_at), codec.dumps(codec.encode_snapshot(snapshot))),
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
