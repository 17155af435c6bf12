"""The team API held to the provider contract (tests/sources/contract.py).

The harness runs the team API's misbehaving server (tests/faultserver.py) and builds the
source through the provider's own `ProviderSpec`, as the app does; the contract does the
rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.faultserver import FaultServer
from tests.sources.contract import ContractServer, ProviderContract, ProviderHarness
from traysupport.core.model import Person
from traysupport.sources import teamapi
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def _start(token: str, page_size: int) -> ContractServer:
    return FaultServer(token=token, page_size=page_size).start()


def _build(name: str, url: str, token: str, limits: HttpLimits) -> teamapi.TeamApiSource:
    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    source = teamapi.SPEC.build(teamapi.TeamApiSettings(url=url), context)
    assert isinstance(source, teamapi.TeamApiSource)
    return source


def _state(server: ContractServer, ticket_id: str) -> object:
    return cast(FaultServer, server).ticket(ticket_id)


class TestTeamApiContract(ProviderContract):
    """Every check of the contract, against the team API."""

    harness = ProviderHarness(
        start=_start,
        build=_build,
        read_endpoints=("tickets",),
        write_endpoints=("acknowledge", "handover"),
        ticket_id="142",
        ticket_ids=frozenset({"142", "143", "144", "145"}),
        me=Person("alice", "Alice Martin"),
        recipient=Person("bob", "Bob Okafor"),
        state=_state,
    )
