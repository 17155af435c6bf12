"""The people of every source as one team, and each source's own view of them.

Each tool names people its own way (PagerDuty "PXYZ123", Zendesk 361843, the team API
"priya"). The alert rules compare person ids, and the user hands a ticket over to a
teammate picked from one list; so the people of all sources are merged into one
`Roster`: a person is matched by email (case-insensitive), then by name, and the merged
person is the first one seen (rotation sources first, in the config's order). Each
source's own person is kept, so an action sent to a source names people with its ids.

No I/O here: `merge_people` takes what the sources gave and returns the roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from traysupport.core.model import Person, Shift, Ticket


@dataclass(slots=True)
class _Group:
    """One merged person: the first seen, and each source's own record of them."""

    merged: Person
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    members: dict[str, Person] = field(default_factory=dict)
    """Source name → that source's person."""

    def takes(self, source: str, email: str) -> bool:
        """Whether a person of *source* with *email* may join (by name) this group."""
        # One group holds one person per source: two people of one tool are two people.
        # Two known, different emails are two people, whatever their names say.
        return source not in self.members and not (
            email and self.emails and email not in self.emails
        )


@dataclass(frozen=True, slots=True)
class Roster:
    """The merged team, and the way between each source's people and the merged ones."""

    people: tuple[Person, ...] = ()
    """Every person once, as first seen (the list the user picks a recipient from)."""
    _merged: Mapping[tuple[str, str], Person] = field(default_factory=dict)
    """(source, the source's person id) → the merged person."""
    _own: Mapping[tuple[str, str], Person] = field(default_factory=dict)
    """(source, merged person id) → the source's own person."""

    def merged(self, source: str, person: Person) -> Person:
        """*person*, as *source* gave them, as the merged person (themselves if unknown)."""
        return self._merged.get((source, person.id), person)

    def own(self, source: str, person_id: str) -> Person | None:
        """The merged person *person_id* as *source* knows them; None if it does not."""
        return self._own.get((source, person_id))

    def person(self, person_id: str) -> Person | None:
        """The merged person with this id."""
        return next((p for p in self.people if p.id == person_id), None)

    def shift(self, source: str, shift: Shift) -> Shift:
        """*shift* of *source* with its person merged, its rotation named, and its source."""
        person = self.merged(source, shift.person)
        rotation = shift.rotation or source
        if person is shift.person and rotation == shift.rotation and shift.source == source:
            return shift  # most shifts: no copy (a view is built after every change)
        return replace(shift, person=person, rotation=rotation, source=source)

    def ticket(self, source: str, ticket: Ticket) -> Ticket:
        """*ticket* of *source* with its assignee, and who assigned it, merged."""
        assignee, by = ticket.assignee, ticket.assigned_by
        merged = None if assignee is None else self.merged(source, assignee)
        merged_by = None if by is None else self.merged(source, by)
        if merged is assignee and merged_by is by:
            return ticket  # most tickets: no copy
        return replace(ticket, assignee=merged, assigned_by=merged_by)


def merge_people(known: Iterable[tuple[str, Iterable[Person]]]) -> Roster:
    """Merge the people each source knows, given as (source name, people) in order.

    A person joins the first group with the same email, else the first with the same
    name whose email does not differ; else they start a group. A merged id another
    group already uses is prefixed with the source's name ("ops:you"), so that two
    different people never share an id.
    """
    groups: list[_Group] = []
    by_email: dict[str, _Group] = {}
    by_name: dict[str, list[_Group]] = {}
    ids: set[str] = set()
    merged: dict[tuple[str, str], Person] = {}
    own: dict[tuple[str, str], Person] = {}
    for source, people in known:
        for person in people:
            if (source, person.id) in merged:
                continue  # the same person listed twice by one source: the first counts
            email, name = _fold(person.email), _fold(person.name)
            group = _find(source, email, name, by_email, by_name)
            if group is None:
                group = _Group(_unique_id(person, source, ids))
                groups.append(group)
            group.members[source] = person
            if email:
                group.emails.add(email)
                by_email.setdefault(email, group)
            if name and name not in group.names:
                group.names.add(name)
                by_name.setdefault(name, []).append(group)
            merged[(source, person.id)] = group.merged
            own[(source, group.merged.id)] = person
    return Roster(tuple(g.merged for g in groups), merged, own)


def _find(
    source: str,
    email: str,
    name: str,
    by_email: Mapping[str, _Group],
    by_name: Mapping[str, list[_Group]],
) -> _Group | None:
    if email:
        group = by_email.get(email)
        if group is not None and source not in group.members:
            return group
    if name:
        return next((g for g in by_name.get(name, ()) if g.takes(source, email)), None)
    return None


def _unique_id(person: Person, source: str, ids: set[str]) -> Person:
    """*person*, with an id no merged person has yet."""
    candidate, n = person.id, 1
    while candidate in ids:
        n += 1
        candidate = f"{source}:{person.id}" if n == 2 else f"{source}:{person.id}:{n}"
    ids.add(candidate)
    return person if candidate == person.id else replace(person, id=candidate)


def _fold(text: str) -> str:
    return text.strip().casefold()
