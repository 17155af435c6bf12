"""Hostile items from a team-API server: out-of-range times, lone surrogates, escapes.

Whatever a server sends, an item the parser accepts must go through the SLA and alert
maths, the text formatting and the store without raising; an item it cannot make safe
is skipped on its own (logged by index, never by content) and the rest of the page kept.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from traysupport import codec
from traysupport.core.alerts import AlertSettings, evaluate, plan
from traysupport.core.model import (
    EARLIEST,
    LATEST,
    Person,
    Priority,
    Shift,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
)
from traysupport.core.sla import SlaPolicy, time_left, urgency_order
from traysupport.core.timefmt import (
    format_clock,
    format_duration,
    format_instant,
    format_relative,
    format_utc_offset,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.parse import keep_valid
from traysupport.sources.teamapi import TeamApiSource, parse_person, parse_shift, parse_ticket
from traysupport.store import Store

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
BOB = Person("bob", "Bob Okafor")
PEOPLE = {"bob": BOB}
TITLE_SET = "\x1b]0;pwned\x07"
"""Sets the terminal's title to "pwned"."""
CLEAR = "\x1b[2J"
"""Clears the terminal."""
RLO = "\u202e"
"""Right-to-left override: "SUP-1\u202etxt.exe" shows as "SUP-1exe.txt"."""
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
log = logging.getLogger(__name__)


def item(ticket_id: str, **fields: Any) -> dict[str, Any]:
    """A valid team-API ticket with *fields* changed (None removes one)."""
    made: dict[str, Any] = {
        "id": ticket_id,
        "title": "Slow search",
        "priority": "P1",
        "created_at": "2026-12-01T09:00:00Z",
        "assignee_id": "bob",
        **fields,
    }
    return {k: v for k, v in made.items() if v is not None}


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[TeamApiSource]:
    http = HttpClient("team-api", httpserver.url_for("/api/v1"), sleep=lambda s: None)
    yield TeamApiSource("team-api", httpserver.url_for("/api/v1"), http=http)
    http.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.db") as opened:
        yield opened


def everything_shown(tickets: list[Ticket], shifts: tuple[Shift, ...], now: datetime) -> None:
    """What `status`, `watch`, the tray and the queue window do with tickets, at *now*."""
    tz = ZoneInfo("Pacific/Kiritimati")  # UTC+14: the local time furthest ahead
    settings = AlertSettings(tz=tz, breach_repeat_p1=timedelta(minutes=1))
    snapshot = Snapshot(taken_at=now, people=(BOB,), shifts=shifts, tickets=tuple(tickets))
    plan(None, snapshot, now, BOB, settings, ())
    evaluate(snapshot, snapshot, now, BOB, settings, ())
    for ticket in urgency_order(tickets, settings.sla, now):
        left = time_left(ticket, settings.sla, now)
        if left is not None:
            format_duration(left)
        format_instant(ticket.created_at, tz, now)
        format_relative(ticket.created_at, now)
        format_clock(ticket.created_at, tz)
        format_utc_offset(ticket.created_at, tz)


# --- 1. out-of-range times -----------------------------------------------------------------


