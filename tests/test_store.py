"""The state database, on real SQLite files: schema, recovery, outbox, history, cache."""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from traysupport import codec
from traysupport.core.model import (
    ActionKind,
    Person,
    Priority,
    Snapshot,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.sources.http import HttpLimits
from traysupport.store import (
    LEASE,
    RETRY_CAP,
    SCHEMA_VERSION,
    NewerSchemaError,
    OutboxState,
    Store,
    StoreError,
    backoff,
)
from traysupport.store import db as store_db

NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]


def action(n: int = 0, kind: ActionKind = ActionKind.ACKNOWLEDGE) -> UserAction:
    """The n-th action, created n minutes after NOW."""
    return UserAction(
        id=f"act-{n}",
        kind=kind,
        source="queue",
        ticket_id=f"T-{n}",
        by="ana",
        created_at=NOW + timedelta(minutes=n),
        to="ben" if kind is ActionKind.HAND_OVER else "",
        note="over to you",
    )


def ticket(n: int, priority: Priority = Priority.P3, title: str = "printer on fire") -> Ticket:
    """An open ticket numbered n."""
    return Ticket(
        id=str(n),
        key=f"SUP-{n}",
        title=title,
        priority=priority,
        status=TicketStatus.NEW,
        created_at=NOW - timedelta(hours=1),
        source="queue",
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as s:
        yield s


# --- schema and recovery --------------------------------------------------------------


def test_fresh_file_gets_the_whole_schema_wal_and_full_sync(store: Store, db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"fired", "outbox", "ticket_history", "snapshot"} <= tables
    raw.close()
    # synchronous and foreign_keys are per connection: ask the store's own.
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


@pytest.mark.parametrize("existing", [False, True], ids=["fresh-file", "current-schema"])
def test_a_failing_migration_changes_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    if existing:
        Store(db_path).close()
    good = (*store_db._MIGRATIONS, ("CREATE TABLE extra (x)",))
    broken = (*good, ("CREATE TABLE more (x)", "this is not SQL"))
    monkeypatch.setattr(store_db, "_MIGRATIONS", broken)
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", len(broken))
    with pytest.raises(sqlite3.OperationalError):
        Store(db_path)
    raw = sqlite3.connect(db_path)
    # All steps run in one transaction: none of them stays, the good ones included.
    assert raw.execute("PRAGMA user_version").fetchone()[0] == (SCHEMA_VERSION if existing else 0)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables.isdisjoint({"extra", "more"})
    assert ("outbox" in tables) is existing
    raw.close()


def test_a_store_of_the_first_schema_is_migrated_keeping_its_outbox(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path, isolation_level=None)
    for statement in store_db._MIGRATIONS[0]:
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    # An action an older version left mid-send, and one it had not sent yet.
    for id_, state in (("old-sending", "sending"), ("old-pending", "pending")):
        body = codec.dumps(codec.encode_action(action(0)))
        raw.execute(
            "INSERT INTO outbox (id, action, state, next_attempt_us, recorded_us)"
            " VALUES (?, ?, ?, 0, 0)",
            (id_, body.replace("act-0", id_), state),
        )
    raw.close()
    with Store(db_path) as s:
        # Nobody holds the one left sending: it is claimed at once, with the other.
        assert sorted(e.id for e in s.claim(NOW)) == ["old-pending", "old-sending"]


def test_a_newer_schema_is_refused_and_left_alone(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(NewerSchemaError, match=r"newer traysupport.*Upgrade"):
        Store(db_path)
    assert list(db_path.parent.glob("*.corrupt-*")) == []


def test_a_file_that_is_no_database_is_moved_aside(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database, it is a shopping list\n" * 200
    db_path.write_bytes(garbage)
    with caplog.at_level(logging.ERROR, logger="traysupport.store"), Store(db_path) as s:
        assert s.moved_aside is not None
        assert s.moved_aside.name.startswith("state.sqlite3.corrupt-")
        assert s.moved_aside.read_bytes() == garbage
        s.record(action())
        assert [e.id for e in s.due(NOW)] == ["act-0"]
    assert "damaged" in caplog.text
    assert str(s.moved_aside) in caplog.text


def _overwrite_pages(data: bytearray) -> None:
    data[4096 * 2 : 4096 * 6] = random.Random(7).randbytes(4096 * 4)


def _flip_fragment_count(data: bytearray) -> None:
    # Byte 7 of a b-tree page header counts fragmented bytes: SQLite reads the page fine,
    # and only a check notices, so this takes the quick_check path, not an exception.
    data[4096 * 3 + 7] ^= 0xFF


@pytest.mark.parametrize("damage", [_overwrite_pages, _flip_fragment_count])
def test_damaged_pages_are_moved_aside(db_path: Path, damage: Any) -> None:
    with Store(db_path) as s:
        s.observe([ticket(n) for n in range(2000)], NOW)
    data = bytearray(db_path.read_bytes())
    damage(data)
    db_path.write_bytes(bytes(data))
    with Store(db_path) as s:
        assert s.moved_aside is not None
        assert s.moved_aside.read_bytes() == data
        assert s.history("queue:1") is None  # a fresh, empty database


def test_an_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path / "dir.sqlite3")


def test_open_default_lives_under_traysupport_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "portable"))
    with Store.open_default() as s:
        assert s.path == tmp_path / "portable" / "data" / "traysupport.sqlite3"
    assert s.path.exists()


