"""`traysupport shifts --json`, `status --at` and `shifts --mine` through the real CLI,
for the rotation providers read over HTTP: pagerduty, opsgenie, jsm-oncall.

Each test writes a real config.toml with the provider's `[[source]]` naming a real local
server (pytest-httpserver, or the vendor fault server of tests/sources/ in its sound
mode), runs `python -m traysupport` as a user does (tests/provider_cli.py), and checks
who is on: every shift in a window, exactly; at a hand-off instant the incoming person
and not the outgoing one; one second before, the other way round. The token is given in
the environment under the source's token_ref and never printed.

The CLI runs on the real clock, so each scenario is laid out in whole hours around the
test's start, inside the span the service reads (a day back, 14 days ahead).
The file providers (ics, rotation-file): tests/test_cli_rotation_files.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.provider_cli import (
    DAY,
    HOUR,
    Expected,
    ProviderCli,
    check_every_hand_off,
    check_mine,
    check_shifts,
    hour_floor,
    iso,
    now,
    write_config,
)
from tests.sources import ops_faultserver
from tests.sources.ops_faultserver import OpsFaultServer
from tests.test_cli_rotation_files import BERLIN, rotation_expected, rotation_file_text
from traysupport.core.model import EARLIEST, LATEST

TOKEN = "tok-9Zq-never-printed"


# -- pagerduty -------------------------------------------------------------------------

PD_USERS = {
    "PU1": {"id": "PU1", "type": "user", "name": "Ada Lo", "email": "ada@example.com"},
    "PU2": {"id": "PU2", "type": "user", "name": "Bob Ng", "email": "bob@example.com"},
    "PU3": {"id": "PU3", "type": "user", "name": "Cy Park", "email": "cy@example.com"},
    "PU4": {"id": "PU4", "type": "user", "name": "dee fox", "email": "dee@example.com"},
    "PU5": {"id": "PU5", "type": "user", "name": "Eve Ma", "email": "eve@example.com"},
}
PD_PAGE = 7
"""Items a page at most, so the CLI's read pages (provider-apis.md §1 offset/limit)."""


def _pd_oncalls(base: datetime) -> list[dict[str, Any]]:
    """§1 /oncalls items: Ada and Bob alternate 12-hour turns at level 1 of schedule
    "Primary", each also answered for a second policy (the same shift twice); Cy holds
    level 2 of schedule "Backup" in day-long turns with Dee."""
    primary = {"id": "PS1", "type": "schedule_reference", "summary": "Primary"}
    backup = {"id": "PS2", "type": "schedule_reference", "summary": "Backup"}
    items = []
    for n in range(30):
        start, end = base + 12 * n * HOUR, base + 12 * (n + 1) * HOUR
        for policy in ("PE1", "PE2"):
            items.append(
                _pd_item(("PU1", "PU2")[n % 2], primary, policy, level=1, start=start, end=end)
            )
    for n in range(15):
        start, end = base + n * DAY, base + (n + 1) * DAY
        items.append(_pd_item(("PU3", "PU4")[n % 2], backup, "PE1", level=2, start=start, end=end))
    # §1: a permanent on-call (start and end null), put on level 2 directly, no schedule.
    items.append(
        {
            "user": PD_USERS["PU5"],
            "schedule": None,
            "escalation_policy": {
                "id": "PE1",
                "type": "escalation_policy_reference",
                "summary": "Core EP",
            },
            "escalation_level": 2,
            "start": None,
            "end": None,
        }
    )
    return items


