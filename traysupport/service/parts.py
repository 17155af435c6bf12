"""What the poller keeps of each source: one `Part` per source and role, and the one
status per source the user sees, combined from its parts.

A source serving both roles is polled as two parts (its rotation and its queue, each
on its own interval); the user sees one source, up only while both parts are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from traysupport.core.model import ActionKind, Person, Shift, SourceStatus, Ticket
from traysupport.sources.base import Silenceable, SourceError
from traysupport.sources.provider import ROLES, BuiltSource


@dataclass(slots=True)
class Part:
    """The last good data of one role of one source, and how its fetches went."""

    source: str
    role: str
    status: SourceStatus
    """This part's own status (named after the source)."""
    people: tuple[Person, ...] = ()
    shifts: tuple[Shift, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    me: Person | None = None
    """Who the source says the token belongs to (rotation parts, when asked)."""

    @property
    def key(self) -> str:
        """Where its last good data is saved, and how the log names it: "ops/queue"."""
        return part_key(self.source, self.role)

    def data(self) -> tuple[object, ...]:
        """What a fetch brought, without when: to tell an unchanged poll."""
        return (self.people, self.shifts, self.tickets, self.me)


Outcome = Part | SourceError
"""What one fetch brought: the part's data, or why there is none."""


def part_key(source: str, role: str) -> str:
    """The store key and log label of one role of one source."""
    return f"{source}/{role}"


def roles_of(built: BuiltSource) -> tuple[str, ...]:
    """The roles *built* serves, rotation first (the order its parts are fetched in)."""
    return tuple(role for role in ROLES if role in built.roles)


def combined_status(
    built: BuiltSource, parts: Sequence[Part], outage_from: datetime | None
) -> SourceStatus:
    """One status for *built* from its parts' statuses.

    Ok only while every part is; the error is the first failing part's; failures the
    most of any part. `last_ok_at` is the oldest of the parts' (None while any part
    never had data); during an outage, *outage_from*, the oldest when it began, so the
    health alerts' keys (which carry it) stay the same for the whole outage while an
    answering part's time moves on.
    """
    statuses = [p.status for p in parts]
    ok = all(s.ok for s in statuses)
    failing = [s for s in statuses if not s.ok]
    return SourceStatus(
        name=built.name,
        ok=ok,
        last_ok_at=oldest_ok(parts) if ok else outage_from,
        error=failing[0].error if failing else "",
        failures=max((s.failures for s in statuses), default=0),
        provider=built.provider,
        roles=roles_of(built),
        actions=extra_actions(built),
    )


def extra_actions(built: BuiltSource) -> tuple[str, ...]:
    """The write-backs *built*'s queue takes beyond acknowledge and hand over."""
    queue = built.queue
    return (ActionKind.SILENCE.value,) if isinstance(queue, Silenceable) else ()


def oldest_ok(parts: Sequence[Part]) -> datetime | None:
    """The oldest last good fetch of *parts*; None when one of them never had one."""
    times = [p.status.last_ok_at for p in parts]
    if not times or any(t is None for t in times):
        return None
    return min(t for t in times if t is not None)