# --- fired alerts ---------------------------------------------------------------------


def test_fired_keys_are_remembered_and_pruned_by_last_firing(store: Store) -> None:
    store.mark_fired("sla|queue:1", NOW)
    store.mark_fired("duty|ana", NOW)
    store.mark_fired("duty|ana", NOW + timedelta(days=3))  # fired again later: kept longer
    assert store.was_fired("duty|ana") and not store.was_fired("other")
    assert store.fired_keys() == {"sla|queue:1", "duty|ana"}
    assert store.prune_fired(NOW + timedelta(days=1)) == 1
    assert store.fired_keys() == {"duty|ana"}


# --- outbox ---------------------------------------------------------------------------


def test_an_action_goes_pending_sending_done(store: Store) -> None:
    store.record(action(0, ActionKind.HAND_OVER))
    [entry] = store.due(NOW)
    assert (entry.state, entry.attempts, entry.last_error) == (OutboxState.PENDING, 0, "")
    assert (entry.owner, entry.lease_until) == ("", None)
    assert entry.action == action(0, ActionKind.HAND_OVER)
    [claimed] = store.claim(NOW)
    assert (claimed.id, claimed.state) == (entry.id, OutboxState.SENDING)
    assert (claimed.owner, claimed.lease_until) == (store.owner, NOW + LEASE)
    assert store.holds(claimed)
    assert store.due(NOW) == []  # in flight: not handed out twice
    assert store.claim(NOW) == []
    assert [e.state for e in store.open_entries()] == [OutboxState.SENDING]
    assert store.mark_done(entry.id, NOW)
    assert store.open_entries() == []
    done = store.entry(entry.id)
    assert done is not None and done.state is OutboxState.DONE
    assert store.prune_done(NOW) == 0
    assert store.prune_done(NOW + timedelta(seconds=1)) == 1
    assert store.entry(entry.id) is None


def test_due_is_oldest_first_and_waits_for_created_at(store: Store) -> None:
    for n in (2, 0, 1):
        store.record(action(n))
    assert [e.id for e in store.due(NOW + timedelta(minutes=5))] == ["act-2", "act-0", "act-1"]
    assert [e.id for e in store.due(NOW)] == ["act-0"]


def test_recording_twice_is_harmless_but_a_reused_id_is_not(store: Store) -> None:
    store.record(action(0))
    store.record(action(0))
    assert len(store.open_entries()) == 1
    with pytest.raises(ValueError, match="already used"):
        store.record(action(0, ActionKind.HAND_OVER))


def test_retry_backoff_doubles_and_is_capped(store: Store) -> None:
    store.record(action(0))
    now, waits = NOW, []
    for attempt in range(1, 9):
        assert [e.id for e in store.claim(now)] == ["act-0"]
        assert store.mark_retry("act-0", f"HTTP 503 #{attempt}", now)
        [entry] = store.open_entries()
        assert (entry.attempts, entry.last_error) == (attempt, f"HTTP 503 #{attempt}")
        waits.append(entry.next_attempt_at - now)
        assert store.due(entry.next_attempt_at - timedelta(microseconds=1)) == []
        now = entry.next_attempt_at
        assert [e.id for e in store.due(now)] == ["act-0"]
    assert [w.total_seconds() for w in waits] == [30, 60, 120, 240, 480, 900, 900, 900]
    assert backoff(10_000) == RETRY_CAP


