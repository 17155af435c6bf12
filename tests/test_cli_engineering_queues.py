"""Sentry, GitHub Issues and Intercom in one config, through the real CLI (issue 11's
"Done when"): `status` shows one merged queue, each ticket under its source with the
priority its tool gives and the SLA docs/providers.md says (Sentry none by default,
GitHub's and Intercom's from the team policy, counted from `created_at` and
`waiting_since`); `ack`, `handover` and `silence` write to the ticket's own tool exactly
what docs/providers.md says, and nothing to the other two.

The servers are the fault servers of tests/sources/ in their sound mode (the tools'
documented shapes); the CLI runs as tests/provider_cli.py runs it: `python -m
traysupport`, a temporary home, a real config.toml, the tokens in the environment and
never printed. Review reminders are tested with a fake clock in their own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.provider_cli import ProviderCli, write_config
from tests.queue_cli import EXIT_FAILED, Want, act, check_queue, row, status, tickets
from tests.sources.github_faultserver import GitHubFaultServer
from tests.sources.intercom_faultserver import TEAM, IntercomFaultServer
from tests.sources.sentry_faultserver import SentryFaultServer

ME = "ada@example.com"
HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
TOKENS = {
    "sentry": "sentry-tok-7Yp-never-shown",
    "gh": "gh-tok-3Vb-never-shown",
    "icom": "icom-tok-5Nd-never-shown",
}
ASSIGN_ME_INTERCOM = {
    "message_type": "assignment",
    "type": "admin",
    "admin_id": "991267",
    "assignee_id": "991267",
}


@dataclass
class Tools:
    """The three servers, and the CLI with one config naming them all."""

    sentry: SentryFaultServer
    github: GitHubFaultServer
    intercom: IntercomFaultServer
    cli: ProviderCli

    def writes(self) -> dict[str, list[tuple[str, str, Any]]]:
        """Every write each server received: (endpoint, ticket, body)."""
        servers = {"sentry": self.sentry, "github": self.github, "intercom": self.intercom}
        return {
            name: [(w.endpoint, w.ticket_id, w.body) for w in server.writes]
            for name, server in servers.items()
        }


def _config(tools: tuple[SentryFaultServer, GitHubFaultServer, IntercomFaultServer]) -> str:
    sentry, github, intercom = tools
    return f"""[[source]]
name = "errors"
provider = "sentry"
url = "{sentry.url}"
organization = "acme"
token_ref = "sentry"

[[source]]
name = "issues"
provider = "github"
url = "{github.url}"
repos = ["acme/app"]
token_ref = "gh"

