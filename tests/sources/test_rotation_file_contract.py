"""The rotation-file provider held to the rotation contract over HTTP, every fault case.

The harness runs tests/sources/rotation_faultserver.py (a private file URL whose path holds
the token, switchable into each fault of tests/faultcases.py) and builds the source through
`rotation_file.SPEC`, as the app does. Not narrowed: every case runs. One difference from
an API is by design and is in the server, not here: a rotation file is validated whole, so
the hostile file carries hostile *text* (cleaned) but no broken items (which would make the
file invalid, rightly, rather than be skipped).
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
from tests.sources.rotation_faultserver import PEOPLE, RotationFaultServer, feed_shifts
from traysupport.sources import rotation_file
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext


def start_server(token: str, _page_size: int) -> ContractServer:
    """The misbehaving file server; the token goes in the file's path."""
    return RotationFaultServer(token).start()


def build(name: str, url: str, token: str, limits: HttpLimits) -> rotation_file.RotationFileSource:
    """The source built through its spec with *limits* (the URL holds the token)."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    del token
    context = SourceContext(name=name, token=None, http=http, clock=lambda: datetime.now(UTC))
    source = rotation_file.SPEC.build(rotation_file.RotationFileSettings(path=url), context)
    assert isinstance(source, rotation_file.RotationFileSource)
    return source


def _shifts(server: ContractServer) -> frozenset[ShiftKey]:
    since, until = around_now(server)
    return frozenset(
        ShiftKey(email, start, end)
        for email, start, end in feed_shifts(cast(RotationFaultServer, server).now)
        if start < until and end > since
    )


HARNESS = ProviderHarness(
    start=start_server,
    build=build,
    rotation=RotationHarness(
        people_endpoints=("feed",),
        shift_endpoints=("feed",),
        person_ids=frozenset(email for _name, email in PEOPLE),
        shifts=_shifts,
    ),
)


class TestRotationFileContract(RotationContract):
    """Every fault case against a rotation file served over HTTP."""

    harness = HARNESS
