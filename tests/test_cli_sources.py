"""Several sources at once, end to end: two team-API servers, one config, the real CLI.

Two demo-team servers run in this process on two ports, on a fake clock held one
scenario minute in (the scripted tickets DEMO-1001..1004 are open on both, and nothing
moves), so no test waits for the script. "alpha" serves the rotation and its queue,
"beta" only its queue. Both have DEMO-1004: a bare key must be refused, `SOURCE:KEY`
must reach that source's server and no other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import EXIT_FAILED, Run, traysupport
from tests.two_sources import SCRIPT_MINUTE_IN, held_server, write_config
from traysupport.demo import DemoServer

EXIT_OK = 0


@dataclass
class Team:
    home: Path
    config: Path
    alpha: DemoServer
    beta: DemoServer

    def cli(self, *args: str) -> Run:
        return traysupport(self.home, *args, "--config", str(self.config))

    def status(self) -> dict[str, Any]:
        run = self.cli("status", "--json")
        answer: dict[str, Any] = json.loads(run.out)
        return answer


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    start = datetime.now(UTC).replace(microsecond=0) - SCRIPT_MINUTE_IN
    (alpha, _), (beta, _) = held_server(start), held_server(start)
    alpha.start()
    beta.start()
    config = write_config(tmp_path / "config.toml", alpha, beta)
    try:
        yield Team(tmp_path / "home", config, alpha, beta)
    finally:
        alpha.stop()
        beta.stop()


def _keys(answer: dict[str, Any], source: str) -> set[str]:
    return {t["key"] for t in answer["tickets"] if t["source"] == source}


def test_one_status_holds_the_tickets_of_both_sources(team: Team) -> None:
    answer = team.status()

    assert (
        _keys(answer, "alpha")
        == _keys(answer, "beta")
        == {
            "DEMO-1001",
            "DEMO-1002",
            "DEMO-1003",
            "DEMO-1004",
        }
    )
    assert {t["ref"] for t in answer["tickets"]} >= {"alpha:DEMO-1004", "beta:DEMO-1004"}
    sources = {s["name"]: s for s in answer["sources"]}
    assert sources["alpha"]["roles"] == ["rotation", "queue"]
    assert sources["beta"]["roles"] == ["queue"]
    assert all(s["ok"] and s["provider"] == "team-api" for s in sources.values())
    # Me, found on alpha's rotation by email, is who acts on beta too.
    assert answer["me"]["id"] == "you"


def test_a_key_both_sources_have_is_refused_with_both_listed(team: Team) -> None:
    run = team.cli("ack", "DEMO-1004")

    assert run.code == EXIT_FAILED
    assert "alpha:DEMO-1004" in run.err and "beta:DEMO-1004" in run.err
    assert team.alpha.team.ticket("1004")["status"] == "new"
    assert team.beta.team.ticket("1004")["status"] == "new"


def test_ack_source_key_acknowledges_on_that_server_only(team: Team) -> None:
    run = team.cli("ack", "beta:DEMO-1004")

    assert (run.code, run.out.strip()) == (EXIT_OK, "Acknowledged DEMO-1004"), run
    assert team.beta.team.ticket("1004")["status"] == "acknowledged"
    assert team.beta.team.ticket("1004")["assignee_id"] == "you"
    assert team.alpha.team.ticket("1004")["status"] == "new"


def test_a_stopped_server_marks_only_its_source_stale_and_keeps_its_tickets(
    team: Team,
) -> None:
    team.status()  # both answer: their data is saved
    team.beta.stop()

    answer = team.status()

    sources = {s["name"]: s for s in answer["sources"]}
    assert sources["alpha"]["ok"] and not sources["alpha"]["stale"]
    assert sources["beta"]["stale"] and not sources["beta"]["ok"]
    assert sources["beta"]["last_ok_at"] is not None
    assert "beta" in sources["beta"]["error"]
    assert len(_keys(answer, "beta")) == 4, "the stale source's tickets are kept"
    text = team.cli("status")
    assert "beta STALE" in text.out and "old" in text.out