def test_never_times_are_clamped_and_ancient_ones_skipped(
    httpserver: HTTPServer,
    source: TeamApiSource,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    items = [
        item("never-due", sla={"due_at": "9999-12-31T23:59:59Z"}),
        item("never-due-ny", sla={"due_at": "9999-12-31T23:00:00-05:00"}),  # no UTC datetime
        item("from-the-future", created_at="9999-12-31T00:00:00Z"),
        item("year-one", created_at="0001-01-01T00:00:00Z"),
        item("year-one-ack", acknowledged_at="0001-01-01T00:00:00+05:00"),
        item("good"),
    ]
    httpserver.expect_request("/api/v1/tickets").respond_with_json({"tickets": items})
    tickets = source.fetch_tickets()
    assert [t.id for t in tickets] == ["never-due", "never-due-ny", "from-the-future", "good"]
    assert [t.sla.due_at for t in tickets[:2] if t.sla] == [LATEST, LATEST]
    assert tickets[2].created_at == LATEST
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped == [
        "team-api: skipped tickets[3]: tickets[3].created_at is out of range",
        "team-api: skipped tickets[4]: tickets[4].acknowledged_at is out of range",
    ]
    # Before the fix the SLA maths raised OverflowError on the first three, after the
    # snapshot holding them was saved: every later `status` crashed on it too.
    everything_shown(tickets, (), NOW)
    snapshot = Snapshot(taken_at=NOW, tickets=tuple(tickets))
    store.save_snapshot("team-api", snapshot)
    store.observe(tickets, NOW)
    assert store.load_snapshot("team-api") == snapshot


def test_shifts_ending_never_are_kept_and_ancient_ones_skipped(
    httpserver: HTTPServer, source: TeamApiSource
) -> None:
    shifts = [
        {"person_id": "bob", "start": "2026-12-01T09:00:00Z", "end": "9999-12-31T23:00:00-05:00"},
        {"person_id": "bob", "start": "0001-01-01T00:00:00Z", "end": "2026-12-01T09:00:00Z"},
        {"person_id": "bob", "start": "9999-01-01T00:00:00Z", "end": "9999-12-31T00:00:00Z"},
    ]
    httpserver.expect_request("/api/v1/shifts").respond_with_json({"shifts": shifts})
    kept = source.fetch_shifts(NOW, NOW + timedelta(days=1))
    assert [(s.start, s.end) for s in kept] == [(datetime(2026, 12, 1, 9, tzinfo=UTC), LATEST)]
    everything_shown([], tuple(kept), NOW)


def poison(store_path: Path, body: str) -> None:
    """Write a snapshot row the way an older version did, straight into the file."""
    with sqlite3.connect(store_path) as db:
        db.execute(
            "INSERT INTO snapshot (source, saved_us, body) VALUES ('team-api', 0, ?)"
            " ON CONFLICT (source) DO UPDATE SET body = excluded.body",
            (body,),
        )
    db.close()


GOOD_TICKET = Ticket("1", "SUP-1", "printer", Priority.P1, TicketStatus.NEW, NOW, "team-api")


@pytest.mark.parametrize(
    "poisoned",
    [
        {"created_at": "9999-12-31T00:00:00+00:00"},
        {"created_at": "9999-12-31T23:00:00-05:00"},
        {"created_at": "0001-01-01T00:00:00+00:00"},
        {"id": "s\ud800x"},
        {"title": "\udfff"},
    ],
    ids=["year-9999", "year-9999-ny", "year-1", "surrogate-id", "surrogate-title"],
)
def test_a_snapshot_poisoned_by_an_older_version_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, poisoned: dict[str, str]
) -> None:
    path = tmp_path / "state.db"
    Store(path).close()  # a real store file, with its schema
    encoded = codec.encode_snapshot(Snapshot(taken_at=NOW, tickets=(GOOD_TICKET,)))
    encoded["tickets"][0].update(poisoned)
    poison(path, codec.dumps(encoded))
    with Store(path) as store, caplog.at_level(logging.WARNING):
        assert store.load_snapshot("team-api") is None
        assert "snapshot of team-api cannot be read" in caplog.text
        # The next good fetch replaces it as usual.
        fresh = Snapshot(taken_at=NOW, tickets=(GOOD_TICKET,))
        store.save_snapshot("team-api", fresh)
        assert store.load_snapshot("team-api") == fresh


# --- 2 and 9. lone surrogates and escape sequences -------------------------------------------


