"""On-duty maths: who is on when, my current and next duty, and rotation definitions -> shifts.

"Mine" means shifts whose ``person.id`` is my id. Every instant is normalised to UTC before
it is compared: Python compares two datetimes that share a ``ZoneInfo`` by wall clock,
which is wrong in the repeated hour of a DST change.

Expanding a rotation (``expand``) follows these rules:

- Hand-off ``k`` is at ``handoff_time`` local wall clock in ``tz`` on local date
  ``first + k x period`` (period 1 day or 7 days), where ``first`` is ``start`` for a daily
  rotation and the first ``handoff_weekday`` on/after ``start`` for a weekly one. Hand-off
  ``k`` goes to ``members[k % len(members)]``. Nobody is on before the first hand-off.
- Shifts run from one hand-off to the next, so they are gapless and never overlap, and
  their length follows DST: a weekly shift containing a spring-forward night is 167 h.
- A local hand-off time that does not exist or exists twice is resolved by PEP 495
  ``fold`` as written on ``handoff_time``. With the default ``fold=0`` a time skipped by a
  spring-forward (02:30 in Berlin) falls at the instant it would have had on the old
  offset, i.e. the clocks read 03:30; a time repeated by a fall-back falls at its first
  occurrence. ``fold=1`` picks the other side. ``tz`` must implement PEP 495 (zoneinfo).
- If a zone skips a whole local day (Pacific/Apia, 2011-12-30), that day's hand-off lands
  on the same instant as the next one; the empty turn is dropped, never emitted as a shift.
- An override gives the part of every underlying shift it covers to its person; where
  overrides overlap, the one listed last wins. Overrides outside every shift do nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType
from typing import Final

from traysupport.core.model import Person, Role, Shift, require_aware

ROLE_ORDER: Final[Mapping[Role, int]] = MappingProxyType(
    {Role.PRIMARY: 0, Role.SECONDARY: 1, Role.SHADOW: 2}
)
"""Seniority of roles for sorting: primary < secondary < shadow."""

MAX_EXPAND_SPAN: Final = timedelta(days=2 * 366)
"""The longest window `expand` accepts, so a bad setting cannot ask for centuries."""


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _mine(shifts: Iterable[Shift], me: Person) -> list[Shift]:
    return [s for s in shifts if s.person.id == me.id]


def _covers(shift: Shift, instant: datetime) -> bool:
    return _utc(shift.start) <= instant < _utc(shift.end)


def _by_start(shift: Shift) -> tuple[datetime, int, datetime, str, str]:
    return (
        _utc(shift.start),
        ROLE_ORDER[shift.role],
        _utc(shift.end),
        shift.person.name,
        shift.person.id,
    )


def on_duty(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """Shifts covering *at*, sorted by role, then start, then person name."""
    instant = _utc(at)
    covering = [s for s in shifts if _covers(s, instant)]
    return sorted(
        covering,
        key=lambda s: (ROLE_ORDER[s.role], _utc(s.start), s.person.name, s.person.id),
    )


def current_shift(shifts: Iterable[Shift], me: Person, at: datetime) -> Shift | None:
    """My shift covering *at*; of several, the most senior role (then the earliest start)."""
    instant = _utc(at)
    covering = [s for s in _mine(shifts, me) if _covers(s, instant)]
    return min(
        covering, key=lambda s: (ROLE_ORDER[s.role], _utc(s.start), _utc(s.end)), default=None
    )


def _duty_spans(mine: Iterable[Shift]) -> list[tuple[datetime, datetime]]:
    """My shifts merged where they touch or overlap, in time order."""
    spans: list[tuple[datetime, datetime]] = []
    for shift in sorted(mine, key=_by_start):
        start, end = _utc(shift.start), _utc(shift.end)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def duty_span(
    shifts: Iterable[Shift], me: Person, at: datetime
) -> tuple[datetime, datetime] | None:
    """My continuous duty (UTC) covering *at*: back-to-back and overlapping shifts merged."""
    instant = _utc(at)
    spans = _duty_spans(_mine(shifts, me))
    return next(((a, b) for a, b in spans if a <= instant < b), None)


def next_shift(shifts: Iterable[Shift], me: Person, at: datetime) -> Shift | None:
    """My earliest shift starting after *at* that does not just continue my current duty."""
    mine = _mine(shifts, me)
    span = duty_span(mine, me, at)
    # Every shift of mine starting up to the end of the span is merged into it.
    horizon = _utc(at) if span is None else span[1]
    later = [s for s in mine if _utc(s.start) > horizon]
    return min(later, key=_by_start, default=None)


def my_future_shifts(shifts: Iterable[Shift], me: Person, at: datetime) -> list[Shift]:
    """My shifts that end after *at*, sorted by start."""
    instant = _utc(at)
    return sorted((s for s in _mine(shifts, me) if _utc(s.end) > instant), key=_by_start)


def _handover_instant(shifts: tuple[Shift, ...], me: Person, at: datetime) -> datetime:
    """When my duty ends: the current span's end, else my next span's end, else *at*."""
    span = duty_span(shifts, me, at)
    if span is None:
        upcoming = next_shift(shifts, me, at)
        if upcoming is not None:
            span = duty_span(shifts, me, upcoming.start)
    return _utc(at) if span is None else span[1]


def next_after(shifts: Iterable[Shift], me: Person, at: datetime) -> Person | None:
    """The default handover recipient: whoever (not me) is next on primary when my duty ends.

    The hand-over instant is the end of my duty span covering *at*, else of my next one,
    else *at* itself. A shift already running at that instant counts as starting then, so a
    colleague whose shift overlaps mine is preferred to one who comes on later; of shifts
    on from that instant, the one lasting longest after it wins, then the senior role, then
    the name. Without any primary shift the same is asked of any role; None when nobody
    else is on at/after the hand-over.
    """
    everyone = tuple(shifts)
    handover = _handover_instant(everyone, me, at)
    others = [s for s in everyone if s.person.id != me.id and _utc(s.end) > handover]
    pool = [s for s in others if s.role == Role.PRIMARY] or others
    best = min(
        pool,
        key=lambda s: (
            max(_utc(s.start), handover),
            handover - _utc(s.end),
            ROLE_ORDER[s.role],
            s.person.name,
            s.person.id,
        ),
        default=None,
    )
    return None if best is None else best.person


class Turn(StrEnum):
    """How often a rotation hands off."""

    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Override:
    """A swap or cover: `person_id` takes over whoever is on duty in [start, end)."""

    person_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "Override.start")
        require_aware(self.end, "Override.end")
        if _utc(self.end) <= _utc(self.start):
            raise ValueError(f"override must end after it starts: {self.start} .. {self.end}")


@dataclass(frozen=True, slots=True)
class RotationDefinition:
    """A repeating rotation: members take turns, handing off at a local wall-clock time.

    `start` is keyword-only (it has no sensible default): the first hand-off on/after that
    date goes to ``members[0]``.
    """

    name: str
    members: tuple[str, ...]
    turn: Turn = Turn.WEEKLY
    handoff_weekday: int = 0
    handoff_time: time = time(9, 0)
    tz: tzinfo = UTC
    start: date = field(kw_only=True)
    role: Role = Role.PRIMARY
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.members, str) or not self.members:
            raise ValueError(f"rotation {self.name!r} needs at least one member id")
        Turn(self.turn)  # raises ValueError for an unknown turn
        if self.handoff_weekday not in range(7):
            raise ValueError(
                f"rotation {self.name!r}: handoff_weekday must be 0 (Monday) .. 6, "
                f"got {self.handoff_weekday}"
            )
        if self.handoff_time.tzinfo is not None:
            raise ValueError(
                f"rotation {self.name!r}: handoff_time is a local wall-clock time in tz; "
                "give it without a tzinfo"
            )

    @property
    def first_handoff(self) -> date:
        """The local date of the first hand-off (to ``members[0]``)."""
        if self.turn == Turn.DAILY:
            return self.start
        return self.start + timedelta(days=(self.handoff_weekday - self.start.weekday()) % 7)

    @property
    def period_days(self) -> int:
        """Days between hand-offs."""
        return 1 if self.turn == Turn.DAILY else 7

    def handoff(self, k: int) -> datetime:
        """The UTC instant of hand-off number *k* (0 is the first)."""
        day = self.first_handoff + timedelta(days=k * self.period_days)
        return datetime.combine(day, self.handoff_time, tzinfo=self.tz).astimezone(UTC)


def _cast(defn: RotationDefinition, people: Mapping[str, Person]) -> dict[str, Person]:
    """Every person the rotation names, by id; ValueError naming any id not in *people*."""
    wanted = [*defn.members, *(o.person_id for o in defn.overrides)]
    unknown = [pid for pid in dict.fromkeys(wanted) if pid not in people]
    if unknown:
        names = ", ".join(repr(pid) for pid in unknown)
        raise ValueError(f"rotation {defn.name!r} names unknown person id(s): {names}")
    return {pid: people[pid] for pid in wanted}


def _turns(
    defn: RotationDefinition, cast: Mapping[str, Person], since: datetime, until: datetime
) -> list[Shift]:
    """The rotation's own shifts (no overrides) overlapping [since, until)."""
    local_since = since.astimezone(defn.tz).date()
    # Jump straight to the turn covering `since`; two turns of margin absorb the gap
    # between the UTC instant and its local date, even where a zone skips a day.
    k = max(0, (local_since - defn.first_handoff).days // defn.period_days - 2)
    turns: list[Shift] = []
    start = defn.handoff(k)
    while start < until:
        end = defn.handoff(k + 1)
        if end > start and end > since:
            person = cast[defn.members[k % len(defn.members)]]
            turns.append(Shift(person, start, end, defn.role, defn.name))
        start = max(start, end)
        k += 1
    return turns


def _split(
    shift: Shift, overrides: tuple[Override, ...], cast: Mapping[str, Person]
) -> list[Shift]:
    """*shift* with each part an override covers given to that override's person."""
    touching = [o for o in overrides if _utc(o.start) < shift.end and _utc(o.end) > shift.start]
    if not touching:
        return [shift]
    cuts = {shift.start, shift.end}
    for o in touching:
        cuts.update(min(max(_utc(t), shift.start), shift.end) for t in (o.start, o.end))
    bounds = sorted(cuts)
    pieces: list[tuple[datetime, datetime, Person]] = []
    for a, b in pairwise(bounds):
        # The last override listed wins where several cover the same time.
        owner = next(
            (cast[o.person_id] for o in reversed(touching) if _utc(o.start) <= a < _utc(o.end)),
            shift.person,
        )
        if pieces and pieces[-1][2].id == owner.id:
            pieces[-1] = (pieces[-1][0], b, owner)
        else:
            pieces.append((a, b, owner))
    return [replace(shift, person=p, start=a, end=b) for a, b, p in pieces]


def expand(
    defn: RotationDefinition,
    people: Mapping[str, Person],
    since: datetime,
    until: datetime,
) -> list[Shift]:
    """The rotation's shifts (UTC, by start) overlapping [since, until), overrides applied.

    Raises ValueError for a member or override id missing from *people*, for an inverted
    window, and for a window longer than `MAX_EXPAND_SPAN`.
    """
    require_aware(since, "since")
    require_aware(until, "until")
    lo, hi = _utc(since), _utc(until)
    if hi < lo:
        raise ValueError(f"window ends before it starts: {since} .. {until}")
    if hi - lo > MAX_EXPAND_SPAN:
        raise ValueError(
            f"window {since} .. {until} is longer than {MAX_EXPAND_SPAN.days} days; ask for less"
        )
    cast = _cast(defn, people)
    if hi == lo:
        return []
    pieces = [p for s in _turns(defn, cast, lo, hi) for p in _split(s, defn.overrides, cast)]
    return [p for p in pieces if p.start < hi and p.end > lo]
