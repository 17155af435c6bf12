"""The ics provider against feeds written in each exporter's documented style (tests/sources/ics/).

Shapes: provider-apis.md §6, §8 and §10 "iCalendar feeds: traps". Files are read as paths
and file:// URLs; HTTP goes through pytest-httpserver (ETag and the 304 path).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport.core.model import Role
from traysupport.sources import ics
from traysupport.sources.base import BadDataError, SourceError
from traysupport.sources.http import HttpClient
from traysupport.sources.ics_people import recognise
from traysupport.sources.provider import SourceContext
from traysupport.sources.settings import InvalidValueError

FEEDS = Path(__file__).parent / "ics"
WIDE = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def build(url: str, **settings: Any) -> ics.IcsSource:
    """An ics source built through its spec, as the app does."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient("feed", base_url, auth=auth, **kwargs)

    context = SourceContext(name="feed", token=None, http=http, clock=lambda: utc(2026, 5, 1))
    source = ics.SPEC.build(ics.IcsSettings(url=url, **settings), context)
    assert isinstance(source, ics.IcsSource)
    return source


def shifts_of(name: str, window: tuple[datetime, datetime] = WIDE, **settings: Any) -> list[Any]:
    source = build(str(FEEDS / f"{name}.ics"), **settings)
    source.fetch_people()
    return [(s.person.id, s.person.name, s.start, s.end) for s in source.fetch_shifts(*window)]


