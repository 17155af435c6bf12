"""`traysupport shifts` and `status --at`: the window, its clipping, hand-overs, JSON and text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from traysupport import shifts_report
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import Person, Role, Shift, Snapshot, SourceStatus
from traysupport.report import status_dict, status_text
from traysupport.service import ServiceState
from traysupport.shifts_report import Window, WindowError, build, shifts_dict, shifts_text

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
ME = Person("me", "Sam Rivera", "sam@example.com")
ALEX = Person("alex", "Alex Martin", "alex@example.com")
PRIYA = Person("priya", "Priya Natarajan", "priya@example.com")
ROTA = SourceStatus("pd", ok=True, last_ok_at=NOW, provider="pagerduty", roles=("rotation",))
DESK = SourceStatus("desk", ok=True, last_ok_at=NOW, provider="zendesk", roles=("queue",))


def shift(
    person: Person, start: datetime, hours: float, role: Role = Role.PRIMARY, **extra: object
) -> Shift:
    values: dict[str, object] = {"rotation": "support", "source": "pd", **extra}
    return Shift(person, start, start + timedelta(hours=hours), role, **values)  # type: ignore[arg-type]


def state(*shifts: Shift, sources: tuple[SourceStatus, ...] = (ROTA, DESK)) -> ServiceState:
    snapshot = Snapshot(NOW, people=(ME, ALEX, PRIYA), shifts=shifts, sources=sources)
    return ServiceState(snapshot, ME, (), AlertSettings())


def days(n: float) -> timedelta:
    return timedelta(days=n)


FORTNIGHT = Window(NOW, NOW + days(14))


# -- the window -----------------------------------------------------------------------------


def test_shifts_overlapping_the_window_by_start_then_role() -> None:
    before = shift(ALEX, NOW - days(2), 8)
    ongoing = shift(ALEX, NOW - timedelta(hours=1), 8)
    shadow = shift(PRIYA, NOW + days(1), 8, Role.SHADOW)
    primary = shift(ME, NOW + days(1), 8)
    after = shift(ME, NOW + days(14), 8)

    report = build(state(after, shadow, primary, before, ongoing), FORTNIGHT, NOW, mine=False)

    assert report.shifts == (ongoing, primary, shadow)
    assert not report.clipped


def test_mine_keeps_only_my_shifts() -> None:
    mine = shift(ME, NOW + days(1), 8)

    report = build(state(shift(ALEX, NOW, 8), mine), FORTNIGHT, NOW, mine=True)

    assert report.shifts == (mine,)


def test_a_window_beyond_what_the_service_reads_is_clipped_and_says_so() -> None:
    last_known = shift(ALEX, NOW + days(13.5), 8)  # overlaps the read span: known
    asked = Window(NOW, NOW + days(30))

    report = build(state(last_known), asked, NOW, mine=False)

    assert report.clipped
    assert report.shown == Window(NOW, NOW + days(14))
    assert report.shifts == (last_known,)
    note = shifts_report.clip_note(report, BERLIN, NOW)
    assert note is not None and "after Mon 21 Dec 09:00 are not known" in note
    assert shifts_dict(report)["clipped"] is True
    assert note in shifts_text(report, BERLIN, NOW)


def test_a_stale_rotation_source_clips_the_window_at_its_last_read() -> None:
    read = NOW - days(3)
    stale = SourceStatus("pd", ok=False, last_ok_at=read, error="timed out", roles=("rotation",))

    report = build(state(sources=(stale, DESK)), FORTNIGHT, NOW, mine=False)

    assert report.shown.end == read + days(14)
    assert not report.answered
    assert "pd did not answer (timed out): its shifts are as read 3 d ago." in shifts_text(
        report, UTC, NOW
    )


def test_a_queue_sources_read_does_not_clip_the_rotation() -> None:
    old_desk = SourceStatus("desk", ok=True, last_ok_at=NOW - days(5), roles=("queue",))

    report = build(state(sources=(ROTA, old_desk)), FORTNIGHT, NOW, mine=False)

    assert not report.clipped


def test_the_default_window_is_now_to_a_fortnight_ahead() -> None:
    assert shifts_report.asked_window(None, None, NOW, BERLIN) == FORTNIGHT
    tomorrow = shifts_report.asked_window("tomorrow", None, NOW, BERLIN)
    assert tomorrow.end == NOW + days(14)
    far = shifts_report.asked_window("+20d", None, NOW, BERLIN)
    assert far == Window(NOW + days(20), NOW + days(21))


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("tomorow", None, "--from 'tomorow': not a time"),
        ("+2d", "+1d", "--to '+1d' is not after --from '+2d'"),
        (None, "-1h", "is not after --from 'now'"),
    ],
)
def test_bad_windows_are_refused_with_the_option(
    since: str | None, until: str | None, message: str
) -> None:
    with pytest.raises(WindowError, match=message.replace("+", r"\+")):
        shifts_report.asked_window(since, until, NOW, BERLIN)


def test_at_beyond_the_read_span_is_refused_not_answered_with_nobody() -> None:
    assert shifts_report.duty_instant(None, NOW, BERLIN) is None
    assert shifts_report.duty_instant("+13d", NOW, BERLIN) == NOW + days(13)
    with pytest.raises(WindowError, match="after Mon 21 Dec 09:00 are not known"):
        shifts_report.duty_instant("+15d", NOW, BERLIN)
    with pytest.raises(WindowError, match="before Sun 09:00 are not known"):
        shifts_report.duty_instant("-2d", NOW, BERLIN)


# -- hand-overs -----------------------------------------------------------------------------


def test_a_hand_over_is_a_shift_starting_as_another_persons_of_its_role_ends() -> None:
    day = shift(ALEX, NOW, 8)
    evening = shift(ME, day.end, 4, rotation="evenings", out_of_hours=True)
    me_again = shift(ME, evening.end, 4)  # I continue: no hand-over
    shadow = shift(PRIYA, day.end, 4, Role.SHADOW)  # another role: no hand-over

    report = build(state(day, evening, me_again, shadow), FORTNIGHT, NOW, mine=False)

    assert report.handed_from == {evening: (ALEX,)}


def test_the_first_shift_in_the_window_knows_who_hands_over_from_before_it() -> None:
    before = shift(ALEX, NOW - timedelta(hours=8), 8)
    first = shift(ME, NOW, 8)

    report = build(state(before, first), FORTNIGHT, NOW, mine=False)

    assert report.shifts == (first,)
    assert report.handed_from[first] == (ALEX,)


# -- output ---------------------------------------------------------------------------------


def test_json_is_the_documented_shape_in_utc_by_start() -> None:
    late = shift(ALEX, NOW + days(2), 8, source="eu-rota", rotation="eu")
    early = shift(ME, NOW + days(1), 8, out_of_hours=True)

    answer = shifts_dict(build(state(late, early), FORTNIGHT, NOW, mine=False))

    assert set(answer) == {"from", "to", "clipped", "shifts"}
    assert answer["from"] == "2026-12-07T08:00:00Z"
    first, second = answer["shifts"]
    assert first == {
        "person": {"id": "me", "name": "Sam Rivera", "email": "sam@example.com"},
        "start": "2026-12-08T08:00:00Z",
        "end": "2026-12-08T16:00:00Z",
        "role": "primary",
        "rotation": "support",
        "source": "pd",
        "out_of_hours": True,
    }
    assert (second["source"], second["rotation"]) == ("eu-rota", "eu")


def test_text_is_a_table_per_local_day_marking_mine_hand_overs_and_out_of_hours() -> None:
    # 23:00 UTC on Monday is Tuesday 00:00 in Berlin: the table is by local day.
    day = shift(ALEX, NOW + timedelta(hours=7), 8)
    night = shift(ME, day.end, 10, out_of_hours=True)

    text = shifts_text(build(state(day, night), FORTNIGHT, NOW, mine=False), BERLIN, NOW)

    lines = text.splitlines()
    assert lines[0] == (
        "Shifts from Mon 2026-12-07 09:00 to Mon 2026-12-21 09:00 "
        "(times in Europe/Berlin, UTC+01:00)"
    )
    monday, tuesday = lines.index("Mon 2026-12-07"), lines.index("Tue 2026-12-08")
    alex, sam = lines[monday + 1], lines[tuesday + 1]
    assert alex.startswith("    16:00-00:00 +1d") and "Alex Martin" in alex
    assert sam.startswith("  * 00:00-10:00 ")
    assert sam.endswith("[out of hours; ⇄ from Alex Martin]")
    assert "support · pd" in sam


def test_the_header_names_utc_once() -> None:
    report = build(state(shift(ALEX, NOW, 1)), FORTNIGHT, NOW, mine=False)
    for zone in (ZoneInfo("UTC"), ZoneInfo("Etc/UTC"), UTC):
        header = shifts_text(report, zone, NOW).splitlines()[0]
        assert header.endswith("(times in UTC)"), header


def test_server_text_stays_on_its_line() -> None:
    odd = Person("odd", "Eve\nInjected line\x1b[2J")

    text = shifts_text(build(state(shift(odd, NOW, 1)), FORTNIGHT, NOW, mine=False), UTC, NOW)

    assert not any(line.startswith("Injected") for line in text.splitlines())


def test_an_empty_window_says_so() -> None:
    text = shifts_text(build(state(), FORTNIGHT, NOW, mine=False), UTC, NOW)

    assert text.splitlines()[-1] == "No shifts in this window."


# -- status --at ----------------------------------------------------------------------------


def test_status_at_an_instant_answers_duty_then_and_keeps_at_the_report_time() -> None:
    alex = shift(ALEX, NOW, 24)
    mine = shift(ME, alex.end, 24)

    answer = status_dict(state(alex, mine), NOW, demo=False, duty_at=mine.start)

    assert answer["at"] == "2026-12-07T08:00:00Z"
    assert answer["duty_at"] == "2026-12-08T08:00:00Z"
    assert [p["id"] for p in answer["on_call_now"]] == ["me"], "the incoming person only"
    assert answer["on_duty"] is True
    just_before = status_dict(
        state(alex, mine), NOW, demo=False, duty_at=mine.start - timedelta(seconds=1)
    )
    assert [p["id"] for p in just_before["on_call_now"]] == ["alex"]
    assert status_dict(state(alex, mine), NOW, demo=False)["duty_at"] == answer["at"]


def test_status_text_at_an_instant_says_then_and_that_the_queue_is_now() -> None:
    mine = shift(ME, NOW + days(1), 8)

    lines = status_text(state(mine), NOW, BERLIN, demo=False, duty_at=mine.start).splitlines()

    assert lines[0] == "Duty at Tue 09:00 (asked with --at; the queue below is now):"
    assert lines[1] == "You (Sam Rivera): ON DUTY then as primary until Tue 17:00 (8 h left then)"
    assert lines[3] == "On duty then: Sam Rivera (primary, until Tue 17:00)"


def test_duty_note_when_a_stale_source_does_not_reach_the_instant() -> None:
    stale = SourceStatus("pd", ok=False, last_ok_at=NOW - days(3), roles=("rotation",))
    at = NOW + days(12)

    assert shifts_report.duty_note(state(), at, UTC, NOW) is None
    note = shifts_report.duty_note(state(sources=(stale,)), at, UTC, NOW)
    assert note is not None and "are not known" in note
