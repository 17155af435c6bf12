"""My duty status at an instant: the ONE place the tray, window, CLI, handover and alerts ask.

`duty(shifts, me, now)` answers, once per call, everything the views say about my duty:
whether I am on, as what, until when (the end of my duty *span*: back-to-back and
overlapping shifts of mine merged, so a shift that merely continues my duty does not end
it), my next shift (the first one that does not just continue the current span), who is
on now and who is on next when my duty ends. Pure: no I/O, no clock reads (`now` is
passed in); every instant in the result is UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from traysupport.core.model import Person, Role, Shift, require_aware
from traysupport.core.rotation import current_shift, duty_span, next_after, next_shift, on_duty


@dataclass(frozen=True, slots=True)
class Duty:
    """My duty status at `now`; without `me` (not on the team yet) I am never on duty."""

    now: datetime
    me: Person | None
    shift: Shift | None
    """My shift covering now; of several, the most senior role."""
    start: datetime | None
    """When my current duty span began (None while off duty)."""
    until: datetime | None
    """When my current duty span ends (None while off duty)."""
    next_shift: Shift | None
    """My first shift after now that does not just continue the current span."""
    on_now: tuple[Shift, ...]
    """Everyone's shifts covering now, by role, start, then name."""
    on_next: Person | None
    """Whoever (not me) is next on primary when my duty ends: the default hand-over."""

    @property
    def on_duty(self) -> bool:
        """True when a shift of mine covers now."""
        return self.shift is not None

    @property
    def role(self) -> Role | None:
        """My role now (the most senior one), None while off duty."""
        return None if self.shift is None else self.shift.role

    def is_me(self, person: Person) -> bool:
        """True when *person* is me."""
        return self.me is not None and person.id == self.me.id


def duty(shifts: Iterable[Shift], me: Person | None, now: datetime) -> Duty:
    """My duty status at *now* (aware) from everyone's *shifts*."""
    require_aware(now, "now")
    at = now.astimezone(UTC)
    everyone = tuple(shifts)
    on_now = tuple(on_duty(everyone, at))
    if me is None:
        return Duty(at, None, None, None, None, None, on_now, None)
    span = duty_span(everyone, me, at)
    return Duty(
        now=at,
        me=me,
        shift=current_shift(everyone, me, at),
        start=None if span is None else span[0],
        until=None if span is None else span[1],
        next_shift=next_shift(everyone, me, at),
        on_now=on_now,
        on_next=next_after(everyone, me, at),
    )
