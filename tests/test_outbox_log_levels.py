"""The outbox's log lines: a refusal is said to the user by the command ("not done: …"),
so the store's own note of it is INFO (in the log file), not a WARNING on the terminal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from traysupport.core.model import ActionKind, UserAction
from traysupport.store import Store


def test_a_refusal_is_logged_at_info_not_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    action = UserAction("a1", ActionKind.ACKNOWLEDGE, "rt", "7", "me", now)
    with Store(tmp_path / "db.sqlite3") as store:
        store.record(action)
        [claimed] = store.claim(now)
        with caplog.at_level(logging.DEBUG, logger="traysupport.store"):
            assert store.mark_failed(claimed.id, "RT refused")
    [note] = [r for r in caplog.records if "failed for good" in r.getMessage()]
    assert note.levelno == logging.INFO
