"""The contract harness of a rotation read from a private URL (ics, rotation-file).

Such a source has one endpoint, the feed, whose path holds the token: no Authorization
header is sent, and the contract's "never the token" checks hold the URL to account. A
feed does not page, so the paging check only sees every person and shift once.
`feed_harness` fills in a `ProviderHarness` from what differs: the feed server, the
provider's spec and settings, and the people and shifts the sound feed has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, cast

from tests.sources.contract import (
    ContractProvider,
    ContractServer,
    ProviderHarness,
    RotationHarness,
    ShiftKey,
    around_now,
)
from tests.sources.vendor_faultserver import FeedFaultServer
from traysupport.sources.base import RotationSource
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import ProviderSpec, SourceContext


def feed_harness(
    server: type[FeedFaultServer],
    spec: ProviderSpec,
    settings: Callable[[str], object],
    people: Iterable[tuple[str, str]],
    shifts: Callable[[datetime], Iterable[tuple[str, datetime, datetime]]],
) -> ProviderHarness:
    """The harness for *spec*'s source built with ``settings(url)`` against *server*.

    *people* are the feed's (name, email); ``shifts(now)`` its (email, start, end).
    """

    def start(token: str, _page_size: int) -> ContractServer:
        """The misbehaving feed server; the token goes in the feed's path."""
        return server(token).start()

    def build(name: str, url: str, token: str, limits: HttpLimits) -> ContractProvider:
        """The source built through its spec with *limits*; no token (the URL holds it)."""

        def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
            return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

        del token  # part of *url*, as in a real private feed
        context = SourceContext(name=name, token=None, http=http, clock=lambda: datetime.now(UTC))
        source = spec.build(settings(url), context)
        assert isinstance(source, RotationSource), f"{spec.name} built {source!r}"
        return cast(ContractProvider, source)  # a source has close(); the protocols don't say

    def in_window(running: ContractServer) -> frozenset[ShiftKey]:
        """The feed's shifts that overlap the contract's window (the feed runs past it)."""
        since, until = around_now(running)
        return frozenset(
            ShiftKey(email, begins, ends)
            for email, begins, ends in shifts(cast(FeedFaultServer, running).now)
            if begins < until and ends > since
        )

    rotation = RotationHarness(
        people_endpoints=("feed",),
        shift_endpoints=("feed",),
        person_ids=frozenset(email for _name, email in people),
        shifts=in_window,
    )
    return ProviderHarness(start=start, build=build, rotation=rotation)
