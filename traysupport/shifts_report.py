"""What `traysupport shifts` prints: the team's shifts in a window, as JSON or a day table.

The shifts are the service's merged snapshot (every rotation source, people merged).
The service reads each rotation source for a fixed span around its last good read
(`SHIFT_WINDOW_BEHIND` before, `SHIFT_WINDOW_AHEAD` after): shifts outside that span are
not known, so a window asked beyond it is clipped and says so, rather than showing
"nobody" where the truth is "not read". `status --at` asks the same span (`known_window`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import groupby
from typing import Any

from traysupport.core.model import (
    Person,
    Role,
    Shift,
    SourceStatus,
    is_open_end,
    is_open_start,
)
from traysupport.core.timefmt import (
    format_clock,
    format_duration,
    format_instant,
    format_utc_offset,
    local,
)
from traysupport.service import SHIFT_WINDOW_AHEAD, SHIFT_WINDOW_BEHIND, ServiceState
from traysupport.sources.provider import ROTATION
from traysupport.timeparse import TimeParseError, parse_time

DEFAULT_LENGTH = timedelta(days=14)
"""`shifts` without --to: this long from --from."""
_INSTANT = timedelta(microseconds=1)
"""An instant as a window: it is known when the known window holds it."""
_ROLE_ORDER = {role: i for i, role in enumerate(Role)}
_NAME_WIDTH = 24
# Fixed English names, as core.timefmt: strftime("%a") depends on the process locale.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Window:
    """The instants from `start` (inclusive) to `end` (exclusive), UTC."""

    start: datetime
    end: datetime

    def holds(self, instant: datetime) -> bool:
        """True when *instant* lies within the window."""
        return self.start <= instant < self.end


def fetched_window(read_at: datetime) -> Window:
    """The span the service asks a rotation source for when it reads it at *read_at*."""
    return Window(read_at - SHIFT_WINDOW_BEHIND, read_at + SHIFT_WINDOW_AHEAD)


def known_window(sources: Iterable[SourceStatus], now: datetime) -> Window:
    """Where every rotation source's shifts are known: the span each was last read for,
    intersected (a stale source's ends earlier). Without any read, the span of a read now."""
    reads = [s.last_ok_at for s in sources if ROTATION in s.roles and s.last_ok_at is not None]
    spans = [fetched_window(t) for t in reads] or [fetched_window(now)]
    return Window(max(w.start for w in spans), min(w.end for w in spans))


class WindowError(ValueError):
    """A TIME option the command cannot use; the message says which and why."""


def _time(option: str, text: str, now: datetime, tz: tzinfo) -> datetime:
    try:
        return parse_time(text, now, tz)
    except TimeParseError as error:
        raise WindowError(f"{option} {error}") from None


def asked_window(since: str | None, until: str | None, now: datetime, tz: tzinfo) -> Window:
    """The window `--from` *since* `--to` *until* name (see `timeparse`): from now, and
    to `DEFAULT_LENGTH` from now (a day after --from, when that is later)."""
    start = now if since is None else _time("--from", since, now, tz)
    if until is not None:
        end = _time("--to", until, now, tz)
        if end <= start:
            raise WindowError(f"--to {until!r} is not after --from {since or 'now'!r}")
        return Window(start, end)
    end = now + DEFAULT_LENGTH
    return Window(start, end if end > start else start + timedelta(days=1))


def duty_instant(text: str | None, now: datetime, tz: tzinfo) -> datetime | None:
    """`status --at` *text* as an instant (None without one), refused when the service
    never reads the rotation that far (the answer would be "nobody", the truth "not known")."""
    if text is None:
        return None
    at = _time("--at", text, now, tz)
    fetched = fetched_window(now)
    if not fetched.holds(at):
        note = unknown_note(Window(at, at + _INSTANT), fetched, tz, now)
        raise WindowError(f"--at {text!r}: {note}; ask for a time in between")
    return at


def duty_note(state: ServiceState, at: datetime, tz: tzinfo, now: datetime) -> str | None:
    """Why who is on at *at* may be missing (a stale source's shifts end earlier), or None."""
    known = known_window(state.snapshot.sources, now)
    if known.holds(at):
        return None
    return f"Note: {unknown_note(Window(at, at + _INSTANT), known, tz, now)}."


@dataclass(frozen=True, slots=True)
class ShiftsReport:
    """The shifts of one window, and what the user needs to read them."""

    asked: Window
    shown: Window
    """`asked`, clipped to where the shifts are known."""
    shifts: tuple[Shift, ...]
    """The shifts overlapping `shown`, by start, role, then name."""
    handed_from: Mapping[Shift, tuple[Person, ...]]
    """For a shift starting as others of its role end: who hands over to it."""
    me: Person | None
    rotations: tuple[SourceStatus, ...]
    """The rotation sources; those not ok did not answer, their shifts as last read."""

    @property
    def answered(self) -> bool:
        """True when a rotation source answered this time."""
        return any(s.ok for s in self.rotations)

    @property
    def clipped(self) -> bool:
        """True when the window asked reaches beyond the known shifts."""
        return self.shown != self.asked


def build(state: ServiceState, asked: Window, now: datetime, mine: bool) -> ShiftsReport:
    """The report of *asked* from *state*; only my shifts when *mine*."""
    snapshot, me = state.snapshot, state.me
    known = known_window(snapshot.sources, now)
    start, end = max(asked.start, known.start), min(asked.end, known.end)
    shown = Window(start, max(start, end))
    shifts = sorted(
        (
            s
            for s in snapshot.shifts
            if s.start < shown.end
            and s.end > shown.start
            and (not mine or (me is not None and s.person.id == me.id))
        ),
        key=_order,
    )
    rotations = tuple(s for s in snapshot.sources if ROTATION in s.roles)
    return ShiftsReport(asked, shown, tuple(shifts), _hand_overs(snapshot.shifts), me, rotations)


def _order(shift: Shift) -> tuple[object, ...]:
    return (shift.start, _ROLE_ORDER[shift.role], shift.person.name.casefold(), shift.source)


def _hand_overs(shifts: Iterable[Shift]) -> dict[Shift, tuple[Person, ...]]:
    """Each shift that starts as another person's shift of the same role ends (in any
    rotation: a day rotation hands over to the evening one), with those people."""
    everyone = tuple(shifts)
    ending: dict[tuple[Role, datetime], list[Person]] = {}
    for shift in everyone:
        ending.setdefault((shift.role, shift.end), []).append(shift.person)
    found: dict[Shift, tuple[Person, ...]] = {}
    for shift in everyone:
        outgoing = {
            p.id: p for p in ending.get((shift.role, shift.start), ()) if p.id != shift.person.id
        }
        if outgoing:
            found[shift] = tuple(outgoing.values())
    return found


# -- JSON ------------------------------------------------------------------------------


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def shifts_dict(report: ShiftsReport) -> dict[str, Any]:
    """The report as the `shifts --json` object: the window shown, whether it was
    clipped, and the shifts by start, times ISO 8601 in UTC."""
    return {
        "from": _iso(report.shown.start),
        "to": _iso(report.shown.end),
        "clipped": report.clipped,
        "shifts": [
            {
                "person": {"id": s.person.id, "name": s.person.name, "email": s.person.email},
                "start": _iso(s.start),
                "end": _iso(s.end),
                "role": str(s.role),
                "rotation": s.rotation,
                "source": s.source,
                "out_of_hours": s.out_of_hours,
            }
            for s in report.shifts
        ],
    }


# -- text ------------------------------------------------------------------------------


def clip_note(report: ShiftsReport, tz: tzinfo, now: datetime) -> str | None:
    """Why the window shown is shorter than the one asked, or None when it is not."""
    if not report.clipped:
        return None
    return f"Note: {unknown_note(report.asked, report.shown, tz, now)}."


def unknown_note(asked: Window, known: Window, tz: tzinfo, now: datetime) -> str:
    """Which part of *asked* lies outside the *known* shifts, said for a person."""
    parts = []
    if asked.start < known.start:
        parts.append(f"before {format_instant(known.start, tz, now)}")
    if asked.end > known.end:
        parts.append(f"after {format_instant(known.end, tz, now)}")
    ahead, behind = format_duration(SHIFT_WINDOW_AHEAD), format_duration(SHIFT_WINDOW_BEHIND)
    return (
        f"traysupport reads the rotation {behind} back and {ahead} ahead, so shifts "
        f"{' and '.join(parts)} are not known"
    )


def shifts_text(report: ShiftsReport, tz: tzinfo, now: datetime) -> str:
    """The report as a table per local day, hand-overs and out-of-hours shifts marked,
    mine starred."""
    shown = report.shown
    lines = [
        f"Shifts from {_day_time(shown.start, tz)} to {_day_time(shown.end, tz)} "
        f"(times in {_zone_text(shown.start, tz)})"
    ]
    note = clip_note(report, tz, now)
    lines += [note] if note else []
    lines += [_stale_line(s, now) for s in report.rotations if not s.ok]
    if not report.shifts:
        lines.append("No shifts in this window.")
        return "\n".join(lines)
    for day, shifts in groupby(report.shifts, key=lambda s: _start_day(s, tz)):
        lines += ["", _day(day) if day is not None else "Already on call (no start)"]
        lines += [_shift_line(s, report, tz) for s in shifts]
    lines += ["", "* your shift · ⇄ hand-over: the same role's shift before it ends as it begins"]
    return "\n".join(lines)


def _zone_text(instant: datetime, tz: tzinfo) -> str:
    """The zone's name and its offset at *instant*; UTC said once, not "UTC, UTC"."""
    zone, offset = getattr(tz, "key", None), format_utc_offset(instant, tz)
    if not zone or zone == offset or (offset == "UTC" and zone.removeprefix("Etc/") == "UTC"):
        return offset
    return f"{zone}, {offset}"


def _day(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def _day_time(instant: datetime, tz: tzinfo) -> str:
    return f"{_day(local(instant, tz).date())} {format_clock(instant, tz)}"


def _shift_line(shift: Shift, report: ShiftsReport, tz: tzinfo) -> str:
    mine = report.me is not None and shift.person.id == report.me.id
    open_start, open_end = is_open_start(shift.start), is_open_end(shift.end)
    times = _times(shift, tz, open_start, open_end)
    where = (
        shift.rotation if shift.rotation == shift.source else f"{shift.rotation} · {shift.source}"
    )
    flags = ["out of hours"] if shift.out_of_hours else []
    if open_start or open_end:  # a permanent on-call (PagerDuty's null start/end)
        flags.append(
            "always on call"
            if open_start and open_end
            else f"until {_day_time(shift.end, tz)}"
            if open_start
            else "no end"
        )
    handed = report.handed_from.get(shift)
    if handed:
        flags.append("⇄ from " + ", ".join(_flat(p.name) for p in handed))
    name = _flat(shift.person.name)
    name = name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "…"
    text = (
        f"{'*' if mine else ' '} {times:<16} {shift.role!s:<9} {name:<{_NAME_WIDTH}} {_flat(where)}"
    )
    return "  " + text + (f"  [{'; '.join(flags)}]" if flags else "")


def _start_day(shift: Shift, tz: tzinfo) -> date | None:
    """The local day a shift is listed under; None for one with no start (the model's
    far past), which would otherwise be listed on a day in 1900."""
    return None if is_open_start(shift.start) else local(shift.start, tz).date()


def _times(shift: Shift, tz: tzinfo, open_start: bool, open_end: bool) -> str:
    """The shift's clock times, +days when it ends on a later day; "…" for a missing start
    or end, rather than the far past or future as a clock time 400,000 days long."""
    start = "…" if open_start else format_clock(shift.start, tz)
    end = "…" if open_end else format_clock(shift.end, tz)
    if open_start or open_end:
        return f"{start}-{end}"
    days = (local(shift.end, tz).date() - local(shift.start, tz).date()).days
    return f"{start}-{end}" + (f" +{days}d" if days else "")


def _stale_line(status: SourceStatus, now: datetime) -> str:
    seen = status.last_ok_at
    if seen is None:
        return f"{status.name} did not answer ({status.error}) and has no saved shifts."
    return (
        f"{status.name} did not answer ({status.error}): its shifts are as read "
        f"{format_duration(now - seen)} ago."
    )


def _flat(text: str) -> str:
    """Server text on one line (the CLI's `say` then shows any control characters)."""
    return " ".join(text.split())
