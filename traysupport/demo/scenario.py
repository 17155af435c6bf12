"""The demo team's state: its rotation and queue, played along the script by a clock.

Pure: no I/O, and the only clock is the one injected. Every scripted or random event
sits at a fixed offset in *scenario seconds* and happens at the real instant
``start + offset / speed``; events are materialised lazily, on the first call that sees
the clock past them. So the state depends only on the seed, the clock's readings and the
user's own actions, never on how often anyone asks, which makes tests deterministic.

The methods answer in the wire shapes of docs/team-api.md and raise `DemoError` with
the status the contract gives (both in `shapes`).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from traysupport.core.model import Person, Priority, Role, Shift, TicketStatus, require_aware
from traysupport.demo.script import (
    ARRIVAL_GAP,
    LIFE_STARTS_AT,
    ME,
    OLD_P3_TITLE,
    OLD_P4_TITLE,
    P1_AT,
    P1_TITLE,
    P1_WARNING_AT,
    P1_WARNING_LEAD,
    P2_AT,
    P2_TITLE,
    PRIORITIES,
    PRIORITY_WEIGHTS,
    ROTATION,
    SHIFT_SECONDS,
    TEAM,
    TEAMMATE_GAP,
    TEAMMATES,
    TITLES,
    UNATTENDED_AFTER,
    YOUR_SHIFT_AT,
)
from traysupport.demo.shapes import (
    DemoError,
    DemoNote,
    DemoTicket,
    JsonObject,
    decode_cursor,
    encode_cursor,
    iso,
    person_json,
    shift_json,
    ticket_json,
)

MAX_SPEED: Final = 100.0
"""Faster makes a 14-day window tens of thousands of shifts."""
MAX_SHIFT_WINDOW: Final = timedelta(days=16)
"""Longer /shifts windows are cut to this; the app's (a day back, 14 ahead) fits."""
_FIRST_ID: Final = 1001
# Closed tickets are kept (for their page, and for 409 rather than 404) up to this many.
_CLOSED_KEPT: Final = 5000


@dataclass(frozen=True, slots=True)
class _Arrival:
    title: str
    priority: Priority
    sla_due_at: datetime | None = None
    live: bool = False
    """A live arrival schedules the next one when it happens."""


@dataclass(frozen=True, slots=True)
class _TeammateTurn:
    # Drawn when the turn is scheduled, not when it happens, so the random stream does
    # not depend on the queue (which the user's actions change).
    pick: float
    helper: float


def _person(person_id: str, what: str) -> Person:
    found = next((p for p in TEAM if p.id == person_id), None)
    if found is None:
        raise DemoError(422, f"{what}: no person {person_id!r} on the demo team")
    return found


