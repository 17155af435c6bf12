"""JSON encoding of model values: snapshots and user actions, to plain dicts and back.

The store keeps the last good snapshot and the outbox in this form, and ``--json`` prints
it, so the format is versioned: every top-level object carries ``"v": 1`` and a
``"type"``. Decoding is strict: a missing field, a field of the wrong type or an unknown
field is a `CodecError` naming where it is, never what it contained (it may be a
ticket's title).

Datetimes are ISO 8601 text with their offset (the model keeps them in UTC, so it is
``+00:00``); a time without an offset is refused, as the model refuses naive ones, and so
is one outside the model's supported range. Text holding an unpaired surrogate (JSON can
write one, no file, database or terminal can encode it) is refused too: a value saved by
an older version that let such data through decodes to a `CodecError`, and is ignored,
rather than crashing whatever reads it.

Pure: no I/O. ``dumps``/``loads`` only turn dicts into text and back.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from traysupport.codec_fields import CodecError, Fields
from traysupport.core.model import (
    ActionKind,
    Person,
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

# CodecError is defined with the field reader that raises it, and stays public here:
# callers catch codec.CodecError.
__all__ = [
    "DUMPS_SLICE",
    "FORMAT_VERSION",
    "CodecError",
    "JsonDict",
    "decode_action",
    "decode_snapshot",
    "dumps",
    "encode_action",
    "encode_snapshot",
    "loads",
]

FORMAT_VERSION = 1

JsonDict = dict[str, Any]


# --- encoding -------------------------------------------------------------------------


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _person(p: Person) -> JsonDict:
    return {"id": p.id, "name": p.name, "email": p.email}


def _shift(s: Shift) -> JsonDict:
    return {
        "person": _person(s.person),
        "start": _instant(s.start),
        "end": _instant(s.end),
        "role": s.role.value,
        "rotation": s.rotation,
        "out_of_hours": s.out_of_hours,
        "source": s.source,
    }


def _ticket(t: Ticket) -> JsonDict:
    sla = t.sla
    return {
        "id": t.id,
        "key": t.key,
        "title": t.title,
        "priority": t.priority.label,
        "status": t.status.value,
        "created_at": _instant(t.created_at),
        "source": t.source,
        "url": t.url,
        "assignee": None if t.assignee is None else _person(t.assignee),
        "sla": None
        if sla is None
        else {
            "due_at": _instant(sla.due_at),
            "kind": sla.kind.value,
            "paused": sla.paused,
            "exempt": sla.exempt,
        },
        "acknowledged_at": _instant(t.acknowledged_at),
        "assigned_by": None if t.assigned_by is None else _person(t.assigned_by),
    }


def _source(s: SourceStatus) -> JsonDict:
    return {
        "name": s.name,
        "ok": s.ok,
        "last_ok_at": _instant(s.last_ok_at),
        "error": s.error,
        "failures": s.failures,
        "provider": s.provider,
        "roles": list(s.roles),
        "actions": list(s.actions),
    }


def encode_snapshot(snapshot: Snapshot) -> JsonDict:
    """A snapshot as a JSON-able dict (``{"v": 1, "type": "snapshot", ...}``)."""
    return {
        "v": FORMAT_VERSION,
        "type": "snapshot",
        "taken_at": _instant(snapshot.taken_at),
        "people": [_person(p) for p in snapshot.people],
        "shifts": [_shift(s) for s in snapshot.shifts],
        "tickets": [_ticket(t) for t in snapshot.tickets],
        "sources": [_source(s) for s in snapshot.sources],
    }


def encode_action(action: UserAction) -> JsonDict:
    """A user action as a JSON-able dict (``{"v": 1, "type": "action", ...}``)."""
    return {
        "v": FORMAT_VERSION,
        "type": "action",
        "id": action.id,
        "kind": action.kind.value,
        "source": action.source,
        "ticket_id": action.ticket_id,
        "by": action.by,
        "created_at": _instant(action.created_at),
        "to": action.to,
        "note": action.note,
        "until": _instant(action.until),
    }


DUMPS_SLICE = 250
"""Items of a long top-level list encoded per call by `dumps`."""


def dumps(data: JsonDict) -> str:
    """Compact JSON text of an encoded value (ASCII only, so any storage takes it).

    A long list at the top level (a snapshot's tickets) is encoded a slice at a time,
    into the same text: the C encoder holds the GIL for a whole call, and one call for
    10,000 tickets (~30 ms) stalled the tray app's GUI thread while its home thread
    saved a snapshot.
    """
    if not any(isinstance(v, list) and len(v) > DUMPS_SLICE for v in data.values()):
        return _dumps(data)
    members = []
    for key, value in data.items():
        if isinstance(value, list) and len(value) > DUMPS_SLICE:
            slices = (value[i : i + DUMPS_SLICE] for i in range(0, len(value), DUMPS_SLICE))
            text = "[" + ",".join(_dumps(part)[1:-1] for part in slices) + "]"
        else:
            text = _dumps(value)
        members.append(f"{_dumps(key)}:{text}")
    return "{" + ",".join(members) + "}"


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def loads(text: str | bytes) -> object:
    """Parse JSON text; a syntax error is a `CodecError`."""
    try:
        return json.loads(text)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and bad bytes are ValueErrors
        raise CodecError(f"not valid JSON: {exc}") from None


# --- decoding -------------------------------------------------------------------------


def _decode_person(raw: object, path: str) -> Person:
    f = Fields(raw, path)
    id_, name, email = f.text("id"), f.text("name"), f.text("email")
    return f.make(lambda: Person(id=id_, name=name, email=email))


def _decode_shift(raw: object, path: str) -> Shift:
    f = Fields(raw, path)
    values: JsonDict = {
        "person": f.nested("person", _decode_person),
        "start": f.instant("start"),
        "end": f.instant("end"),
        "role": f.choice("role", Role),
        "rotation": f.text("rotation"),
        "out_of_hours": f.flag("out_of_hours"),
    }
    if f.has("source"):  # saved before shifts named their source: absent, so ""
        values["source"] = f.text("source")
    return f.make(lambda: Shift(**values))


def _decode_sla(raw: object, path: str) -> Sla:
    f = Fields(raw, path)
    due_at, kind, paused = f.optional_instant("due_at"), f.choice("kind", SlaKind), f.flag("paused")
    exempt = f.has("exempt") and f.flag("exempt")  # saved before exemptions: absent
    return f.make(lambda: Sla(due_at=due_at, kind=kind, paused=paused, exempt=exempt))


def _decode_ticket(raw: object, path: str) -> Ticket:
    f = Fields(raw, path)
    values: JsonDict = {
        "id": f.text("id"),
        "key": f.text("key"),
        "title": f.text("title"),
        "priority": f.priority("priority"),
        "status": f.choice("status", TicketStatus),
        "created_at": f.instant("created_at"),
        "source": f.text("source"),
        "url": f.text("url"),
        "assignee": f.optional("assignee", _decode_person),
        "sla": f.optional("sla", _decode_sla),
        "acknowledged_at": f.optional_instant("acknowledged_at"),
    }
    if f.has("assigned_by"):  # saved before tickets said who assigned them: absent, so None
        values["assigned_by"] = f.optional("assigned_by", _decode_person)
    return f.make(lambda: Ticket(**values))


def _decode_source(raw: object, path: str) -> SourceStatus:
    f = Fields(raw, path)
    values: JsonDict = {
        "name": f.text("name"),
        "ok": f.flag("ok"),
        "last_ok_at": f.optional_instant("last_ok_at"),
        "error": f.text("error"),
        "failures": f.count("failures"),
    }
    # Saved before sources were plug-ins (the store keeps a snapshot across upgrades).
    if f.has("provider"):
        values["provider"] = f.text("provider")
    if f.has("roles"):
        values["roles"] = f.items("roles", _decode_role)
    if f.has("actions"):  # saved before sources told which extra actions they take
        values["actions"] = f.items("actions", _decode_extra_action)
    return f.make(lambda: SourceStatus(**values))


def _decode_extra_action(raw: object, path: str) -> str:
    if raw != ActionKind.SILENCE.value:  # the only one there is
        raise CodecError(f"{path}: expected 'silence'")
    return ActionKind.SILENCE.value


def _decode_role(raw: object, path: str) -> str:
    if raw not in ("rotation", "queue"):
        raise CodecError(f"{path}: expected 'rotation' or 'queue'")
    return str(raw)


def _top(raw: object, expected_type: str) -> Fields:
    """Check the version and type of a top-level object."""
    f = Fields(raw, expected_type)
    version = f.count("v")
    if version > FORMAT_VERSION:
        raise CodecError(
            f"{expected_type}: format v{version} was written by a newer traysupport "
            f"(this one reads v{FORMAT_VERSION}); upgrade traysupport"
        )
    if version < 1 or f.text("type") != expected_type:
        raise CodecError(f"{expected_type}: not a v{FORMAT_VERSION} {expected_type} object")
    return f


def decode_snapshot(raw: object) -> Snapshot:
    """The snapshot *raw* (as made by `encode_snapshot`) holds; `CodecError` if none."""
    f = _top(raw, "snapshot")
    values: JsonDict = {
        "taken_at": f.instant("taken_at"),
        "people": f.items("people", _decode_person),
        "shifts": f.items("shifts", _decode_shift),
        "tickets": f.items("tickets", _decode_ticket),
        "sources": f.items("sources", _decode_source),
    }
    return f.make(lambda: Snapshot(**values))


def decode_action(raw: object) -> UserAction:
    """The user action *raw* (as made by `encode_action`) holds; `CodecError` if none."""
    f = _top(raw, "action")
    values: JsonDict = {
        "id": f.text("id"),
        "kind": f.choice("kind", ActionKind),
        "source": f.text("source"),
        "ticket_id": f.text("ticket_id"),
        "by": f.text("by"),
        "created_at": f.instant("created_at"),
        "to": f.text("to"),
        "note": f.text("note"),
        "until": f.optional_instant("until"),
    }
    return f.make(lambda: UserAction(**values))