def test_retry_after_from_the_server_wins_when_longer(store: Store) -> None:
    store.record(action(0))
    store.claim(NOW)
    store.mark_retry("act-0", "HTTP 429", NOW, not_before=NOW + timedelta(hours=1))
    [entry] = store.open_entries()
    assert entry.next_attempt_at == NOW + timedelta(hours=1)


def test_a_failed_action_stays_visible_until_retried_or_dismissed(store: Store) -> None:
    store.record(action(0))
    store.record(action(1))
    assert [e.id for e in store.claim(NOW)] == ["act-0"]
    assert store.mark_failed("act-0", "HTTP 404: no such ticket")
    later = NOW + timedelta(days=1)
    assert [e.id for e in store.due(later)] == ["act-1"]
    [failed, _] = store.open_entries()
    assert (failed.state, failed.last_error) == (OutboxState.FAILED, "HTTP 404: no such ticket")
    store.retry("act-0")
    [again] = [e for e in store.due(later) if e.id == "act-0"]
    assert (again.attempts, again.last_error, again.owner) == (0, "", "")
    assert {e.id for e in store.claim(later)} == {"act-0", "act-1"}
    store.mark_failed("act-0", "HTTP 404")
    store.dismiss("act-0")
    assert [e.id for e in store.open_entries()] == ["act-1"]


def test_transitions_out_of_order_are_refused(store: Store) -> None:
    store.record(action(0))
    with pytest.raises(StoreError, match="pending, not failed"):
        store.retry("act-0")
    with pytest.raises(StoreError):
        store.dismiss("act-0")
    with pytest.raises(KeyError):
        store.retry("nope")


