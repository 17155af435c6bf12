"""The pagerduty provider held to the rotation contract, every fault case, over HTTP.

The harness runs tests/sources/pagerduty_faultserver.py (a PagerDuty-shaped ``/oncalls``
that pages by offset/limit, answers every shift at two escalation levels, wants
``Token token=…``, and switches into each fault of tests/faultcases.py) and builds the
source through `pagerduty.SPEC`, as the app does. ``fetch_people`` and ``fetch_shifts``
both read ``/oncalls``, so every fault case switches that one endpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import (
    ContractServer,
    ProviderHarness,
    RotationHarness,
    ShiftKey,
    around_now,
)
from tests.sources.contract_rotation import RotationContract
from tests.sources.pagerduty_faultserver import PEOPLE, PagerDutyFaultServer, oncall_shifts
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


PAGERDUTY = ProviderHarness(
    start=start_pagerduty_server,
    build=build_pagerduty,
    rotation=RotationHarness(
        people_endpoints=("oncalls",),
        shift_endpoints=("oncalls",),
        person_ids=frozenset(pid for pid, _name, _email in PEOPLE),
        shifts=_shifts,
        paged_endpoints=("oncalls",),
    ),
)


class TestPagerDutyContract(RotationContract):
    """Every fault case against a PagerDuty-shaped server over HTTP."""

    harness = PAGERDUTY
