"""The jira-sm provider held to the queue contract, every fault case, over HTTP.

The harness runs tests/sources/jira_sm_faultserver.py (a Jira Service Management Cloud
queue paged by ``start``/``limit``, each request's SLA, the assignee ``PUT``, a request's
internal comments; Basic ``email:token`` auth) and builds the source through
`jira_sm.SPEC` as Cloud, as the app does for ``*.atlassian.net``. Jira takes no
idempotency key (``keyed=False``): the contract checks that a repeat leaves the
assignee and the comments as they were. The fault cases switch the queue and SLA reads,
and the assignment and comment writes; the reads a write makes first (the issue, its
comments) are covered by tests/sources/test_jira_sm.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import ContractServer, ProviderHarness, QueueHarness
from tests.sources.contract_queue import QueueContract
from tests.sources.jira_sm_faultserver import (
    AGENTS,
    DESK,
    EMAIL,
    ISSUE_IDS,
    QUEUE,
    JiraSmFaultServer,
)
from traysupport.core.model import Person
from traysupport.sources import jira_sm
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_jira_server(token: str, page_size: int) -> ContractServer:
    """The misbehaving server, *page_size* issues a page at most."""
    return JiraSmFaultServer(token, page_size).start()


def build_jira(name: str, url: str, token: str, limits: HttpLimits) -> jira_sm.JiraSmSource:
    """The jira-sm source built through its spec with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    settings = jira_sm.JiraSmSettings(
        url=url, deployment="cloud", email=EMAIL, service_desk_id=DESK, queue_id=QUEUE
    )
    source = jira_sm.SPEC.build(settings, context)
    assert isinstance(source, jira_sm.JiraSmSource)
    return source


def _state(server: ContractServer, issue_id: str) -> object:
    return cast(JiraSmFaultServer, server).state(issue_id)


def _person(index: int) -> Person:
    account, name, email = AGENTS[index]
    return Person(account, name, email or "")


JIRA_SM = ProviderHarness(
    start=start_jira_server,
    build=build_jira,
    queue=QueueHarness(
        read_endpoints=("queue", "sla"),
        write_endpoints=("assign", "comment"),
        ticket_id=ISSUE_IDS[0],
        ticket_ids=frozenset(ISSUE_IDS),
        me=_person(0),
        recipient=_person(1),
        state=_state,
        keyed=False,
    ),
)


class TestJiraSmContract(QueueContract):
    """Every fault case against a Jira Service Management-shaped server over HTTP."""

    harness = JIRA_SM