def test_outcomes_of_an_action_this_store_does_not_hold_are_not_recorded(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.record(action(0))
    with caplog.at_level(logging.WARNING, logger="traysupport.store"):
        assert not store.mark_retry("act-0", "HTTP 503", NOW)
        assert not store.mark_failed("act-0", "HTTP 404")
    assert "act-0 retry, not recorded: it is pending" in caplog.text
    [entry] = store.open_entries()
    assert (entry.state, entry.attempts, entry.last_error) == (OutboxState.PENDING, 0, "")
    assert not store.mark_done("nope", NOW)  # gone (dismissed, pruned): nothing to crash on


def test_an_action_being_sent_when_its_store_closed_is_claimed_again_at_once(
    db_path: Path,
) -> None:
    with Store(db_path) as s:
        s.record(action(0))
        s.claim(NOW)
    with Store(db_path) as s:
        [entry] = s.open_entries()
        assert entry.state is OutboxState.SENDING, "opening a store changed a lease"
        # The store that claimed it is closed: it can record no outcome, so it is free.
        [claimed] = s.claim(NOW)
        assert (claimed.id, claimed.owner) == ("act-0", s.owner)


# --- leases: one sender per action across processes -----------------------------------
# Two Store objects on one file stand for two processes: each has its own connection and
# its own holder name, and both are open (alive) unless the test closes one.


def test_a_claim_by_one_store_excludes_the_other(db_path: Path) -> None:
    with Store(db_path) as first, Store(db_path) as second:
        for n in range(3):
            first.record(action(n))
        later = NOW + timedelta(minutes=5)
        assert [e.id for e in second.claim(later)] == ["act-0", "act-1", "act-2"]
        assert first.claim(later) == []
        assert first.claim(NOW + LEASE) == [], "a live holder's lease was taken"
        assert [(e.owner, e.lease_until) for e in first.open_entries()] == [
            (second.owner, later + LEASE)
        ] * 3
        assert first.owner != second.owner


def test_opening_a_store_leaves_a_live_lease_alone(db_path: Path) -> None:
    with Store(db_path) as sender:
        sender.record(action(0))
        [claimed] = sender.claim(NOW)
        with Store(db_path) as newcomer:
            assert newcomer.open_entries() == [claimed]
            assert newcomer.claim(NOW) == []
        assert sender.mark_done("act-0", NOW)


def test_an_expired_lease_is_claimed_again_and_the_late_outcomes_do_no_harm(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store(db_path) as slow, Store(db_path) as other:
        for n in range(3):
            slow.record(action(n))
        slow.claim(NOW + timedelta(minutes=2))
        assert other.claim(NOW + LEASE) == []
        expired = NOW + timedelta(minutes=2) + LEASE
        assert [e.owner for e in other.claim(expired)] == [other.owner] * 3
        with caplog.at_level(logging.INFO, logger="traysupport.store"):
            # The slow sender's answers arrive after the take-over.
            assert not slow.mark_failed("act-0", "HTTP 409")
            assert not slow.mark_retry("act-1", "HTTP 503", expired)
            assert slow.mark_done("act-2", expired), "a confirmation is a confirmation"
            # And the new holder's, after that.
            assert not other.mark_done("act-2", expired)
            assert not other.mark_retry("act-2", "HTTP 503", expired)
            assert other.mark_done("act-0", expired)
        assert "act-0 refusal, not recorded: it is being sent by traysupport (pid" in caplog.text
        assert "act-2 confirmed again; it is done already" in caplog.text
        states = {e.id: (e.state, e.owner) for e in map(other.entry, ["act-0", "act-1", "act-2"])}
        assert states == {
            "act-0": (OutboxState.DONE, other.owner),
            "act-1": (OutboxState.SENDING, other.owner),
            "act-2": (OutboxState.DONE, slow.owner),
        }


def test_a_holder_on_another_machine_is_waited_for_until_its_lease_ends(store: Store) -> None:
    store.record(action(0))
    store._db.execute(
        "UPDATE outbox SET state = 'sending', owner = 'elsewhere|1|0badc0ffee', lease_until_us = ?",
        (store_db.to_us(NOW + LEASE),),
    )
    # Pid 1 runs here, but it is not that machine's pid 1: only the lease can tell.
    assert store.claim(NOW) == []
    [entry] = store.claim(NOW + LEASE)
    assert entry.owner == store.owner


_HOLDER = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from pathlib import Path
    from traysupport.store import Store

    store = Store(Path(sys.argv[1]))
    claimed = store.claim(datetime.fromisoformat(sys.argv[2]))
    print(" ".join(e.id for e in claimed), flush=True)
    sys.stdin.read()  # holds its claims until the test kills it
    """
)


def test_a_dead_holder_on_this_machine_is_claimed_again_at_once(db_path: Path) -> None:
    with Store(db_path) as s:
        s.record(action(0))
        s.record(action(1))
        child = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(db_path), NOW.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert child.stdout is not None and child.stdin is not None
        try:
            assert child.stdout.readline().split() == ["act-0"]
            assert s.claim(NOW) == [], "a live process's lease was taken"
        finally:
            child.kill()  # kill -9: it records nothing on the way out
            child.wait()  # reaped: a zombie's pid still answers
            child.stdout.close()
            child.stdin.close()
        # Well inside the dead holder's lease, and without a restart.
        claimed = s.claim(NOW + timedelta(minutes=1))
        assert [(e.id, e.owner) for e in claimed] == [("act-0", s.owner), ("act-1", s.owner)]


def test_the_lease_outlasts_the_longest_send_the_http_client_allows() -> None:
    limits = HttpLimits()
    attempts = limits.max_retries + 1
    per_attempt = limits.connect_timeout + limits.max_answer_seconds
    between = max(limits.max_retry_after, limits.backoff_max)
    longest = attempts * per_attempt + limits.max_retries * between
    # A lease that ran out under a live sender would let a second process send too.
    assert timedelta(seconds=longest * 1.5) < LEASE


_RECORDER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from traysupport.core.model import ActionKind, UserAction
    from traysupport.store import Store

    store = Store(Path(sys.argv[1]))
    prefix = sys.argv[2]
    def act(suffix):
        return UserAction(id=f"{prefix}-{suffix}", kind=ActionKind.HAND_OVER, source="queue",
                          ticket_id="T-1", by="ana", to="ben", note="n" * 3000,
                          created_at=datetime.now(UTC))
    store.record(act("sending"))
    store.claim(datetime.now(UTC))
    print("ready", flush=True)
    n = 0
    while True:
        store.record(act(n))
        print(f"{prefix}-{n}", flush=True)
        n += 1
    """
)


def _record_until_killed(db_path: Path, prefix: str, count: int) -> list[str]:
    """Run the recorder, SIGKILL it after *count* records; the ids it reported recorded."""
    child = subprocess.Popen(
        [sys.executable, "-c", _RECORDER, str(db_path), prefix],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline() == "ready\n"
        reported = [f"{prefix}-sending"]
        reported += [child.stdout.readline().strip() for _ in range(count)]
    finally:
        child.kill()  # SIGKILL: no cleanup, no atexit, wherever it is in a write
        child.wait()
    # Lines already in the pipe were printed after their record() returned: they count.
    reported += [line.strip() for line in child.stdout if line.endswith("\n")]
    child.stdout.close()
    return reported


def test_a_killed_process_loses_no_recorded_action(db_path: Path) -> None:
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    reported: list[str] = []
    for round_ in range(3):
        prefix = f"r{round_}"
        reported += _record_until_killed(db_path, prefix, rng.randint(1, 40))
        raw = sqlite3.connect(db_path)
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)], seed
        raw.close()
        with Store(db_path) as s:
            assert s.moved_aside is None
            present = {e.id for e in s.open_entries()}
            assert set(reported) <= present, f"seed {seed}: lost {set(reported) - present}"
            # Its holder is dead (killed, and reaped): claimed again at once, lease or not.
            claimed = {e.id for e in s.claim(datetime.now(UTC) + timedelta(minutes=1))}
            assert f"{prefix}-sending" in claimed, seed


