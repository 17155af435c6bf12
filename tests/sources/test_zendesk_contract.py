"""The zendesk provider held to the queue contract, every fault case, over HTTP.

The harness runs tests/sources/zendesk_faultserver.py (a Zendesk-shaped view, cursor
paged, with SLAs; Show and Update Ticket with ``safe_update``; comments; Basic
``{email}/token:{token}`` auth) and builds the source through `zendesk.SPEC`, as the app
does. Zendesk takes no idempotency key (``keyed=False``): the contract checks that a
repeat leaves the ticket's assignee, status and comments as they were. The write
endpoint switched by each fault case is the PUT; the reads a write makes first (the
ticket, its comments) are covered by tests/sources/test_zendesk.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import ContractServer, ProviderHarness, QueueHarness
from tests.sources.contract_queue import QueueContract
from tests.sources.zendesk_faultserver import (
    AGENTS,
    EMAIL,
    TICKET_IDS,
    VIEW_ID,
    ZendeskFaultServer,
)
from traysupport.core.model import Person
from traysupport.sources import zendesk
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_zendesk_server(token: str, page_size: int) -> ContractServer:
    """The misbehaving server, *page_size* tickets a page at most."""
    return ZendeskFaultServer(token, page_size).start()


def build_zendesk(name: str, url: str, token: str, limits: HttpLimits) -> zendesk.ZendeskSource:
    """The zendesk source built through its spec with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    settings = zendesk.ZendeskSettings(url=url, email=EMAIL, view_id=VIEW_ID)
    source = zendesk.SPEC.build(settings, context)
    assert isinstance(source, zendesk.ZendeskSource)
    return source


def _state(server: ContractServer, ticket_id: str) -> object:
    return cast(ZendeskFaultServer, server).state(int(ticket_id))


def _person(index: int) -> Person:
    user_id, name, email, _role = AGENTS[index]
    return Person(str(user_id), name, email)


ZENDESK = ProviderHarness(
    start=start_zendesk_server,
    build=build_zendesk,
    queue=QueueHarness(
        read_endpoints=("tickets",),
        write_endpoints=("update",),
        ticket_id=str(TICKET_IDS[0]),
        ticket_ids=frozenset(str(number) for number in TICKET_IDS),
        me=_person(0),
        recipient=_person(1),
        state=_state,
        keyed=False,
    ),
)


class TestZendeskContract(QueueContract):
    """Every fault case against a Zendesk-shaped server over HTTP."""

    harness = ZENDESK
