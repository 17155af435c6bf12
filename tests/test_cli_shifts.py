"""`traysupport shifts` and `status --at` end to end: the real CLI, two rotation sources.

Two demo-team servers run in this process on a fake clock held one scenario minute in
(see test_cli_sources): "alpha" serves its rotation and queue, "beta" only its rotation.
Their hour-long shifts are the same people at the same times, so every shift is listed
once per source, each saying which; merged by email, the people are one team.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.clock import FakeClock
from tests.test_cli import EXIT_USAGE, Run, traysupport, utc
from traysupport.demo import DemoServer

SCRIPT_MINUTE_IN = timedelta(seconds=60)
EXIT_OK = 0


@dataclass
class Team:
    home: Path
    config: Path

    def cli(self, *args: str) -> Run:
        return traysupport(self.home, *args, "--config", str(self.config))

    def json(self, *args: str) -> dict[str, Any]:
        run = self.cli(*args, "--json")
        assert run.code == EXIT_OK, run
        answer: dict[str, Any] = json.loads(run.out)
        return answer


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    start = datetime.now(UTC).replace(microsecond=0) - SCRIPT_MINUTE_IN
    servers = [DemoServer(clock=FakeClock(start + SCRIPT_MINUTE_IN), start=start) for _ in "ab"]
    for server in servers:
        server.start()
    alpha, beta = servers
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
config_version = 2
me = "sam.rivera@example.com"

[ui]
timezone = "Europe/Berlin"

[[source]]
name = "alpha"
provider = "team-api"
url = "{alpha.url}"

[[source]]
name = "beta"
provider = "team-api"
url = "{beta.url}"
roles = ["rotation"]
""",
        encoding="utf-8",
    )
    try:
        yield Team(tmp_path / "home", config)
    finally:
        for server in servers:
            server.stop()


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def test_shifts_json_lists_every_rotation_source_in_the_documented_shape(team: Team) -> None:
    answer = team.json("shifts", "--to", "+6h")

    shifts = answer["shifts"]
    assert {s["source"] for s in shifts} == {"alpha", "beta"}
    for s in shifts:
        assert set(s) == {
            "person", "start", "end", "role", "rotation", "source", "out_of_hours"
        }  # fmt: skip
        assert set(s["person"]) == {"id", "name", "email"}
        assert utc(s["start"]) < utc(s["end"])
        assert s["rotation"] == "support"
    starts = [utc(s["start"]) for s in shifts]
    assert starts == sorted(starts)
    assert answer["clipped"] is False
    assert utc(answer["to"]) - utc(answer["from"]) == timedelta(hours=6)
    # Both sources' Sam is one person, found by email: "you" on both.
    assert {s["person"]["id"] for s in shifts if s["person"]["name"].startswith("Sam")} == {"you"}


def test_at_a_hand_off_instant_the_incoming_person_is_on_and_the_outgoing_one_is_not(
    team: Team,
) -> None:
    primaries = [
        s
        for s in team.json("shifts", "--from", "+2h", "--to", "+8h")["shifts"]
        if s["source"] == "alpha" and s["role"] == "primary"
    ]
    outgoing, incoming = next(
        (a, b)
        for a, b in pairwise(primaries)
        if a["end"] == b["start"] and a["person"]["id"] != b["person"]["id"]
    )
    hand_off = utc(incoming["start"])

    at_start = team.json("status", "--at", _iso(hand_off))
    before = team.json("status", "--at", _iso(hand_off - timedelta(seconds=1)))

    assert at_start["duty_at"] == _iso(hand_off)
    assert utc(at_start["at"]) < hand_off, "at is still the report time"
    on_then = {p["id"] for p in at_start["on_call_now"] if p["role"] == "primary"}
    assert on_then == {incoming["person"]["id"]}
    on_before = {p["id"] for p in before["on_call_now"] if p["role"] == "primary"}
    assert on_before == {outgoing["person"]["id"]}


def test_mine_text_stars_my_shifts_and_marks_hand_overs(team: Team) -> None:
    run = team.cli("shifts", "--mine", "--to", "+12h")

    assert run.code == EXIT_OK, run
    rows = [line for line in run.out.splitlines() if line.startswith("  ")]
    assert rows, run.out
    assert all(row.startswith("  * ") for row in rows), rows
    assert "Sam Rivera" in rows[0]
    assert "(times in Europe/Berlin, UTC+01:00)" in run.out.splitlines()[0]
    assert "⇄ from" in run.out


def test_a_window_beyond_the_service_read_is_clipped_with_a_note(team: Team) -> None:
    run = team.cli("shifts", "--json", "--from", "+13d", "--to", "+20d")

    assert run.code == EXIT_OK, run
    answer = json.loads(run.out)
    assert answer["clipped"] is True
    assert utc(answer["to"]) < datetime.now(UTC) + timedelta(days=14, minutes=5)
    assert "are not known" in run.err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("shifts", "--from", "tomorow"), "--from 'tomorow': not a time"),
        (("shifts", "--from", "+2d", "--to", "+1d"), "is not after"),
        (("status", "--at", "+30d"), "are not known"),
        (("status", "--at", "next moonday"), "accepted: ISO 8601"),
    ],
)
def test_a_time_it_cannot_use_exits_2_showing_why(
    team: Team, args: tuple[str, ...], said: str
) -> None:
    run = team.cli(*args)

    assert run.code == EXIT_USAGE, run
    assert said in run.err
    assert run.out == ""