[[source]]
name = "inbox"
provider = "intercom"
url = "{intercom.url}"
team_ids = ["{TEAM}"]
token_ref = "icom"
"""


@pytest.fixture
def tools(tmp_path: Path) -> Iterator[Tools]:
    """Sentry: API-65 high, API-66 medium (Bob's), API-67 low, all first seen 2 days ago.
    GitHub acme/app: #1 labelled P1, #2 unlabelled (Bob's), #3 `priority: low` (mine), a
    pull request (#4), all created 2 h ago. Intercom: 101 `priority`, 102 `not_priority`
    (Bob's), 103 `high` (mine), each customer waiting for 10 minutes."""
    servers = (
        SentryFaultServer(TOKENS["sentry"]).start(),
        GitHubFaultServer(TOKENS["gh"]).start(),
        IntercomFaultServer(TOKENS["icom"]).start(),
    )
    try:
        config = write_config(tmp_path / "config.toml", ME, _config(servers))
        env = {f"TRAYSUPPORT_{ref.upper()}_TOKEN": token for ref, token in TOKENS.items()}
        yield Tools(*servers, ProviderCli(tmp_path / "home", config, env))
    finally:
        for server in servers:
            server.stop()


def test_one_merged_queue_with_each_tools_priorities_and_slas(tools: Tools) -> None:
    github_now, intercom_now = tools.github.now, tools.intercom.now
    waiting = intercom_now - 10 * MINUTE  # Intercom's waiting_since
    answer = status(tools.cli)
    assert [s["name"] for s in answer["sources"]] == ["errors", "issues", "inbox"]
    check_queue(
        answer,
        {
            # Sentry: high/medium/low → P1..P3; no SLA by default, whatever the policy.
            "errors:API-65": Want("4501", "P1", "none", None, "new"),
            "errors:API-66": Want("4502", "P2", "none", None, None, "Bob Ng"),
            "errors:API-67": Want("4503", "P3", "none", None, "new"),
            # GitHub: priority from labels (P3 without one); the policy from created_at:
            # P1's hour ran out an hour ago. The policy's response SLA stops once someone
            # holds the ticket (core/sla.py), so the assigned ones have none. No pull request.
            "issues:acme/app#1": Want("acme/app#1", "P1", "breached", github_now - HOUR, "new"),
            "issues:acme/app#2": Want("acme/app#2", "P3", "none", None, "in_progress", "Bob Ng"),
            "issues:acme/app#3": Want("acme/app#3", "P4", "none", None, None, "Ada Lo"),
            # Intercom: both priority forms; the policy from waiting_since.
            "inbox:101": Want("101", "P2", "ok", waiting + 3 * HOUR, "new"),
            "inbox:102": Want("102", "P3", "none", None, None, "Bob Ng"),
            "inbox:103": Want("103", "P2", "none", None, None, "Ada Lo"),
        },
    )
    found = tickets(answer)
    # Sentry's counts end the title (the ticket has no field for them).
    assert found["errors:API-65"]["title"] == "TypeError: x is undefined · 1.2k events · 87 users"
    # One queue, most urgent first: the breached GitHub issue, then Intercom's deadline.
    assert [t["ref"] for t in answer["tickets"][:2]] == ["issues:acme/app#1", "inbox:101"]
    shown = tools.cli.run("status")
    assert "no SLA" in row(shown, "errors:API-65")
    assert "breached" in row(shown, "issues:acme/app#1")
    # Reading is all `status` does.
    assert tools.writes() == {"sentry": [], "github": [], "intercom": []}


def test_ack_writes_to_each_tickets_own_tool_only(tools: Tools) -> None:
    assert "Acknowledged API-65" in act(tools.cli, "ack", "errors:API-65").out
    assert tools.writes() == {
        "sentry": [("update", "4501", {"assignedTo": "user:901"})],
        "github": [],
        "intercom": [],
    }

    assert "Acknowledged acme/app#2" in act(tools.cli, "ack", "issues:acme/app#2").out
    assert tools.writes()["github"] == [("assign", "2", {"assignees": ["ada"]})]
    assert tools.github.state(2)[0] == ("bob", "ada")  # added: Bob stays

    assert "Acknowledged 102" in act(tools.cli, "ack", "inbox:102").out
    after = tools.writes()
    assert after["intercom"] == [("parts", "102", ASSIGN_ME_INTERCOM)]
    assert len(after["sentry"]) == len(after["github"]) == 1  # nothing more to the others

    found = tickets(status(tools.cli))
    assert found["errors:API-65"]["assignee"] == "Ada Lo"
    assert found["inbox:102"]["assignee"] == "Ada Lo"


def _handed(text: str, note: str) -> bool:
    """*text* is the hand-over note: who handed over to whom, then the user's *note*."""
    return text.startswith("Handed over by Ada Lo to Bob Ng") and text.endswith(f": {note}")


def test_handover_assigns_and_sends_one_note_in_each_tool(tools: Tools) -> None:
    run = act(tools.cli, "handover", "errors:API-67", "--to", "bob@example.com", "--note", "N1")
    assert "Handed API-67 over to Bob Ng" in run.out
    [assign, note] = tools.writes()["sentry"]
    assert assign == ("update", "4503", {"assignedTo": "user:902"})
    assert note[:2] == ("note", "4503") and _handed(note[2]["text"], "N1")
    assert tools.writes()["github"] == tools.writes()["intercom"] == []

    run = act(tools.cli, "handover", "issues:acme/app#1", "--to", "Bob Ng", "--note", "N2")
    assert "Handed acme/app#1 over to Bob Ng" in run.out
    [assign, comment] = tools.writes()["github"]
    assert assign == ("update", "1", {"assignees": ["bob"]})
    assert comment[:2] == ("comment", "1") and _handed(comment[2]["body"], "N2")

    run = act(tools.cli, "handover", "inbox:101", "--to", "bob@example.com", "--note", "N3")
    assert "Handed 101 over to Bob Ng" in run.out
    after = tools.writes()
    [assign, note] = after["intercom"]
    assert assign == ("parts", "101", dict(ASSIGN_ME_INTERCOM, assignee_id="991268"))
    assert note[:2] == ("reply", "101") and _handed(note[2].pop("body"), "N3")
    assert note[2] == {"message_type": "note", "type": "admin", "admin_id": "991267"}
    assert len(after["sentry"]) == len(after["github"]) == 2  # nothing more to the others

    found = tickets(status(tools.cli))
    for ref in ("errors:API-67", "issues:acme/app#1", "inbox:101"):
        assert found[ref]["assignee"] == "Bob Ng", found[ref]


def test_silence_archives_a_sentry_issue_and_is_refused_on_github(tools: Tools) -> None:
    assert "Silenced API-65" in act(tools.cli, "silence", "API-65").out
    archive = {"status": "ignored", "statusDetails": {}, "substatus": "archived_until_escalating"}
    assert tools.writes() == {"sentry": [("update", "4501", archive)], "github": [], "intercom": []}
    assert tools.sentry.state(4501)[1:3] == ("ignored", "archived_until_escalating")
    assert "errors:API-65" not in tickets(status(tools.cli))

    refused = tools.cli.run("silence", "issues:acme/app#1")
    assert refused.code == EXIT_FAILED, refused
    assert "not done:" in refused.err and "cannot silence tickets" in refused.err
    assert "Traceback" not in refused.err and refused.out == ""
    assert len(tools.writes()["github"]) == 0 and len(tools.writes()["sentry"]) == 1
    assert "issues:acme/app#1" in tickets(status(tools.cli))
