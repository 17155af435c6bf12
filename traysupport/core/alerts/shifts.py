"""The shift_changed rule: my shifts added, removed or moved between two trusted snapshots."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import chain

from traysupport.core.alerts.context import Candidate, Context, role_text, utc, when
from traysupport.core.model import Alert, AlertKind, Person, Shift, Snapshot, SourceStatus
from traysupport.core.rotation import my_future_shifts

_CHANGES_SHOWN = 5
ROTATION = "rotation"
"""The role of a source that serves shifts (`SourceStatus.roles`)."""


def serves_rotation(source: SourceStatus) -> bool:
    """True when *source* serves shifts (a status without roles may: it predates them)."""
    return not source.roles or ROTATION in source.roles


def rotation_ok(snapshot: Snapshot) -> bool:
    """True when every source serving shifts was read: the snapshot's shifts are whole.

    Queue-only sources do not count: their health says nothing about the shifts, and a
    down ticket queue must not delay or hide a shift change.
    """
    rotation = [s for s in snapshot.sources if serves_rotation(s)]
    return bool(rotation) and all(s.ok for s in rotation)


def _trustworthy(previous: Snapshot, current: Snapshot) -> bool:
    """Both snapshots' shifts can be compared: same rotation sources, all of them ok.

    A rotation source that is down or new would make its shifts look removed or added.
    """
    names_before = {s.name for s in previous.sources if serves_rotation(s)}
    names_now = {s.name for s in current.sources if serves_rotation(s)}
    every = chain(previous.sources, current.sources)
    return names_before == names_now and all(s.ok for s in every if serves_rotation(s))


def _horizon(snapshot: Snapshot) -> datetime | None:
    return max((utc(s.end) for s in snapshot.shifts), default=None)


def _identity(shift: Shift) -> str:
    return f"{shift.key}|{utc(shift.end).isoformat()}"


def _compared(snapshot: Snapshot, me: Person, at: datetime, horizon: datetime) -> dict[str, Shift]:
    shifts = my_future_shifts(snapshot.shifts, me, at)
    return {_identity(s): s for s in shifts if utc(s.start) < horizon}


def shift_changed(previous: Snapshot | None, ctx: Context) -> Iterator[Candidate]:
    current, me = ctx.snapshot, ctx.me
    if previous is None or me is None or not _trustworthy(previous, current):
        return
    horizons = [h for h in (_horizon(previous), _horizon(current)) if h is not None]
    if not horizons:
        return
    at, horizon = utc(current.taken_at), min(horizons)
    before = _compared(previous, me, at, horizon)
    after = _compared(current, me, at, horizon)
    removed = [before[k] for k in sorted(before.keys() - after.keys())]
    added = [after[k] for k in sorted(after.keys() - before.keys())]
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
    return f"{when(shift.start, ctx)} to {when(shift.end, ctx)}"


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
