"""`traysupport status`, `ack` and `handover` through the real CLI, for the queue providers
read over HTTP: zendesk, jira-sm, pagerduty, one at a time and all at once.

Each test writes a real config.toml naming the provider's fault server of tests/sources/
in its sound mode (completed for a whole run by tests/queue_cli.py), runs `python -m
traysupport` as a user does, and checks the queue it prints: exactly the open tickets,
each under the key the tool shows people, with its priority and SLA deadline (a paused
one paused); then that `ack` takes the key, `SOURCE:KEY` or the tool's own id, writes to
the server what docs/providers.md says, and the next `status` shows it. The token is in
the environment under the source's token_ref and is never printed. Request Tracker, on
the real server: tests/rt/test_rt_cli.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.provider_cli import ProviderCli, write_config
from tests.queue_cli import (
    MetricTicket,
    PeopleJiraServer,
    Want,
    act,
    check_queue,
    row,
    status,
    tickets,
    zendesk_comments,
)
from tests.sources import zendesk_faultserver as zd
from tests.sources.pagerduty_faultserver import PagerDutyFaultServer

ME = "ada@example.com"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TOKENS = {"zd": "zd-tok-4Kq-never-shown", "jsm": "jsm-tok-8Rw-never-shown", "pd": "pd-tok-2Lx"}


def _zendesk_source(server: zd.ZendeskFaultServer) -> str:
    return f"""[[source]]
name = "zendesk"
provider = "zendesk"
url = "{server.url}"
email = "{zd.EMAIL}"
view_id = {zd.VIEW_ID}
token_ref = "zd"
"""


def _jira_source(server: PeopleJiraServer) -> str:
    return f"""[[source]]
name = "jsm"
provider = "jira-sm"
url = "{server.url}"
deployment = "cloud"
email = "ada@example.com"
service_desk_id = "SD"
queue_id = 12
token_ref = "jsm"
"""


def _pagerduty_source(server: PagerDutyFaultServer) -> str:
    return f"""[[source]]
