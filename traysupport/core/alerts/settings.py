"""What the user wants to be told, when, and what to hold back: alert settings and quiet hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo

from traysupport.core.model import require_aware
from traysupport.core.sla import SlaPolicy


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily stretch of local wall-clock time without notifications; may wrap midnight.

    ``start == end`` is an empty stretch, not a whole day.
    """

    start: time
    end: time

    def contains(self, local_time: time) -> bool:
        """True when the wall-clock *local_time* lies in [start, end)."""
        # Naive times only: comparing an aware time with a naive one raises.
        at = local_time.replace(tzinfo=None)
        start, end = self.start.replace(tzinfo=None), self.end.replace(tzinfo=None)
        if start <= end:
            return start <= at < end
        return at >= start or at < end


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """What the user wants to be told, when, and what to hold back."""

    tz: tzinfo = UTC
    """The user's local zone: evening-before reminders, quiet hours, alert text."""
    duty_soon_leads: tuple[timedelta, ...] = (timedelta(days=1), timedelta(minutes=15))
    """Remind this long before each span of my duty starts, once per lead."""
    evening_before: time | None = time(18, 0)
    """Local time, the day before, of a reminder for a morning shift (local start before 12:00)."""
    duty_ending_lead: timedelta = timedelta(minutes=30)
    new_ticket_off_duty_p1: bool = True
    assigned_to_me: bool = True
    """Tell me when someone else assigns a ticket to me."""
    priority_raised: bool = True
    """Tell me when a ticket I hold, or an unassigned one, is raised to a higher priority."""
    breach_repeat_p1: timedelta | None = timedelta(minutes=15)
    """Repeat a P1 breach this often until acknowledged; None fires once."""
    source_down_after: int = 3
    """Consecutive failures before a source counts as down."""
    quiet_hours: QuietHours | None = None
    quiet_allow_p1: bool = True
    paused_until: datetime | None = None
    snoozed: tuple[tuple[str, datetime], ...] = ()
    """(ticket ref, until) pairs: a snoozed ticket raises no alerts until then."""
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    taken_by_me: frozenset[str] = frozenset()
    """Refs of tickets that my own action (an acknowledge) assigned to me since the last
    snapshot the ticket rules compare with: their assignment to me is not news. The
    service fills it from the outbox and the ticket history."""
    review_times: tuple[time, ...] = ()
    """Local times of the review reminders on duty days; () for none."""
    review_sources: tuple[str, ...] = ()
    """Sources whose new tickets a review counts; () for every queue source."""
    reviewed_at: datetime | None = None
    """When I last marked the queue reviewed (kept in the store); None: never."""

    def __post_init__(self) -> None:
        require_aware(self.paused_until, "AlertSettings.paused_until")
        require_aware(self.reviewed_at, "AlertSettings.reviewed_at")
        for ref, until in self.snoozed:
            require_aware(until, f"AlertSettings.snoozed[{ref!r}]")
        if any(lead <= timedelta(0) for lead in self.duty_soon_leads):
            raise ValueError(f"duty_soon_leads must be positive, got {self.duty_soon_leads}")
        if self.duty_ending_lead < timedelta(0):
            raise ValueError(f"duty_ending_lead must not be negative: {self.duty_ending_lead}")
        if self.breach_repeat_p1 is not None and self.breach_repeat_p1 <= timedelta(0):
            raise ValueError(f"breach_repeat_p1 must be positive or None: {self.breach_repeat_p1}")
        if self.source_down_after < 1:
            raise ValueError(f"source_down_after must be at least 1: {self.source_down_after}")
