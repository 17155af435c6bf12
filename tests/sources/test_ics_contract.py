"""The ics provider held to the rotation contract, every fault case, over HTTP.

The harness runs tests/sources/ics_faultserver.py (a private PagerDuty-shaped feed whose
URL path holds the token, switchable into each fault of tests/faultcases.py) and builds
the source through `ics.SPEC`, as the app does. A feed does not page, so the paging check
only sees every person and shift once. The token is in the URL, not a header: the
contract's "never the token" checks hold `url_is_secret` to account.
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
from tests.sources.ics_faultserver import PEOPLE, IcsFaultServer, feed_shifts
from traysupport.sources import ics
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_ics_server(token: str, _page_size: int) -> ContractServer:
    """The misbehaving feed server; the token goes in the feed's path."""
    return IcsFaultServer(token).start()


def build_ics(name: str, url: str, token: str, limits: HttpLimits) -> ics.IcsSource:
    """The ics source built through its spec with *limits*; no token (the URL holds it)."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    del token  # part of *url*, as in a real private feed
    context = SourceContext(name=name, token=None, http=http, clock=lambda: datetime.now(UTC))
    source = ics.SPEC.build(ics.IcsSettings(url=url), context)
    assert isinstance(source, ics.IcsSource)
    return source


def _shifts(server: ContractServer) -> frozenset[ShiftKey]:
    """The feed's shifts that overlap the contract's window (the feed runs past it)."""
    since, until = around_now(server)
    return frozenset(
        ShiftKey(email, start, end)
        for email, start, end in feed_shifts(cast(IcsFaultServer, server).now)
        if start < until and end > since
    )


ICS = ProviderHarness(
    start=start_ics_server,
    build=build_ics,
    rotation=RotationHarness(
        people_endpoints=("feed",),
        shift_endpoints=("feed",),
        person_ids=frozenset(email for _name, email in PEOPLE),
        shifts=_shifts,
    ),
)


class TestIcsContract(RotationContract):
    """Every fault case against a feed served over HTTP."""

    harness = ICS
