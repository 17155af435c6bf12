"""What `ack` and `handover` report once their action is recorded, whoever sends it.

The command's own part (`cli_outbox.await_reported`) runs here on a real store, a real home loop
and a real notifications lock; the other traysupport process that holds the action's
lease is a real process on the same database, told by the test when to answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from traysupport import cli, cli_outbox
from traysupport.core.model import ActionKind, UserAction
from traysupport.ownership import NotificationsLock
from traysupport.service import HomeLoop
from traysupport.store import OutboxState, Store

REPO = Path(__file__).resolve().parents[1]
BUDGET = cli.ACTION_TIMEOUT_SECONDS
"""The commands' own time budget: the old code waited all of it before looking again."""

_OTHER_PROCESS = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from traysupport.store import Store

    store = Store(Path(sys.argv[1]))
    print(" ".join(e.id for e in store.claim(datetime.now(UTC))), flush=True)
    for line in sys.stdin:  # the test says how the send went; EOF ends the process
        outcome, _, detail = line.strip().partition(" ")
        for entry in store.open_entries():
            if outcome == "done":
                store.mark_done(entry.id, datetime.now(UTC))
            elif outcome == "failed":
                store.mark_failed(entry.id, detail)
    store.close()
    """
)


_WATCHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from traysupport.ownership import NotificationsLock

    lock = NotificationsLock(Path(sys.argv[1]))
    assert lock.try_hold()
    print("holding", flush=True)
    sys.stdin.read()
    lock.release()
    """
)


class OtherProcess:
    """A traysupport process on the same home that claimed every due action."""

    def __init__(self, db_path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _OTHER_PROCESS, str(db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert self.process.stdout is not None
        self.claimed = self.process.stdout.readline().split()

    def answer(self, outcome: str) -> None:
        """Tell it how its send went: "done", or "failed <the tool's reason>"."""
        assert self.process.stdin is not None
        self.process.stdin.write(outcome + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "traysupport.sqlite3"


@pytest.fixture
def session(tmp_path: Path, db_path: Path) -> Iterator[SimpleNamespace]:
    """What `_await_action` uses of a CLI session: store, loop, listener, notifications."""
    store = Store(db_path)
    engine = SimpleNamespace(store=store, notifications=NotificationsLock(tmp_path / "n.lock"))
    yield SimpleNamespace(engine=engine, loop=HomeLoop(), listener=cli._Listener())
    store.close()


@pytest.fixture
def recorded(session: SimpleNamespace) -> UserAction:
    """An acknowledgement in the outbox, not sent by this process yet."""
    action = UserAction(
        id="00000000-0000-4000-8000-000000000001",
        kind=ActionKind.ACKNOWLEDGE,
        source="queue",
        ticket_id="142",
        by="you",
        created_at=datetime.now(UTC),
    )
    session.engine.store.record(action)
    return action


@pytest.fixture
def other(db_path: Path, recorded: UserAction) -> Iterator[OtherProcess]:
    other = OtherProcess(db_path)
    assert other.claimed == [recorded.id]
    yield other
    other.stop()


def test_an_action_another_process_confirms_is_reported_done(
    session: SimpleNamespace,
    recorded: UserAction,
    other: OtherProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session.loop.call_soon(lambda: other.answer("done"))  # while the command waits
    started = time.monotonic()

    code = cli_outbox.await_reported(session, recorded, "Acknowledged SUP-142")

    assert (code, capsys.readouterr().out) == (cli.EXIT_OK, "Acknowledged SUP-142\n")
    assert time.monotonic() - started < BUDGET / 3, "it waited out its budget to look again"


def test_an_action_another_process_sees_refused_fails_with_the_tools_reason(
    session: SimpleNamespace, recorded: UserAction, other: OtherProcess
) -> None:
    session.loop.call_soon(lambda: other.answer("failed 409: SUP-142 is closed"))
    started = time.monotonic()

    with pytest.raises(cli.CliError, match="not done: 409: SUP-142 is closed") as refused:
        cli_outbox.await_reported(session, recorded, "Acknowledged SUP-142")

    assert refused.value.code == cli.EXIT_FAILED
    assert time.monotonic() - started < BUDGET / 3, "it waited out its budget to look again"


def test_an_action_another_process_is_still_sending_is_queued_naming_that_process(
    session: SimpleNamespace,
    recorded: UserAction,
    other: OtherProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "ACTION_TIMEOUT_SECONDS", 0.5)

    code = cli_outbox.await_reported(session, recorded, "Acknowledged SUP-142")

    out = capsys.readouterr().out
    assert code == cli.EXIT_QUEUED
    assert "Acknowledged" not in out
    assert f"traysupport (pid {other.process.pid}) is sending it" in out
    assert "saved" in out
    entry = session.engine.store.entry(recorded.id)
    assert entry is not None and entry.state is OutboxState.SENDING, "the lease was taken"


def test_an_action_whose_send_failed_for_now_is_queued_with_when_and_by_whom(
    session: SimpleNamespace,
    recorded: UserAction,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    store = session.engine.store
    now = datetime.now(UTC)
    store.claim(now)
    store.mark_retry(recorded.id, "the server refused the connection", now)
    entry = store.entry(recorded.id)
    assert entry is not None
    retry_at = entry.next_attempt_at.astimezone().strftime("%H:%M")
    watcher = subprocess.Popen(  # a `watch` on this home: it holds the notifications
        [sys.executable, "-c", _WATCHER, str(tmp_path / "n.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert watcher.stdin is not None and watcher.stdout is not None
    try:
        assert watcher.stdout.readline() == "holding\n"
        started = time.monotonic()
        code = cli_outbox.await_reported(session, recorded, "Acknowledged SUP-142")
        elapsed = time.monotonic() - started
    finally:
        watcher.stdin.close()
        watcher.wait(timeout=30)
        watcher.stdout.close()

    out = capsys.readouterr().out
    assert code == cli.EXIT_QUEUED
    assert elapsed < BUDGET / 3, "a failed send is known at once"
    assert "the server refused the connection" in out
    assert f"traysupport (pid {watcher.pid}) is running and sends it after {retry_at}" in out


def test_with_nothing_running_a_queued_action_says_what_will_send_it(
    session: SimpleNamespace, recorded: UserAction, capsys: pytest.CaptureFixture[str]
) -> None:
    store = session.engine.store
    now = datetime.now(UTC)
    store.claim(now)
    store.mark_retry(recorded.id, "the server refused the connection", now)

    assert cli_outbox.await_reported(session, recorded, "Acknowledged SUP-142") == cli.EXIT_QUEUED

    out = capsys.readouterr().out
    assert "the tray app or `traysupport watch`" in out


def test_an_action_whose_other_sender_dies_is_queued_at_once_not_waited_for(
    session: SimpleNamespace,
    recorded: UserAction,
    other: OtherProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def kill_it() -> None:
        other.process.kill()  # kill -9 mid-send
        other.process.wait()

    session.loop.call_soon(kill_it)
    started = time.monotonic()

    code = cli_outbox.await_reported(session, recorded, "Acknowledged SUP-142")

    out = capsys.readouterr().out
    assert code == cli.EXIT_QUEUED
    assert time.monotonic() - started < BUDGET / 3, "it waited on a dead process"
    assert f"traysupport (pid {other.process.pid}) stopped while sending it" in out
    assert "is sending it now" not in out
    assert "The action is saved: the tray app or `traysupport watch` sends it" in out