def write(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "feed.ics"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return str(path)


def calendar(*lines: str, head: tuple[str, ...] = ()) -> tuple[str, ...]:
    return (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//test//EN",
        *head,
        *lines,
        "END:VCALENDAR",
    )


def event(*lines: str) -> tuple[str, ...]:
    return ("BEGIN:VEVENT", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT")


class TestExporters:
    def test_pagerduty_bare_attendee_email_and_a_folded_summary(self) -> None:
        assert shifts_of("pagerduty") == [
            ("ada@example.com", "Ada Lo", utc(2026, 5, 4, 7), utc(2026, 5, 11, 7)),
            ("jane@example.com", "Jane Doe", utc(2026, 5, 11, 7), utc(2026, 5, 18, 7)),
        ]

    def test_linkedin_attendee_cn_and_mailto_with_non_ascii_names(self) -> None:
        assert shifts_of("linkedin") == [
            ("zoe@example.com", "Zoë Ærøskøbing", utc(2026, 5, 4, 7), utc(2026, 5, 5, 7)),
            ("lee@example.com", "李小龍", utc(2026, 5, 5, 7), utc(2026, 5, 6, 7)),
        ]

    def test_goalert_html_entities_decoded_and_begins_marker_dropped(self) -> None:
        assert [s[:2] for s in shifts_of("goalert")] == [
            ("Seán O'Shea", "Seán O'Shea"),
            ("Bob & Co", "Bob & Co"),
        ]

    def test_goalert_aliases_give_people_their_emails(self) -> None:
        aliases = (("seán o'shea", "sean@example.com"),)
        people = build(str(FEEDS / "goalert.ics"), aliases=aliases).fetch_people()
        assert {(p.id, p.name, p.email) for p in people} == {
            ("sean@example.com", "Seán O'Shea", "sean@example.com"),
            ("Bob & Co", "Bob & Co", ""),
        }

    def test_grafana_usernames_without_level_and_cancelled_or_zero_length_dropped(self) -> None:
        assert shifts_of("grafana") == [
            ("ada", "ada", utc(2026, 5, 4), utc(2026, 5, 4, 12)),
            ("bob", "bob", utc(2026, 5, 4, 12), utc(2026, 5, 5)),
        ]
        people = build(str(FEEDS / "grafana.ics")).fetch_people()
        assert {p.id for p in people} == {"ada", "bob"}  # carol and dave were cancelled

    def test_grafana_before_2024_with_its_refresh_interval_p1h_is_read(self) -> None:
        # grafana-2023.ics is what Grafana OnCall 1.2.15 to 1.3.90 (April 2023 to January
        # 2024) exported: grafana/oncall@9cbcac50 create_base_icalendar added
        # `REFRESH-INTERVAL;VALUE=DURATION:P1H` (a duration RFC 5545 §3.3.6 refuses: hours
        # need the T), fixed to PT1H by @d7ce341b (#3732); events as in v1.3.0
        # refresh_ical_final_schedule; the file was written by icalendar 4.0.7, as theirs.
        june = (utc(2023, 6, 1), utc(2023, 7, 1))
        assert shifts_of("grafana-2023", june) == [
            ("ada", "ada", utc(2023, 6, 5, 9), utc(2023, 6, 5, 17)),
            ("bob", "bob", utc(2023, 6, 5, 17), utc(2023, 6, 6, 9)),
        ]
        [ada, _] = build(str(FEEDS / "grafana-2023.ics")).fetch_shifts(*june)
        assert ada.rotation == "SRE primary"

    def test_opsgenie_attendee_email_lower_cased(self) -> None:
        assert shifts_of("opsgenie") == [
            ("ada@example.com", "Ada Lo", utc(2026, 5, 4, 8), utc(2026, 5, 4, 20))
        ]

    @pytest.mark.parametrize(
        ("name", "exporter"),
        [
            ("pagerduty", "pagerduty"),
            ("linkedin", "linkedin"),
            ("goalert", "goalert"),
            ("grafana", "grafana"),
            ("grafana-2023", "grafana"),
            ("google", "google"),
            ("opsgenie", "opsgenie"),
        ],
    )
    def test_the_exporter_is_recognised(self, name: str, exporter: str) -> None:
        text = (FEEDS / f"{name}.ics").read_text(encoding="utf-8")
        assert recognise(ics.parse_calendar("feed", text)) == exporter


class TestGoogleCalendar:
    def test_weekly_handoff_stays_at_nine_local_across_both_dst_changes(self) -> None:
        shifts = shifts_of("google", (utc(2026, 3, 20), utc(2026, 4, 1)))
        # CET until 29 March, CEST after: 09:00 local is 08:00Z, then 07:00Z
        assert shifts == [
            ("Ada Lo", "Ada Lo", utc(2026, 3, 16, 8), utc(2026, 3, 23, 8)),
            ("Bob Ng", "Bob Ng", utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)),
            ("Ada Lo", "Ada Lo", utc(2026, 3, 30, 7), utc(2026, 4, 6, 7)),
        ]
        autumn = shifts_of("google", (utc(2026, 10, 20), utc(2026, 10, 27)))
        assert [s[2:] for s in autumn] == [
            (utc(2026, 10, 19, 7), utc(2026, 10, 26, 8)),
            (utc(2026, 10, 26, 8), utc(2026, 11, 2, 8)),
        ]

    def test_recurrence_id_listed_first_replaces_and_exdate_removes(self) -> None:
        shifts = shifts_of("google", (utc(2026, 4, 6, 7), utc(2026, 4, 20, 7)))
        # Bob's 6 April week moved to Carol from 12:00 local; Ada's 13 April week is gone
        assert shifts == [("Carol Diaz", "Carol Diaz", utc(2026, 4, 6, 10), utc(2026, 4, 13, 7))]

    def test_all_day_event_is_a_day_in_the_calendars_zone(self) -> None:
        dana = ("Dana Ek", "Dana Ek", utc(2026, 5, 31, 22), utc(2026, 6, 1, 22))
        assert dana in shifts_of("google", (utc(2026, 6, 1, 12), utc(2026, 6, 1, 13)))
        # 00:30 on 1 June in Berlin is still 31 May in UTC: the day is Berlin's
        assert dana in shifts_of("google", (utc(2026, 5, 31, 22, 30), utc(2026, 5, 31, 23)))
        assert dana not in shifts_of("google", (utc(2026, 6, 1, 22), utc(2026, 6, 1, 23)))

    def test_duration_instead_of_dtend_and_email_in_summary_and_cancelled(self) -> None:
        shifts = shifts_of("google", (utc(2026, 7, 1, 9), utc(2026, 7, 3)))
        assert [s for s in shifts if s[0] != "Bob Ng"] == [
            ("ada@example.com", "ada@example.com", utc(2026, 7, 1, 8), utc(2026, 7, 1, 12))
        ]  # Erin Po's 2 July event is cancelled

    def test_a_summary_name_finds_the_email_an_alias_gives(self) -> None:
        shifts = shifts_of(
            "google", (utc(2026, 3, 17), utc(2026, 3, 18)), aliases=(("Ada Lo", "ada@example.com"),)
        )
        assert shifts == [("ada@example.com", "Ada Lo", utc(2026, 3, 16, 8), utc(2026, 3, 23, 8))]


class TestExpansion:
    def test_only_the_window_asked_for_is_expanded(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event(
                    "UID:d",
                    "DTSTART:20260101T090000Z",
                    "DTEND:20260101T170000Z",
                    "RRULE:FREQ=DAILY",
                    "SUMMARY:Ada",
                )
            ),
        )
        shifts = build(url).fetch_shifts(utc(2026, 6, 1), utc(2026, 6, 3))
        assert [s.start for s in shifts] == [utc(2026, 6, 1, 9), utc(2026, 6, 2, 9)]

    def test_duration_of_seven_days_is_calendar_days_across_dst(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event(
                    "UID:w",
                    "DTSTART;TZID=Europe/Berlin:20260323T090000",
                    "DURATION:P7D",
                    "SUMMARY:Ada",
                )
            ),
        )
        [shift] = build(url).fetch_shifts(*WIDE)
        assert (shift.start, shift.end) == (utc(2026, 3, 23, 8), utc(2026, 3, 30, 7))

    def test_all_day_events_use_the_timezone_setting_without_x_wr_timezone(
        self, tmp_path: Path
    ) -> None:
        from zoneinfo import ZoneInfo

        url = write(
            tmp_path,
            *calendar(*event("UID:a", "DTSTART;VALUE=DATE:20260601", "SUMMARY:Ada")),
        )
        [shift] = build(url, timezone=ZoneInfo("America/New_York")).fetch_shifts(*WIDE)
        assert (shift.start, shift.end) == (utc(2026, 6, 1, 4), utc(2026, 6, 2, 4))

    def test_settings_set_role_rotation_out_of_hours_and_the_pattern(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event(
                    "UID:p",
                    "DTSTART:20260601T180000Z",
                    "DTEND:20260602T060000Z",
                    "SUMMARY:Nights: Ada Lo (backup)",
                )
            ),
        )
        source = build(
            url,
            role="secondary",
            rotation="Nights",
            out_of_hours=True,
            person_pattern=r"Nights: (?P<person>[^(]+?) \(",
        )
        [shift] = source.fetch_shifts(*WIDE)
        assert (shift.person.id, shift.role, shift.rotation, shift.out_of_hours) == (
            "Ada Lo",
            Role.SECONDARY,
            "Nights",
            True,
        )

    def test_a_folded_non_ascii_name_is_unfolded(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event(
                    "UID:f",
                    "DTSTART:20260601T000000Z",
                    "DTEND:20260601T080000Z",
                    "SUMMARY:On Call - Zoë Ærø",
                    " skøbing - Core Escalation",
                    "ATTENDEE:zoe@example.com",
                ),
            ),
        )
        [shift] = build(url).fetch_shifts(*WIDE)
        assert (shift.person.id, shift.person.name) == ("zoe@example.com", "Zoë Ærøskøbing")

    def test_a_zero_length_event_is_not_a_shift(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event(
                    "UID:z", "DTSTART:20260601T000000Z", "DTEND:20260601T000000Z", "SUMMARY:Zed"
                ),
                *event("UID:d", "DTSTART:20260601T000000Z", "DURATION:PT0S", "SUMMARY:Dur"),
                *event(
                    "UID:ok", "DTSTART:20260601T000000Z", "DTEND:20260601T080000Z", "SUMMARY:Ada"
                ),
            ),
        )
        assert [s.person.id for s in build(url).fetch_shifts(*WIDE)] == ["Ada"]

    def test_an_event_with_an_unreadable_time_is_skipped_not_the_feed(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event("UID:bad", "DTSTART:2026XX", "DTEND:20260601T000000Z", "SUMMARY:Bad"),
                *event(
                    "UID:ok", "DTSTART:20260601T000000Z", "DTEND:20260601T080000Z", "SUMMARY:Ada"
                ),
            ),
        )
        assert [s.person.id for s in build(url).fetch_shifts(*WIDE)] == ["Ada"]


