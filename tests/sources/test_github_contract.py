"""The github provider held to the queue contract, every fault case, over HTTP.

The harness runs tests/sources/github_faultserver.py (a GitHub-shaped repository's issues,
Link paged, with a pull request to skip; one issue, its comments; the assignees POST, the
issue PATCH and the comments POST; ``Bearer`` auth) and builds the source through
`github.SPEC`, as the app does. GitHub takes no idempotency key (``keyed=False``): the
contract checks that a repeat leaves the issue's assignees, labels and comments as they
were. The write endpoints switched by each fault case are the assignees POST (acknowledge)
and the issue PATCH (hand over); the reads a write makes first and the comment are covered
by tests/sources/test_github_writes.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import ContractServer, ProviderHarness, QueueHarness
from tests.sources.contract_queue import QueueContract
from tests.sources.github_faultserver import NUMBERS, REPO, USERS, GitHubFaultServer
from traysupport.core.model import Person
from traysupport.sources import github
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_github_server(token: str, page_size: int) -> ContractServer:
    """The misbehaving server, *page_size* issues a page at most."""
    return GitHubFaultServer(token, page_size).start()


def build_github(name: str, url: str, token: str, limits: HttpLimits) -> github.GitHubSource:
    """The github source built through its spec with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    source = github.SPEC.build(github.GitHubSettings(url=url, repos=(REPO,)), context)
    assert isinstance(source, github.GitHubSource)
    return source


def _state(server: ContractServer, ticket_id: str) -> object:
    return cast(GitHubFaultServer, server).state(int(ticket_id.rsplit("#", 1)[1]))


def _person(index: int) -> Person:
    login, name, email = USERS[index]
    return Person(login, name, email or "")


GITHUB = ProviderHarness(
    start=start_github_server,
    build=build_github,
    queue=QueueHarness(
        read_endpoints=("issues",),
        write_endpoints=("assign", "update"),
        ticket_id=f"{REPO}#{NUMBERS[0]}",
        ticket_ids=frozenset(f"{REPO}#{n}" for n in NUMBERS),
        me=_person(0),
        recipient=_person(1),
        state=_state,
        keyed=False,
    ),
)


class TestGitHubContract(QueueContract):
    """Every fault case against a GitHub-shaped server over HTTP."""

    harness = GITHUB
