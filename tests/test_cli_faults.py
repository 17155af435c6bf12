"""The command line against a server that hangs: time budgets, signals, nothing lost.

`python -m traysupport` runs as a subprocess, as a user runs it, against a real local
team-API server (pytest-httpserver) that answers, or holds every request open without
a byte of answer until the test ends. Each test waits on events with deadlines; the
bounds asserted are what the issue promised (a budget, 2 s after a signal), far below
what the bugs cost (minutes).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.test_cli import environment, traysupport
from tests.test_service import free_port
from traysupport.cli import EXIT_INTERRUPTED, EXIT_NO_ANSWER, STATUS_BUDGET_SECONDS

SIGNAL_BOUND = 2.0
"""Seconds a command may take to end after SIGTERM or Ctrl-C (the issue's promise)."""
START_BOUND = 30.0
TEAM = {"people": [{"id": "sam", "name": "Sam Rivera", "email": "sam@example.com"}]}
TICKETS = {
    "tickets": [
        {
            "id": "1",
            "key": "T-1",
            "title": "Checkout returns 500",
            "priority": "P2",
            "created_at": "2026-12-05T08:00:00Z",
        }
    ],
    "next": None,
}


@dataclass
class Team:
    """A team-API server that answers, or hangs, as the test says."""

    server: HTTPServer
    hanging: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    asked: threading.Event = field(default_factory=threading.Event)
    """Set when a request arrives while hanging: the client is waiting on us now."""

    def handle(self, request: Request) -> Response:
        if self.hanging:
            self.asked.set()
            self.release.wait(60)
            return Response("", 503)
        answers = {"people": TEAM, "shifts": {"shifts": []}, "tickets": TICKETS}
        body = answers.get(request.path.rsplit("/", 1)[-1])
        if body is None:
            return Response(json.dumps({"error": {"message": "no such"}}), 404)
        return Response(json.dumps(body), 200, content_type="application/json")

    def hang(self) -> None:
        self.hanging = True


@pytest.fixture
def team(httpserver: HTTPServer) -> Iterator[Team]:
    made = Team(httpserver)
    httpserver.expect_request("/api/v1/me").respond_with_json({"error": {}}, status=404)
    for endpoint in ("people", "shifts", "tickets"):
        httpserver.expect_request(f"/api/v1/{endpoint}").respond_with_handler(made.handle)
    httpserver.expect_request("/api/v1/tickets/1/acknowledge").respond_with_handler(made.handle)
    yield made
    made.release.set()  # hanging handlers end, so the server can stop


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Every process a test starts; killed after it if still running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.fixture
def config(tmp_path: Path, team: Team) -> Path:
    url = team.server.url_for("/api/v1")
    path = tmp_path / "team.toml"
    path.write_text(
        f'me = "sam"\n[rotation]\nprovider = "team-api"\nurl = "{url}"\n'
        f'[queue]\nprovider = "team-api"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return path


def start(processes: list[subprocess.Popen[str]], home: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "traysupport", *args],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    processes.append(process)
    return process


def stop_within(process: subprocess.Popen[str], signum: int) -> tuple[int, str, float]:
    """Send *signum*; the exit code, stderr and the seconds it took to end."""
    sent = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    took = time.monotonic() - sent
    assert "Traceback" not in err, err
    return process.returncode, err, took


def test_status_with_a_hanging_server_answers_within_its_budget_from_saved_data(
    tmp_path: Path, team: Team, config: Path
) -> None:
    first = traysupport(tmp_path, "status", "--config", str(config))
    assert first.code == 0, first
    assert "T-1" in first.out
    team.hang()

    began = time.monotonic()
    run = traysupport(tmp_path, "status", "--config", str(config))
    took = time.monotonic() - began

    assert took < STATUS_BUDGET_SECONDS + 10, f"status took {took:.0f} s"
    assert run.code == EXIT_NO_ANSWER, run
    assert "No source answered: showing saved data from" in run.out
    assert "T-1" in run.out, "the saved queue was not shown"
    assert f"no answer within {STATUS_BUDGET_SECONDS:g} s" in run.out
    assert "You (Sam Rivera)" in run.out, "it drew conclusions about me from no data"


def test_status_with_no_answer_and_nothing_saved_says_so(tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    url = f"http://127.0.0.1:{free_port()}/api/v1"  # refused at once: nothing listens
    config.write_text(
        f'me = "sam"\n[rotation]\nprovider = "team-api"\nurl = "{url}"\n'
        f'[queue]\nprovider = "team-api"\nurl = "{url}"\n',
        encoding="utf-8",
    )

    run = traysupport(tmp_path, "status", "--config", str(config), "--json")

    assert run.code == EXIT_NO_ANSWER, run
    answer = json.loads(run.out)
    assert [s["ok"] for s in answer["sources"]] == [False, False]
    text = traysupport(tmp_path, "status", "--config", str(config))
    assert "No source answered, and there is no saved data" in text.out
    assert "You: not known yet (no data from the rotation)" in text.out
    assert "not found on the team" not in text.out


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_status_within_2_s_while_the_server_hangs(
    tmp_path: Path,
    team: Team,
    config: Path,
    signum: int,
    processes: list[subprocess.Popen[str]],
) -> None:
    team.hang()
    process = start(processes, tmp_path, "status", "--config", str(config))
    assert team.asked.wait(START_BOUND), "status never asked the server"

    code, _err, took = stop_within(process, signum)

    assert took < SIGNAL_BOUND, f"it took {took:.1f} s to stop"
    assert code == EXIT_INTERRUPTED


def test_sigterm_stops_watch_within_2_s_while_a_request_hangs(
    tmp_path: Path, team: Team, config: Path, processes: list[subprocess.Popen[str]]
) -> None:
    team.hang()
    process = start(processes, tmp_path, "watch", "--config", str(config))
    assert team.asked.wait(START_BOUND), "watch never asked the server"

    code, err, took = stop_within(process, signal.SIGTERM)

    assert took < SIGNAL_BOUND, f"it took {took:.1f} s to stop"
    assert code == 0, err


def test_ack_records_the_action_before_any_network(
    tmp_path: Path, team: Team, config: Path, processes: list[subprocess.Popen[str]]
) -> None:
    assert traysupport(tmp_path, "status", "--config", str(config)).code == 0
    team.hang()

    process = start(processes, tmp_path, "ack", "T-1", "--config", str(config))
    assert team.asked.wait(START_BOUND), "ack never reached the server"
    # The request is hanging now: the action must be in the outbox already.
    database = tmp_path / "data" / "traysupport.sqlite3"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT action FROM outbox").fetchall()
    assert len(rows) == 1
    assert json.loads(rows[0][0])["ticket_id"] == "1"

    code, _err, took = stop_within(process, signal.SIGTERM)
    assert took < SIGNAL_BOUND, f"it took {took:.1f} s to stop"
    assert code == EXIT_INTERRUPTED
