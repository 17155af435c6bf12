"""SLA policy and deadline maths: when a ticket warns, when it breaches, which is most urgent.

Rules, as implemented:

1. **Deadline.** The ticket tool's own deadline (``ticket.sla`` with a ``due_at``) wins
   where given. Otherwise the policy target for the ticket's priority, counted from
   ``created_at``, gives a RESPONSE SLA; a priority with no target (P4 by default) has no
   SLA. A tool clock without a deadline is kept as given when paused (it cannot fire
   anyway) and otherwise replaced by the policy's response SLA.
2. **Warning lead** = max(warn_fraction x target, warn_min): by default a warning when 25 %
   of the target remains, but never less than 10 minutes before the deadline. The lead
   never exceeds the target itself. For a tool deadline the target is the policy target for
   the priority if there is one, else ``due_at - created_at``; when that is <= 0 the lead is
   warn_min. ``warn_at`` is clamped so it is never before ``created_at`` (unless the
   deadline itself is), and never after the deadline.
3. **Breach** at the deadline: ``now >= due_at`` is BREACHED.
4. **Paused** SLAs never warn or breach: state NONE, no warn/breach instant, no time left.
5. **Acknowledging** stops the POLICY's response SLA (no tool deadline): an acknowledged
   ticket is then treated like one without an SLA. A deadline from the ticket tool, of
   either kind, keeps running after acknowledgement: the tool is authoritative (Zendesk
   counts a reply time until a public reply, Jira an SLA until its stop condition, RT
   keeps its Due), so the clock stops only when the tool pauses it or stops giving it.
6. For a fixed ticket, ``sla_state`` is monotone in ``now``: NONE stays NONE; otherwise
   OK -> WARNING -> BREACHED, never backwards (it follows from warn_at <= breach_at).

All instants are normalised to UTC before any arithmetic: Python adds and compares two
datetimes that share a ``ZoneInfo`` by wall clock, which is wrong across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from traysupport.core.model import Priority, Sla, SlaKind, Ticket


class SlaState(StrEnum):
    """Where a ticket's SLA clock stands at an instant."""

    NONE = "none"
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Response targets per priority and when to warn before a deadline."""

    p1: timedelta | None = timedelta(hours=1)
    p2: timedelta | None = timedelta(hours=3)
    p3: timedelta | None = timedelta(hours=24)
    p4: timedelta | None = None
    warn_fraction: float = 0.25
    warn_min: timedelta = timedelta(minutes=10)
    # Per priority (index P1=0), worked out once: they are read for every ticket of a poll.
    _targets: tuple[timedelta | None, ...] = field(init=False, repr=False, compare=False)
    _leads: tuple[timedelta | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("p1", "p2", "p3", "p4"):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                raise ValueError(f"SLA target {name} must be positive or None, got {value}")
        # Written as a negated range so NaN is rejected too.
        if not 0.0 < self.warn_fraction < 1.0:
            raise ValueError(f"warn_fraction must be between 0 and 1, got {self.warn_fraction}")
        if self.warn_min < timedelta(0):
            raise ValueError(f"warn_min must not be negative, got {self.warn_min}")
        targets = (self.p1, self.p2, self.p3, self.p4)
        leads = tuple(None if t is None else self.warning_lead(t) for t in targets)
        object.__setattr__(self, "_targets", targets)
        object.__setattr__(self, "_leads", leads)

    def target(self, priority: Priority) -> timedelta | None:
        """The response target for *priority*, or None when it has no SLA."""
        return self._targets[priority - 1]

    def warning_lead(self, target: timedelta) -> timedelta:
        """How long before the deadline the warning falls, for an SLA of length *target*."""
        if target <= timedelta(0):
            return self.warn_min
        return min(max(target * self.warn_fraction, self.warn_min), target)


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _tool_sla(ticket: Ticket) -> Sla | None:
    """The tool's own SLA when it decides (it has a deadline, is paused, or exempts the
    item from any SLA), else None."""
    own = ticket.sla
    decides = own is not None and (own.due_at is not None or own.paused or own.exempt)
    return own if decides else None


def effective_sla(ticket: Ticket, policy: SlaPolicy) -> Sla | None:
    """The SLA clock that applies to *ticket*: the tool's own, else the policy's, else None."""
    own = _tool_sla(ticket)
    if own is not None:
        return own
    target = policy.target(ticket.priority)
    if target is None:
        return None
    return Sla(due_at=ticket.created_at + target, kind=SlaKind.RESPONSE)


@dataclass(frozen=True, slots=True)
class SlaClock:
    """A running SLA clock of one ticket: which kind, when it warns, when it breaches (UTC)."""

    kind: SlaKind
    warn_at: datetime
    breach_at: datetime

    def state(self, now: datetime) -> SlaState:
        """Where this clock stands at *now*: OK, WARNING or BREACHED."""
        if now >= self.breach_at:
            return SlaState.BREACHED
        if now >= self.warn_at:
            return SlaState.WARNING
        return SlaState.OK


def running_clock(ticket: Ticket, policy: SlaPolicy) -> SlaClock | None:
    """*ticket*'s SLA clock when it can still fire; None when paused, stopped or absent.

    Callers that need several facts about one ticket call this once: it is the part of
    a poll that runs for every ticket.
    """
    own = _tool_sla(ticket)
    if own is not None:
        if own.due_at is None or own.paused or own.exempt:
            return None
        kind, due = own.kind, own.due_at
    else:
        # The policy's clock, made here rather than through effective_sla: this runs for
        # every ticket on every poll, and building an Sla per ticket showed in profiles.
        policy_target = policy.target(ticket.priority)
        if policy_target is None:
            return None
        if ticket.acknowledged:
            return None  # rule 5: acknowledging meets the policy's response target
        kind, due = SlaKind.RESPONSE, ticket.created_at + policy_target
    # Model datetimes are UTC already (model.py converts them), so no conversion here.
    created = ticket.created_at
    lead = policy._leads[ticket.priority - 1]
    if lead is None:
        lead = policy.warning_lead(due - created)
    warn = due - lead
    if due > created:
        # A tool deadline shorter than the policy target would otherwise warn before
        # the ticket existed.
        warn = max(warn, created)
    return SlaClock(kind, warn, due)


def warn_at(ticket: Ticket, policy: SlaPolicy) -> datetime | None:
    """The UTC instant the SLA warning falls, or None when the SLA cannot fire."""
    clock = running_clock(ticket, policy)
    return None if clock is None else clock.warn_at


def breach_at(ticket: Ticket, policy: SlaPolicy) -> datetime | None:
    """The UTC instant the SLA is breached, or None when the SLA cannot fire."""
    clock = running_clock(ticket, policy)
    return None if clock is None else clock.breach_at


def sla_state(ticket: Ticket, policy: SlaPolicy, now: datetime) -> SlaState:
    """Where *ticket*'s SLA stands at *now*."""
    clock = running_clock(ticket, policy)
    return SlaState.NONE if clock is None else clock.state(_utc(now))


def time_left(ticket: Ticket, policy: SlaPolicy, now: datetime) -> timedelta | None:
    """Time until breach at *now* (negative once breached), or None without a running SLA."""
    due = breach_at(ticket, policy)
    return None if due is None else due - _utc(now)


def urgency_order(tickets: Iterable[Ticket], policy: SlaPolicy, now: datetime) -> list[Ticket]:
    """Tickets most urgent first: SLA time left ascending (breached first), no SLA last.

    Ties go by priority, then created_at, then ref. One key per ticket: O(n log n).
    """

    instant = _utc(now)

    def key(ticket: Ticket) -> tuple[bool, timedelta, int, datetime, str]:
        due = breach_at(ticket, policy)
        left = None if due is None else due - instant
        # The placeholder is never compared against a real time left: the flag before it
        # already separates tickets without an SLA.
        return (
            left is None,
            timedelta(0) if left is None else left,
            ticket.priority.value,
            ticket.created_at,
            ticket.ref,
        )

    return sorted(tickets, key=key)