def test_hostile_ids_are_skipped_and_hostile_text_is_cleaned(
    httpserver: HTTPServer,
    source: TeamApiSource,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    people = [
        {"id": "bob", "name": f"Bob{TITLE_SET} Okafor{RLO}", "email": f"bob{CLEAR}@example.com"},
        {"id": f"eve{CLEAR}", "name": "Eve"},
        {"id": "s\ud800x", "name": "Lone"},
    ]
    items = [
        item("s\ud800x"),
        item(f"T-1{TITLE_SET}"),
        item(f"T-2{CLEAR}"),
        item(f"T-3{RLO}"),
        item("T-4", assignee_id=f"bob{TITLE_SET}"),
        item("T-5", assignee_id="b\udc00b"),
        item("T-6", key=f"SUP{TITLE_SET}-6{CLEAR}{RLO}", title=f"On {CLEAR}fire\ud800{RLO}"),
        item("T-7", url=f"https://x.example/{RLO}txt.exe"),
    ]
    httpserver.expect_request("/api/v1/people").respond_with_json({"people": people})
    httpserver.expect_request("/api/v1/tickets").respond_with_json({"tickets": items})
    assert source.fetch_people() == [Person("bob", "Bob]0;pwned Okafor", "bob[2J@example.com")]
    tickets = source.fetch_tickets()
    assert [(t.id, t.key, t.title, t.url) for t in tickets] == [
        ("T-6", "SUP]0;pwned-6[2J", "On [2Jfire", ""),
        ("T-7", "T-7", "Slow search", ""),
    ]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped == [
        "team-api: skipped people[1]: people[1].id contains control or bidi characters",
        "team-api: skipped people[2]: people[2].id contains control or bidi characters",
        *(
            f"team-api: skipped tickets[{i}]: tickets[{i}].{field} contains control or bidi"
            " characters"
            for i, field in enumerate(["id"] * 4 + ["assignee_id"] * 2)
        ),
    ]
    assert "\x1b" not in caplog.text and "\ud800" not in caplog.text
    # Before the fix, store.observe raised UnicodeEncodeError on "s\ud800x".
    store.observe(tickets, NOW)
    store.save_snapshot("team-api", Snapshot(taken_at=NOW, tickets=tuple(tickets)))
    assert store.load_snapshot("team-api") == Snapshot(taken_at=NOW, tickets=tuple(tickets))


# --- properties: whatever the parser accepts, the core and the store take --------------------

OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
SENTINELS = st.sampled_from(
    [
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "1900-01-01T00:00:00Z",
        "3000-01-01T00:00:00Z",
    ]
)
TIMES = SENTINELS | st.datetimes(timezones=OFFSETS).map(datetime.isoformat)
"""Any time of years 1..9999 at any offset, as servers write them."""
ESCAPES = st.sampled_from([TITLE_SET, CLEAR, RLO, "\u2066", "\x9b", "\x00", "\x7f", "\n"])
TEXT = st.lists(st.characters() | st.characters(categories=["Cs"]) | ESCAPES, max_size=10).map(
    "".join
) | st.sampled_from(["bob", "T-1", f"T{TITLE_SET}", "s\ud800x"])
"""Any text, lone surrogates and terminal escape sequences included."""
IDS = st.text(min_size=1, max_size=8) | st.sampled_from(["bob", "T-1"]) | TEXT
"""Mostly ids that pass, so the items they are in reach the maths and the store."""


@st.composite
def raw_tickets(draw: st.DrawFn) -> dict[str, Any]:
    sla = st.fixed_dictionaries(
        {"due_at": TIMES},
        optional={"kind": st.sampled_from(["response", "resolution"]), "paused": st.booleans()},
    )
    return draw(
        st.fixed_dictionaries(
            {
                "id": IDS,
                "title": TEXT,
                "priority": st.sampled_from(["P1", "P2", "P3", "P4"]),
                "created_at": TIMES,
            },
            optional={
                "key": TEXT,
                "status": st.sampled_from(["new", "acknowledged", "in_progress", "waiting"]),
                "url": TEXT | TEXT.map(lambda t: f"https://x.example/{t}"),
                "assignee_id": IDS,
                "acknowledged_at": TIMES,
                "sla": sla,
            },
        )
    )


RAW_SHIFTS = st.fixed_dictionaries(
    {"person_id": IDS, "start": TIMES, "end": TIMES}, optional={"rotation": TEXT}
)
RAW_PEOPLE = st.fixed_dictionaries({"id": IDS, "name": TEXT}, optional={"email": TEXT})
NOWS = st.sampled_from([NOW, EARLIEST, LATEST]) | st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None),
    max_value=LATEST.replace(tzinfo=None),
    timezones=st.just(UTC),
)