name = "pd"
provider = "pagerduty"
url = "{server.url}"
roles = ["queue"]
token_ref = "pd"
"""


def _cli(tmp_path: Path, *sources: str) -> ProviderCli:
    config = write_config(tmp_path / "config.toml", ME, "\n".join(sources))
    env = {f"TRAYSUPPORT_{ref.upper()}_TOKEN": token for ref, token in TOKENS.items()}
    return ProviderCli(tmp_path / "home", config, env)


@pytest.fixture
def zendesk_server() -> Iterator[zd.ZendeskFaultServer]:
    """Zendesk, two tickets a page: an urgent new one (first reply due in 1 h), one without
    a priority held by Bob (a resolution time due in 5 h, running after acknowledgement),
    a low pending one of mine whose SLA is paused, and a solved one."""
    server = zd.ZendeskFaultServer(TOKENS["zd"], page_size=2)
    server.tickets[35437] = MetricTicket(35437, "VPN drops", None, "open", assignee_id=902)
    server.tickets[35438] = MetricTicket(
        35438, "Invoice copy", "low", "pending", assignee_id=901, stage="paused"
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def jira_server() -> Iterator[PeopleJiraServer]:
    """JSM: SD-1 Highest, new (first response due in 1 h); SD-2 Medium, Bob's, paused;
    SD-3 Low, mine, its SLA met (the team's policy: none for P4); SD-4 done."""
    server = PeopleJiraServer(TOKENS["jsm"], page_size=2).start()
    yield server
    server.stop()


@pytest.fixture
def pagerduty_server() -> Iterator[PagerDutyFaultServer]:
    """PagerDuty: #41 high, the account's second priority, 2 h old; #42 low, acknowledged;
    #43 low, triggered 60 days ago (still open); #44 resolved. Ada's, all."""
    server = PagerDutyFaultServer(TOKENS["pd"], page_size=2).start()
    yield server
    server.stop()


# -- zendesk -----------------------------------------------------------------------------


def test_zendesk_queue_priorities_slas_and_ack_by_number(
    tmp_path: Path, zendesk_server: zd.ZendeskFaultServer
) -> None:
    cli, now = _cli(tmp_path, _zendesk_source(zendesk_server)), zendesk_server.now
    check_queue(
        status(cli),
        {
            "zendesk:35436": Want("35436", "P1", "ok", now + HOUR, "new"),
            "zendesk:35437": Want(
                "35437", "P3", "warning", now + 5 * HOUR, "in_progress", "Bob Ng"
            ),
            "zendesk:35438": Want("35438", "P4", "paused", None, "waiting", "Ada Lo"),
        },
    )
    shown = cli.run("status")
    assert "SLA in 59 min" in row(shown, "35436") or "SLA in 1 h" in row(shown, "35436")
    assert "SLA paused" in row(shown, "35438"), shown.out

    assert "Acknowledged 35436" in act(cli, "ack", "35436").out
    assert zendesk_server.state(35436)[:2] == (901, "open")
    act(cli, "ack", "zendesk:35437")
    assert zendesk_server.state(35437)[:2] == (901, "open")
    [write, _] = zendesk_server.writes
    assert write.body["ticket"]["assignee_id"] == 901
    assert write.body["ticket"]["status"] == "open"

    after = tickets(status(cli))
    assert (after["zendesk:35436"]["status"], after["zendesk:35436"]["assignee"]) == (
        "in_progress",
        "Ada Lo",
    )
    assert after["zendesk:35437"]["assignee"] == "Ada Lo"


def test_zendesk_hand_over_sets_the_assignee_and_one_private_note(
    tmp_path: Path, zendesk_server: zd.ZendeskFaultServer
) -> None:
    cli = _cli(tmp_path, _zendesk_source(zendesk_server))
    run = act(cli, "handover", "35436", "--to", "bob@example.com", "--note", "Logs attached.")
    assert "Handed 35436 over to Bob Ng" in run.out
    assert zendesk_server.state(35436)[0] == 902
    [note] = zendesk_comments(zendesk_server, 35436)
    assert note["public"] is False and "Logs attached." in str(note["body"])
    assert tickets(status(cli))["zendesk:35436"]["assignee"] == "Bob Ng"


# -- jira-sm -----------------------------------------------------------------------------


def test_jira_queue_by_issue_key_with_jiras_slas_and_ack_by_key_or_id(
    tmp_path: Path, jira_server: PeopleJiraServer
) -> None:
    cli, now = _cli(tmp_path, _jira_source(jira_server)), jira_server.now
    check_queue(
        status(cli),
        {
            "jsm:SD-1": Want("10001", "P1", "ok", now + HOUR, "new"),
            "jsm:SD-2": Want("10002", "P3", "paused", None, "in_progress", "Bob Ng"),
            "jsm:SD-3": Want("10003", "P4", "none", None, "in_progress", "Ada Lo"),
        },
    )
    shown = cli.run("status")
    assert "SLA paused" in row(shown, "SD-2") and "no SLA" in row(shown, "SD-3")

    assert "Acknowledged SD-1" in act(cli, "ack", "SD-1").out
    act(cli, "ack", "10003")  # already mine: succeeds, nothing sent
    act(cli, "ack", "jsm:10002")  # the source and Jira's issue id
    assigned = [(w.ticket_id, w.body) for w in jira_server.writes]
    assert assigned == [("10001", {"accountId": "acc-ada"}), ("10002", {"accountId": "acc-ada"})]

    after = tickets(status(cli))
    assert (after["jsm:SD-1"]["status"], after["jsm:SD-1"]["assignee"]) == (
        "acknowledged",
        "Ada Lo",
    )
    assert after["jsm:SD-2"]["assignee"] == "Ada Lo"


# -- pagerduty ---------------------------------------------------------------------------


def test_pagerduty_incidents_by_number_with_account_priorities_and_ack(
    tmp_path: Path, pagerduty_server: PagerDutyFaultServer
) -> None:
    cli, now = _cli(tmp_path, _pagerduty_source(pagerduty_server)), pagerduty_server.now
    check_queue(
        status(cli),
        {
            # PSEV2 is the account's second priority; the team's P2 target is 3 h.
            "pd:41": Want("PI1", "P2", "ok", now - 2 * HOUR + 3 * HOUR, "new", "Ada Lo"),
            "pd:42": Want("PI2", "P3", "none", None, "acknowledged", "Ada Lo"),
            # Low urgency, no priority: P3 (24 h), two months old and still open.
            "pd:43": Want("PI3", "P3", "breached", now - 60 * DAY + DAY, "new", "Ada Lo"),
        },
    )
    assert "breached" in row(cli.run("status"), "43")

    assert "Acknowledged 43" in act(cli, "ack", "43").out
    act(cli, "ack", "PI3")  # PagerDuty's own id; already acknowledged by me: nothing sent
    act(cli, "ack", "pd:41")
    sent = [
        (endpoint, incident, json.loads(raw), by)
        for endpoint, incident, raw, by in pagerduty_server.received
    ]
    acked = {"incident": {"type": "incident_reference", "status": "acknowledged"}}
    assert sent == [("update", "PI3", acked, ME), ("update", "PI1", acked, ME)]

    after = tickets(status(cli))
    assert after["pd:43"]["status"] == after["pd:41"]["status"] == "acknowledged"


# -- several queues at once --------------------------------------------------------------


def test_three_tools_make_one_queue_each_ticket_with_its_source(
    tmp_path: Path,
    zendesk_server: zd.ZendeskFaultServer,
    jira_server: PeopleJiraServer,
    pagerduty_server: PagerDutyFaultServer,
) -> None:
    cli = _cli(
        tmp_path,
        _zendesk_source(zendesk_server),
        _jira_source(jira_server),
        _pagerduty_source(pagerduty_server),
    )
    answer = status(cli)
    assert [s["name"] for s in answer["sources"]] == ["zendesk", "jsm", "pd"]
    found = tickets(answer)
    assert set(found) == {
        *(f"zendesk:{n}" for n in (35436, 35437, 35438)),
        *(f"jsm:SD-{n}" for n in (1, 2, 3)),
        *(f"pd:{n}" for n in (41, 42, 43)),
    }
    # One queue, most urgent first: the breached incident, then the deadlines in an hour.
    order = [t["ref"] for t in answer["tickets"]]
    assert order[0] == "pd:43"
    assert {"zendesk:35436", "jsm:SD-1", "pd:41"} == set(order[1:4])
    # The same person in three tools is one: me.
    assert {found[ref]["assignee_id"] for ref in ("zendesk:35438", "jsm:SD-3", "pd:42")} == {
        answer["me"]["id"]
    }
    shown = cli.run("status")
    assert "SLA paused" in row(shown, "jsm:SD-2") and "SLA paused" in row(shown, "zendesk:35438")

    act(cli, "ack", "SD-1")  # a key only one tool has needs no source
    assert [w.ticket_id for w in jira_server.writes] == ["10001"]
    assert zendesk_server.writes == [] and pagerduty_server.received == []
