"""The CLI against one rotation provider: run `shifts`/`status --at` as a user would, and
check the answers against the shifts the server or file was written to give.

Used by tests/test_cli_rotation_providers.py. Each provider's test writes a real
config.toml naming a real local server or file, describes the shifts it should read as
`Expected` rows, and asks the helpers here to check, through `python -m traysupport`:

- `check_shifts`: `shifts --json` over a window lists exactly those rows (person id,
  name, email; start/end in UTC ISO 8601; role, rotation, source, out_of_hours), by start.
- `check_hand_off`: `status --at` a hand-off instant names the incoming person and not
  the outgoing one; one second before, the outgoing one and not the incoming one.
- `check_mine`: `shifts --mine --json` lists only my rows.

The token is given in the environment (`TRAYSUPPORT_<TOKEN_REF>_TOKEN`, as token_ref
allows) with no keyring in reach, and every run checks it is never printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.test_cli import TIMEOUT, Run, environment, utc

EXIT_OK = 0
ROLE_ORDER = {"primary": 0, "secondary": 1, "shadow": 2}
"""core.model.Role's order: how `shifts` orders shifts that start together."""
SECOND = timedelta(seconds=1)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def iso(instant: datetime) -> str:
    """*instant* as the CLI writes it: ISO 8601 in UTC with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def hour_floor(instant: datetime) -> datetime:
    """*instant* (UTC) cut to its whole hour."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Expected:
    """One shift the CLI should list, in the words of its JSON."""

    person_id: str
    name: str
    email: str | None
    start: datetime
    end: datetime
    role: str
    rotation: str
    source: str
    out_of_hours: bool = False

    def as_json(self) -> dict[str, Any]:
        """The row as `shifts --json` writes it."""
        return {
            "person": {"id": self.person_id, "name": self.name, "email": self.email},
            "start": iso(self.start),
            "end": iso(self.end),
            "role": self.role,
            "rotation": self.rotation,
            "source": self.source,
            "out_of_hours": self.out_of_hours,
        }

    def order(self) -> tuple[object, ...]:
        """`shifts`' documented order: by start, then role, then name."""
        return (self.start, ROLE_ORDER[self.role], self.name.casefold(), self.source)


