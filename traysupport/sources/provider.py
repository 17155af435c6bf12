"""What a provider is: its `ProviderSpec`, and the `SourceContext` a source is built in.

A provider module (``sources/teamapi.py``, ``sources/pagerduty.py``...) declares one
`ProviderSpec`: its name, the roles it can serve, a frozen settings dataclass declared
with `traysupport.sources.settings.setting` (validation, ``doctor``, the docs and the
settings window derive from it), a `build` factory, a line of description and a docs
link. `traysupport.sources.registry` lists the built-in specs.

This module imports no provider, so a provider module can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from traysupport.core.model import Person
from traysupport.sources.base import QueueSource, RotationSource

if TYPE_CHECKING:  # the service imports this module; requests loads only with a provider
    from traysupport.sources.http import HttpClient

ROTATION = "rotation"
QUEUE = "queue"
ROLES = (ROTATION, QUEUE)


class HttpFactory(Protocol):
    """Makes the HTTP client of a source: one session, one ETag cache, shared limits."""

    def __call__(self, base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        """A client for the source, talking to *base_url* with the *auth* header."""


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What a provider's `build` gets besides its settings."""

    name: str
    """The source's name as the user gave it; errors and `Ticket.source` carry it."""
    token: str | None
    """The secret `token_ref` names (keyring or environment), None when none is kept."""
    http: HttpFactory
    """Make the HTTP client with this: it names the source in errors and masks the token."""
    clock: Callable[[], datetime]
    """The current time, UTC (a fake one in tests)."""
    local_url: str = ""
    """The embedded demo team's base URL; only the demo provider reads it."""


class Source(Protocol):
    """What `build` returns: one object serving the roles of the spec.

    It implements `RotationSource` for the rotation role and `QueueSource` for the
    queue role. Optional: ``fetch_me() -> Person | None`` (who the token belongs to)
    and ``close()`` (release connections); `BuiltSource` looks for both.
    """

    @property
    def name(self) -> str:
        """The source's name (the context's)."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One kind of source, as the registry lists it."""

    name: str
    """What `provider = "..."` says in a ``[[source]]`` table."""
    roles: frozenset[str]
    """"rotation", "queue" or both."""
    settings: type[Any]
    """A frozen dataclass whose fields are declared with `setting()`; `settings()` is valid."""
    build: Callable[[Any, SourceContext], Source]
    """Make the source from an instance of `settings` and the context; no network."""
    description: str
    """One line for the settings window and ``traysupport source`` help."""
    docs: str
    """Where its section of docs/providers.md is, e.g. "docs/providers.md#team-api"."""
    required: tuple[str, ...] = ()
    """Keys of `settings` that must be set (a base URL without a public default...)."""
    needs_token: bool = True
    """Whether a source of this provider is useless without a token (doctor says so)."""


@dataclass(frozen=True, slots=True)
class BuiltSource:
    """One configured source, built: the object serving its roles, and how to poll it."""

    name: str
    provider: str
    roles: frozenset[str]
    source: Source
    me: str = ""
    """Who I am in this source (its ``me``, else the top-level one); "" to ask it."""
    poll_seconds: float | None = None
    """The source's own poll interval; None for the default of each role."""

    @property
    def rotation(self) -> RotationSource | None:
        """The source as a rotation, if it serves one."""
        source = self.source
        return source if ROTATION in self.roles and isinstance(source, RotationSource) else None

    @property
    def queue(self) -> QueueSource | None:
        """The source as a queue, if it serves one."""
        source = self.source
        return source if QUEUE in self.roles and isinstance(source, QueueSource) else None

    @property
    def fetch_me(self) -> Callable[[], Person | None] | None:
        """Ask the tool who the token belongs to, when the provider can."""
        fetch = getattr(self.source, "fetch_me", None)
        return fetch if callable(fetch) else None

    def close(self) -> None:
        """Release the source's connections."""
        close = getattr(self.source, "close", None)
        if callable(close):
            close()
