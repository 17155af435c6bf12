"""The team API held to the provider contract, both roles (tests/sources/contract.py).

The harness runs the team API's misbehaving server (tests/faultserver.py) and builds the
source through the provider's own `ProviderSpec`, as the app does; the queue and the
rotation contracts do the rest. The team API pages tickets only (docs/team-api.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests import faultdata
from tests.faultserver import FaultServer
from tests.sources.contract import (
    ContractServer,
    ProviderHarness,
    QueueHarness,
    RotationHarness,
    ShiftKey,
)
from tests.sources.contract_queue import QueueContract
from tests.sources.contract_rotation import RotationContract
from traysupport.core.model import Person
from traysupport.sources import teamapi
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_fault_server(token: str, page_size: int) -> ContractServer:
    """The team API's misbehaving server, wanting *token*, paging tickets by *page_size*."""
    return FaultServer(token=token, page_size=page_size).start()


def build_team_api(name: str, url: str, token: str, limits: HttpLimits) -> teamapi.TeamApiSource:
    """The team API source built through its spec, as the app does, with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    source = teamapi.SPEC.build(teamapi.TeamApiSettings(url=url), context)
    assert isinstance(source, teamapi.TeamApiSource)
    return source


def _state(server: ContractServer, ticket_id: str) -> object:
    return cast(FaultServer, server).ticket(ticket_id)


def _shifts(server: ContractServer) -> frozenset[ShiftKey]:
    """The sound server's shifts, read straight from its data."""
    shifts = faultdata.shifts(cast(FaultServer, server).now)
    return frozenset(
        ShiftKey(
            s["person_id"], datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        )
        for s in shifts
    )


TEAM_API = ProviderHarness(
    start=start_fault_server,
    build=build_team_api,
    queue=QueueHarness(
        read_endpoints=("tickets",),
        write_endpoints=("acknowledge", "handover"),
        ticket_id="142",
        ticket_ids=frozenset({"142", "143", "144", "145"}),
        me=Person("alice", "Alice Martin"),
        recipient=Person("bob", "Bob Okafor"),
        state=_state,
    ),
    rotation=RotationHarness(
        people_endpoints=("people",),
        shift_endpoints=("shifts",),
        person_ids=frozenset(person["id"] for person in faultdata.PEOPLE),
        shifts=_shifts,
    ),
)
"""The team API serves both roles; a rotation-only provider leaves `queue` out."""


class TestTeamApiContract(QueueContract, RotationContract):
    """Every check of both contracts, against the team API."""

    harness = TEAM_API
