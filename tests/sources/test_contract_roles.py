"""The contract itself: a rotation-only provider is held to the rotation contract alone.

`RotationOnly` shows the team API as a provider serving the rotation role and nothing
else (no `fetch_tickets`, no writes), as PagerDuty schedules or an iCalendar feed will:
`RotationContract` must run on it without a queue harness and without asking it for
tickets, which would fail here with an AttributeError. The fault cases are narrowed to
a few quick ones; tests/sources/test_teamapi_contract.py runs them all.
"""

from __future__ import annotations

from datetime import datetime

from tests.faultcases import FAULT_CASES
from tests.sources.contract import CONTRACT_LIMITS, CONTRACT_TOKEN, ProviderHarness
from tests.sources.contract_rotation import RotationContract
from tests.sources.test_teamapi_contract import TEAM_API, build_team_api, start_fault_server
from traysupport.core.model import Person, Shift
from traysupport.sources.base import QueueSource, RotationSource
from traysupport.sources.http import HttpLimits
from traysupport.sources.teamapi import TeamApiSource

QUICK = {"401", "429-retry-after-3600", "wrong-shape", "302-other-origin-portal", "hostile-text"}


class RotationOnly:
    """A team API source seen as a rotation and nothing more."""

    def __init__(self, source: TeamApiSource) -> None:
        self._source = source

    @property
    def name(self) -> str:
        """The source's name."""
        return self._source.name

    def fetch_people(self) -> list[Person]:
        """Everyone on the team."""
        return self._source.fetch_people()

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """Shifts overlapping [since, until)."""
        return self._source.fetch_shifts(since, until)

    def close(self) -> None:
        """Close the connections."""
        self._source.close()


def _build_rotation_only(name: str, url: str, token: str, limits: HttpLimits) -> RotationOnly:
    return RotationOnly(build_team_api(name, url, token, limits))


class TestRotationOnlyContract(RotationContract):
    """The rotation contract against a provider with no queue side at all."""

    harness = ProviderHarness(
        start=start_fault_server, build=_build_rotation_only, rotation=TEAM_API.rotation
    )
    fault_cases = tuple(case for case in FAULT_CASES if case.id in QUICK)

    def test_the_provider_is_rotation_only(self) -> None:
        assert self.harness.queue is None
        server = start_fault_server(CONTRACT_TOKEN, 50)
        try:
            provider = _build_rotation_only("c", server.url, CONTRACT_TOKEN, CONTRACT_LIMITS)
            try:
                assert isinstance(provider, RotationSource)
                assert not isinstance(provider, QueueSource)
            finally:
                provider.close()
        finally:
            server.stop()
