"""The intercom provider held to the queue contract, every fault case, over HTTP.

The harness runs tests/sources/intercom_faultserver.py (Intercom's search, paged by the
body cursor; conversations with their parts; assignment and note parts) and builds the
source through `intercom.SPEC`, as the app does. Intercom takes no idempotency key
(``keyed=False``): the contract checks that a repeat leaves the conversation's assignee
and parts (notes included) as they were. The write endpoint switched by each fault case
is "write" (both part kinds); the conversation read a write makes first is covered by
tests/sources/test_intercom_writes.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import ContractServer, ProviderHarness, QueueHarness
from tests.sources.contract_queue import QueueContract
from tests.sources.intercom_faultserver import (
    ADMINS,
    CONVERSATION_IDS,
    TEAM,
    IntercomFaultServer,
)
from traysupport.core.model import Person
from traysupport.sources import intercom
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_intercom_server(token: str, page_size: int) -> ContractServer:
    """The misbehaving server, *page_size* conversations a page at most."""
    return IntercomFaultServer(token, page_size).start()


def build_intercom(name: str, url: str, token: str, limits: HttpLimits) -> intercom.IntercomSource:
    """The intercom source built through its spec with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    settings = intercom.IntercomSettings(url=url, team_ids=(str(TEAM),), workspace_id="abc123")
    source = intercom.SPEC.build(settings, context)
    assert isinstance(source, intercom.IntercomSource)
    return source


def _state(server: ContractServer, conversation_id: str) -> object:
    return cast(IntercomFaultServer, server).state(conversation_id)


def _person(index: int) -> Person:
    return Person(*ADMINS[index])


INTERCOM = ProviderHarness(
    start=start_intercom_server,
    build=build_intercom,
    queue=QueueHarness(
        read_endpoints=("search", "me"),
        write_endpoints=("write",),
        ticket_id=CONVERSATION_IDS[0],
        ticket_ids=frozenset(CONVERSATION_IDS),
        me=_person(0),
        recipient=_person(1),
        state=_state,
        keyed=False,
    ),
)


class TestIntercomContract(QueueContract):
    """Every fault case against an Intercom-shaped server over HTTP."""

    harness = INTERCOM
