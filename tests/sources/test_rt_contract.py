"""The rt provider held to the queue contract (tests/sources/contract.py).

The harness runs a misbehaving RT 5 REST2 (tests/sources/rt_faultserver.py) and builds
the source through the provider's own `ProviderSpec`, as the app does. RT takes no
idempotency key (``keyed=False``): a repeat is made harmless by reading the ticket (and
its newest history) first, and the contract checks the server's state, comments included.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import ContractServer, ProviderHarness, QueueHarness
from tests.sources.contract_queue import QueueContract
from tests.sources.rt_faultserver import AGENTS, ME, TICKETS, RtFaultServer
from traysupport.core.model import Person
from traysupport.sources import rt
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start(token: str, page_size: int) -> ContractServer:
    """RT's misbehaving server, wanting *token*, paging tickets by *page_size*."""
    return RtFaultServer(token, page_size).start()


def build(name: str, url: str, token: str, limits: HttpLimits) -> rt.RtSource:
    """The rt source built through its spec, as the app does, with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    source = rt.SPEC.build(rt.RtSettings(url=url), context)
    assert isinstance(source, rt.RtSource)
    return source


def _state(server: ContractServer, ticket_id: str) -> object:
    return cast(RtFaultServer, server).state(int(ticket_id))


PRIYA = "priya@example.com"

RT = ProviderHarness(
    start=start,
    build=build,
    queue=QueueHarness(
        read_endpoints=("tickets",),
        write_endpoints=("take", "update", "comment"),
        ticket_id="1",
        ticket_ids=frozenset(str(number) for number, _, _ in TICKETS),
        me=Person(ME, AGENTS[ME], ME),
        recipient=Person(PRIYA, AGENTS[PRIYA], PRIYA),
        state=_state,
        keyed=False,
    ),
)


class TestRtContract(QueueContract):
    """Every check of the queue contract, against RT's shapes."""

    harness = RT
