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
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from tests.test_cli import Run, environment
from tests.test_service import free_port
from traysupport.cli import EXIT_INTERRUPTED, EXIT_NO_ANSWER, STATUS_BUDGET_SECONDS, build_parser

SIGNAL_BOUND = 2.0
"""Seconds a command may take to end after SIGTERM or Ctrl-C (the issue's promise)."""
START_BOUND = 30.0


def team_config(home: Path, url: str) -> Path:
    path = home / "team.toml"
    path.write_text(
        f'me = "alice"\n[rotation]\nprovider = "team-api"\nurl = "{url}"\n'
        f'[queue]\nprovider = "team-api"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(tmp_path: Path, fault_server: FaultServer) -> Path:
    return team_config(tmp_path, fault_server.url)


def env(home: Path) -> dict[str, str]:
    return {**environment(home), "TRAYSUPPORT_TOKEN": FAULT_TOKEN}


def cli(home: Path, *args: str) -> Run:
    """Run the CLI with the fault server's token; no traceback may reach stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "traysupport", *args],
        env=env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Every process a test starts; killed after it if still running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def start(processes: list[subprocess.Popen[str]], home: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "traysupport", *args],
        env=env(home),
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
    tmp_path: Path, fault_server: FaultServer, config: Path
) -> None:
    first = cli(tmp_path, "status", "--config", str(config))
    assert first.code == 0, first
    assert "SUP-142" in first.out
    fault_server.set("*", Fault.hang())

    began = time.monotonic()
    # The default budget is STATUS_BUDGET_SECONDS; --timeout sets it, so this test waits 2 s.
    run = cli(tmp_path, "status", "--config", str(config), "--timeout", "2")
    took = time.monotonic() - began

    assert took < 2 + 10, f"status took {took:.0f} s"
    assert run.code == EXIT_NO_ANSWER, run
    assert "No source answered: showing saved data from" in run.out
    assert "SUP-142" in run.out, "the saved queue was not shown"
    assert "no answer within 2 s" in run.out
    assert "You (Alice Martin)" in run.out, "it drew conclusions about me from no data"


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "301", "soon"])
def test_a_timeout_out_of_range_is_refused_before_anything_runs(
    tmp_path: Path, timeout: str
) -> None:
    run = cli(tmp_path, "status", "--demo", "--timeout", timeout)

    assert run.code == 2, run
    assert "--timeout" in run.err and run.out == ""


def test_the_status_budget_defaults_to_its_documented_seconds() -> None:
    assert build_parser().parse_args(["status"]).timeout == STATUS_BUDGET_SECONDS == 15


def test_status_with_no_answer_and_nothing_saved_says_so(tmp_path: Path) -> None:
    # Refused at once: nothing listens there.
    config = team_config(tmp_path, f"http://127.0.0.1:{free_port()}/api/v1")

    run = cli(tmp_path, "status", "--config", str(config), "--json")

    assert run.code == EXIT_NO_ANSWER, run
    answer = json.loads(run.out)
    assert [s["ok"] for s in answer["sources"]] == [False]  # one server: one source
    text = cli(tmp_path, "status", "--config", str(config))
    assert "No source answered, and there is no saved data" in text.out
    assert "You: not known yet (no data from the rotation)" in text.out
    assert "not found on the team" not in text.out


@pytest.mark.parametrize(
    "case",
    [
        # status asks the team first (rotation before queue on one server); watch polls both.
        pytest.param(("status", "people", signal.SIGTERM, EXIT_INTERRUPTED), id="status-term"),
        pytest.param(("status", "people", signal.SIGINT, EXIT_INTERRUPTED), id="status-int"),
        pytest.param(("watch", "tickets", signal.SIGTERM, 0), id="watch-term"),
    ],
)
def test_a_signal_stops_a_command_within_2_s_while_the_server_hangs(
    tmp_path: Path,
    fault_server: FaultServer,
    config: Path,
    processes: list[subprocess.Popen[str]],
    case: tuple[str, str, int, int],
) -> None:
    command, asks_first, signum, code = case
    fault_server.set("*", Fault.hang())
    process = start(processes, tmp_path, command, "--config", str(config))
    assert fault_server.wait_hits(asks_first, timeout=START_BOUND), f"{command} never asked"

    exit_code, err, took = stop_within(process, signum)

    assert took < SIGNAL_BOUND, f"it took {took:.1f} s to stop"
    assert exit_code == code, err


def test_ack_records_the_action_before_any_network(
    tmp_path: Path,
    fault_server: FaultServer,
    config: Path,
    processes: list[subprocess.Popen[str]],
) -> None:
    assert cli(tmp_path, "status", "--config", str(config)).code == 0
    fault_server.set("*", Fault.hang())

    process = start(processes, tmp_path, "ack", "SUP-142", "--config", str(config))
    assert fault_server.wait_hits("acknowledge", timeout=START_BOUND), "ack never sent"
    # The request is hanging now: the action must be in the outbox already.
    database = tmp_path / "data" / "traysupport.sqlite3"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT action FROM outbox").fetchall()
    assert len(rows) == 1
    assert json.loads(rows[0][0])["ticket_id"] == "142"
    assert fault_server.hits("tickets") == 1, "it polled before recording the action"

    code, _err, took = stop_within(process, signal.SIGTERM)
    assert took < SIGNAL_BOUND, f"it took {took:.1f} s to stop"
    assert code == EXIT_INTERRUPTED
