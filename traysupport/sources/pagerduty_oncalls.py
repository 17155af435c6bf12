"""Parse PagerDuty ``GET /oncalls`` items into shifts and people (provider-apis.md §1).

One on-call comes back per escalation level (and per policy the schedule serves), so
the same person, period and schedule may appear several times: `merge_oncalls` keeps
one shift for them, with the role of the lowest level seen. Levels map to roles:
level 1 is primary, every higher level (2, 3, ...) is secondary (a backup), since the
model has no "tertiary" and a shadow is not a PagerDuty idea.

``start: null`` is a permanent on-call and ``end: null`` one that never ends (§1
"Who is on call" [SPEC; CHANGELOG]); they become the model's far past / far future
(`EARLIEST` / `LATEST`, core/model.py), which sort and show as "always".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from traysupport.core.model import EARLIEST, LATEST, Person, Role, Shift
from traysupport.sources.parse import JsonObject

ID_CHARS = 256
NAME_CHARS = 200
EMAIL_CHARS = 320


@dataclass(frozen=True, slots=True)
class OnCall:
    """One ``/oncalls`` item, read: who, when, which schedule, which level."""

    person: Person
    start: datetime
    end: datetime
    level: int
    schedule_id: str
    rotation: str

    @property
    def key(self) -> tuple[str, datetime, datetime, str]:
        """Same person, same period, same schedule: the same shift."""
        return (self.person.id, self.start, self.end, self.schedule_id)


def parse_user(value: object, source: str, path: str) -> Person:
    """A Person from a user object or user_reference (``summary`` when there is no ``name``)."""
    item = JsonObject.of(value, source, path)
    name_key = "name" if isinstance(item.raw("name"), str) and item.raw("name") else "summary"
    return Person(
        id=item.require_str("id", max_chars=ID_CHARS),
        name=item.require_text(name_key, max_chars=NAME_CHARS),
        email=item.optional_text("email", max_chars=EMAIL_CHARS),
    )


def parse_oncall(value: object, source: str, path: str) -> OnCall:
    """One ``/oncalls`` item; a malformed one raises `BadDataError` (and is skipped)."""
    item = JsonObject.of(value, source, path)
    person = parse_user(item.raw("user"), source, item.field_path("user"))
    start = item.optional_time("start") or EARLIEST  # null start: permanent on-call [SPEC]
    end = item.optional_time("end") or LATEST  # null end: never goes off call [SPEC]
    if end <= start:
        raise item.error("end", "is not after start")
    level_raw = item.raw("escalation_level")
    if level_raw is None:
        level = 1
    elif isinstance(level_raw, int) and not isinstance(level_raw, bool) and level_raw >= 1:
        level = level_raw
    else:
        raise item.error("escalation_level", "is not a level number (1 or more)")
    schedule = item.optional_object("schedule")
    policy = item.optional_object("escalation_policy")
    named = schedule or policy
    return OnCall(
        person=person,
        start=start,
        end=end,
        level=level,
        # a direct (scheduleless) on-call is keyed by its policy, so it is not merged
        # with a schedule's shift of the same person and period
        schedule_id=(
            schedule.require_str("id", max_chars=ID_CHARS)
            if schedule is not None
            else "policy:" + (policy.optional_str("id", max_chars=ID_CHARS) if policy else "")
        ),
        rotation=named.optional_text("summary", max_chars=NAME_CHARS) if named else "",
    )


def parse_rendered(
    value: object, source: str, path: str, schedule_id: str, rotation: str
) -> OnCall:
    """One ``final_schedule.rendered_schedule_entries`` item of ``GET /schedules/{id}``.

    §1 "Rendered schedule" [SPEC]: ``{start, end, user}``, no level: a schedule read
    this way serves no escalation policy, so its people are the primary on call.
    """
    item = JsonObject.of(value, source, path)
    start = item.require_time("start")
    end = item.require_time("end")
    if end <= start:
        raise item.error("end", "is not after start")
    person = parse_user(item.raw("user"), source, item.field_path("user"))
    return OnCall(person, start, end, 1, schedule_id, rotation)


def role_of(level: int) -> Role:
    """Level 1 is primary; any higher level is secondary (see the module docstring)."""
    return Role.PRIMARY if level <= 1 else Role.SECONDARY


def merge_oncalls(oncalls: list[OnCall]) -> list[Shift]:
    """One shift per (person, start, end, schedule), the lowest level's role, in order."""
    best: dict[tuple[str, datetime, datetime, str], OnCall] = {}
    for oncall in oncalls:
        kept = best.get(oncall.key)
        if kept is None or oncall.level < kept.level:
            best[oncall.key] = oncall
    return [
        Shift(
            person=o.person,
            start=o.start,
            end=o.end,
            role=role_of(o.level),
            rotation=o.rotation,
        )
        for o in sorted(best.values(), key=lambda o: (o.start, o.level, o.person.id))
    ]
