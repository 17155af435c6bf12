"""opsgenie and jsm-oncall held to the rotation contract, every fault case, over HTTP.

The harness runs tests/sources/ops_faultserver.py (a fault-capable server in §2's and
§10's shapes: paged schedules, on-calls, the timeline, and JSM's Jira user lookup) and
builds each source through its SPEC, as the app does. Not narrowed: all of FAULT_CASES.
"""

from __future__ import annotations

from dataclasses import replace
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
from tests.sources.ops_faultserver import PEOPLE, OpsFaultServer, periods
from traysupport.sources import jsm_oncall, opsgenie
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import ProviderSpec, SourceContext


def _context(name: str, token: str, limits: HttpLimits) -> SourceContext:
    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, limits=limits, **kwargs)

    return SourceContext(name=name, token=token, http=http, clock=lambda: datetime.now(UTC))


def _build(spec: ProviderSpec, settings: object) -> Any:
    def build(name: str, url: str, token: str, limits: HttpLimits) -> Any:
        return spec.build(settings_with_url(settings, url), _context(name, token, limits))

    return build


def settings_with_url(settings: object, url: str) -> object:
    return replace(cast(Any, settings), url=url)


def _shifts(server: ContractServer) -> frozenset[ShiftKey]:
    since, until = around_now(server)
    return frozenset(
        ShiftKey(uid, start, end)
        for uid, start, end in periods(cast(OpsFaultServer, server).now)
        if start < until and end > since
    )


def _harness(spec: ProviderSpec, settings: object, jsm: bool) -> ProviderHarness:
    people = ("schedules", "oncalls", "users") if jsm else ("schedules", "oncalls")
    shifts = ("schedules", "timeline", "users") if jsm else ("schedules", "timeline")
    return ProviderHarness(
        start=lambda token, size: OpsFaultServer(token, size, jsm=jsm).start(),
        build=_build(spec, settings),
        rotation=RotationHarness(
            people_endpoints=people,
            shift_endpoints=shifts,
            person_ids=frozenset(PEOPLE),
            shifts=_shifts,
            paged_endpoints=("schedules", "users") if jsm else ("schedules",),
        ),
    )


class TestOpsgenieContract(RotationContract):
    """Every fault case against Opsgenie's shapes."""

    harness = _harness(opsgenie.SPEC, opsgenie.OpsgenieSettings(), jsm=False)


class TestJsmOnCallContract(RotationContract):
    """Every fault case against JSM operations' shapes (values, account ids resolved)."""

    harness = _harness(jsm_oncall.SPEC, jsm_oncall.JsmOnCallSettings(cloud_id="cloud-1"), jsm=True)
