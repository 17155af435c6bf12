"""The pagerduty provider held to the rotation and queue contracts, every fault case, over HTTP.

The harness runs tests/sources/pagerduty_faultserver.py (PagerDuty-shaped ``/oncalls``,
``/users``, ``/incidents`` and the incident writes, paged by offset/limit, every shift
at two escalation levels, ``Token token=…``, ``From`` wanted on writes, switching into
each fault of tests/faultcases.py) and builds the source through `pagerduty.SPEC`, as
the app does. People come from ``/users``, shifts from ``/oncalls``; tickets from
``/incidents`` (the token's user from ``/users/me``, priorities from ``/priorities``,
both left sound). PagerDuty takes no idempotency key (``keyed=False``): the contract
checks that a repeat leaves the incident's status, assignees, acknowledgers and notes
as they were. The write endpoints switched are the PUT and the notes POST; the reads a
write makes first (the incident, its notes) are covered by test_pagerduty_incidents.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import (
    ContractServer,
    ProviderHarness,
    QueueHarness,
    RotationHarness,
    ShiftKey,
    around_now,
)
from tests.sources.contract_queue import QueueContract
from tests.sources.contract_rotation import RotationContract
from tests.sources.pagerduty_faultserver import PagerDutyFaultServer, oncall_shifts
from tests.sources.pagerduty_incident_state import INCIDENT_IDS, PEOPLE
from traysupport.core.model import Person
from traysupport.sources import pagerduty
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_pagerduty_server(token: str, page_size: int) -> ContractServer:
    """The misbehaving server, *page_size* on-calls a page at most."""
    return PagerDutyFaultServer(token, page_size).start()


def build_pagerduty(
    name: str, url: str, token: str, limits: HttpLimits
) -> pagerduty.PagerDutySource:
    """The pagerduty source built through its spec with *limits*."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    context = SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))
    source = pagerduty.SPEC.build(
        pagerduty.PagerDutySettings(url=url, schedule_ids=("PS1",)), context
    )
    assert isinstance(source, pagerduty.PagerDutySource)
    return source


def _shifts(server: ContractServer) -> frozenset[ShiftKey]:
    """The server's shifts that overlap the contract's window."""
    since, until = around_now(server)
    return frozenset(
        ShiftKey(pid, start, end)
        for pid, start, end in oncall_shifts(cast(PagerDutyFaultServer, server).now)
        if start < until and end > since
    )


def _state(server: ContractServer, incident_id: str) -> object:
    return cast(PagerDutyFaultServer, server).state(incident_id)


def _person(index: int) -> Person:
    return Person(*PEOPLE[index])


PAGERDUTY = ProviderHarness(
    start=start_pagerduty_server,
    build=build_pagerduty,
    rotation=RotationHarness(
        people_endpoints=("users",),
        shift_endpoints=("oncalls",),
        person_ids=frozenset(pid for pid, _name, _email in PEOPLE),
        shifts=_shifts,
        paged_endpoints=("oncalls", "users"),
    ),
    queue=QueueHarness(
        read_endpoints=("incidents",),
        write_endpoints=("update", "note"),
        ticket_id=INCIDENT_IDS[0],
        ticket_ids=frozenset(INCIDENT_IDS),
        me=_person(0),
        recipient=_person(1),
        state=_state,
        keyed=False,
    ),
)


class TestPagerDutyContract(QueueContract, RotationContract):
    """Every fault case against a PagerDuty-shaped server over HTTP, both roles."""

    harness = PAGERDUTY
