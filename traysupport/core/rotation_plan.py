"""A rotation file's model expanded into shifts: per-turn teams, swaps, shadows, out-of-hours.

No I/O: the file is read and parsed in sources/rotation_file.py. The hand-off maths (local
wall time across DST, overrides, the last override winning) is `core.rotation.expand`'s;
this module adds what a rotation file can say beyond one person per turn:

- ``per_turn`` N: turn k is held by ``members[(k*N + j) % len]`` for j in 0..N-1, the
  first (j = 0) primary and the rest secondary. Each slot is its own gapless rotation.
- A swap exchanges two members' turns inside [start, end) (any slot).
- A shadow rides along with whoever is primary (after overrides and swaps) in its range.
- An out-of-hours rotation has its own members and turns, and its shifts are cut to the
  hours it covers (evenings/nights as a local "HH:MM-HH:MM" span, whole weekend
  days), local wall time in its zone; its shifts are marked ``out_of_hours``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from traysupport.core.model import Person, Role, Shift
from traysupport.core.rotation import RotationDefinition, expand


@dataclass(frozen=True, slots=True)
class Swap:
    """Members `a` and `b` exchange their turns in [start, end)."""

    a: str
    b: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Shadow:
    """`person_id` shadows whoever is primary in [start, end)."""

    person_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Hours:
    """The local hours an out-of-hours rotation covers."""

    nightly: tuple[time, time] | None = None
    """Every day from the first time to the second (the next day when it wraps)."""
    weekends: bool = False
    """Saturday and Sunday, all day."""


@dataclass(frozen=True, slots=True)
class RotationPlan:
    """One rotation of the file: its turns (`definition`), per-turn size, swaps, shadows."""

    definition: RotationDefinition
    per_turn: int = 1
    swaps: tuple[Swap, ...] = ()
    shadows: tuple[Shadow, ...] = ()
    hours: Hours | None = None
    """None: every hour (a working rotation); else an out-of-hours rotation's hours."""


def slot_definition(defn: RotationDefinition, per_turn: int, slot: int) -> RotationDefinition:
    """The rotation of slot *slot*: turn k goes to ``members[(k*per_turn + slot) % len]``."""
    members = defn.members
    size = len(members)
    order = tuple(members[(k * per_turn + slot) % size] for k in range(size))
    role = Role.PRIMARY if slot == 0 else Role.SECONDARY
    # Overrides replace the primary only: a secondary is never silently displaced.
    return replace(defn, members=order, role=role, overrides=defn.overrides if slot == 0 else ())


def _swapped(shift: Shift, swaps: tuple[Swap, ...], people: Mapping[str, Person]) -> list[Shift]:
    """*shift* cut where swaps touch it, each part's a/b exchanged (the last swap wins)."""
    touching = [s for s in swaps if s.start < shift.end and s.end > shift.start]
    if not touching:
        return [shift]
    cuts = {shift.start, shift.end}
    for s in touching:
        cuts.update(min(max(t, shift.start), shift.end) for t in (s.start, s.end))
    out: list[Shift] = []
    for lo, hi in pairwise(sorted(cuts)):
        pid = shift.person.id
        for s in reversed(touching):
            if s.start <= lo < s.end and pid in (s.a, s.b):
                pid = s.b if pid == s.a else s.a
                break
        person = people.get(pid, shift.person)
        if out and out[-1].person.id == person.id and out[-1].end == lo:
            out[-1] = replace(out[-1], end=hi)
        else:
            out.append(replace(shift, person=person, start=lo, end=hi))
    return out


def covered_hours(
    hours: Hours, defn: RotationDefinition, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """The UTC spans (merged, sorted) in [since, until) that *hours* covers in the zone."""
    tz = defn.tz
    day = since.astimezone(tz).date() - timedelta(days=1)
    last = until.astimezone(tz).date() + timedelta(days=1)
    spans: list[tuple[datetime, datetime]] = []

    def local(d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=tz).astimezone(UTC)

    while day <= last:
        nxt = day + timedelta(days=1)
        if hours.weekends and day.weekday() >= 5:
            spans.append((local(day, time(0)), local(nxt, time(0))))
        if hours.nightly is not None:
            begins, ends = hours.nightly
            end = local(nxt, ends) if ends <= begins else local(day, ends)
            spans.append((local(day, begins), end))
        day = nxt
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        a, b = max(start, since), min(end, until)
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _clip(shifts: list[Shift], spans: list[tuple[datetime, datetime]]) -> list[Shift]:
    out: list[Shift] = []
    for s in shifts:
        for a, b in spans:
            lo, hi = max(a, s.start), min(b, s.end)
            if lo < hi:
                out.append(replace(s, start=lo, end=hi, out_of_hours=True))
    return out


def plan_shifts(
    plan: RotationPlan, people: Mapping[str, Person], since: datetime, until: datetime
) -> list[Shift]:
    """The plan's shifts overlapping [since, until) (UTC, by start then role).

    Raises ValueError like `expand` (an unknown id, a window too long or inverted).
    """
    lo, hi = since.astimezone(UTC), until.astimezone(UTC)
    shifts: list[Shift] = []
    slots = min(plan.per_turn, len(plan.definition.members))
    for slot in range(slots):
        defn = slot_definition(plan.definition, plan.per_turn, slot)
        for shift in expand(defn, people, lo, hi):
            shifts += _swapped(shift, plan.swaps, people)
    for shadow in plan.shadows:
        person = people[shadow.person_id]
        for s in [s for s in shifts if s.role == Role.PRIMARY]:
            a, b = max(s.start, shadow.start, lo), min(s.end, shadow.end, hi)
            if a < b and s.person.id != person.id:
                shifts.append(replace(s, person=person, start=a, end=b, role=Role.SHADOW))
    if plan.hours is not None:
        shifts = _clip(shifts, covered_hours(plan.hours, plan.definition, lo, hi))
    order = {Role.PRIMARY: 0, Role.SECONDARY: 1, Role.SHADOW: 2}
    return sorted(shifts, key=lambda s: (s.start, order[s.role], s.person.id))


def all_shifts(
    plans: tuple[RotationPlan, ...],
    people: Mapping[str, Person],
    since: datetime,
    until: datetime,
) -> list[Shift]:
    """Every plan's shifts in [since, until), by start."""
    out = [s for p in plans for s in plan_shifts(p, people, since, until)]
    return sorted(out, key=lambda s: (s.start, s.out_of_hours, s.rotation))
