"""The schedule view's lines, worked out from a state (pure, no Qt).

"On now": each role's person and until when; "Next": who takes over at the next
hand-over, and when; then my shifts for the next 14 days, grouped by local day, each with
its role, rotation, an out-of-hours mark and its hand-overs (who hands to me at its start,
whom I hand to at its end). Names and rotation names come from servers: cleaned here.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

from traysupport.core.duty import Duty, duty
from traysupport.core.model import Person, Shift, is_open_end, is_open_start
from traysupport.core.rotation import on_duty
from traysupport.core.timefmt import format_clock, format_instant, local
from traysupport.service import ServiceState
from traysupport.sources.parse import clean_text

DAYS_AHEAD = 14
_NAME_CHARS = 60
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ScheduleLine(NamedTuple):
    """One line of the view: a heading, or an item under it."""

    text: str
    heading: bool = False


MAX_LISTED = 30
"""My shifts listed at most; more than a month of daily turns is not read in a window."""


def name(person: Person | None) -> str:
    """A person's name as one clean line ("nobody" without one)."""
    if person is None:
        return "nobody"
    return clean_text(person.name, _NAME_CHARS) or clean_text(person.id, _NAME_CHARS) or "?"


def _who(person: Person, status: Duty) -> str:
    """ "You" for me, else the person's clean name."""
    return "You" if status.is_me(person) else name(person)


def _when(instant: datetime, now: datetime, tz: tzinfo) -> str:
    """ "16:00" on *now*'s local day, else with the weekday (and date when far)."""
    if local(instant, tz).date() == local(now, tz).date():
        return format_clock(instant, tz)
    return format_instant(instant, tz, now)


def _role(shift: Shift) -> str:
    text = str(shift.role).replace("_", " ").capitalize()
    rotation = clean_text(shift.rotation, _NAME_CHARS)
    return f"{text} ({rotation})" if rotation else text


def _until(shift: Shift, now: datetime, tz: tzinfo) -> str:
    """ "until 16:00"; a permanent on-call (no end) has no date to show."""
    if not is_open_end(shift.end):
        return f"until {_when(shift.end, now, tz)}"
    return "always on call" if is_open_start(shift.start) else "no end"


def _others_at(shifts: tuple[Shift, ...], me: Person, at: datetime, *, ending: bool) -> str:
    """Who else is on at the hand-over instant *at*: from it when my shift *ending* there
    (whom I hand to), else just before it (who hands to me)."""
    probe = at if ending else at - timedelta(seconds=1)
    people = [s.person for s in on_duty(shifts, probe) if s.person.id != me.id]
    seen: dict[str, str] = {}
    for p in people:
        seen.setdefault(p.id, name(p))
    return ", ".join(seen.values()) or "nobody"


def schedule_lines(state: ServiceState, now: datetime, tz: tzinfo) -> list[ScheduleLine]:
    """The view's lines at *now*, times in *tz*."""
    shifts = state.snapshot.shifts
    status = duty(shifts, state.me, now)
    lines = [ScheduleLine("On now", heading=True)]
    if not status.on_now:
        lines.append(ScheduleLine("Nobody is on duty now."))
    for s in status.on_now:
        lines.append(ScheduleLine(f"{_role(s)}: {_who(s.person, status)}, {_until(s, now, tz)}"))
    lines.append(ScheduleLine("Next", heading=True))
    # A shift with no end hands over to nobody: its far-future bound is no hand-over.
    ends = {s.end for s in status.on_now if not is_open_end(s.end)}
    changes = sorted(ends | {s.start for s in shifts if s.start > now})
    if changes:
        at = changes[0]
        incoming = [s for s in on_duty(shifts, at) if s not in status.on_now]
        who = ", ".join(f"{_who(s.person, status)} ({_role(s)})" for s in incoming)
        who = who or "nobody new"
        lines.append(ScheduleLine(f"Hand-over {_when(at, now, tz)}: {who}"))
    else:
        lines.append(ScheduleLine("No hand-over in the schedule."))
    lines.append(ScheduleLine(f"My shifts, next {DAYS_AHEAD} days", heading=True))
    lines += _my_shifts(state, now, tz)
    return lines


def _heading(shift: Shift, tz: tzinfo) -> str:
    """The local day *shift* starts, "Mon 2 Jun"; for one with no start (a permanent
    on-call), "Always on call" or "Already on call", never a day in 1900."""
    if is_open_start(shift.start):
        return "Always on call" if is_open_end(shift.end) else "Already on call"
    day = local(shift.start, tz).date()
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _span(shift: Shift, now: datetime, tz: tzinfo) -> str:
    """ "16:00 to Tue 00:00"; the heading says it all for a shift with no start or end."""
    open_start, open_end = is_open_start(shift.start), is_open_end(shift.end)
    if open_start:
        return "" if open_end else f"until {_when(shift.end, now, tz)}"
    start = format_clock(shift.start, tz)
    return f"{start}, no end" if open_end else f"{start} to {_when(shift.end, shift.start, tz)}"


def _my_shifts(state: ServiceState, now: datetime, tz: tzinfo) -> list[ScheduleLine]:
    me = state.me
    if me is None:
        return [ScheduleLine("You are not on the team's rotation yet.")]
    horizon = now + timedelta(days=DAYS_AHEAD)
    shifts = state.snapshot.shifts
    mine = sorted(
        (s for s in shifts if s.person.id == me.id and s.end > now and s.start < horizon),
        key=lambda s: (s.start, s.end),
    )
    if not mine:
        return [ScheduleLine(f"No shifts of yours in the next {DAYS_AHEAD} days.")]
    lines: list[ScheduleLine] = []
    day = ""
    # Each listed shift looks up its hand-overs in the whole schedule: a rotation of short
    # turns (the demo at 20x has thousands) would hold the GUI thread on every redraw.
    for s in mine[:MAX_LISTED]:
        # A shift with no start (a permanent on-call) is listed under its own heading,
        # not under a day in 1900.
        heading = _heading(s, tz)
        if heading != day:
            day = heading
            lines.append(ScheduleLine(heading, True))
        ooh = " · out of hours" if s.out_of_hours else ""
        lines.append(ScheduleLine(" ".join(p for p in (_span(s, now, tz), _role(s)) if p) + ooh))
        if s.start > now:
            lines.append(ScheduleLine(f"  ↳ from {_others_at(shifts, me, s.start, ending=False)}"))
        if not is_open_end(s.end):
            lines.append(ScheduleLine(f"  ↳ hand to {_others_at(shifts, me, s.end, ending=True)}"))
    if len(mine) > MAX_LISTED:
        more = len(mine) - MAX_LISTED
        lines.append(ScheduleLine(f"… and {more} more (traysupport shifts --mine lists them all)"))
    return lines
