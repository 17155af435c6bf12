"""What the fault server serves: a plausible team in the team API's shapes, and hostile
variants of it (terminal escapes, bidi overrides, HTML, lone surrogates, huge strings,
times the maths cannot hold) in names, titles, keys, ids and person ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

Json = dict[str, Any]

HOSTILE_TEXT: dict[str, str] = {
    "osc-title": "\x1b]0;owned\x07inbox",
    "clear-screen": "\x1b[2J\x1b[1;31mALERT",
    "bidi": "\u202etxt.exe\u202c",
    "html": "<img src=x onerror=alert(1)><b>bold</b>",
    "surrogate": "s\ud800x",  # sent as the JSON escape \ud800
    "nul": "nul\x00byte",
    "huge": "H" * 200_000,
}
"""Strings a hostile or broken server puts where names, titles and ids belong."""

HOSTILE_TIMES: tuple[str, ...] = (
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",  # year 0 once in UTC
    "9999-12-31T23:59:59-01:00",  # year 10000 once in UTC
)
"""Times a datetime can parse but the SLA and rotation maths cannot hold."""

PEOPLE: tuple[Json, ...] = (
    {"id": "alice", "name": "Alice Martin", "email": "alice@example.com"},
    {"id": "bob", "name": "Bob Okafor", "email": "bob@example.com"},
    {"id": "chen", "name": "Chen Wei"},
    {"id": "dana", "name": "Dana Silva", "email": "dana@example.com"},
)
ME = PEOPLE[0]


def iso(when: datetime) -> str:
    """The contract's time format: UTC with a Z."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def shifts(now: datetime) -> list[Json]:
    """Alice on now, Bob next, Chen after; Dana shadows Alice."""
    hour = timedelta(hours=1)
    start = now.replace(minute=0, second=0, microsecond=0) - 2 * hour
    return [
        {"person_id": "alice", "start": iso(start), "end": iso(start + 8 * hour)},
        {
            "person_id": "dana",
            "start": iso(start),
            "end": iso(start + 8 * hour),
            "role": "shadow",
        },
        {
            "person_id": "bob",
            "start": iso(start + 8 * hour),
            "end": iso(start + 16 * hour),
            "rotation": "L1",
        },
        {
            "person_id": "chen",
            "start": iso(start + 16 * hour),
            "end": iso(start + 24 * hour),
            "out_of_hours": True,
        },
    ]


def tickets(now: datetime, site: str) -> list[Json]:
    """Four open tickets, one per priority, in every status the contract knows."""
    minute = timedelta(minutes=1)
    rows = [
        ("142", "SUP-142", "Checkout returns 500 for EU cards", "P1", "new", None, 5),
        ("143", "SUP-143", "Password reset mail is late", "P2", "acknowledged", "bob", 40),
        ("144", "SUP-144", "Export to CSV drops accents", "P3", "waiting", "chen", 300),
        ("145", "SUP-145", "Typo on the pricing page", "P4", "new", None, 900),
    ]
    made: list[Json] = []
    for ticket_id, key, title, priority, status, assignee, age in rows:
        created = now - age * minute
        made.append(
            {
                "id": ticket_id,
                "key": key,
                "title": title,
                "priority": priority,
                "status": status,
                "created_at": iso(created),
                "url": f"{site}/t/{ticket_id}",
                "assignee_id": assignee,
                "acknowledged_at": iso(created + 2 * minute) if status != "new" else None,
                "sla": {"due_at": iso(created + 60 * minute), "kind": "response", "paused": False},
            }
        )
    return made


def hostile_people() -> list[Json]:
    """People whose ids, names and emails are hostile, broken ones, then the sound people."""
    people: list[Json] = [{"id": t, "name": t, "email": t} for t in HOSTILE_TEXT.values()]
    people += [{"id": f"name-{key}", "name": t, "email": t} for key, t in HOSTILE_TEXT.items()]
    people += [{"id": "no-name"}, {"name": "No Id"}, {"id": 7, "name": "Number"}]
    return [*people, *(dict(person) for person in PEOPLE)]


def hostile_shifts(now: datetime) -> list[Json]:
    """Shifts with hostile person ids, rotation names and times, broken ones, then the sound."""
    sound = shifts(now)
    start, end = sound[0]["start"], sound[0]["end"]
    bad = [{"person_id": text, "start": start, "end": end} for text in HOSTILE_TEXT.values()]
    bad += [
        {"person_id": "alice", "start": t, "end": "9999-12-31T23:59:59Z"} for t in HOSTILE_TIMES
    ]
    bad += [{"person_id": "alice", "start": start, "end": t} for t in HOSTILE_TIMES]
    bad += [{**sound[0], "rotation": text} for text in HOSTILE_TEXT.values()]
    bad += [
        {"person_id": "alice", "start": start},  # no end
        {"start": start, "end": end},  # no one
        {"person_id": "alice", "start": end, "end": start},  # ends before it starts
        {"person_id": "alice", "start": "tomorrow", "end": end},
        {**sound[0], "role": "boss"},
    ]
    return [*bad, *sound]


def hostile_tickets(sound: list[Json]) -> list[Json]:
    """Tickets with hostile ids, keys, titles, assignees and times, then the *sound* ones."""
    base = sound[0]
    bad: list[Json] = []
    for name, text in HOSTILE_TEXT.items():
        bad.append({**base, "id": text, "key": text, "title": text, "assignee_id": text})
        bad.append({**base, "id": f"title-{name}", "key": f"BAD-{name}", "title": text})
    for index, when in enumerate(HOSTILE_TIMES):
        bad.append(
            {
                **base,
                "id": f"time-{index}",
                "key": f"TIME-{index}",
                "created_at": when,
                "acknowledged_at": when,
                "sla": {"due_at": when, "kind": "response", "paused": False},
            }
        )
    return [*bad, *sound]


def hostile_version(ticket: Json) -> Json:
    """The ticket as a hostile server confirms a write: right id, hostile text around it."""
    text = HOSTILE_TEXT
    return {**ticket, "key": text["osc-title"], "title": text["clear-screen"] + text["bidi"]}
