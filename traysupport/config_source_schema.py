"""The schema of a ``[[source]]`` table: its common keys (`SourceCommon`: name, provider,
roles, token name, poll interval, me), declared with `setting` like every other setting,
and a configured source (`SourceConfig`): those keys and its provider's own settings
(`traysupport.sources.registry`). `traysupport.config_sources` reads the tables;
`traysupport.config_schema` holds the list of them in `Config.sources`.
"""

# ruff: noqa: RUF009 -- `setting()` returns a dataclasses.field(), read once at class creation

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from traysupport.sources.provider import ProviderSpec
from traysupport.sources.registry import PROVIDERS
from traysupport.sources.setting_times import OptionalDuration
from traysupport.sources.settings import Choice, Roles, Text, setting

_SECRET_NAME = Text(r"[A-Za-z0-9_-]+", "letters, digits, - and _")
_SOURCE_NAME = Text(
    r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}",
    "up to 40 letters, digits, -, _ and ., starting with a letter or digit (no colon:"
    " SOURCE:KEY names a ticket)",
)


_POLL = OptionalDuration("seconds", 86400)
_POLL.label = "seconds 0..86400 (0: the default of its roles)"
MIN_POLL = timedelta(seconds=15)
"""Faster than this is asking a vendor to rate-limit us; the loader refuses it."""


@dataclass(frozen=True, slots=True)
class SourceCommon:
    """The keys of every ``[[source]]`` table, whatever its provider; the provider's own
    keys (`ProviderSpec.settings`) sit beside them in the same table."""

    name: str = setting(
        _SOURCE_NAME,
        "",
        "The source's name, shown to you and written before a ticket key (zendesk:4521).",
    )
    provider: str = setting(
        Choice(tuple(PROVIDERS)), "", "Which tool it is read from (docs/providers.md)."
    )
    roles: frozenset[str] = setting(
        Roles(),
        frozenset(),
        'What it serves: ["rotation"], ["queue"] or both. Default: all its provider can.',
    )
    token_ref: str = setting(
        _SECRET_NAME,
        "",
        "Name its API token is kept under: in the OS keyring (service"
        ' "traysupport") or the environment variable TRAYSUPPORT_<NAME>_TOKEN. The token'
        " itself is never written in this file. Default: the source's name.",
    )
    poll: timedelta | None = setting(
        _POLL,
        None,
        "How often to fetch it. 0: poll.rotation_seconds or poll.queue_seconds by role.",
        "poll_seconds",
    )
    me: str = setting(
        Text(), "", "Who I am in this tool (id, email or name). Empty: the top-level me."
    )


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source: the common keys and its provider's own settings."""

    common: SourceCommon
    options: Any
    """An instance of its provider's settings dataclass."""

    @property
    def name(self) -> str:
        """The name the user gave it."""
        return self.common.name

    @property
    def provider(self) -> str:
        """Its provider's name."""
        return self.common.provider

    @property
    def spec(self) -> ProviderSpec:
        """Its provider."""
        return PROVIDERS[self.common.provider]

    @property
    def roles(self) -> frozenset[str]:
        """What it serves: the roles given, else all its provider can."""
        return self.common.roles or self.spec.roles

    @property
    def token_ref(self) -> str:
        """What its token is kept under."""
        return self.common.token_ref or self.common.name

    @property
    def url(self) -> str:
        """Its base URL, for providers that have one ("" otherwise)."""
        return str(getattr(self.options, "url", ""))


def demo_source() -> SourceConfig:
    """The embedded demo team as a source (the built-in default)."""
    spec = PROVIDERS["demo"]
    return SourceConfig(SourceCommon(name="demo", provider="demo"), spec.settings())
