"""Opsgenie (REST API v2) as a rotation source: schedules, on-calls now, the timeline.

provider-apis.md §2. **Opsgenie's REST API ends on 2027-04-05** (§2's warning: "Opsgenie
REST APIs will continue to work until April 5, 2027"); its successor is Jira Service
Management operations, provider ``jsm-oncall`` (`traysupport.sources.jsm_oncall`), which
answers in the same shapes. The shared reading is `traysupport.sources.ops_schedules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from traysupport.sources.ops_schedules import OpsScheduleSource
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, TextList, Url, setting

REGION_URLS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
"""§2 "Basics" [SDK client/config.go L39-41]."""
API_ENDS = date(2027, 4, 5)
"""§2: the Opsgenie REST APIs work until this day; then use jsm-oncall."""
AUTH_HINT = (
    "Use an Opsgenie API key (Settings > API key management, or an API integration not "
    "restricted to configuration access) that can read the schedules, saved under this "
    "source's token_ref. A team integration key that cannot reach a schedule gets 403."
)


def api_ended(today: date) -> bool:
    """Whether Opsgenie's REST API has ended by *today* (then jsm-oncall is the way)."""
    return today >= API_ENDS


@dataclass(frozen=True, slots=True)
class OpsgenieSettings:
    """An Opsgenie account's settings."""

    region: str = setting(
        Choice(("us", "eu")), "us", 'Service region: "us" or "eu" (sets the default url).'
    )
    url: str = setting(Url(), "", "API base URL; default from region (api.opsgenie.com).")
    schedules: tuple[str, ...] = setting(
        TextList(), (), 'Schedules to read, names or ids, e.g. ["Ops_schedule"]; none: all.'
    )


def _build(settings: OpsgenieSettings, context: SourceContext) -> OpsScheduleSource:
    base = (settings.url or REGION_URLS[settings.region]).rstrip("/")
    auth = f"GenieKey {context.token}" if context.token else None  # §2 "Auth" [SPEC; SDK]
    vendor = "Opsgenie"
    hint = AUTH_HINT
    if api_ended(context.clock().astimezone(UTC).date()):
        vendor = "Opsgenie (whose REST API ended on 2027-04-05)"
        hint = AUTH_HINT + " Opsgenie's API has ended: move this source to provider jsm-oncall."
    return OpsScheduleSource(
        context.name,
        context.http(base + "/v2", auth=auth),
        vendor=vendor,
        auth_hint=hint,
        schedules=settings.schedules,
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="opsgenie",
    roles=frozenset({"rotation"}),
    settings=OpsgenieSettings,
    build=_build,
    description=(
        "Opsgenie schedules: who is on call (REST API v2). The API ends on 2027-04-05: "
        "use jsm-oncall (Jira Service Management operations) after that."
    ),
    docs="docs/providers.md#opsgenie",
)
