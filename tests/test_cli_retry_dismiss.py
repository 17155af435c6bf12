"""`traysupport retry TICKET` and `traysupport dismiss TICKET`: what to do with an action
the ticket tool refused for good, from a terminal (the window has Retry and Dismiss).

`python -m traysupport` runs as a subprocess against a demo team served in this process
(as in test_cli), on a home whose store holds failed actions recorded straight into it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clock import FakeClock
from tests.test_cli import EXIT_FAILED, SCRIPT_MINUTE, Run, ok, traysupport
from traysupport import runtime
from traysupport.core.model import ActionKind, UserAction
from traysupport.store import OutboxState, Store

README = Path(__file__).resolve().parent.parent / "README.md"


@dataclass(frozen=True)
class Team:
    home: Path
    source: str
    """The demo queue's source name, as tickets and actions carry it."""

    @property
    def store_path(self) -> Path:
        """The demo run's own store (the CLI with --demo keeps its outbox there)."""
        run = json.loads((self.home / "run" / "demo-server.json").read_text(encoding="utf-8"))
        return self.home / "data" / "demo" / f"{run['run']}.sqlite3"

    def status(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(ok(self.home, "status", "--demo", "--json").out)
        return answer

    def failed(
        self, kind: ActionKind, ticket_id: str, why: str, source: str = "", **extra: Any
    ) -> str:
        """Record an action on *ticket_id* that its tool refused for good; its id."""
        action = UserAction(
            str(uuid.uuid4()),
            kind,
            source or self.source,
            ticket_id,
            "you",
            datetime.now(UTC) - timedelta(minutes=5),
            **extra,
        )
        with Store(self.store_path) as store:
            store.record(action)
            [claimed] = [e for e in store.claim(datetime.now(UTC)) if e.id == action.id]
            assert store.mark_failed(claimed.id, why)
        return action.id

    def entry_state(self, action_id: str) -> OutboxState | None:
        with Store(self.store_path) as store:
            entry = store.entry(action_id)
        return None if entry is None else entry.state


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """The demo team one scenario minute in (DEMO-1001..1004 open), nothing moving."""
    home = tmp_path / "home"
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FakeClock(now - SCRIPT_MINUTE)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRAYSUPPORT_HOME", str(home))
        with runtime.demo_server(clock=clock) as (_server, _run):
            clock.now = now
            first = json.loads(ok(home, "status", "--demo", "--json").out)
            yield Team(home, first["tickets"][0]["source"])


def test_retry_sends_a_failed_acknowledge_again_and_it_is_done(team: Team) -> None:
    action_id = team.failed(ActionKind.ACKNOWLEDGE, "1002", "503: try later, said the tool")
    assert "[failed: 503: try later" in ok(team.home, "status", "--demo").out

    run = ok(team.home, "retry", "DEMO-1002", "--demo")

    assert run.out.strip().endswith("Acknowledged DEMO-1002"), run
    assert team.entry_state(action_id) is OutboxState.DONE
    answer = team.status()
    assert answer["pending_actions"] == []
    [ticket] = [t for t in answer["tickets"] if t["id"] == "1002"]
    assert (ticket["status"], ticket["assignee_id"]) == ("acknowledged", "you")
    assert "[failed" not in ok(team.home, "status", "--demo").out


def test_retry_of_a_hand_over_the_tool_refuses_again_exits_1_with_its_words(team: Team) -> None:
    action_id = team.failed(ActionKind.HAND_OVER, "1003", "no such person", to="zed")

    run = traysupport(team.home, "retry", f"{team.source}:1003", "--demo")

    assert run.code == EXIT_FAILED, run
    assert "not done:" in run.err and "no person 'zed'" in run.err, run.err
    assert "failed for good" not in run.err, "the store's log line is for the log file"
    assert team.entry_state(action_id) is OutboxState.FAILED


def test_dismiss_drops_a_failed_action_on_a_ticket_no_longer_in_the_queue(team: Team) -> None:
    gone = 'the source "beta" is no longer in the settings; add it back or dismiss this action'
    action_id = team.failed(ActionKind.ACKNOWLEDGE, "42", gone, source="beta")
    shown = ok(team.home, "status", "--demo").out
    assert "  acknowledge beta:42 — " in shown.split("Not sent:")[1]

    run = ok(team.home, "dismiss", "beta:42", "--demo")

    assert "Dismissed acknowledge beta:42" in run.out and "no longer in the settings" in run.out
    assert team.entry_state(action_id) is None
    assert "Not sent:" not in ok(team.home, "status", "--demo").out


def test_dismiss_by_key_drops_every_failed_action_of_that_ticket_and_sends_nothing(
    team: Team,
) -> None:
    first = team.failed(ActionKind.ACKNOWLEDGE, "1001", "refused once")
    second = team.failed(ActionKind.HAND_OVER, "1001", "refused twice", to="priya")

    run = ok(team.home, "dismiss", "DEMO-1001", "--demo")

    assert run.out.count("Dismissed") == 2, run
    assert team.entry_state(first) is None and team.entry_state(second) is None
    [ticket] = [t for t in team.status()["tickets"] if t["id"] == "1001"]
    assert ticket["assignee_id"] != "priya", "dismiss must not send anything"


def test_a_ticket_without_a_failed_action_is_said_so(team: Team) -> None:
    for command in ("retry", "dismiss"):
        run = traysupport(team.home, command, "DEMO-1004", "--demo")
        assert run.code == EXIT_FAILED, run
        assert "DEMO-1004 has no failed action" in run.err, run.err
        assert "Traceback" not in run.err

    unknown: Run = traysupport(team.home, "retry", "DEMO-9999", "--demo")
    assert unknown.code == EXIT_FAILED
    assert "no failed action on 'DEMO-9999'" in unknown.err, unknown.err


def test_retry_and_dismiss_are_in_the_help_and_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    assert "| `traysupport retry TICKET` |" in text
    assert "| `traysupport dismiss TICKET` |" in text
    for command in ("retry", "dismiss"):
        help_text = ok(Path("/nonexistent-home"), command, "--help").out
        assert "TICKET" in help_text or "ticket" in help_text


def test_a_failure_a_later_confirmed_ack_made_moot_leaves_the_row_but_is_still_listed(
    team: Team,
) -> None:
    team.failed(ActionKind.ACKNOWLEDGE, "1002", "RT refused: the ticket was locked")
    ok(team.home, "ack", "DEMO-1002", "--demo")

    out = ok(team.home, "status", "--demo").out

    [row] = [line for line in out.splitlines() if " DEMO-1002 " in line]
    assert "[failed" not in row, row
    unsent = out.split("Not sent:")[1]
    assert "acknowledge demo:1002 — RT refused: the ticket was locked" in unsent
    assert "(a later acknowledge was confirmed)" in unsent
