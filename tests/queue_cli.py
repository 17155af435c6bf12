"""The CLI against the queue providers: run `status`, `ack` and `handover` as a user
would, against servers in the tools' documented shapes, and read what it printed.

Used by tests/test_cli_queue_providers.py (zendesk, jira-sm, pagerduty on the fault
servers of tests/sources/ in their sound mode) and tests/rt/test_rt_cli.py (the real RT).
The CLI itself runs through tests/provider_cli.py's `ProviderCli`: a real config.toml,
a temporary home, the token in the environment, never printed.

What the fault servers lack for a whole CLI run is added here, in their shapes:
`PeopleJiraServer` answers the service desk's project key, the assignable users and
`/myself` (a queue source reads its people too); `MetricTicket` is a Zendesk ticket
with one SLA metric of the test's choosing (paused, or a resolution time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from tests.provider_cli import EXIT_OK, ProviderCli
from tests.sources import jira_sm_faultserver as jsm
from tests.sources import zendesk_faultserver as zd
from tests.test_cli import Run

EXIT_FAILED = 1
"""cli.py: an action the tool refused (or the user dismissed): "not done: <why>"."""


def stamp(instant: datetime) -> str:
    """An instant as `status --json` writes it: UTC, seconds, with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def status(cli: ProviderCli) -> dict[str, Any]:
    """`status --json`: exit 0, every source answered."""
    answer = cli.json("status")
    assert all(s["ok"] for s in answer["sources"]), answer["sources"]
    return answer


def tickets(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A `status --json` answer's tickets by `source:key` (each ticket's `ref`)."""
    found = {f"{t['source']}:{t['key']}": t for t in answer["tickets"]}
    assert len(found) == len(answer["tickets"]), "two tickets share a source and key"
    assert all(t["ref"] == ref for ref, t in found.items())
    return found


@dataclass(frozen=True, slots=True)
class Want:
    """What `status --json` should say of one ticket."""

    id: str
    priority: str
    sla_state: str
    sla_due: datetime | None = None
    status: str | None = None
    assignee: str | None = None

    def check(self, ticket: dict[str, Any]) -> None:
        """*ticket* (one of `status --json`'s) says this."""
        assert ticket["id"] == self.id, ticket
        assert ticket["priority"] == self.priority, ticket
        assert ticket["sla_state"] == self.sla_state, ticket
        assert ticket["sla_due"] == (None if self.sla_due is None else stamp(self.sla_due))
        if self.status is not None:
            assert ticket["status"] == self.status, ticket
        assert ticket["assignee"] == self.assignee, ticket


def check_queue(answer: dict[str, Any], want: dict[str, Want]) -> None:
    """The queue holds exactly *want*'s tickets (by `source:key`), each as it says."""
    found = tickets(answer)
    assert set(found) == set(want), sorted(found)
    for ref, wanted in want.items():
        wanted.check(found[ref])


def row(run: Run, key: str) -> str:
    """The `status` queue line of the ticket shown as *key* (`KEY` or `SOURCE:KEY`)."""
    assert run.code == EXIT_OK, run
    # The key is the second column ("  P1  KEY  SLA in 59 min ..."), not any word.
    rows = [
        line for line in run.out.splitlines() if line.startswith("  P") and line.split()[1] == key
    ]
    assert len(rows) == 1, f"{key} in:\n{run.out}"
    return rows[0]


def act(cli: ProviderCli, *args: str) -> Run:
    """Run `ack`/`handover` ARGS; it must be confirmed (exit 0)."""
    run = cli.run(*args)
    assert run.code == EXIT_OK, run
    return run


# -- the fault servers, completed for a CLI run ---------------------------------------------


class _PeopleJiraHandler(jsm._Handler):
    """Jira as jsm_faultserver serves it, plus the people reads (provider-apis.md §3)."""

    def _route(self) -> None:
        path = urlsplit(self.path).path
        people = {
            f"{jsm.DESK_API}/servicedesk/{jsm.DESK}": {"id": "1", "projectKey": jsm.DESK},
            f"{jsm.API}/user/assignable/search": [jsm.user(a[0]) for a in jsm.AGENTS],
            f"{jsm.API}/myself": jsm.user(jsm.ME),
        }
        if self.command != "GET" or path not in people:
            super()._route()
        elif not self._authorized(self.owner.authorization):
            self._json(401, {"errorMessages": ["Client must be authenticated"], "errors": {}})
        else:
            self._json(200, people[path])


class PeopleJiraServer(jsm.JiraSmFaultServer):
    """`JiraSmFaultServer` (sound) that also tells the desk's project and its people."""

    HANDLER = _PeopleJiraHandler


@dataclass
class MetricTicket(zd.ZTicket):
    """A Zendesk ticket with one SLA metric of the test's choosing (§4 `policy_metrics`):
    *stage* "paused" has no breach_at (a pending ticket under a policy that pauses); an
    active resolution metric keeps running once the ticket is acknowledged."""

    stage: str = "active"
    metric: str = "agent_work_time"
    breach_after: timedelta = timedelta(hours=5)

    def json(self, now: datetime, *, subject: str | None = None) -> dict[str, object]:
        body = super().json(now, subject=subject)
        breach = None if self.stage == "paused" else zd.stamp(now + self.breach_after)
        body["slas"] = {
            "policy_metrics": [{"breach_at": breach, "stage": self.stage, "metric": self.metric}]
        }
        return body


def zendesk_comments(server: zd.ZendeskFaultServer, number: int) -> list[dict[str, Any]]:
    """The comments the Zendesk server keeps on ticket *number*."""
    return [cast(dict[str, Any], json.loads(c)) for c in server.state(number)[2]]
