"""The team API held to the provider contract (tests/sources/contract.py).

The harness runs the team API's misbehaving server (tests/faultserver.py) and builds a
`TeamApiSource` against it; the contract does the rest.
"""

from __future__ import annotations

from typing import cast

from tests.faultserver import FaultServer
from tests.sources.contract import ContractServer, ProviderContract, ProviderHarness
from traysupport.core.model import Person
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.teamapi import TeamApiSource


def _start(token: str, page_size: int) -> ContractServer:
    return FaultServer(token=token, page_size=page_size).start()


def _build(name: str, url: str, token: str, limits: HttpLimits) -> TeamApiSource:
    http = HttpClient(name, url, auth=f"Bearer {token}", limits=limits)
    return TeamApiSource(name, url, token, http=http)


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