class DemoTeam:
    """The demo team's rotation and queue, driven by *clock* along the scripted timeline."""

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        seed: int = 7,
        *,
        clock: Callable[[], datetime],
        page_size: int = 50,
    ) -> None:
        require_aware(start, "DemoTeam start")
        if not 0.0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be above 0 and at most {MAX_SPEED:g}, got {speed}")
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self.start = start.astimezone(UTC)
        self.speed = float(speed)
        self.seed = seed
        self.page_size = page_size
        self.site_url = "http://127.0.0.1"
        """Where the ticket pages live; the server sets it once it knows its port."""
        self._clock = clock
        self._open: dict[str, DemoTicket] = {}
        self._closed: dict[str, DemoTicket] = {}
        self._next_id = _FIRST_ID
        self._events: list[tuple[float, int, _Arrival | _TeammateTurn]] = []
        self._event_seq = 0
        # One stream per kind of event, so adding a draw to one never shifts the other.
        self._arrival_rng = random.Random(f"traysupport-demo-arrivals-{seed}")
        self._teammate_rng = random.Random(f"traysupport-demo-teammates-{seed}")
        self._open_old_tickets()
        self._schedule_script()

    def instant(self, offset: float) -> datetime:
        """The real instant of scenario offset *offset* (seconds)."""
        return self.start + timedelta(seconds=offset / self.speed)

    def offset(self, instant: datetime) -> float:
        """The scenario offset (seconds) of the real *instant*."""
        return (instant - self.start).total_seconds() * self.speed

    # -- the wire answers ---------------------------------------------------------------

    def me(self) -> JsonObject:
        """GET /me: the demo user."""
        return person_json(ME)

    def people(self) -> JsonObject:
        """GET /people: the whole team."""
        return {"people": [person_json(p) for p in TEAM]}

    def shifts(self, since: datetime, until: datetime) -> JsonObject:
        """GET /shifts: shifts overlapping [since, until), the window cut to 16 days."""
        require_aware(since, "since")
        require_aware(until, "until")
        if until < since:
            raise DemoError(400, "until must not be before since")
        until = min(until, since + MAX_SHIFT_WINDOW)
        first = math.floor((self.offset(since) - YOUR_SHIFT_AT) / SHIFT_SECONDS)
        last = math.ceil((self.offset(until) - YOUR_SHIFT_AT) / SHIFT_SECONDS)
        found = [
            shift
            for slot in range(first - 1, last + 1)
            for shift in self._slot_shifts(slot)
            if shift.start < until and shift.end > since
        ]
        return {"shifts": [shift_json(s) for s in found]}

    def tickets(self, cursor: str | None = None) -> JsonObject:
        """GET /tickets: one page of open tickets in id order, with the next page's cursor."""
        self._advance()
        after = decode_cursor(cursor) if cursor else 0
        rest = [t for t in self._open.values() if int(t.id) > after]
        page = rest[: self.page_size]
        more = len(rest) > self.page_size
        return {
            "tickets": [ticket_json(t, self.site_url) for t in page],
            "next": encode_cursor(page[-1].id) if more else None,
        }

    def ticket(self, ticket_id: str) -> JsonObject:
        """One ticket, open or closed, with an extra "closed_at" (for its web page)."""
        self._advance()
        found = self._open.get(ticket_id) or self._closed.get(ticket_id)
        if found is None:
            raise DemoError(404, f"no ticket {ticket_id}")
        closed = None if found.closed_at is None else iso(found.closed_at)
        return {**ticket_json(found, self.site_url), "closed_at": closed}

    def acknowledge(self, ticket_id: str, by: str = ME.id) -> JsonObject:
        """POST /tickets/{id}/acknowledge; acknowledging twice changes nothing more."""
        now = self._advance()
        ticket = self._open_ticket(ticket_id)
        person = _person(by, "by")
        self._acknowledge(ticket, person.id, now)
        return ticket_json(ticket, self.site_url)

    def hand_over(self, ticket_id: str, to: str, note: str = "", by: str = ME.id) -> JsonObject:
        """POST /tickets/{id}/handover: reassign to *to* and keep *note* on the ticket."""
        now = self._advance()
        ticket = self._open_ticket(ticket_id)
        recipient = _person(to, "to")
        author = _person(by, "by")
        ticket.assignee_id = recipient.id
        if note.strip():
            ticket.notes.append(DemoNote(author.id, now, note))
        return ticket_json(ticket, self.site_url)

    # -- rotation -------------------------------------------------------------------------

    def _slot_shifts(self, slot: int) -> list[Shift]:
        """The shifts of hour-long slot *slot*; slot 0 is the user's first shift."""
        start = self.instant(YOUR_SHIFT_AT + slot * SHIFT_SECONDS)
        end = self.instant(YOUR_SHIFT_AT + (slot + 1) * SHIFT_SECONDS)
        if slot < 0:
            # The user joins the rotation today: before their first shift only the
            # teammates took turns, so "you" are never on duty before +20.
            primary = TEAMMATES[slot % len(TEAMMATES)]
            return [Shift(primary, start, end, Role.PRIMARY, ROTATION)]
        primary = TEAM[slot % len(TEAM)]
        shifts = [Shift(primary, start, end, Role.PRIMARY, ROTATION)]
        if primary is ME:
            # The next one up rides along to learn the ropes.
            shadow = TEAM[(slot + 1) % len(TEAM)]
            shifts.append(Shift(shadow, start, end, Role.SHADOW, ROTATION))
        return shifts

    # -- queue ----------------------------------------------------------------------------

    def _open_old_tickets(self) -> None:
        working = self._add_ticket(-7200.0, OLD_P3_TITLE, 3)
        working.status = TicketStatus.IN_PROGRESS
        working.assignee_id = "jonas"
        working.acknowledged_by = "jonas"
        working.acknowledged_at = self.instant(-6600.0)
        self._add_ticket(-18000.0, OLD_P4_TITLE, 4)

    def _schedule_script(self) -> None:
        p2 = _Arrival(P2_TITLE, Priority.P2)
        self._push(P2_AT, p2)
        due = self.instant(P1_WARNING_AT) + P1_WARNING_LEAD
        self._push(P1_AT, _Arrival(P1_TITLE, Priority.P1, due))
        self._schedule_arrival(LIFE_STARTS_AT)
        self._schedule_turn(LIFE_STARTS_AT)

    def _push(self, offset: float, event: _Arrival | _TeammateTurn) -> None:
        # The sequence number breaks ties in scheduling order and keeps events uncompared.
        heapq.heappush(self._events, (offset, self._event_seq, event))
        self._event_seq += 1

    def _schedule_arrival(self, after: float) -> None:
        rng = self._arrival_rng
        at = after + rng.randint(*ARRIVAL_GAP)
        title = rng.choice(TITLES)
        priority = rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0]
        self._push(at, _Arrival(title, priority, live=True))

    def _schedule_turn(self, after: float) -> None:
        rng = self._teammate_rng
        at = after + rng.randint(*TEAMMATE_GAP)
        self._push(at, _TeammateTurn(pick=rng.random(), helper=rng.random()))

    def _advance(self) -> datetime:
        """Let everything due by now happen, in order; return the now it used."""
        now = self._clock()
        while self._events and self.instant(self._events[0][0]) <= now:
            offset, _, event = heapq.heappop(self._events)
            if isinstance(event, _Arrival):
                ticket = self._add_ticket(offset, event.title, event.priority)
                ticket.sla_due_at = event.sla_due_at
                if event.live:
                    self._schedule_arrival(offset)
            else:
                self._take_turn(offset, event)
                self._schedule_turn(offset)
        return now

    def _add_ticket(self, offset: float, title: str, priority: int) -> DemoTicket:
        ticket_id = str(self._next_id)
        self._next_id += 1
        created = self.instant(offset)
        ticket = DemoTicket(ticket_id, title, Priority(priority), offset, created)
        self._open[ticket_id] = ticket
        return ticket

    def _take_turn(self, offset: float, turn: _TeammateTurn) -> None:
        """A teammate moves one ticket that is not the user's a step on: ack, work, close."""
        eligible = [
            t
            for t in self._open.values()
            if t.assignee_id != ME.id
            and (t.assignee_id is not None or offset - t.created_offset >= UNATTENDED_AFTER)
        ]
        if not eligible:
            return
        ticket = eligible[int(turn.pick * len(eligible))]
        when = self.instant(offset)
        if ticket.status is TicketStatus.NEW:
            helper = TEAMMATES[int(turn.helper * len(TEAMMATES))]
            self._acknowledge(ticket, ticket.assignee_id or helper.id, when)
        elif ticket.status is TicketStatus.ACKNOWLEDGED:
            ticket.status = TicketStatus.IN_PROGRESS
        else:
            ticket.closed_at = when
            self._closed[ticket.id] = self._open.pop(ticket.id)
            if len(self._closed) > _CLOSED_KEPT:
                del self._closed[next(iter(self._closed))]

    @staticmethod
    def _acknowledge(ticket: DemoTicket, by: str, when: datetime) -> None:
        # Whoever acknowledges an unassigned ticket takes it; a second acknowledgement
        # keeps the first one's time and author.
        if ticket.status is TicketStatus.NEW:
            ticket.status = TicketStatus.ACKNOWLEDGED
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = when
            ticket.acknowledged_by = by
        if ticket.assignee_id is None:
            ticket.assignee_id = by

    def _open_ticket(self, ticket_id: str) -> DemoTicket:
        ticket = self._open.get(ticket_id)
        if ticket is not None:
            return ticket
        if ticket_id in self._closed:
            raise DemoError(409, f"ticket DEMO-{ticket_id} is closed")
        raise DemoError(404, f"no open ticket {ticket_id}")