# --- ticket history -------------------------------------------------------------------


def test_observing_ten_thousand_tickets_in_one_call(store: Store) -> None:
    store.observe([ticket(n) for n in range(10_000)], NOW)
    later = NOW + timedelta(minutes=1)
    store.observe([ticket(n, Priority.P1 if n % 2 else Priority.P4) for n in range(10_000)], later)
    odd, even = store.history("queue:9999"), store.history("queue:10")
    assert odd is not None and even is not None
    assert (odd.first_seen, odd.last_seen, odd.priority) == (NOW, later, Priority.P1)
    assert even.priority is Priority.P3  # the most urgent seen, not the latest
    assert (even.key, even.ticket_id, even.source, even.created_at) == (
        "SUP-10",
        "10",
        "queue",
        NOW - timedelta(hours=1),
    )
    count = store._db.execute("SELECT count(*) FROM ticket_history").fetchone()[0]
    assert count == 10_000


def test_acknowledgement_and_breach_keep_the_first(store: Store) -> None:
    store.observe([ticket(1)], NOW)
    assert store.note_acknowledged("queue:1", NOW + timedelta(minutes=5), "ana")
    assert store.note_acknowledged("queue:1", NOW + timedelta(minutes=9), "ben")
    assert store.note_breached("queue:1", NOW + timedelta(hours=1))
    assert store.note_breached("queue:1", NOW + timedelta(hours=2))
    record = store.history("queue:1")
    assert record is not None
    assert (record.acknowledged_at, record.acknowledged_by) == (NOW + timedelta(minutes=5), "ana")
    assert record.breached_at == NOW + timedelta(hours=1)
    assert not store.note_acknowledged("queue:404", NOW, "ana")
    assert not store.note_breached("queue:404", NOW)
    assert store.history("queue:404") is None


# --- last good snapshot ---------------------------------------------------------------


def test_snapshots_round_trip_per_source(store: Store) -> None:
    ana = Person("ana", "Ana", "ana@example.com")
    queue = Snapshot(taken_at=NOW, people=(ana,), tickets=(ticket(1), ticket(2, Priority.P1)))
    store.save_snapshot("queue", queue)
    store.save_snapshot("rotation", Snapshot(taken_at=NOW, people=(ana,)))
    newer = Snapshot(taken_at=NOW + timedelta(minutes=1), tickets=(ticket(3),))
    assert store.load_snapshot("queue") == queue
    store.save_snapshot("queue", newer)
    assert store.load_snapshot("queue") == newer
    assert store.load_snapshot("rotation") == Snapshot(taken_at=NOW, people=(ana,))
    assert store.load_snapshot("elsewhere") is None


def test_an_unreadable_snapshot_is_none_and_a_warning(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    secret_title = "CEO laptop password is hunter2"
    store.save_snapshot("queue", Snapshot(taken_at=NOW, tickets=(ticket(1, title=secret_title),)))
    body = store._db.execute("SELECT body FROM snapshot").fetchone()[0]
    store._db.execute("UPDATE snapshot SET body = ?", (body.replace('"P3"', '"P9"'),))
    with caplog.at_level(logging.WARNING, logger="traysupport.store"):
        assert store.load_snapshot("queue") is None
    assert "queue" in caplog.text and "priority" in caplog.text
    assert secret_title not in caplog.text
    store._db.execute("UPDATE snapshot SET body = '{not json'")
    assert store.load_snapshot("queue") is None