def accepted(
    people: list[dict[str, Any]], shifts: list[dict[str, Any]], tickets: list[dict[str, Any]]
) -> tuple[list[Person], list[Shift], list[Ticket]]:
    """What the team-API parsers keep of one answer each."""
    kept_people = keep_valid(people, lambda v, p: parse_person(v, "team-api", p), "s", "", log)
    known = {p.id: p for p in kept_people} | PEOPLE
    return (
        kept_people,
        keep_valid(shifts, lambda v, p: parse_shift(v, "team-api", p, known), "s", "", log),
        keep_valid(tickets, lambda v, p: parse_ticket(v, "team-api", p, known), "s", "", log),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(RAW_PEOPLE, max_size=3),
    st.lists(RAW_SHIFTS, max_size=3),
    st.lists(raw_tickets(), min_size=1, max_size=5),
    NOWS,
)
def test_whatever_the_parser_accepts_the_core_handles(
    people: list[dict[str, Any]],
    shifts: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
    now: datetime,
) -> None:
    _, kept_shifts, kept_tickets = accepted(people, shifts, tickets)
    # Bob on duty around now, so every ticket rule runs and writes its text.
    on_duty = Shift(BOB, max(now - timedelta(hours=1), EARLIEST), min(now + timedelta(1), LATEST))
    everything_shown(kept_tickets, (on_duty, *kept_shifts), now)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(RAW_PEOPLE, max_size=3),
    st.lists(RAW_SHIFTS, max_size=3),
    st.lists(raw_tickets(), max_size=5),
)
def test_whatever_the_parser_accepts_is_encodable_text(
    people: list[dict[str, Any]], shifts: list[dict[str, Any]], tickets: list[dict[str, Any]]
) -> None:
    kept_people, kept_shifts, kept_tickets = accepted(people, shifts, tickets)
    strings = [s for p in kept_people for s in (p.id, p.name, p.email)]
    strings += [s.person.id for s in kept_shifts] + [s.rotation for s in kept_shifts]
    for t in kept_tickets:
        strings += [t.id, t.key, t.title, t.url, t.assignee.id if t.assignee else ""]
    for text in strings:
        text.encode("utf-8")  # no lone surrogates
        assert not any(unicodedata.category(c) == "Cc" or c in BIDI for c in text)
    for at in [t.created_at for t in kept_tickets] + [s.end for s in kept_shifts]:
        assert EARLIEST <= at <= LATEST
        for tz in (UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Niue")):  # +14, -11
            format_instant(at, tz, NOW)


def test_the_store_takes_whatever_the_parser_accepts(tmp_path: Path) -> None:
    # One real store for every example: a fresh file per example would be slow.
    with Store(tmp_path / "state.db") as store:

        @settings(max_examples=150, deadline=None)
        @given(
            st.lists(RAW_PEOPLE, max_size=3),
            st.lists(RAW_SHIFTS, max_size=3),
            st.lists(raw_tickets(), max_size=5),
        )
        def saved_and_loaded(
            people: list[dict[str, Any]],
            shifts: list[dict[str, Any]],
            tickets: list[dict[str, Any]],
        ) -> None:
            kept_people, kept_shifts, kept_tickets = accepted(people, shifts, tickets)
            snapshot = Snapshot(
                taken_at=NOW,
                people=tuple(kept_people),
                shifts=tuple(kept_shifts),
                tickets=tuple(kept_tickets),
                sources=(SourceStatus("team-api", ok=True, last_ok_at=NOW),),
            )
            store.observe(kept_tickets, NOW)
            store.save_snapshot("team-api", snapshot)
            assert store.load_snapshot("team-api") == snapshot
            for ticket in kept_tickets:
                assert store.history(ticket.ref) is not None
            json.dumps(codec.encode_snapshot(snapshot), ensure_ascii=False).encode("utf-8")

        saved_and_loaded()


def test_a_clamped_ticket_still_sorts_last_among_deadlines() -> None:
    due_soon = replace(GOOD_TICKET, id="2")
    never = parse_ticket(
        item("3", sla={"due_at": "9999-12-31T23:00:00-05:00", "kind": "resolution"}),
        "team-api",
        "tickets[0]",
        PEOPLE,
    )
    order = urgency_order([never, due_soon], SlaPolicy(), NOW)
    assert [t.id for t in order] == ["2", "3"]
