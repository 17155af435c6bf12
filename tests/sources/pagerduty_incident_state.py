"""The incidents a PagerDuty fault server keeps, and how it applies writes to them.

provider-apis.md §1 and §10 "PagerDuty quirks": ``GET /incidents`` answers only the
last month unless ``date_range=all`` (one open incident here is two months old);
``user_ids[]`` means "currently assigned to"; ``PUT /incidents/{id}`` and the notes POST
want ``From`` with a user's email (else 400 code 2016); acknowledging a resolved
incident reopens it; a reassignment leaves the incident for the new assignee to
acknowledge [INF]; a note answers 200 (not 201). Used by tests/sources/pagerduty_faultserver.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PEOPLE = (("PU1", "Ada Lo", "ada@example.com"), ("PU2", "Bob Ng", "bob@example.com"))
INCIDENT_IDS = ("PI1", "PI2", "PI3")
"""The open incidents, all Ada's (the token's user): what a sound read gives."""
PRIORITY_IDS = ("PSEV1", "PSEV2", "PSEV3")
MISSING_FROM = {"error": {"message": "Requester User Not Found", "code": 2016, "errors": ["From"]}}


def stamp(instant: datetime) -> str:
    """PagerDuty's times: ISO 8601 in UTC with Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_ref(pid: str) -> dict[str, str]:
    name = next(name for uid, name, _email in PEOPLE if uid == pid)
    return {"id": pid, "type": "user_reference", "summary": name}


def full_user(pid: str) -> dict[str, str]:
    name, email = next((n, e) for uid, n, e in PEOPLE if uid == pid)
    return {"id": pid, "type": "user", "name": name, "email": email}


@dataclass
class PdIncident:
    """An incident as the server keeps it."""

    id: str
    number: int
    title: str
    urgency: str
    age: timedelta
    priority: str | None = None
    status: str = "triggered"
    assignees: list[str] = field(default_factory=lambda: ["PU1"])
    acknowledgers: list[str] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def json(self, now: datetime, *, full: bool = False, title: str | None = None) -> Any:
        person = full_user if full else user_ref
        return {
            "id": self.id,
            "type": "incident",
            "incident_number": self.number,
            "title": self.title if title is None else title,
            "status": self.status,
            "urgency": self.urgency,
            "created_at": stamp(now - self.age),
            "html_url": f"https://acme.pagerduty.com/incidents/{self.id}",
            "assignments": [{"at": stamp(now), "assignee": person(a)} for a in self.assignees],
            "acknowledgements": [
                {"at": stamp(now), "acknowledger": user_ref(a)} for a in self.acknowledgers
            ],
            "priority": (
                {"id": self.priority, "type": "priority_reference"} if self.priority else None
            ),
        }


def incidents() -> dict[str, PdIncident]:
    """Three open incidents of Ada's, one two months old, and a resolved one."""
    made = [
        PdIncident("PI1", 41, "DB latency", "high", timedelta(hours=2), "PSEV2"),
        PdIncident(
            "PI2",
            42,
            "Disk full",
            "low",
            timedelta(days=3),
            status="acknowledged",
            acknowledgers=["PU1"],
        ),
        PdIncident("PI3", 43, "Cert expiring", "low", timedelta(days=60)),
        PdIncident("PI4", 44, "Old one", "high", timedelta(days=5), status="resolved"),
    ]
    return {incident.id: incident for incident in made}


def listed(
    kept: dict[str, PdIncident], now: datetime, query: dict[str, list[str]]
) -> list[PdIncident]:
    """What ``GET /incidents`` lists for *query* (statuses, user_ids, date range)."""
    statuses = query.get("statuses[]") or ["triggered", "acknowledged", "resolved"]
    users = query.get("user_ids[]")
    whole = query.get("date_range") == ["all"]
    return [
        incident
        for incident in kept.values()
        if incident.status in statuses
        and (users is None or set(users) & set(incident.assignees))
        and (whole or incident.age <= timedelta(days=30))  # §1: default since = a month ago
    ]


def sender(from_header: str | None) -> str | None:
    """The user id a ``From`` email names, or None."""
    return next((pid for pid, _n, email in PEOPLE if email == from_header), None)


def update(incident: PdIncident, raw: bytes, by: str) -> tuple[int, Any]:
    """Apply a ``PUT /incidents/{id}`` body as PagerDuty would; (status, answer)."""
    try:
        change = json.loads(raw).get("incident")
    except (ValueError, AttributeError):
        change = None
    if not isinstance(change, dict) or change.get("type") != "incident_reference":
        return 400, {"error": {"message": "Invalid Input Provided", "code": 2001}}
    assignments = change.get("assignments")
    if isinstance(assignments, list):
        ids = [a.get("assignee", {}).get("id") for a in assignments]
        if not ids or any(i not in {p[0] for p in PEOPLE} for i in ids):
            body = {
                "message": "Invalid Input Provided",
                "code": 2001,
                "errors": ["Assignee not found"],
            }
            return 400, {"error": body}
        incident.assignees = ids
        incident.status, incident.acknowledgers = "triggered", []  # INF: theirs to acknowledge
    if change.get("status") == "acknowledged":  # reopens a resolved one, as PagerDuty does
        incident.status = "acknowledged"
        if by not in incident.acknowledgers:
            incident.acknowledgers.append(by)
    return 200, None


def add_note(incident: PdIncident, raw: bytes, by: str, now: datetime) -> tuple[int, Any]:
    """Apply a ``POST /incidents/{id}/notes`` body; (status, answer)."""
    try:
        note = json.loads(raw).get("note")
    except (ValueError, AttributeError):
        note = None
    content = note.get("content") if isinstance(note, dict) else None
    if not isinstance(content, str) or not content:
        return 400, {"error": {"message": "Invalid Input Provided", "code": 2001}}
    made = {
        "id": f"PN{len(incident.notes) + 1}",
        "user": user_ref(by),
        "channel": {"summary": "The PagerDuty website or APIs"},
        "content": content,
        "created_at": stamp(now),
    }
    incident.notes.append(made)
    return 200, {"note": made}  # §10: 200, not 201


def state(incident: PdIncident) -> tuple[object, ...]:
    """What a repeat must not change: status, assignees, acknowledgers, every note."""
    notes = tuple(json.dumps(note, sort_keys=True) for note in incident.notes)
    return incident.status, tuple(incident.assignees), tuple(incident.acknowledgers), notes
