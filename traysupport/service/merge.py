"""The merged view: every source's last good data as one team, one rotation, one queue.

Shifts come from every rotation source (a shift without a rotation name takes its
source's), tickets from every queue source, people from all of them, merged by
`traysupport.service.people`; shift persons and assignees are the merged people, so
the alert rules (which compare person ids) work across tools. Each source has one
status, combined from its parts. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from traysupport.core.model import Person, Shift, SourceStatus, Ticket
from traysupport.service.parts import Part, combined_status, oldest_ok, roles_of
from traysupport.service.people import Roster, merge_people
from traysupport.sources.provider import QUEUE, ROTATION, BuiltSource

PartId = tuple[str, str]
"""(source name, role)."""


@dataclass(frozen=True, slots=True)
class View:
    """What every source's last good data says, merged."""

    roster: Roster
    shifts: tuple[Shift, ...]
    tickets: tuple[Ticket, ...]
    sources: tuple[SourceStatus, ...]
    """One status per source, in the config's order."""
    me: Person | None
    """Who the user is, as a merged person; None until a source says."""


def merge_view(
    sources: Sequence[BuiltSource],
    parts: Mapping[PartId, Part],
    outages: Mapping[str, datetime | None],
    me_hint: str,
) -> View:
    """Merge *parts* of *sources*; *outages* holds, for each source that is down, the
    `last_ok_at` its outage began with (see `parts.combined_status`)."""
    rotations = [parts[(s.name, ROTATION)] for s in sources if (s.name, ROTATION) in parts]
    queues = [parts[(s.name, QUEUE)] for s in sources if (s.name, QUEUE) in parts]
    # Rotation sources first: their people are the ones the user knows from the rota.
    roster = merge_people(
        chain(
            ((p.source, _rotation_people(p)) for p in rotations),
            ((p.source, _queue_people(p)) for p in queues),
        )
    )
    shifts = tuple(roster.shift(p.source, s) for p in rotations for s in p.shifts)
    tickets = tuple(roster.ticket(p.source, t) for p in queues for t in p.tickets)
    statuses = []
    for built in sources:
        own = [parts[(built.name, role)] for role in roles_of(built)]
        outage = outages[built.name] if built.name in outages else oldest_ok(own)
        statuses.append(combined_status(built, own, outage))
    me = _find_me(sources, parts, roster, me_hint)
    return View(roster, shifts, tickets, tuple(statuses), me)


def _rotation_people(part: Part) -> Iterator[Person]:
    yield from part.people
    if part.me is not None:
        yield part.me
    yield from (s.person for s in part.shifts)


def _queue_people(part: Part) -> Iterator[Person]:
    yield from part.people
    yield from (t.assignee for t in part.tickets if t.assignee is not None)
    # Who assigned a ticket is a teammate too: merged, so "assigned by me" is recognised.
    yield from (t.assigned_by for t in part.tickets if t.assigned_by is not None)


def _find_me(
    sources: Sequence[BuiltSource], parts: Mapping[PartId, Part], roster: Roster, me_hint: str
) -> Person | None:
    """The first source, in order, that knows the user: by its `me` (else the top-level
    one) among its own people, else by what it said when asked."""
    for built in sources:
        own = [parts[(built.name, role)] for role in roles_of(built)]
        hint = built.me or me_hint
        if hint:
            people = chain.from_iterable(
                _rotation_people(p) if p.role == ROTATION else _queue_people(p) for p in own
            )
            found = next((p for p in people if p.matches(hint)), None)
        else:
            found = next((p.me for p in own if p.me is not None), None)
        if found is not None:
            return roster.merged(built.name, found)
    return None