def _pd_item(
    user: str, schedule: dict[str, str], policy: str, *, level: int, start: datetime, end: datetime
) -> dict[str, Any]:
    return {
        "user": PD_USERS[user],
        "schedule": schedule,
        "escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
        "escalation_level": level,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _pd_expected(base: datetime) -> list[Expected]:
    rows = []
    for item in _pd_oncalls(base):
        if item["escalation_policy"]["id"] == "PE2":
            continue  # the duplicate: listed once
        user = item["user"]
        if item["start"] is None:  # always on call: from the far past into the far future
            rows.append(
                Expected(
                    "PU5",
                    "Eve Ma",
                    "eve@example.com",
                    EARLIEST,
                    LATEST,
                    "secondary",
                    "Core EP",
                    "pd",
                )
            )
            continue
        rows.append(
            Expected(
                user["id"],
                user["name"],
                user["email"],
                datetime.fromisoformat(item["start"]),
                datetime.fromisoformat(item["end"]),
                "primary" if item["escalation_level"] == 1 else "secondary",
                item["schedule"]["summary"],
                "pd",
            )
        )
    return rows


def _pd_answer(items: list[dict[str, Any]]) -> Any:
    """A werkzeug handler: /oncalls filtered by since/until, paged; Token auth (§1)."""

    def answer(request: Request) -> Response:
        if request.headers.get("Authorization") != f"Token token={TOKEN}":
            return Response('{"error": {"message": "Authentication failed", "code": 2006}}', 401)
        since = datetime.fromisoformat(request.args["since"])
        until = datetime.fromisoformat(request.args["until"])
        found = [
            i
            for i in items
            if i["start"] is None
            or (
                datetime.fromisoformat(i["start"]) < until
                and datetime.fromisoformat(i["end"]) > since
            )
        ]
        offset = int(request.args.get("offset", "0"))
        limit = min(int(request.args.get("limit", "25")), PD_PAGE)
        body = {
            "oncalls": found[offset : offset + limit],
            "limit": limit,
            "offset": offset,
            "more": offset + limit < len(found),
            "total": None,
        }
        return Response(json.dumps(body), 200, content_type="application/json")

    return answer


def _pd_serve(httpserver: HTTPServer, base: datetime) -> str:
    """Serve §1's /oncalls, /users/me (a user token: Ada) and /users; the base URL."""
    httpserver.expect_request("/oncalls").respond_with_handler(_pd_answer(_pd_oncalls(base)))
    auth = {"Authorization": f"Token token={TOKEN}"}
    httpserver.expect_request("/users/me", headers=auth).respond_with_json(
        {"user": PD_USERS["PU1"]}
    )
    users = list(PD_USERS.values())
    httpserver.expect_request("/users", headers=auth).respond_with_json(
        {"users": users, "limit": 100, "offset": 0, "more": False, "total": None}
    )
    return httpserver.url_for("/").rstrip("/")


@pytest.fixture
def pagerduty(httpserver: HTTPServer, tmp_path: Path) -> tuple[ProviderCli, list[Expected]]:
    base = hour_floor(now()) - DAY
    url = _pd_serve(httpserver, base)  # no `me` in the config: from /users/me
    config = write_config(
        tmp_path / "config.toml",
        "",
        f"""[[source]]
name = "pd"
provider = "pagerduty"
url = "{url}"
roles = ["rotation"]
schedule_ids = ["PS1", "PS2"]
token_ref = "pagerduty-key"
""",
    )
    cli = ProviderCli(tmp_path / "home", config, {"TRAYSUPPORT_PAGERDUTY_KEY_TOKEN": TOKEN})
    return cli, _pd_expected(base)


def test_pagerduty_shifts_hand_offs_and_mine(
    pagerduty: tuple[ProviderCli, list[Expected]],
) -> None:
    cli, expected = pagerduty
    start = hour_floor(now())

    check_shifts(cli, expected, start, start + 2 * DAY)
    check_every_hand_off(cli, expected, "primary")
    check_every_hand_off(cli, expected, "secondary")
    check_mine(cli, expected, "PU1", start, start + 2 * DAY)
    _check_always_on_call_text(cli, start)


def _check_always_on_call_text(cli: ProviderCli, start: datetime) -> None:
    """The permanent on-call reads as always on call in the table: not a day in 1900
    and a shift "+401767d" long (the model's far past and far future shown as dates)."""
    run = cli.run("shifts", "--from", iso(start), "--to", iso(start + DAY))

    assert run.code == 0, run
    eve = [line for line in run.out.splitlines() if "Eve Ma" in line]
    assert len(eve) == 1, run.out
    assert "always on call" in eve[0], run.out
    assert "1900" not in run.out and "3000" not in run.out, run.out
    assert "+401767d" not in run.out, run.out


# -- opsgenie and jsm-oncall -----------------------------------------------------------


@pytest.fixture
def ops_server(request: pytest.FixtureRequest) -> Iterator[OpsFaultServer]:
    """The Opsgenie (or, with param True, JSM) server in its sound mode; schedules paged
    one a page."""
    server = OpsFaultServer(TOKEN, 1, jsm=request.param)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _ops_expected(server: OpsFaultServer, source: str) -> list[Expected]:
    """ops_faultserver's timeline periods as the CLI lists them: Opsgenie names a user by
    username (the email), JSM by account id, resolved through Jira to name and email."""
    rows = []
    for uid, start, end in ops_faultserver.periods(server.now):
        email = f"{uid[2:]}@example.com"
        name = ops_faultserver.PEOPLE[uid] if server.jsm else email
        rows.append(Expected(uid, name, email, start, end, "primary", "Core / Weekly", source))
    return rows


@pytest.mark.parametrize(
    ("ops_server", "provider", "settings"),
    [
        (False, "opsgenie", ""),
        (True, "jsm-oncall", 'cloud_id = "cloud-1"\n'),
    ],
    indirect=["ops_server"],
)
def test_ops_shifts_hand_offs_and_mine(
    ops_server: OpsFaultServer, provider: str, settings: str, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "config.toml",
        "ada@example.com",
        f"""[[source]]
name = "ops"
provider = "{provider}"
url = "{ops_server.url}"
schedules = ["Core"]
token_ref = "ops"
{settings}""",
    )
    cli = ProviderCli(tmp_path / "home", config, {"TRAYSUPPORT_OPS_TOKEN": TOKEN})
    expected = _ops_expected(ops_server, "ops")
    start = hour_floor(now())

    check_shifts(cli, expected, start, start + 2 * DAY)
    check_every_hand_off(cli, expected, "primary")
    check_mine(cli, expected, "u-ada", start, start + 2 * DAY)
    assert ops_server.hits("timeline") >= 1


# -- several rotations at once ---------------------------------------------------------


def test_pagerduty_and_a_rotation_file_merge_into_one_team(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """PagerDuty's day rotation and a rotation file's nights in one config: the people
    are one team (found by email, with PagerDuty's ids), who I am comes from PagerDuty
    (/users/me) and holds on the file's shifts too, and every hand-off tells."""
    base = hour_floor(now()) - DAY
    url = _pd_serve(httpserver, base)
    first = datetime.combine(now().astimezone(BERLIN).date() - 3 * DAY, datetime.min.time(), BERLIN)
    rotation = tmp_path / "rotation.toml"
    rotation.write_text(rotation_file_text(first), encoding="utf-8")
    config = write_config(
        tmp_path / "config.toml",
        "",
        f"""[[source]]
name = "pd"
provider = "pagerduty"
url = "{url}"
roles = ["rotation"]
token_ref = "pd"

[[source]]
name = "rota"
provider = "rotation-file"
path = "{rotation}"
""",
        timezone="Europe/Berlin",
    )
    cli = ProviderCli(tmp_path / "home", config, {"TRAYSUPPORT_PD_TOKEN": TOKEN})
    ids = {u["email"]: u["id"] for u in PD_USERS.values()}
    expected = _pd_expected(base) + [
        replace(e, person_id=ids[e.person_id]) for e in rotation_expected(first)
    ]
    start = hour_floor(now())

    check_shifts(cli, expected, start, start + 2 * DAY)
    check_every_hand_off(cli, expected, "primary")
    check_every_hand_off(cli, expected, "secondary")
    check_mine(cli, expected, "PU1", start, start + 2 * DAY)
