"""The rotation file format (docs/providers.md#rotation-file), read with tomllib.

Every problem is collected (not just the first) as one line naming the file, the table
and key, and the fix, in the config loader's wording (`section.read_section`).
"""

# ruff: noqa: RUF009 -- `setting()` returns a dataclasses.field(), read once at class creation
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from traysupport.core.model import Person
from traysupport.core.rotation import Override, RotationDefinition, Turn
from traysupport.core.rotation_plan import Hours, RotationPlan, Shadow, Swap
from traysupport.sources.parse import clean_text
from traysupport.sources.section import make_section, read_section
from traysupport.sources.setting_times import ClockRange, ClockTime, TimeZone
from traysupport.sources.settings import (
    Choice,
    Flag,
    Number,
    Text,
    TextList,
    setting,
)

VERSION = 1
NAME_CHARS = 200
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RESERVED = ("member", "override", "swap", "shadow", "out_of_hours", "start")


class RotationFileError(ValueError):
    """The file is not a valid rotation file; `problems` are the lines to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class TurnSettings:
    """The keys of the top level and of each ``[[out_of_hours]]`` table."""

    version: int = setting(Number(0, 1000), 0, "The format version: 1.")
    name: str = setting(Text(), "", "The rotation's name, shown with each shift.")
    timezone: tzinfo | None = setting(TimeZone(), None, "IANA zone of the hand-off time.")
    turn: str = setting(Choice(("weekly", "daily")), "weekly", "How often turns change.")
    handoff_day: str = setting(Choice(DAYS), "monday", "Weekday of weekly hand-offs.")
    handoff_time: time | None = setting(ClockTime(), time(9, 0), "Local hand-off time.")
    per_turn: int = setting(Number(1, 20), 1, "People on each turn: first primary, rest secondary.")
    members: tuple[str, ...] = setting(TextList(), (), "[[out_of_hours]] only: member ids.")
    nightly: tuple[time, time] | None = setting(ClockRange(), None, "Weekday hours covered.")
    weekends: bool = setting(Flag(), False, "Whole Saturdays and Sundays covered.")


@dataclass(frozen=True, slots=True)
class RotationFile:
    """A parsed rotation file: its people and its plans (the main one first)."""

    people: dict[str, Person]
    plans: tuple[RotationPlan, ...]
    tz: tzinfo = field(default=UTC)


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def problem(self, table: str, key: str, text: str) -> None:
        self.problems.append(f"{self.where}: [{table}] {key} {text}")

    def tables(self, doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        raw = doc.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            self.problems.append(
                f"{self.where}: {key} must be written as [[{key}]] tables; "
                f"write each as a [[{key}]] header followed by its keys."
            )
            return []
        return raw

    def text(self, table: str, item: Mapping[str, Any], key: str) -> str:
        value = item.get(key)
        if isinstance(value, str) and clean_text(value, NAME_CHARS):
            # No control or direction characters reach a tray menu or a notification.
            return clean_text(value, NAME_CHARS)
        self.problem(table, key, 'is missing or not text; write it like key = "text".')
        return ""

    def when(self, table: str, item: Mapping[str, Any], key: str, tz: tzinfo) -> datetime | None:
        """A date (local midnight) or a local date-time in the file's zone."""
        value = item.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=tz).astimezone(UTC)
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=tz).astimezone(UTC)
        self.problem(
            table, key, "is missing or not a date; write it like 2026-03-02 or 2026-03-02T09:00:00."
        )
        return None

    def known(self, table: str, key: str, pid: str, people: Mapping[str, Person]) -> bool:
        if pid and pid not in people:
            self.problem(
                table, key, f"= {pid!r} is not a [[member]]; use a member's email or name."
            )
            return False
        return bool(pid)

    def unknown_keys(self, table: str, item: Mapping[str, Any], keys: tuple[str, ...]) -> None:
        for key in item:
            if key not in keys:
                self.problem(table, key, f"is not a key here; use {', '.join(keys)}.")


def parse_rotation(text: str, where: str) -> RotationFile:
    """The rotation file in *text*; *where* names it in messages. Raises RotationFileError."""
    r = _Reader(where)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RotationFileError(
            [f"{where}: is not valid TOML ({error}); fix the line named."]
        ) from None
    top = {k: v for k, v in doc.items() if k not in _RESERVED}
    values = read_section(TurnSettings, top, where, r.problems)
    main = make_section(TurnSettings, values)
    if "version" not in top:
        r.problems.append(f"{where}: version is missing; add version = {VERSION} at the top.")
    elif main.version != VERSION:
        r.problems.append(f"{where}: version = {main.version} is not known; write {VERSION}.")
    tz = main.timezone or UTC
    if main.timezone is None:
        r.problems.append(f'{where}: timezone is missing; add timezone = "Europe/Berlin" or yours.')
    start = doc.get("start")
    if not isinstance(start, date) or isinstance(start, datetime):
        r.problems.append(f"{where}: start is missing or not a date; write start = 2026-01-05.")
        start = date(2000, 1, 3)
    people = _members(r, doc)
    plan = _plan(r, "top level", main, tuple(people), start=start, tz=tz)
    plans = [_main_extras(r, doc, plan, people, tz)] if plan else []
    for n, item in enumerate(r.tables(doc, "out_of_hours"), 1):
        table = f"[out_of_hours] #{n}"
        extra = {k: v for k, v in item.items() if k != "start"}
        vals = read_section(TurnSettings, extra, f"{where}: {table}", r.problems)
        ooh = make_section(TurnSettings, vals)
        ids = tuple(pid for pid in ooh.members if r.known(table, "members", pid, people))
        if not ooh.members:
            r.problems.append(f'{where}: {table} members is missing; write members = ["a@x.org"].')
        if ooh.nightly is None and not ooh.weekends:
            r.problems.append(
                f'{where}: {table} covers no hours; set nightly = "18:00-09:00" or weekends = true.'
            )
        name = ooh.name or f"{main.name or 'Rotation'} out of hours"
        ooh_start = item.get("start", start)
        p = _plan(r, table, replace_name(ooh, name), ids, start=ooh_start, tz=tz)
        if p is not None:
            plans.append(
                RotationPlan(p.definition, p.per_turn, hours=Hours(ooh.nightly, ooh.weekends))
            )
    if r.problems:
        raise RotationFileError(r.problems)
    return RotationFile(people, tuple(plans), tz)


