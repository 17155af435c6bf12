"""`traysupport shifts --json`, `status --at` and `shifts --mine` through the real CLI,
for the rotation providers read from files: ics (a path, a file:// URL, or a served
private feed URL) and rotation-file (a TOML file).

As tests/test_cli_rotation_providers.py (see tests/provider_cli.py): a real config.toml,
`python -m traysupport` as a user runs it, who is on at each hand-off instant and a
second before. Feeds and files are laid out in local days around the test's start.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.provider_cli import (
    DAY,
    HOUR,
    SECOND,
    Expected,
    ProviderCli,
    check_edges,
    check_every_hand_off,
    check_mine,
    check_on_call,
    check_shifts,
    hour_floor,
    iso,
    now,
    start_of,
    write_config,
)
from tests.sources import ics_faultserver

# -- ics -------------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def _nights_feed(first: datetime) -> str:
    """A Google-Calendar-style feed: night cover 18:00-09:00 Berlin, Cy and Dee on
    alternate nights (two events, each every second day), titled with a username."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN"]
    lines += ["VERSION:2.0", "X-WR-CALNAME:Nights", BERLIN_VTIMEZONE]
    for n, who in enumerate(("cy", "dee")):
        day = first + n * DAY
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T180000",
            f"DTEND;TZID=Europe/Berlin:{day + DAY:%Y%m%d}T090000",
            "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=12",
            f"UID:night-{who}@google.com",
            f"SUMMARY:{who}",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n"


def _nights_expected(first: datetime) -> list[Expected]:
    people = (("cy", "cy@example.com"), ("dee", "dee@example.com"))
    rows = []
    for n in range(24):
        name, email = people[n % 2]
        day = first + n * DAY
        start = datetime.combine(day.date(), datetime.min.time().replace(hour=18), BERLIN)
        end = datetime.combine((day + DAY).date(), datetime.min.time().replace(hour=9), BERLIN)
        rows.append(
            Expected(
                email,
                name,
                email,
                start.astimezone(UTC),
                end.astimezone(UTC),
                "secondary",
                "Nights",
                "nights",
                out_of_hours=True,
            )
        )
    return rows


CORE_CALENDAR = "On Call Schedule for Core"
"""The rotation's name: the feed's X-WR-CALNAME, as docs/providers.md#ics says."""


FEED_TOKEN = "feed-4Kp-private"
"""The private part of the served feed's URL: a secret, never printed."""


@pytest.fixture(params=["file", "served"])
def ics(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ProviderCli, list[Expected]]]:
    """Two feeds: PagerDuty's export for the primary (a file path, or served at a private
    URL), a Google calendar (a file:// URL) for the nights, as secondary out-of-hours
    cover with aliases. Served, `me` is the name the feed writes, not an email."""
    at = now()
    server = None
    if request.param == "file":
        core = tmp_path / "core.ics"
        core.write_bytes(ics_faultserver.feed(at))
        url, me = str(core), "ada@example.com"
    else:
        server = ics_faultserver.IcsFaultServer(FEED_TOKEN, now=at).start()
        url, me = server.url, "Ada Lo"
    first = datetime.combine(at.date() - DAY, datetime.min.time(), BERLIN)
    nights = tmp_path / "nights.ics"
    nights.write_text(_nights_feed(first), encoding="utf-8", newline="")
    config = write_config(
        tmp_path / "config.toml",
        me,
        f"""[[source]]
name = "core"
provider = "ics"
url = "{url}"

[[source]]
name = "nights"
provider = "ics"
url = "{nights.as_uri()}"
role = "secondary"
out_of_hours = true
aliases = {{ "cy" = "cy@example.com", "dee" = "dee@example.com" }}
""",
    )
    names = {email: name for name, email in ics_faultserver.PEOPLE}
    expected = [
        Expected(email, names[email], email, start, end, "primary", CORE_CALENDAR, "core")
        for email, start, end in ics_faultserver.feed_shifts(at)
    ]
    cli = ProviderCli(tmp_path / "home", config, {}, secrets=(FEED_TOKEN,))
    try:
        yield cli, expected + _nights_expected(first)
    finally:
        if server is not None:
            server.stop()


def test_ics_shifts_hand_offs_and_mine(ics: tuple[ProviderCli, list[Expected]]) -> None:
    cli, expected = ics
    start = hour_floor(now())

    check_shifts(cli, expected, start, start + 2 * DAY)
    check_every_hand_off(cli, expected, "primary")
    check_edges(cli, expected, "secondary")
    check_mine(cli, expected, "ada@example.com", start, start + 2 * DAY)


# -- rotation-file ---------------------------------------------------------------------

MEMBERS = (
    ("Ada Lo", "ada@example.com"),
    ("Bob Ng", "bob@example.com"),
    ("Cy Park", "cy@example.com"),
)


