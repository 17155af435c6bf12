"""The store's SQLite file: opening it, transactions, and the schema's migrations.

Durability: the connection runs in WAL mode with ``synchronous=FULL``, so every commit
is fsynced before it returns. WAL with ``NORMAL`` would already survive the app being
killed, but not a power cut or a kernel panic, and a user's acknowledgement must survive
those too. The extra fsync is one per write, a few per minute, so the whole connection
uses FULL rather than switching modes per table.

Every write is its own transaction and is committed before the method returns. Times are
stored as integer microseconds since the Unix epoch (UTC), exact and ordered (`to_us`).

Several processes share one file (the tray app, `watch`, `ack` from a terminal). Opening
is safe when they start together: switching a new file to WAL is retried while another
process holds it, and the schema is migrated in one IMMEDIATE transaction that reads the
version under the write lock, so exactly one process migrates and the others see it done.
A file found damaged on open is moved aside (with its WAL files) and a fresh one started.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 5.0
"""How long to wait for another process (a second instance, the CLI) holding the lock."""


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
    # Steps: the calls of a several-call write that reached the tool (a JSON list), so a
    # retry sends only what is left (sources.base.Steps).
    ("ALTER TABLE outbox ADD COLUMN steps TEXT NOT NULL DEFAULT '[]'",),
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


def to_us(at: datetime) -> int:
    """Microseconds since the epoch; exact, unlike a float timestamp."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """The instant *us* microseconds after the epoch, in UTC."""
    return _EPOCH + timedelta(microseconds=us)


def maybe_from_us(us: int | None) -> datetime | None:
    """`from_us` of a nullable column: None stays None."""
    return None if us is None else from_us(us)


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


class Database:
    """The store's open SQLite file, its schema up to date.

    Use it from one thread (sqlite3's ``check_same_thread`` enforces it); close it, or
    use ``with``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.moved_aside: Path | None = None
        """Where a damaged database was moved on open, so the UI can say so."""
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
        """Close the database. The store is unusable afterwards."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