class TestBrokenFeeds:
    def test_a_line_the_library_refuses_is_a_bad_data_error_naming_the_line(
        self, tmp_path: Path
    ) -> None:
        url = write(
            tmp_path, "BEGIN:VCALENDAR", "VERSION:2.0", "this is not iCalendar", "END:VCALENDAR"
        )
        with pytest.raises(BadDataError, match=r"line 3 \('this is not iCalendar'\)"):
            build(url).fetch_shifts(*WIDE)

    @pytest.mark.parametrize(
        "hint",
        ["REFRESH-INTERVAL;VALUE=DURATION:P1H", "REFRESH-INTERVAL:P1H", "X-PUBLISHED-TTL:P1H"],
    )
    def test_a_refresh_hint_the_library_refuses_is_left_out(
        self, tmp_path: Path, hint: str
    ) -> None:
        # We poll on our own schedule and never read the hint; the rest of the feed counts
        ada = event("UID:a", "DTSTART:20260601T000000Z", "DTEND:20260601T080000Z", "SUMMARY:Ada")
        url = write(tmp_path, *calendar(*ada, head=(hint, "X-WR-CALNAME:Nights")))
        [shift] = build(url).fetch_shifts(*WIDE)
        assert (shift.person.id, shift.rotation) == ("Ada", "Nights")

    def test_another_calendar_line_the_library_refuses_still_names_its_line(
        self, tmp_path: Path
    ) -> None:
        # icalendar's reason ("Expected time, got: 2026XX") quotes no line: the parser keeps it
        head = ("REFRESH-INTERVAL;VALUE=DURATION:P1H", "LAST-MODIFIED:2026XX")
        url = write(tmp_path, *calendar(head=head))
        with pytest.raises(BadDataError, match=r"line 5 \('LAST-MODIFIED:2026XX'\): Expected"):
            build(url).fetch_people()

    def test_a_folded_refused_line_is_named_by_its_first_line(self, tmp_path: Path) -> None:
        url = write(tmp_path, *calendar(head=("LAST-MODIFIED:2026", " 0601TXX")))
        with pytest.raises(BadDataError, match=r"line 4 \('LAST-MODIFIED:20260601TXX'\)"):
            build(url).fetch_people()

    def test_a_fold_splitting_a_character_is_refused_as_not_utf8(self, tmp_path: Path) -> None:
        # A known limit: icalendar decodes before it unfolds, so it cannot mend this
        e_acute = "é".encode()
        name = b"X-WR-CALNAME:Caf" + e_acute[:1] + b"\r\n " + e_acute[1:]
        path = tmp_path / "feed.ics"
        head = "\r\n".join(calendar()[:3]).encode()
        path.write_bytes(head + b"\r\n" + name + b"\r\nEND:VCALENDAR\r\n")
        with pytest.raises(SourceError, match="is not UTF-8 text"):
            build(str(path)).fetch_people()

    def test_a_refresh_interval_inside_a_timezone_is_not_left_out(self, tmp_path: Path) -> None:
        # Only the calendar's own hint is ours to drop; a component that refuses is refused
        zone = ("BEGIN:VTIMEZONE", "TZID:X", "REFRESH-INTERVAL:P1H", "END:VTIMEZONE")
        url = write(tmp_path, *calendar(*zone))
        with pytest.raises(BadDataError, match=r"line 6 \('REFRESH-INTERVAL:P1H'\)"):
            build(url).fetch_people()

    def test_not_a_calendar(self, tmp_path: Path) -> None:
        url = write(tmp_path, "BEGIN:VCARD", "FN:Ada", "END:VCARD")
        with pytest.raises(BadDataError, match="no VCALENDAR"):
            build(url).fetch_people()

    def test_a_missing_file_says_so(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match=r"feed: the calendar file .*nope.ics does not exist"):
            build(str(tmp_path / "nope.ics")).fetch_people()

    def test_a_file_url_is_read_as_a_file(self, tmp_path: Path) -> None:
        url = write(
            tmp_path,
            *calendar(
                *event("UID:x", "DTSTART:20260601T000000Z", "DTEND:20260601T080000Z", "SUMMARY:Ada")
            ),
        )
        assert [p.id for p in build(Path(url).as_uri()).fetch_people()] == ["Ada"]


