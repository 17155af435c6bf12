"""The sentry provider held to the queue contract, every fault case, over HTTP.

The harness runs tests/sources/sentry_faultserver.py (an organization's issues as a bare
array, Link-header paged with ``results="false"`` at the end; an issue's PUT; its notes;
Bearer auth) and builds the source through `sentry.SPEC`, as the app does. Sentry takes
no idempotency key (``keyed=False``): the contract checks that a repeat leaves the issue's
assignee, status and notes as they were. The write endpoint switched by each fault case is
the PUT; the reads a write makes first, and the note, are covered by
tests/sources/test_sentry_writes.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import ContractServer, ProviderHarness, QueueHarness
from tests.sources.contract_queue import QueueContract
from tests.sources.sentry_faultserver import ISSUE_IDS, MEMBERS, ORG, SentryFaultServer
from traysupport.core.model import Person
from traysupport.sources import sentry
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_sentry_server(token: str, page_size: int) -> ContractServer:
    """The misbehaving server, *page_size* issues a page at most."""
    return SentryFaultServer(token, page_size).start()


def build_sentry(name: str, url: str, token: str, limits: HttpLimits) -> sentry.SentrySource:
    """The sentry source built through its spec with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    settings = sentry.SentrySettings(url=url, organization=ORG)
    source = sentry.SPEC.build(settings, context)
    assert isinstance(source, sentry.SentrySource)
    return source


def _state(server: ContractServer, ticket_id: str) -> object:
    return cast(SentryFaultServer, server).state(int(ticket_id))


def _person(index: int) -> Person:
    user_id, name, email = MEMBERS[index]
    return Person(str(user_id), name, email)


SENTRY = ProviderHarness(
    start=start_sentry_server,
    build=build_sentry,
    queue=QueueHarness(
        read_endpoints=("issues",),
        write_endpoints=("update",),
        ticket_id=str(ISSUE_IDS[0]),
        ticket_ids=frozenset(str(number) for number in ISSUE_IDS),
        me=_person(0),
        recipient=_person(1),
        state=_state,
        keyed=False,
    ),
)


class TestSentryContract(QueueContract):
    """Every fault case against a Sentry-shaped server over HTTP."""

    harness = SENTRY
