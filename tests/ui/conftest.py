"""Shared pieces of the widget tests: a fake SupportControl and a demo-like team.

`FakeControl` implements `traysupport.ui.ports.SupportControl` the way the service
does, on a real `ServiceState` made of real model objects: every action is recorded as
a real `OutboxEntry` (pending), and the test decides how it ends (`confirm`, `fail`),
as the ticket tool would. Nothing is sent anywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    ActionKind,
    Person,
    Priority,
    Role,
    Shift,
    Sla,
    SlaKind,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.ports import SupportControl

NOW = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
"""A Monday morning; every fixture is laid out around it."""

ME = Person("you", "Sam Rivera", "sam.rivera@example.com")
PRIYA = Person("priya", "Priya Natarajan", "priya.natarajan@example.com")
JONAS = Person("jonas", "Jonas Becker", "jonas.becker@example.com")
MEI = Person("mei", "Mei Tanaka", "mei.tanaka@example.com")
ALEX = Person("alex", "Alex Martin", "alex.martin@example.com")
TEAM = (ME, PRIYA, JONAS, MEI, ALEX)

HTML_TITLE = "<b>Checkout</b> returns 500 for EU cards"
SOURCE = "demo"


def _ticket(
    number: int,
    title: str,
    priority: Priority,
    created: timedelta,
    *,
    assignee: Person | None = None,
    status: TicketStatus = TicketStatus.NEW,
    sla: Sla | None = None,
    url: str | None = None,
) -> Ticket:
    return Ticket(
        id=str(number),
        key=f"DEMO-{number}",
        title=title,
        priority=priority,
        status=status,
        created_at=NOW - created,
        source=SOURCE,
        url=f"https://support.example.com/tickets/{number}" if url is None else url,
        assignee=assignee,
        sla=sla,
        acknowledged_at=None,
    )


# Default policy: P1 1 h (warning 15 min before), P2 3 h (45 min), P3 24 h, P4 none.
BREACHED_P1 = _ticket(
    1001, "Payments API returns 502 for every request", Priority.P1, timedelta(minutes=93)
)
"""Created 08:27, due 09:27: breached 33 min ago."""
WARNING_P1 = _ticket(1003, HTML_TITLE, Priority.P1, timedelta(minutes=48), assignee=ME)
"""Created 09:12, due 10:12: 12 min left, past its 09:57 warning."""
OK_P2 = _ticket(
    1002,
    "CSV export times out for accounts with 10k+ invoices",
    Priority.P2,
    timedelta(minutes=30),
    assignee=ME,
)
"""Created 09:30, due 12:30: 2 h 30 min left."""
TOOL_P3 = _ticket(
    1004,
    "Invoice emails show the wrong VAT number",
    Priority.P3,
    timedelta(hours=26),
    assignee=PRIYA,
    status=TicketStatus.IN_PROGRESS,
    sla=Sla(NOW + timedelta(hours=8), SlaKind.RESOLUTION),
)
"""The tool's own resolution deadline, 8 h ahead; it runs on after acknowledgement."""
ACKED_P3 = _ticket(
    1005,
    "Search ignores accents & umlauts",
    Priority.P3,
    timedelta(hours=3),
    assignee=ME,
    status=TicketStatus.ACKNOWLEDGED,
)
"""Acknowledged: its response SLA has stopped."""
FAILED_P3 = _ticket(
    1006, "Refund stuck in 'pending' for a week", Priority.P3, timedelta(hours=2), assignee=ME
)
"""Its hand over failed."""
NO_SLA_P4 = _ticket(
    1007, "Typo in the German password-reset email", Priority.P4, timedelta(days=2), url=""
)
"""P4: no SLA, and no web link."""
TICKETS = (NO_SLA_P4, OK_P2, ACKED_P3, BREACHED_P1, TOOL_P3, WARNING_P1, FAILED_P3)
"""Deliberately not in urgency order."""

DAY = NOW.replace(hour=9)
SHIFTS = (
    Shift(PRIYA, DAY - timedelta(hours=16), DAY, Role.PRIMARY, "support"),
    Shift(ME, DAY, DAY + timedelta(hours=8), Role.PRIMARY, "support"),
    Shift(MEI, DAY, DAY + timedelta(hours=8), Role.SHADOW, "support"),
    Shift(JONAS, DAY + timedelta(hours=8), DAY + timedelta(hours=24), Role.PRIMARY, "support"),
    Shift(ALEX, DAY + timedelta(hours=24), DAY + timedelta(hours=32), Role.PRIMARY, "support"),
)
"""I am primary 09:00-17:00 with Mei shadowing; Jonas takes over at 17:00."""


def action(kind: ActionKind, ticket: Ticket, **extra: object) -> UserAction:
    """A real UserAction by me on *ticket*."""
    return UserAction(
        id=str(uuid.uuid4()),
        kind=kind,
        source=ticket.source,
        ticket_id=ticket.id,
        by=ME.id,
        created_at=NOW - timedelta(minutes=1),
        **extra,  # type: ignore[arg-type]
    )