class TestHttp:
    def test_served_feed_is_read_then_revalidated_with_a_304(self, httpserver: HTTPServer) -> None:
        body = (FEEDS / "pagerduty.ics").read_bytes()
        seen: list[str | None] = []

        def answer(request: Request) -> Response:
            seen.append(request.headers.get("If-None-Match"))
            if request.headers.get("If-None-Match") == '"v1"':
                return Response(status=304, headers={"ETag": '"v1"'})
            return Response(
                body, content_type="text/calendar; charset=utf-8", headers={"ETag": '"v1"'}
            )

        httpserver.expect_request("/private/s3cret/feed").respond_with_handler(answer)
        source = build(httpserver.url_for("/private/s3cret/feed"))
        try:
            first = source.fetch_shifts(*WIDE)
            again = source.fetch_shifts(*WIDE)
        finally:
            source.close()
        assert seen == [None, '"v1"']
        assert first == again and [s.person.name for s in again] == ["Ada Lo", "Jane Doe"]

    def test_the_secret_feed_url_never_shows_in_an_error(self, httpserver: HTTPServer) -> None:
        httpserver.expect_request("/private/s3cret/feed").respond_with_data("nope", status=404)
        source = build(httpserver.url_for("/private/s3cret/feed"))
        try:
            with pytest.raises(SourceError) as raised:
                source.fetch_people()
        finally:
            source.close()
        assert "s3cret" not in str(raised.value)

    def test_webcal_is_read_as_https_with_the_url_kept_secret(self) -> None:
        made: list[tuple[str, dict[str, Any]]] = []

        def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
            made.append((base_url, kwargs))
            return HttpClient("feed", base_url, auth=auth, **kwargs)

        context = SourceContext(name="feed", token=None, http=http, clock=lambda: utc(2026, 5, 1))
        url = "webcal://acme.pagerduty.com/private/x/feed/PS1"
        source = ics.SPEC.build(ics.IcsSettings(url=url), context)
        source.close()  # type: ignore[attr-defined]
        assert made == [("https://acme.pagerduty.com/private/x/feed/PS1", {"url_is_secret": True})]


class TestSettings:
    def test_feed_url_kinds(self) -> None:
        kind = ics.FeedUrl()
        for good in ("https://x.example/f", "webcal://x/f", "file:///tmp/a.ics", "/tmp/a.ics"):
            assert kind.parse(good) == good
        with pytest.raises(InvalidValueError):
            kind.parse("ftp://x/f")

    def test_person_pattern_needs_a_named_group(self) -> None:
        kind = ics.PersonPattern()
        assert kind.parse(r"(?P<person>\w+)")
        for bad in (r"(\w+)", "(unclosed"):
            with pytest.raises(InvalidValueError):
                kind.parse(bad)

    def test_aliases_table(self) -> None:
        from traysupport.sources.settings import TextTable

        assert TextTable().parse({"ada": "ada@example.com"}) == (("ada", "ada@example.com"),)
        with pytest.raises(InvalidValueError):
            TextTable().parse({"ada": 1})
