"""The built-in providers, listed by hand (PyInstaller finds what is imported here).

Adding a provider: one module in `traysupport.sources` declaring its `ProviderSpec`,
one line in `BUILT_IN` below, its tests (which run the provider contract suite) and
its section in docs/providers.md ("Adding a provider" there walks through it).
"""

from __future__ import annotations

from traysupport.sources import (
    github,
    ics,
    intercom,
    jira_sm,
    jsm_oncall,
    opsgenie,
    pagerduty,
    rotation_file,
    rt,
    sentry,
    teamapi,
    zendesk,
)
from traysupport.sources.provider import ProviderSpec

BUILT_IN: tuple[ProviderSpec, ...] = (
    teamapi.SPEC,
    teamapi.DEMO_SPEC,
    ics.SPEC,
    pagerduty.SPEC,
    jsm_oncall.SPEC,
    opsgenie.SPEC,
    rotation_file.SPEC,
    rt.SPEC,
    zendesk.SPEC,
    jira_sm.SPEC,
    github.SPEC,
    intercom.SPEC,
    sentry.SPEC,
)
"""Every provider, in the order the settings window offers them."""

PROVIDERS: dict[str, ProviderSpec] = {spec.name: spec for spec in BUILT_IN}
"""The providers by the name a ``[[source]]`` table gives as its ``provider``."""


def provider(name: str) -> ProviderSpec | None:
    """The provider called *name*, if there is one."""
    return PROVIDERS.get(name)


def providers_for(role: str) -> tuple[str, ...]:
    """The names of the providers that can serve *role* ("rotation" or "queue")."""
    return tuple(spec.name for spec in BUILT_IN if role in spec.roles)