def rotation_file_text(first: datetime) -> str:
    """Daily turns at 09:00 Berlin from *first*, two people a turn (primary, secondary);
    night cover 18:00-09:00 by Bob and Cy in daily turns handed over at 18:00."""
    lines = [
        "version = 1",
        'name = "Support"',
        'timezone = "Europe/Berlin"',
        'turn = "daily"',
        'handoff_time = "09:00"',
        f"start = {first.date().isoformat()}",
        "per_turn = 2",
    ]
    for name, email in MEMBERS:
        lines += ["", "[[member]]", f'name = "{name}"', f'email = "{email}"']
    lines += [
        "",
        "[[out_of_hours]]",
        'name = "Nights"',
        'members = ["bob@example.com", "cy@example.com"]',
        'turn = "daily"',
        'handoff_time = "18:00"',
        'nightly = "18:00-09:00"',
    ]
    return "\n".join(lines) + "\n"


def _local(day: datetime, days: int, hour: int) -> datetime:
    """*hour*:00 Berlin wall time *days* after *day*'s date, in UTC."""
    date = (day + days * DAY).date()
    return datetime.combine(date, datetime.min.time().replace(hour=hour), BERLIN).astimezone(UTC)


def rotation_expected(first: datetime) -> list[Expected]:
    """Turn k: members 2k and 2k+1 (wrapping) by day; night k: Bob or Cy, out of hours."""
    rows = []
    for k in range(20):
        start, end = _local(first, k, 9), _local(first, k + 1, 9)
        for slot, role in enumerate(("primary", "secondary")):
            name, email = MEMBERS[(2 * k + slot) % len(MEMBERS)]
            rows.append(Expected(email, name, email, start, end, role, "Support", "rota"))
        name, email = MEMBERS[1 + k % 2]
        night = _local(first, k, 18), _local(first, k + 1, 9)
        rows.append(Expected(email, name, email, *night, "primary", "Nights", "rota", True))
    return rows


def test_rotation_file_shifts_hand_offs_and_mine(tmp_path: Path) -> None:
    first = datetime.combine(now().astimezone(BERLIN).date() - 3 * DAY, datetime.min.time(), BERLIN)
    rotation = tmp_path / "rotation.toml"
    rotation.write_text(rotation_file_text(first), encoding="utf-8")
    config = write_config(
        tmp_path / "config.toml",
        "cy@example.com",
        f'[[source]]\nname = "rota"\nprovider = "rotation-file"\npath = "{rotation}"\n',
        timezone="Europe/Berlin",
    )
    cli = ProviderCli(tmp_path / "home", config, {})
    expected = rotation_expected(first)
    start = hour_floor(now())

    check_shifts(cli, expected, start, start + 2 * DAY)
    check_every_hand_off(cli, expected, "primary")
    check_every_hand_off(cli, expected, "secondary")
    night = min((e for e in expected if e.out_of_hours and e.start > now() + HOUR), key=start_of)
    for at in (night.start - SECOND, night.start, night.end - SECOND, night.end):
        check_on_call(cli, expected, at)
    check_mine(cli, expected, "cy@example.com", start, start + 2 * DAY)
    _check_local_times(cli, expected)


def _check_local_times(cli: ProviderCli, expected: list[Expected]) -> None:
    """`status --at` in the words a person types, local (Berlin) time: "tomorrow 09:00"
    is tomorrow's hand-off, the incoming primary on; a local time a second before it,
    written without a zone, still the outgoing one."""
    today = datetime.combine(now().astimezone(BERLIN).date(), datetime.min.time(), BERLIN)
    hand_off = _local(today, 1, 9)
    incoming = next(
        e for e in expected if e.start == hand_off and e.role == "primary" and not e.out_of_hours
    )
    outgoing = next(
        e for e in expected if e.end == hand_off and e.role == "primary" and not e.out_of_hours
    )

    at = cli.json("status", "--at", "tomorrow 09:00")
    before = cli.json("status", "--at", f"{(today + DAY).date().isoformat()}T08:59:59")

    text = cli.run("status", "--at", "tomorrow 09:00")
    on_then = next(line for line in text.out.splitlines() if line.startswith("On duty then:"))
    assert f"{incoming.name} (primary, until" in on_then, text.out
    assert f"{outgoing.name} (primary" not in on_then, text.out
    assert at["duty_at"] == iso(hand_off)
    assert before["duty_at"] == iso(hand_off - SECOND)
    day_primaries = {
        name: {p["id"] for p in answer["on_call_now"] if p["role"] == "primary"}
        for name, answer in (("at", at), ("before", before))
    }
    assert incoming.person_id in day_primaries["at"]
    assert outgoing.person_id in day_primaries["before"]
    assert day_primaries["at"] == {
        e.person_id for e in expected if e.role == "primary" and e.start <= hand_off < e.end
    }
    assert day_primaries["before"] == {
        e.person_id
        for e in expected
        if e.role == "primary" and e.start <= hand_off - SECOND < e.end
    }
