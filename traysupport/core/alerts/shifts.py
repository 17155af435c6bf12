"""The shift_changed rule: my shifts added, removed or moved between two trusted snapshots."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime

from traysupport.core.alerts.context import Candidate, Context, role_text, span_text, utc
from traysupport.core.model import Alert, AlertKind, Person, Shift, Snapshot, SourceStatus
from traysupport.core.rotation import my_future_shifts

_CHANGES_SHOWN = 5
ROTATION = "rotation"
"""The role of a source that serves shifts (`SourceStatus.roles`)."""


def serves_rotation(source: SourceStatus) -> bool:
    """True when *source* serves shifts (a status without roles may: it predates them)."""
    return not source.roles or ROTATION in source.roles


def _comparable(previous: Snapshot, current: Snapshot) -> frozenset[str]:
    """The rotation sources whose shifts can be compared: ok in both snapshots.

    A source down in either, new, or removed would make its shifts look removed or
    added; it is left out, and the others are compared without waiting for it.
    """

    def ok(snapshot: Snapshot) -> set[str]:
        return {s.name for s in snapshot.sources if serves_rotation(s) and s.ok}

    return frozenset(ok(previous) & ok(current))


def _by_source(snapshot: Snapshot) -> dict[str, list[Shift]]:
    """The snapshot's shifts by the rotation source they came from.

    A shift saved before shifts named their source belongs to the one rotation source
    when there is one, and to none (not compared) otherwise.
    """
    rotation = [s.name for s in snapshot.sources if serves_rotation(s)]
    sole = rotation[0] if len(rotation) == 1 else ""
    grouped: dict[str, list[Shift]] = {}
    for shift in snapshot.shifts:
        grouped.setdefault(shift.source or sole, []).append(shift)
    return grouped


def advance_trusted(trusted: Snapshot | None, current: Snapshot) -> Snapshot:
    """The baseline the next shift comparison starts from: for each rotation source ok in
    *current*, its status and shifts there; for one that is down, what *trusted* had.
    Tickets and the other sources' statuses are *current*'s.

    So one rotation source that is down holds back only its own shift changes (told
    when it answers again), not the others'.
    """
    if trusted is None:
        return current
    ok_now = {s.name for s in current.sources if serves_rotation(s) and s.ok}
    kept = _by_source(trusted)
    fresh = _by_source(current)
    statuses = [s for s in current.sources if s.name in ok_now or not serves_rotation(s)]
    statuses += [s for s in trusted.sources if serves_rotation(s) and s.name not in ok_now and s.ok]
    names = {s.name for s in statuses if serves_rotation(s)}
    shifts = [
        shift for name in names for shift in (fresh if name in ok_now else kept).get(name, [])
    ]
    return Snapshot(
        current.taken_at, current.people, tuple(shifts), current.tickets, tuple(statuses)
    )


def _horizon(shifts: Sequence[Shift]) -> datetime | None:
    return max((utc(s.end) for s in shifts), default=None)


def _identity(shift: Shift) -> str:
    return f"{shift.key}|{utc(shift.end).isoformat()}"


def _compared(
    shifts: Sequence[Shift], me: Person, at: datetime, horizon: datetime
) -> dict[str, Shift]:
    mine = my_future_shifts(shifts, me, at)
    return {_identity(s): s for s in mine if utc(s.start) < horizon}


def _changes(
    previous: Snapshot, current: Snapshot, me: Person, at: datetime
) -> tuple[list[Shift], list[Shift]]:
    """My shifts removed and added, source by source, within each source's horizon."""
    before_all, after_all = _by_source(previous), _by_source(current)
    removed: list[Shift] = []
    added: list[Shift] = []
    for name in sorted(_comparable(previous, current)):
        before_shifts, after_shifts = before_all.get(name, []), after_all.get(name, [])
        horizons = [h for h in (_horizon(before_shifts), _horizon(after_shifts)) if h]
        if not horizons:
            continue
        horizon = min(horizons)
        before = _compared(before_shifts, me, at, horizon)
        after = _compared(after_shifts, me, at, horizon)
        removed += [before[k] for k in sorted(before.keys() - after.keys())]
        added += [after[k] for k in sorted(after.keys() - before.keys())]
    return removed, added


def shift_changed(previous: Snapshot | None, ctx: Context) -> Iterator[Candidate]:
    current, me = ctx.snapshot, ctx.me
    if previous is None or me is None:
        return
    at = utc(current.taken_at)
    removed, added = _changes(previous, current, me, at)
    if not removed and not added:
        return
    changed = sorted([f"-{_identity(s)}" for s in removed] + [f"+{_identity(s)}" for s in added])
    digest = hashlib.sha256("\n".join(changed).encode()).hexdigest()[:16]
    lines = _change_lines(removed, added, ctx)
    shown = lines[:_CHANGES_SHOWN]
    if len(lines) > _CHANGES_SHOWN:
        shown.append(f"and {len(lines) - _CHANGES_SHOWN} more")
    alert = Alert(
        key=f"shift_changed|{me.id}|{digest}",
        kind=AlertKind.SHIFT_CHANGED,
        title="Your shifts changed",
        body="\n".join(shown),
        subject=(removed + added)[0].key,
    )
    yield Candidate(alert, at)


def _shift_text(shift: Shift, ctx: Context) -> str:
    return span_text(shift.start, shift.end, ctx)


def _change_lines(removed: Sequence[Shift], added: Sequence[Shift], ctx: Context) -> list[str]:
    """One line per change; a removed and an added shift of the same role read as a move."""
    by_start = sorted(added, key=lambda s: utc(s.start))
    unmatched = list(by_start)
    lines: list[str] = []
    for old in sorted(removed, key=lambda s: utc(s.start)):
        new = next((s for s in unmatched if s.role is old.role), None)
        if new is None:
            lines.append(f"Removed: {role_text(old)} {_shift_text(old, ctx)}")
            continue
        unmatched.remove(new)
        moved = f"{_shift_text(old, ctx)} → {_shift_text(new, ctx)}"
        lines.append(f"Moved: {role_text(old)} {moved}")
    lines.extend(f"Added: {role_text(s)} {_shift_text(s, ctx)}" for s in unmatched)
    return lines