@dataclass(frozen=True, slots=True)
class ProviderCli:
    """The CLI with one config and its token in the environment."""

    home: Path
    config: Path
    token_env: dict[str, str]
    """`TRAYSUPPORT_<TOKEN_REF>_TOKEN` → token; empty for a provider without one."""
    secrets: tuple[str, ...] = ()
    """Other text that must never be printed (a private feed URL's key)."""

    def run(self, *args: str) -> Run:
        """Run `traysupport ARGS --config CONFIG`; no traceback and no token may show."""
        env = environment(self.home) | self.token_env
        # No keyring: the token must come from the environment, as on a CI machine.
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        done = subprocess.run(
            [sys.executable, "-m", "traysupport", *args, "--config", str(self.config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        run = Run(done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in run.err, run.err
        for token in (*self.token_env.values(), *self.secrets):
            assert token not in run.out and token not in run.err, "the token was printed"
        return run

    def json(self, *args: str) -> dict[str, Any]:
        """Run with `--json`; exit 0 and one JSON object on stdout."""
        run = self.run(*args, "--json")
        assert run.code == EXIT_OK, run
        answer: dict[str, Any] = json.loads(run.out)
        return answer


def write_config(path: Path, me: str, sources: str, timezone: str = "UTC") -> Path:
    """A version-2 config at *path*: *me*, the display (and local) zone, the *sources*."""
    path.write_text(
        f'config_version = 2\nme = "{me}"\n\n[ui]\ntimezone = "{timezone}"\n\n{sources}',
        encoding="utf-8",
    )
    return path


def overlapping(expected: list[Expected], start: datetime, end: datetime) -> list[Expected]:
    """The rows overlapping [start, end), in `shifts`' order."""
    return sorted((e for e in expected if e.start < end and e.end > start), key=Expected.order)


def check_shifts(
    cli: ProviderCli, expected: list[Expected], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """`shifts --json --from START --to END` lists exactly *expected*'s rows in that window."""
    answer = cli.json("shifts", "--from", iso(start), "--to", iso(end))
    assert answer["clipped"] is False, answer
    assert (utc(answer["from"]), utc(answer["to"])) == (start, end)
    shifts: list[dict[str, Any]] = answer["shifts"]
    want = [e.as_json() for e in overlapping(expected, start, end)]
    assert want, "the window should hold shifts: the test is wrong"
    assert shifts == want, _rows("listed", shifts) + _rows("expected", want)
    return shifts


def _rows(title: str, rows: list[dict[str, Any]]) -> str:
    """*rows* one a line, for a failure message (the helper's asserts are not rewritten)."""
    return f"\n{title}:\n" + "\n".join(json.dumps(row) for row in rows)


def hand_offs(
    expected: list[Expected], role: str, after: datetime
) -> list[tuple[Expected, Expected]]:
    """(outgoing, incoming) of *role*, by hand-off time after *after*: one person's shift
    of a rotation ends as another's starts, and neither holds the role by another shift
    across it (a night cover ending as the day turn changes), so the instant tells."""
    rows = [e for e in expected if e.role == role]
    pairs = [
        (a, b)
        for b in rows
        for a in rows
        if a.end == b.start
        and a.rotation == b.rotation
        and a.person_id != b.person_id
        and b.start > after
        and not _holds(rows, b.person_id, b.start - SECOND)
        and not _holds(rows, a.person_id, b.start)
    ]
    return sorted(pairs, key=lambda pair: pair[1].start)


def _holds(rows: list[Expected], person_id: str, at: datetime) -> bool:
    return any(e.person_id == person_id and e.start <= at < e.end for e in rows)


def on_call(cli: ProviderCli, at: datetime) -> dict[str, Any]:
    """`status --at AT --json`, its duty time checked."""
    answer = cli.json("status", "--at", iso(at))
    assert utc(answer["duty_at"]) == at, answer
    assert all(s["ok"] for s in answer["sources"]), answer["sources"]
    return answer


def who(answer: dict[str, Any], role: str) -> set[str]:
    """The ids of the people on call with *role* in a `status --json` answer."""
    return {p["id"] for p in answer["on_call_now"] if p["role"] == role}


def check_hand_off(cli: ProviderCli, outgoing: Expected, incoming: Expected) -> None:
    """At the hand-off instant the incoming person is on, the outgoing one is not; one
    second before, the other way round. Each says until when."""
    assert outgoing.end == incoming.start and outgoing.role == incoming.role
    at, role = incoming.start, incoming.role

    on = on_call(cli, at)
    before = on_call(cli, at - SECOND)

    assert incoming.person_id in who(on, role), on["on_call_now"]
    assert outgoing.person_id not in who(on, role), on["on_call_now"]
    assert outgoing.person_id in who(before, role), before["on_call_now"]
    assert incoming.person_id not in who(before, role), before["on_call_now"]
    until = {(p["id"], p["role"]): p["until"] for p in on["on_call_now"]}
    assert until[(incoming.person_id, role)] == iso(incoming.end)
    until = {(p["id"], p["role"]): p["until"] for p in before["on_call_now"]}
    assert until[(outgoing.person_id, role)] == iso(outgoing.end)


def check_on_call(cli: ProviderCli, expected: list[Expected], at: datetime) -> dict[str, Any]:
    """`status --at AT` lists exactly the people *expected* has on at AT, with their roles."""
    answer = on_call(cli, at)
    want = {(e.person_id, e.role) for e in expected if e.start <= at < e.end}
    assert {(p["id"], p["role"]) for p in answer["on_call_now"]} == want
    return answer


def check_mine(
    cli: ProviderCli, expected: list[Expected], me: str, start: datetime, end: datetime
) -> None:
    """`shifts --mine --json` lists only my rows (person id *me*), all of them; the
    table lists as many, each starred."""
    answer = cli.json("shifts", "--mine", "--from", iso(start), "--to", iso(end))
    mine = [e.as_json() for e in overlapping(expected, start, end) if e.person_id == me]
    assert mine, "the window should hold my shifts: the test is wrong"
    run = cli.run("shifts", "--mine", "--from", iso(start), "--to", iso(end))
    assert run.code == EXIT_OK, run
    rows = [line for line in run.out.splitlines() if line.startswith("  ")]
    assert len(rows) == len(mine) and all(row.startswith("  * ") for row in rows), run.out
    assert answer["shifts"] == mine, _rows("listed", answer["shifts"]) + _rows("mine", mine)


def now() -> datetime:
    """The real time: the CLI runs on the real clock, so scenarios are laid out around it."""
    return datetime.now(UTC)


def check_every_hand_off(cli: ProviderCli, expected: list[Expected], role: str) -> None:
    """The first hand-off of *role* from an hour on: each side, the instant and before."""
    pairs = hand_offs(expected, role, now() + HOUR)
    assert pairs, "the scenario should hand over: the test is wrong"
    outgoing, incoming = pairs[0]
    check_hand_off(cli, outgoing, incoming)
    check_on_call(cli, expected, incoming.start)
    check_on_call(cli, expected, incoming.start - SECOND)


def check_edges(cli: ProviderCli, expected: list[Expected], role: str) -> None:
    """A shift of *role* with no one before or after it (night cover): exactly who
    *expected* says at its start and end instants and a second before each."""
    shift = min((e for e in expected if e.role == role and e.start > now() + HOUR), key=start_of)
    for at in (shift.start - SECOND, shift.start, shift.end - SECOND, shift.end):
        answer = check_on_call(cli, expected, at)
        on = {(p["id"], p["role"]) for p in answer["on_call_now"]}
        assert ((shift.person_id, role) in on) == (shift.start <= at < shift.end), at


def start_of(shift: Expected) -> datetime:
    """A row's start (a sort key)."""
    return shift.start
