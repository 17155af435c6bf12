"""`traysupport status`, `ack` and `handover` through the real CLI against the real Request
Tracker 5 (tests/rt/conftest.py's `rt_server`): the issue's "done when" for RT.

Each test writes a real config.toml naming the RT, with sam's token in the environment,
runs `python -m traysupport` as a user does (tests/provider_cli.py) and reads back what
RT itself holds through REST2 as root: the owner, the status, the comments in the
ticket's history. Each test makes its own tickets, so the order of the tests and the
other RT tests of the session do not matter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.provider_cli import ProviderCli, write_config
from tests.queue_cli import EXIT_FAILED, act, row, status, tickets
from tests.rt.rt_server import OBSERVER, RTServer
from tests.sources.zendesk_faultserver import EMAIL as ZD_EMAIL
from tests.sources.zendesk_faultserver import VIEW_ID as ZD_VIEW
from tests.sources.zendesk_faultserver import ZendeskFaultServer

SAM, PRIYA = "sam@example.com", "priya@example.com"
REFUSED = "That user may not own tickets in that queue"
"""RT 5.0.3's own words when the new owner lacks OwnTicket (rt_observed.md)."""
TIMEOUT = 30
ZD_TOKEN = "zd-tok-7Pn-never-shown"


@pytest.fixture
def cli(rt_server: RTServer, tmp_path: Path) -> ProviderCli:
    """The CLI as sam, reading RT's Support queue (the provider's default query)."""
    source = (
        f'[[source]]\nname = "rt"\nprovider = "rt"\nurl = "{rt_server.url}"\ntoken_ref = "rt"\n'
    )
    config = write_config(tmp_path / "config.toml", SAM, source)
    return ProviderCli(tmp_path / "home", config, {"TRAYSUPPORT_RT_TOKEN": rt_server.tokens[SAM]})


def rt_ticket(server: RTServer, number: int) -> tuple[dict[str, Any], str]:
    """The ticket as RT holds it (read as root), and its ETag."""
    reply = requests.get(
        f"{server.api}/ticket/{number}", headers=server.headers("root"), timeout=TIMEOUT
    )
    reply.raise_for_status()
    return reply.json(), reply.headers["ETag"]


def rt_comments(server: RTServer, number: int) -> list[str]:
    """The text of every comment in the ticket's history, oldest first."""
    headers = server.headers("root")
    history = requests.get(
        f"{server.api}/ticket/{number}/history",
        params={"fields": "Type", "per_page": "100"},
        headers=headers,
        timeout=TIMEOUT,
    ).json()
    texts = []
    for entry in (e for e in history["items"] if e["Type"] == "Comment"):
        parts = requests.get(
            f"{server.api}/transaction/{entry['id']}/attachments",
            params={"fields": "Content"},
            headers=headers,
            timeout=TIMEOUT,
        ).json()["items"]
        texts += [p["Content"].strip() for p in parts if p.get("Content", "").strip()]
    return texts


def _due(body: dict[str, Any]) -> str | None:
    """RT's Due as `status --json` should give it: 1970-01-01 is none."""
    due = str(body["Due"])
    return None if due.startswith("1970-01-01") else due


def test_status_shows_rts_queue_by_number_with_priorities_and_due(
    rt_server: RTServer, cli: ProviderCli
) -> None:
    made = {
        rt_server.new_ticket("cli: urgent", 95, sla="P1"): ("P1", "ok"),
        rt_server.new_ticket("cli: normal", 60, sla="P2"): ("P2", "ok"),
        rt_server.new_ticket("cli: low", 25, sla="P3"): ("P3", "ok"),
        rt_server.new_ticket("cli: no sla", 5): ("P4", "none"),  # Due unset, and P4 has none
    }
    found = tickets(status(cli))
    shown = cli.run("status")
    for number, (priority, state) in made.items():
        body, _ = rt_ticket(rt_server, number)
        ticket = found[f"rt:{number}"]
        assert (ticket["id"], ticket["key"]) == (str(number), str(number))
        assert (ticket["priority"], ticket["sla_state"]) == (priority, state), ticket
        assert ticket["sla_due"] == _due(body), (ticket, body["Due"])
        assert (ticket["status"], ticket["assignee"]) == ("new", None)
        assert ticket["url"] == rt_server.ticket_url(number)
        line = row(shown, str(number))
        assert ("no SLA" if state == "none" else "SLA in") in line, line
    assert all(_due(rt_ticket(rt_server, n)[0]) for n, (p, _s) in made.items() if p != "P4")


