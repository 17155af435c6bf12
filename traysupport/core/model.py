"""Domain values of a support rotation: people, shifts, tickets, SLAs, snapshots, alerts.

Everything here is a frozen, slotted dataclass or an enum. Datetimes are always
timezone-aware (UTC inside) and within `EARLIEST`..`LATEST`; constructors reject naive
ones and ones out of range, so a missing zone or an impossible time is caught where the
value is made, not deep in the SLA maths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Final

EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(3000, 1, 1, tzinfo=UTC)
"""EARLIEST..LATEST is the supported range of every time a model value holds (inclusive).

datetime itself spans years 1..9999, and a server may send either end ("never" as
9999-12-31). The core adds to and subtracts from model times — SLA targets (at most a
year, config_schema.py), warning leads (at most the target), duty reminders (at most a
week) and the evening before, shift-ending leads and breach repeats (a day), rotation
windows (two years, core/rotation.py), local zones (a day either way) — so a time near
datetime's ends overflows there. Holding model times to 1900..3000 leaves centuries of
margin either side, so no sum the core does can overflow. Parsers clamp or refuse
times outside it (sources/parse.py); saved values outside it do not decode (codec.py).
"""


def is_open_start(instant: datetime) -> bool:
    """True when *instant* stands for "no start" (`EARLIEST`): a permanent on-call's
    start, as parsers hold a missing one (PagerDuty's null); never shown as a date."""
    return instant <= EARLIEST


def is_open_end(instant: datetime) -> bool:
    """True when *instant* stands for "no end" (`LATEST`): an on-call that never ends,
    as parsers hold a missing end (PagerDuty's null); never shown as a date."""
    return instant >= LATEST


_RANGE_TEXT = f"{EARLIEST:%Y-%m-%d}..{LATEST:%Y-%m-%d} UTC"


def require_aware(value: datetime | None, what: str) -> None:
    """Raise ValueError when *value* is a naive datetime."""
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


def _utc_fields(obj: object, *names: str) -> None:
    """Check that the named datetime fields are aware and in range, and store them in UTC.

    Python compares and subtracts two datetimes of the same ZoneInfo by wall clock,
    which is wrong across a DST change; keeping UTC inside avoids that everywhere. The
    range check (see `LATEST`) keeps every sum the core does on these times finite.
    """
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        if value.tzinfo is not UTC:  # UTC is the common case: 10,000 tickets per poll
            require_aware(value, f"{type(obj).__name__}.{name}")
            try:
                value = value.astimezone(UTC)
            except OverflowError:  # 9999-12-31T23:00-05:00 has no UTC datetime
                raise _out_of_range(obj, name) from None
            object.__setattr__(obj, name, value)
        if not EARLIEST <= value <= LATEST:
            raise _out_of_range(obj, name)


def _out_of_range(obj: object, name: str) -> ValueError:
    # The value is not quoted: the message may reach a log (codec, keep_valid).
    return ValueError(f"{type(obj).__name__}.{name} is outside the supported range {_RANGE_TEXT}")


class Role(StrEnum):
    """What a person does on a shift."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SHADOW = "shadow"


class Priority(IntEnum):
    """Ticket priority; a lower number is more urgent."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4

    @property
    def label(self) -> str:
        """The name shown to users: "P1".."P4"."""
        return f"P{self.value}"

    @classmethod
    def parse(cls, text: str | int) -> Priority:
        """Read "P1", "p2", "3" or 4; raise ValueError for anything else."""
        raw = str(text).strip().upper().removeprefix("P")
        try:
            return cls(int(raw))
        except ValueError:
            raise ValueError(f"unknown priority {text!r} (expected P1..P4)") from None


class TicketStatus(StrEnum):
    """Where an open ticket stands. Closed tickets leave the queue altogether."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"


class SlaKind(StrEnum):
    """Which clock an SLA deadline belongs to."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


@dataclass(frozen=True, slots=True)
class Person:
    """A member of the team. `id` is the identity every source and setting refers to.

    Compare people by `id`: equality of the whole value also compares name and email,
    which a tool may change under the same person.
    """

    id: str
    name: str
    email: str = ""

    def matches(self, who: str) -> bool:
        """True when *who* is this person's id, email or name (case-insensitive)."""
        needle = who.strip().casefold()
        return needle != "" and needle in {
            self.id.casefold(),
            self.email.casefold(),
            self.name.casefold(),
        }


@dataclass(frozen=True, slots=True)
class Shift:
    """One person on duty from `start` (inclusive) to `end` (exclusive)."""

    person: Person
    start: datetime
    end: datetime
    role: Role = Role.PRIMARY
    rotation: str = ""
    out_of_hours: bool = False
    source: str = ""
    """The configured source the shift was read from; the service's merge sets it."""

    def __post_init__(self) -> None:
        _utc_fields(self, "start", "end")
        if self.end <= self.start:
            raise ValueError(f"shift must end after it starts: {self.start} .. {self.end}")

    def covers(self, instant: datetime) -> bool:
        """True when *instant* lies within the shift."""
        return self.start <= instant < self.end

    @property
    def key(self) -> str:
        """A stable identity for this shift (for alert dedupe keys)."""
        return f"{self.rotation}|{self.person.id}|{self.role}|{self.start.isoformat()}"


@dataclass(frozen=True, slots=True)
class Sla:
    """An SLA clock: its deadline, which kind it is, and whether it is paused.

    `exempt`: the tool says no SLA applies to this item (an error tracker's issue with
    ``sla = "none"``), so neither a tool clock nor the team policy runs for it.
    """

    due_at: datetime | None
    kind: SlaKind = SlaKind.RESPONSE
    paused: bool = False
    exempt: bool = False

    def __post_init__(self) -> None:
        _utc_fields(self, "due_at")


@dataclass(frozen=True, slots=True)
class Ticket:
    """An open ticket in a support queue.

    `sla` is the deadline the ticket tool itself gives, or None when it gives none; the
    policy in `core.sla` fills the gap from the priority.
    """

    id: str
    key: str
    title: str
    priority: Priority
    status: TicketStatus
    created_at: datetime
    source: str
    url: str = ""
    assignee: Person | None = None
    sla: Sla | None = None
    acknowledged_at: datetime | None = None
    assigned_by: Person | None = None
    """Who gave the ticket its current assignee, when the tool tells; None otherwise."""

    def __post_init__(self) -> None:
        _utc_fields(self, "created_at", "acknowledged_at")

    @property
    def ref(self) -> str:
        """Identity across sources: `source:id`."""
        return f"{self.source}:{self.id}"

    @property
    def acknowledged(self) -> bool:
        """True once someone has acknowledged the ticket."""
        return self.acknowledged_at is not None or self.status is not TicketStatus.NEW


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How the last fetches from one source went."""

    name: str
    ok: bool
    last_ok_at: datetime | None = None
    error: str = ""
    failures: int = 0
    """Consecutive failed fetches; 0 after a success."""
    provider: str = ""
    """The provider the source is read with ("team-api", "pagerduty"...)."""
    roles: tuple[str, ...] = ()
    """What the source serves: "rotation", "queue" or both, in that order."""
    actions: tuple[str, ...] = ()
    """The write-backs it takes beyond acknowledge and hand over ("silence"), so the UI
    offers only what the ticket's own tool can do."""

    def __post_init__(self) -> None:
        _utc_fields(self, "last_ok_at")

    def age(self, now: datetime) -> float | None:
        """Seconds since the last good fetch, or None if there never was one."""
        return None if self.last_ok_at is None else (now - self.last_ok_at).total_seconds()

    @property
    def stale(self) -> bool:
        """True when the data shown is older than the last attempt."""
        return not self.ok


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything known at one instant: the team, its shifts, the open queue, the sources."""

    taken_at: datetime
    people: tuple[Person, ...] = ()
    shifts: tuple[Shift, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    sources: tuple[SourceStatus, ...] = ()

    def __post_init__(self) -> None:
        _utc_fields(self, "taken_at")

    def person(self, who: str) -> Person | None:
        """The person whose id, email or name is *who*, if any."""
        return next((p for p in self.people if p.matches(who)), None)

    def ticket(self, ref_or_id: str) -> Ticket | None:
        """The one ticket *ref_or_id* names (see `matching`); None if none or several."""
        found = self.matching(ref_or_id)
        return found[0] if len(found) == 1 else None

    def matching(self, wanted: str) -> tuple[Ticket, ...]:
        """The tickets *wanted* names: ``SOURCE:KEY`` or ``SOURCE:ID`` always names one;
        a bare key or id may name one in each source that has it."""
        wanted = wanted.strip()
        source, colon, rest = wanted.partition(":")
        return tuple(
            t
            for t in self.tickets
            if wanted in (t.id, t.key) or (colon and t.source == source and rest in (t.id, t.key))
        )


class AlertKind(StrEnum):
    """What an alert is about."""

    DUTY_SOON = "duty_soon"
    DUTY_STARTED = "duty_started"
    DUTY_ENDING = "duty_ending"
    SHIFT_CHANGED = "shift_changed"
    NEW_TICKET = "new_ticket"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    ASSIGNED_TO_ME = "assigned_to_me"
    PRIORITY_RAISED = "priority_raised"
    SOURCE_DOWN = "source_down"
    SOURCE_RECOVERED = "source_recovered"
    REVIEW = "review"


class Urgency(StrEnum):
    """How insistently an alert is shown (freedesktop urgency levels)."""

    LOW = "low"
    NORMAL = "normal"
    CRITICAL = "critical"


class AlertAction(StrEnum):
    """Buttons an alert may offer."""

    ACKNOWLEDGE = "acknowledge"
    SNOOZE = "snooze"
    OPEN = "open"
    HAND_OVER = "hand_over"
    MARK_REVIEWED = "mark_reviewed"


@dataclass(frozen=True, slots=True)
class Alert:
    """A notification to show once. `key` is stable: the same condition, the same key."""

    key: str
    kind: AlertKind
    title: str
    body: str
    urgency: Urgency = Urgency.NORMAL
    subject: str = ""
    """The ticket ref or shift key the alert is about."""
    actions: tuple[AlertAction, ...] = field(default=())


class ActionKind(StrEnum):
    """What a user asked for."""

    ACKNOWLEDGE = "acknowledge"
    HAND_OVER = "hand_over"
    SNOOZE = "snooze"
    SILENCE = "silence"
    """Archive the ticket in its tool until it escalates (sources that are `Silenceable`)."""


@dataclass(frozen=True, slots=True)
class UserAction:
    """A user's request about one ticket, as recorded in the outbox before it is sent.

    `id` is unique per action and is sent to the source as an idempotency key, so a
    retried action is applied once.
    """

    id: str
    kind: ActionKind
    source: str
    ticket_id: str
    by: str
    """Person id of the user who acted."""
    created_at: datetime
    to: str = ""
    """Recipient's person id (hand over only)."""
    note: str = ""
    until: datetime | None = None
    """End of a snooze."""

    def __post_init__(self) -> None:
        _utc_fields(self, "created_at", "until")
        if self.kind is ActionKind.HAND_OVER and not self.to:
            raise ValueError("a hand over needs a recipient")
        if self.kind is ActionKind.SNOOZE and self.until is None:
            raise ValueError("a snooze needs an end time")
