"""A misbehaving iCalendar feed server, for the provider contract (tests/sources/contract.py).

One endpoint, ``feed``, at ``/private/<token>/feed`` as PagerDuty's private feeds are
(provider-apis.md §6): the token is in the URL path, so no Authorization header is
sent and the URL itself must never show in a message. It answers a PagerDuty-shaped
feed around `now` (with an ETag, and 304 when it is sent back), or misbehaves as the
`Fault` set on it says, with every mode of tests/faultmodes.py in ICS terms. Serving,
stopping and the fault dispatch are tests/sources/vendor_faultserver.py's; this holds
only the feed's shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.sources.vendor_faultserver import HOSTILE_NAME, FeedFaultServer, FeedHandler

PEOPLE = (("Ada Lo", "ada@example.com"), ("Bob Ng", "bob@example.com"))


def feed_shifts(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(email, start, end): eight 12-hour shifts from a day before *now*, alternating."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    return [
        (PEOPLE[n % 2][1], first + timedelta(hours=12 * n), first + timedelta(hours=12 * (n + 1)))
        for n in range(18)
    ]


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed(now: datetime, *, hostile: bool = False) -> bytes:
    """The sound feed (PagerDuty's shape); *hostile* adds bad text and unusable events."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID;X-RICAL-TZSOURCE=TZINFO:-//com.denhaven2/NONSGML ri_cal gem//EN",
        "VERSION:2.0",
        "X-WR-CALNAME:On Call Schedule for " + ("Core\u202e\x07" if hostile else "Core"),
    ]
    names = dict((email, name) for name, email in PEOPLE)
    for n, (email, start, end) in enumerate(feed_shifts(now)):
        name = HOSTILE_NAME if hostile and n == 1 else names[email]
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART;VALUE=DATE-TIME:{_stamp(start)}",
            f"DTEND;VALUE=DATE-TIME:{_stamp(end)}",
            f"UID:Q{n:04d}",
            f"SUMMARY:On Call - {name} - Core",
            f"ATTENDEE:{email}",
            "END:VEVENT",
        ]
    if hostile:  # an event with an impossible time and one ending before it starts
        lines += ["BEGIN:VEVENT", "DTSTART:20261399T990000Z", "DTEND:20260101T000000Z"]
        lines += ["UID:bad-1", "SUMMARY:On Call - Mal Formed - Core", "END:VEVENT"]
        lines += ["BEGIN:VEVENT", f"DTSTART:{_stamp(now)}", f"DTEND:{_stamp(now - timedelta(1))}"]
        lines += ["UID:bad-2", "SUMMARY:On Call - Back Wards - Core", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    text = "\r\n".join(lines) + "\r\n"
    return text.encode("utf-8", "surrogatepass")


class _Handler(FeedHandler):
    CONTENT_TYPE = "text/calendar"
    WRONG_SHAPE = b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada\r\nEND:VCARD\r\n"  # not a calendar
    HUGE_CHUNK = b"X-PAD:" + b"x" * (64 * 1024 - 8) + b"\r\n"

    def _feed(self, hostile: bool) -> bytes:
        return feed(self.owner.now, hostile=hostile)


class IcsFaultServer(FeedFaultServer):
    """The feed on 127.0.0.1, an ephemeral port; ``set("feed", fault)`` switches it."""

    HANDLER = _Handler
    NAME = "ics"