PENDING_ACK = OutboxEntry(
    action(ActionKind.ACKNOWLEDGE, OK_P2), OutboxState.SENDING, 0, NOW - timedelta(minutes=1)
)
FAILED_HANDOVER = OutboxEntry(
    action(ActionKind.HAND_OVER, FAILED_P3, to=PRIYA.id, note="Customer waits on finance"),
    OutboxState.FAILED,
    1,
    NOW,
    "conflict: ticket was reassigned",
)


def team_state(
    *,
    tickets: tuple[Ticket, ...] = TICKETS,
    outbox: tuple[OutboxEntry, ...] = (PENDING_ACK, FAILED_HANDOVER),
    me: Person | None = ME,
    sources: tuple[SourceStatus, ...] | None = None,
) -> ServiceState:
    """The demo-like team at NOW, every source fresh unless *sources* says otherwise."""
    fresh = (
        SourceStatus("rotation (demo)", ok=True, last_ok_at=NOW),
        SourceStatus("queue (demo)", ok=True, last_ok_at=NOW),
    )
    return ServiceState(
        snapshot=Snapshot(
            taken_at=NOW,
            people=TEAM,
            shifts=SHIFTS,
            tickets=tickets,
            sources=fresh if sources is None else sources,
        ),
        me=me,
        outbox=outbox,
        settings=AlertSettings(),
    )


@dataclass
class FakeControl:
    """A SupportControl on a held ServiceState; records every call."""

    current: ServiceState = field(default_factory=team_state)
    calls: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)

    def state(self) -> ServiceState:
        """The held state."""
        return self.current

    def _record(self, kind: ActionKind, ticket: Ticket, **extra: object) -> UserAction:
        made = action(kind, ticket, **extra)
        entry = OutboxEntry(made, OutboxState.PENDING, 0, made.created_at)
        self.current = replace(self.current, outbox=(*self.current.outbox, entry))
        return made

    def acknowledge(self, ticket: Ticket) -> UserAction:
        """Record an acknowledgement, pending."""
        self.calls.append(("acknowledge", (ticket,)))
        return self._record(ActionKind.ACKNOWLEDGE, ticket)

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        """Record a hand over, pending."""
        self.calls.append(("hand_over", (ticket, to, note)))
        return self._record(ActionKind.HAND_OVER, ticket, to=to.id, note=note)

    def silence(self, ticket: Ticket) -> UserAction:
        """Record a silence, pending."""
        self.calls.append(("silence", (ticket,)))
        return self._record(ActionKind.SILENCE, ticket)

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        """Record a snooze; like the service, it takes effect in the settings at once."""
        self.calls.append(("snooze", (ticket, until)))
        settings = self.current.settings
        snoozed = (*settings.snoozed, (ticket.ref, until))
        self.current = replace(self.current, settings=replace(settings, snoozed=snoozed))
        return action(ActionKind.SNOOZE, ticket, until=until)

    def retry(self, action_id: str) -> None:
        """Put a failed action back to pending."""
        self.calls.append(("retry", (action_id,)))
        self._move(action_id, OutboxState.PENDING, "")

    def dismiss(self, action_id: str) -> None:
        """Drop a failed action, as the service does."""
        self.calls.append(("dismiss", (action_id,)))
        outbox = tuple(
            e for e in self.current.outbox if e.id != action_id or e.state is not OutboxState.FAILED
        )
        self.current = replace(self.current, outbox=outbox)

    def pause(self, until: datetime | None) -> None:
        """Record a pause."""
        self.calls.append(("pause", (until,)))

    def mark_reviewed(self) -> None:
        """Record a review (shown at once, as the home control does)."""
        self.calls.append(("mark_reviewed", ()))
        settings = replace(self.current.settings, reviewed_at=self.current.snapshot.taken_at)
        self.current = replace(self.current, settings=settings)

    def refresh_now(self) -> None:
        """Record a refresh."""
        self.calls.append(("refresh_now", ()))

    # -- what the ticket tool would do -------------------------------------------------

    def confirm(self, action_id: str) -> None:
        """The source confirmed the action: it leaves the outbox."""
        outbox = tuple(e for e in self.current.outbox if e.id != action_id)
        self.current = replace(self.current, outbox=outbox)

    def fail(self, action_id: str, error: str) -> None:
        """The source refused the action."""
        self._move(action_id, OutboxState.FAILED, error)

    def _move(self, action_id: str, state: OutboxState, error: str) -> None:
        outbox = tuple(
            replace(e, state=state, last_error=error) if e.id == action_id else e
            for e in self.current.outbox
        )
        self.current = replace(self.current, outbox=outbox)

    def called(self, name: str) -> list[tuple[object, ...]]:
        """The arguments of every call to *name*, in order."""
        return [args for called, args in self.calls if called == name]


def _typed(control: FakeControl) -> SupportControl:
    # mypy checks here that the fake really implements the protocol.
    return control


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No widget test may read or write the user's real files."""
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def control() -> Iterator[FakeControl]:
    """A fake control on the demo-like team, me primary until 17:00."""
    fake = FakeControl()
    _typed(fake)
    yield fake
