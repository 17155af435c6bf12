"""Several real processes open one brand-new state database at the same moment.

Processes are real (multiprocessing, spawned), not threads: the faults under test are
between processes, each with its own connection, and SQLite's locks are per process.
Leases between processes are tested in test_store.py and test_outbox_processes.py.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import traceback
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path

from traysupport.store import SCHEMA_VERSION, Store

NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
OPENERS = 4
ROUNDS = 25
"""Fresh files opened at once by OPENERS processes; the old migration failed in most rounds."""
DEADLINE = 60.0
"""Seconds any child may take, in all, before the test fails (it takes about one)."""


def _open_fresh_files(
    folder: str, rounds: int, barrier: Barrier, errors: multiprocessing.SimpleQueue[str]
) -> None:
    """Child: in every round, open the same brand-new file as the others, at once."""
    for n in range(rounds):
        path = Path(folder) / f"round-{n}" / "state.sqlite3"
        barrier.wait(DEADLINE)
        try:
            with Store(path) as store:
                store.mark_fired(f"round {n} pid {os.getpid()}", NOW)
        except Exception:
            errors.put(f"round {n}: {traceback.format_exc()}")


def test_processes_opening_one_fresh_file_at_once_all_succeed(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(OPENERS)
    errors: multiprocessing.SimpleQueue[str] = spawn.SimpleQueue()
    children = [
        spawn.Process(target=_open_fresh_files, args=(str(tmp_path), ROUNDS, barrier, errors))
        for _ in range(OPENERS)
    ]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join(DEADLINE)
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    errors.close()
    assert failures == [], f"{len(failures)} opens failed; the first:\n{failures[0]}"
    assert [child.exitcode for child in children] == [0] * OPENERS
    for n in range(ROUNDS):
        raw = sqlite3.connect(tmp_path / f"round-{n}" / "state.sqlite3")
        try:
            assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert raw.execute("SELECT count(*) FROM fired").fetchone()[0] == OPENERS
        finally:
            raw.close()
