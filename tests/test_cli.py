"""The command line end to end: `python -m traysupport` as a subprocess, as a user runs it.

Each test keeps its files under its own TRAYSUPPORT_HOME. The actions run against a demo
team served in the test process on a fake clock held one scenario minute in, so the
scripted P2 and P1 are there at once and no test waits for the script; the CLI finds it
through its runtime file, as it finds a `traysupport demo-server` (which one test runs
as the README does). No traceback may reach stderr, whatever the outcome.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from tests.clock import FakeClock
from traysupport import __version__, runtime
from traysupport.demo import TEAM

README = Path(__file__).resolve().parent.parent / "README.md"
TIMEOUT = 60
EXIT_FAILED, EXIT_USAGE = 1, 2
SLA_STATES = {"ok", "warning", "breached", "none"}
PRIORITIES = {"P1", "P2", "P3", "P4"}
SCRIPT_MINUTE = timedelta(minutes=1)
"""Past the demo's scripted P2 (+30 s) and P1 (+45 s), before any teammate moves (+120 s)."""


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def environment(home: Path) -> dict[str, str]:
    """The caller's environment, with every traysupport setting replaced by *home*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAYSUPPORT_")}
    env["TRAYSUPPORT_HOME"] = str(home)
    return env


def traysupport(home: Path, *args: str) -> Run:
    """Run the CLI to completion; no traceback may reach its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "traysupport", *args],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


def ok(home: Path, *args: str) -> Run:
    run = traysupport(home, *args)
    assert run.code == 0, run
    return run


def status(home: Path) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(ok(home, "status", "--demo", "--json").out)
    return answer


def by_id(answer: dict[str, Any], ticket_id: str) -> dict[str, Any]:
    found = [t for t in answer["tickets"] if t["id"] == ticket_id]
    assert len(found) == 1, answer["tickets"]
    ticket: dict[str, Any] = found[0]
    return ticket


def documented_status() -> dict[str, Any]:
    """The `status --json` example in the README, parsed."""
    text = README.read_text(encoding="utf-8")
    after = text.split("`status --json` prints one object", 1)[1]
    block = re.search(r"```json\n(.*?)```", after, re.DOTALL)
    assert block is not None, "the README lost its status --json example"
    example: dict[str, Any] = json.loads(block[1])
    return example