def replace_name(s: TurnSettings, name: str) -> TurnSettings:
    """*s* named *name*."""
    return make_section(TurnSettings, {**{f: getattr(s, f) for f in s.__slots__}, "name": name})


def _members(r: _Reader, doc: Mapping[str, Any]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    items = r.tables(doc, "member")
    if not items:
        r.problems.append(f'{r.where}: no [[member]]; add [[member]] with name = "..." for each.')
    for n, item in enumerate(items, 1):
        table = f"member #{n}"
        r.unknown_keys(table, item, ("name", "email"))
        name = r.text(table, item, "name")
        email = item.get("email")
        if email is not None and not (isinstance(email, str) and "@" in email):
            r.problem(table, "email", 'is not an email address; write it like "ana@example.com".')
            email = None
        pid = email or name
        if pid in people:
            r.problem(
                table,
                "email" if email else "name",
                f"= {pid!r} is listed twice; list each person once.",
            )
        elif pid:
            people[pid] = Person(id=pid, name=name, email=email or "")
    return people


def _plan(
    r: _Reader,
    table: str,
    s: TurnSettings,
    members: tuple[str, ...],
    *,
    start: object,
    tz: tzinfo,
) -> RotationPlan | None:
    if not members or not isinstance(start, date) or s.handoff_time is None:
        if s.handoff_time is None:
            r.problem(table, "handoff_time", 'is empty; write it like "09:00".')
        return None
    defn = RotationDefinition(
        name=clean_text(s.name, NAME_CHARS) or "Rotation",
        members=members,
        turn=Turn(s.turn),
        handoff_weekday=DAYS.index(s.handoff_day),
        handoff_time=s.handoff_time,
        tz=tz,
        start=start,
    )
    return RotationPlan(defn, s.per_turn)


def _main_extras(
    r: _Reader, doc: Mapping[str, Any], plan: RotationPlan, people: Mapping[str, Person], tz: tzinfo
) -> RotationPlan:
    overrides: list[Override] = []
    for n, item in enumerate(r.tables(doc, "override"), 1):
        table = f"override #{n}"
        r.unknown_keys(table, item, ("from", "until", "person"))
        lo, hi = r.when(table, item, "from", tz), r.when(table, item, "until", tz)
        pid = r.text(table, item, "person")
        if _span_ok(r, table, lo, hi) and r.known(table, "person", pid, people):
            assert lo is not None and hi is not None
            overrides.append(Override(pid, lo, hi))
    swaps: list[Swap] = []
    for n, item in enumerate(r.tables(doc, "swap"), 1):
        table = f"swap #{n}"
        r.unknown_keys(table, item, ("from", "until", "a", "b"))
        lo, hi = r.when(table, item, "from", tz), r.when(table, item, "until", tz)
        a, b = r.text(table, item, "a"), r.text(table, item, "b")
        ok = r.known(table, "a", a, people) & r.known(table, "b", b, people)
        if _span_ok(r, table, lo, hi) and ok:
            assert lo is not None and hi is not None
            swaps.append(Swap(a, b, lo, hi))
    shadows: list[Shadow] = []
    for n, item in enumerate(r.tables(doc, "shadow"), 1):
        table = f"shadow #{n}"
        r.unknown_keys(table, item, ("from", "until", "person"))
        lo, hi = r.when(table, item, "from", tz), r.when(table, item, "until", tz)
        pid = r.text(table, item, "person")
        if _span_ok(r, table, lo, hi) and r.known(table, "person", pid, people):
            assert lo is not None and hi is not None
            shadows.append(Shadow(pid, lo, hi))
    defn = plan.definition
    return RotationPlan(
        RotationDefinition(
            name=defn.name,
            members=defn.members,
            turn=defn.turn,
            handoff_weekday=defn.handoff_weekday,
            handoff_time=defn.handoff_time,
            tz=defn.tz,
            start=defn.start,
            overrides=tuple(overrides),
        ),
        plan.per_turn,
        tuple(swaps),
        tuple(shadows),
    )


def _span_ok(r: _Reader, table: str, lo: datetime | None, hi: datetime | None) -> bool:
    if lo is None or hi is None:
        return False
    if hi <= lo:
        r.problem(table, "until", "is not after from; make until later than from.")
        return False
    return True