def test_ack_takes_the_ticket_and_the_next_status_shows_it_mine(
    rt_server: RTServer, cli: ProviderCli
) -> None:
    number = rt_server.new_ticket("cli: take me", 90, sla="P1")
    assert f"Acknowledged {number}" in act(cli, "ack", str(number)).out
    body, etag = rt_ticket(rt_server, number)
    assert (body["Owner"]["id"], body["Status"]) == (SAM, "open")

    act(cli, "ack", f"rt:{number}")  # already mine: succeeds quietly
    assert rt_ticket(rt_server, number)[1] == etag, "a second ack wrote to RT"
    ticket = tickets(status(cli))[f"rt:{number}"]
    assert (ticket["assignee"], ticket["assignee_id"]) == ("Sam Rivera", SAM)
    assert ticket["status"] == "in_progress"


def test_handover_sets_the_owner_and_adds_exactly_one_comment(
    rt_server: RTServer, cli: ProviderCli
) -> None:
    number = rt_server.new_ticket("cli: hand me over", 50, sla="P2")
    note = "VPN logs attached; call the customer at 10."
    run = act(cli, "handover", str(number), "--to", PRIYA, "--note", note)
    assert f"Handed {number} over to Priya Natarajan" in run.out

    assert rt_ticket(rt_server, number)[0]["Owner"]["id"] == PRIYA
    [comment] = rt_comments(rt_server, number)
    assert note in comment
    ticket = tickets(status(cli))[f"rt:{number}"]
    assert (ticket["assignee"], ticket["assignee_id"]) == ("Priya Natarajan", PRIYA)


def test_a_refused_hand_over_says_rts_words_and_stays_failed_in_the_outbox(
    rt_server: RTServer, cli: ProviderCli
) -> None:
    number = rt_server.new_ticket("cli: not for dana", 50)
    act(cli, "ack", str(number))
    run = cli.run("handover", str(number), "--to", OBSERVER, "--note", "for dana")
    assert run.code == EXIT_FAILED, run
    assert "not done:" in run.err and REFUSED in run.err, run.err
    assert rt_ticket(rt_server, number)[0]["Owner"]["id"] == SAM
    assert rt_comments(rt_server, number) == []

    # The next status: a failure with RT's words on the ticket's row, never "pending".
    shown = cli.run("status")
    line = row(shown, str(number))
    assert "[pending]" not in line and "[failed: " in line and "may not own tickets" in line
    answer = status(cli)
    [entry] = [e for e in answer["pending_actions"] if e["ticket_id"] == str(number)]
    assert (entry["kind"], entry["state"], entry["source"]) == ("hand_over", "failed", "rt")
    assert REFUSED in entry["error"]
    assert rt_comments(rt_server, number) == [], "status sent the refused hand-over again"


def test_rt_and_zendesk_make_one_queue_each_ticket_with_its_source(
    rt_server: RTServer, tmp_path: Path
) -> None:
    number = rt_server.new_ticket("cli: merged", 95, sla="P1")
    zendesk = ZendeskFaultServer(ZD_TOKEN).start()
    try:
        sources = (
            f'[[source]]\nname = "rt"\nprovider = "rt"\nurl = "{rt_server.url}"\n'
            'token_ref = "rt"\n\n'
            f'[[source]]\nname = "zendesk"\nprovider = "zendesk"\nurl = "{zendesk.url}"\n'
            f'email = "{ZD_EMAIL}"\nview_id = {ZD_VIEW}\ntoken_ref = "zd"\n'
        )
        config = write_config(tmp_path / "config.toml", SAM, sources)
        env = {"TRAYSUPPORT_RT_TOKEN": rt_server.tokens[SAM], "TRAYSUPPORT_ZD_TOKEN": ZD_TOKEN}
        cli = ProviderCli(tmp_path / "home", config, env)
        answer = status(cli)
        shown = cli.run("status")
    finally:
        zendesk.stop()
    assert [s["name"] for s in answer["sources"]] == ["rt", "zendesk"]
    found = tickets(answer)
    assert {ref for ref in found if ref.startswith("zendesk:")} == {
        "zendesk:35436",
        "zendesk:35437",
        "zendesk:35438",
    }
    assert found[f"rt:{number}"]["priority"] == found["zendesk:35436"]["priority"] == "P1"
    assert {t["source"] for t in answer["tickets"]} == {"rt", "zendesk"}
    # With two queues each row names its source before the key.
    assert "SLA in" in row(shown, f"rt:{number}") and row(shown, "zendesk:35436")