def same_keys(documented: object, actual: object, where: str = "status") -> None:
    """Every object in *documented* has exactly its keys in *actual*, recursively."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{where} is not an object"
        assert set(actual) == set(documented), f"{where}: keys differ from the README"
        for key, value in documented.items():
            if actual[key] is not None:
                same_keys(value, actual[key], f"{where}.{key}")
    elif isinstance(documented, list) and documented:
        assert isinstance(actual, list), f"{where} is not a list"
        for i, item in enumerate(actual):
            same_keys(documented[0], item, f"{where}[{i}]")


def utc(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


# --- without a demo server -----------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    assert ok(tmp_path, "--version").out.strip() == f"traysupport {__version__}"


def test_status_on_the_embedded_demo_team(tmp_path: Path) -> None:
    out = ok(tmp_path, "status", "--demo").out

    assert "demo team" in out
    assert "You (Sam Rivera): off duty" in out
    assert re.search(r"^On duty now: \w+", out, re.MULTILINE), out
    assert "Queue: 2 open" in out
    assert "DEMO-1001" in out


def test_doctor_on_the_demo_team(tmp_path: Path) -> None:
    lines = ok(tmp_path, "doctor", "--demo").out.splitlines()

    for check in ("config", "demo (demo, rotation)", "demo (demo, queue)", "me"):
        assert any(line.startswith(f"✓ {check}:") for line in lines), (check, lines)
    assert not any(line.startswith("✗") for line in lines), lines
    assert lines[-1] == "No problems found."


def test_a_bad_config_file_exits_2_naming_the_file_and_the_key(tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    config.write_text("[poll]\nqueue_seconds = 5\n", encoding="utf-8")

    run = traysupport(tmp_path, "status", "--config", str(config))

    assert run.code == EXIT_USAGE
    assert str(config) in run.err
    assert "poll.queue_seconds" in run.err
    assert run.out == ""


@pytest.mark.parametrize("command", ["status", "doctor"])
def test_a_config_file_that_does_not_exist_is_an_error_not_the_demo(
    tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "cofnig.toml"

    run = traysupport(tmp_path, command, "--config", str(missing))

    assert run.code == EXIT_USAGE
    assert f"{missing}: no such config file" in run.err
    assert run.out == "", "it went on without the file"


def test_doctor_finishes_its_checks_when_the_team_api_refuses_the_token(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    refusal = {"error": {"code": "unauthorized", "message": "missing token"}}
    for endpoint in ("people", "tickets", "me"):
        httpserver.expect_request(f"/api/v1/{endpoint}").respond_with_json(refusal, status=401)
    url = httpserver.url_for("/api/v1")
    config = tmp_path / "team.toml"
    config.write_text(
        f'[rotation]\nprovider = "team-api"\nurl = "{url}"\n'
        f'[queue]\nprovider = "team-api"\nurl = "{url}"\n',
        encoding="utf-8",
    )

    run = traysupport(tmp_path, "doctor", "--config", str(config))

    assert run.code == EXIT_FAILED
    lines = run.out.splitlines()
    # The version-1 file's one server is one source, "team-api", checked in each role.
    for check in ("team-api (team-api, rotation)", "team-api (team-api, queue)", "me"):
        assert any(line.startswith(f"✗ {check}:") and "(401)" in line for line in lines), (
            check,
            lines,
        )
    assert any(line.startswith(("✓ keyring:", "! keyring:")) for line in lines), lines
    assert lines[-1] == "3 problem(s) found."
    assert "traysupport:" not in run.err, "a check's failure ended the doctor early"
    httpserver.check_assertions()


# --- the demo-server command -----------------------------------------------------------------


def test_the_demo_server_command_serves_until_ctrl_c_and_the_cli_finds_it(tmp_path: Path) -> None:
    """`traysupport demo-server` as in the README: it says where it serves, serves the demo
    team, publishes itself for `--demo` commands, and ends cleanly on Ctrl-C."""
    server = subprocess.Popen(
        [sys.executable, "-m", "traysupport", "demo-server", "--port", "0"],
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(TIMEOUT, server.kill)  # a server that never says where
    watchdog.start()
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
    finally:
        watchdog.cancel()
    try:
        found = re.search(r"Demo team API at (http://127\.0\.0\.1:\d+/api/v1)", line)
        assert found is not None, f"no URL in {line!r}"
        served = requests.get(f"{found[1]}/tickets", timeout=5).json()["tickets"]
        assert {t["key"] for t in served} >= {"DEMO-1001", "DEMO-1002"}  # the two old ones
        assert status(tmp_path)["tickets"][0]["url"].startswith(found[1].removesuffix("/api/v1"))
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=10)
    assert "Traceback" not in err, err
    assert server.returncode == 0, (server.returncode, err)
    assert not (tmp_path / "run" / "demo-server.json").exists(), "it left its runtime file"


# --- against a running demo server -----------------------------------------------------------


@dataclass(frozen=True)
class DemoRun:
    home: Path
    url: str
    first_status: dict[str, Any]
    """`status --demo --json` with the scripted tickets in, before any test acts."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """The demo team served in this process on a fake clock held one scenario minute in
    (DEMO-1001..1004 open, the scripted P2 and P1 among them, and nothing moves), published
    under the home the CLI runs with, as `traysupport demo-server` publishes it."""
    home = tmp_path_factory.mktemp("home")
    now = datetime.now(UTC).replace(microsecond=0)  # the CLI's SLA maths use the real clock
    clock = FakeClock(now - SCRIPT_MINUTE)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRAYSUPPORT_HOME", str(home))
        with runtime.demo_server(clock=clock) as (server, _run):
            clock.now = now
            yield DemoRun(home, server.url, status(home))
    assert not (home / "run" / "demo-server.json").exists()


def test_status_json_has_the_documented_shape_and_sorts_by_sla_time_left(demo: DemoRun) -> None:
    answer = demo.first_status

    same_keys(documented_status(), answer)
    assert answer["demo"] is True
    utc(answer["at"])
    assert answer["me"]["id"] == "you"
    assert isinstance(answer["on_duty"], bool)
    assert answer["on_duty"] == (answer["shift"] is not None)
    assert all(s["ok"] and not s["stale"] for s in answer["sources"])
    tickets = answer["tickets"]
    assert len(tickets) == 4
    for ticket in tickets:
        assert ticket["priority"] in PRIORITIES
        assert ticket["sla_state"] in SLA_STATES
        assert (ticket["sla_due"] is None) == (ticket["sla_state"] == "none")
        assert isinstance(ticket["id"], str)
        assert ticket["url"].startswith("http://127.0.0.1:")
    dues = [t["sla_due"] for t in tickets]
    timed = [d for d in dues if d is not None]
    assert len(timed) >= 2, "nothing to sort: the scripted P1 and P2 have deadlines"
    assert dues == sorted(timed, key=utc) + [None] * (len(dues) - len(timed))
    assert tickets[0]["priority"] == "P1"


def test_ack_is_confirmed_and_status_then_shows_it_acknowledged(demo: DemoRun) -> None:
    # The scripted P1: the demo's teammates leave it to whoever is on duty for a while.
    assert by_id(demo.first_status, "1004")["status"] == "new"

    run = ok(demo.home, "ack", "DEMO-1004", "--demo")

    assert run.out.strip() == "Acknowledged DEMO-1004"
    after = status(demo.home)
    acknowledged = by_id(after, "1004")
    assert (acknowledged["status"], acknowledged["assignee_id"]) == ("acknowledged", "you")
    assert after["pending_actions"] == []


def test_handover_reassigns_the_ticket_and_leaves_the_note(demo: DemoRun) -> None:
    note = "Waiting on the customer's export; ETA 14:00"

    run = ok(demo.home, "handover", "DEMO-1003", "--to", "priya", "--note", note, "--demo")

    assert run.out.strip() == "Handed DEMO-1003 over to Priya Natarajan"
    served = requests.get(f"{demo.url}/tickets", timeout=5).json()["tickets"]
    ticket = next(t for t in served if t["id"] == "1003")
    assert ticket["assignee_id"] == "priya"
    # The text the handover dialog writes too: who handed over to whom, when, then the note.
    [(by, text)] = [(n["by"], n["text"]) for n in ticket["notes"]]
    assert by == "you"
    assert text.startswith("Handed over by Sam Rivera to Priya Natarajan at ")
    assert text.endswith(f": {note}")


def test_an_unknown_ticket_exits_1_and_says_so(demo: DemoRun) -> None:
    run = traysupport(demo.home, "ack", "DEMO-9999", "--demo")

    assert run.code == EXIT_FAILED
    assert "traysupport: no open ticket 'DEMO-9999' (open: DEMO-1001" in run.err
    assert run.out == ""


def test_an_unknown_person_exits_1_listing_the_team(demo: DemoRun) -> None:
    run = traysupport(demo.home, "handover", "DEMO-1001", "--to", "zed", "--demo")

    assert run.code == EXIT_FAILED
    assert "nobody called 'zed' on the team" in run.err
    assert all(person.id in run.err for person in TEAM)
    assert run.out == ""
