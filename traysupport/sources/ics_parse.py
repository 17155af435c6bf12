"""A feed's text read into an icalendar Calendar, and what the library refuses named by line.

The reading is icalendar's own parser (unfolding, content lines, value types), refined
through its template methods (`ComponentIcalParser` "can be refined in subclasses") in
one narrow way: a calendar-level refresh hint the library refuses is left out of the
calendar rather than refusing the whole feed. Grafana OnCall 1.2.15 to 1.3.90 (April
2023 to January 2024) wrote ``REFRESH-INTERVAL;VALUE=DURATION:P1H`` (grafana/oncall
create_base_icalendar, commit 9cbcac50; fixed to ``PT1H`` by d7ce341b, #3732), and a
duration of hours needs the ``T`` (RFC 5545 §3.3.6), so icalendar 7 raises
``InvalidCalendar("Invalid iCalendar duration: P1H")``: its VCALENDAR, unlike its
VEVENT, does not ignore exceptions. We never read the hint (the poll interval is the
user's, and an unchanged feed costs a 304), so dropping it loses nothing. Any other
line the library refuses still refuses the feed, with an error naming the line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from icalendar import Calendar, ComponentFactory
from icalendar.parser.ical import CalendarIcalParser

from traysupport.sources.base import BadDataError
from traysupport.sources.parse import clean_text

log = logging.getLogger(__name__)

UNREAD_HINTS = frozenset({"REFRESH-INTERVAL", "X-PUBLISHED-TTL"})
"""Calendar-level polling hints (RFC 7986 §5.7, and Microsoft's older X- name) we never read."""


class _FeedParser(CalendarIcalParser):
    """icalendar's calendar parser, leaving out refused hints and keeping the refused line."""

    def __init__(self, text: str) -> None:
        super().__init__(text, ComponentFactory(), Calendar.types_factory)
        self.refused = ""
        """The content line whose value the library refused, when that stopped the parse."""

    def handle_property_parse_error(
        self, exception: Exception, name: str, params: Any, val: str, line: Any
    ) -> None:
        """Leave out a refused hint of the calendar's own; otherwise do as icalendar does."""
        component = self.component
        if component is not None and component.name == "VCALENDAR" and name in UNREAD_HINTS:
            component.errors.append((name, str(exception)))  # the library's record of it
            return
        try:
            super().handle_property_parse_error(exception, name, params, val, line)
        except (ValueError, TypeError):
            self.refused = str(line)
            raise


def parse_calendar(source: str, text: str) -> Calendar:
    """*text* parsed by icalendar; what it refuses is a BadDataError naming the line."""
    parser = _FeedParser(text)
    try:
        components = parser.parse()
    except (ValueError, TypeError) as error:  # icalendar's parse errors (InvalidCalendar...)
        where = _where(text, error, parser.refused)
        raise BadDataError(source, f"the feed is not a readable iCalendar file: {where}") from None
    calendars = [c for c in components if isinstance(c, Calendar) and c.name == "VCALENDAR"]
    if not calendars:
        raise BadDataError(source, "the feed is not an iCalendar file (no VCALENDAR)")
    if len(components) > 1:
        raise BadDataError(source, f"the feed holds {len(components)} calendars, not one")
    calendar = calendars[0]
    for name, problem in calendar.errors:
        log.debug("%s: left out the calendar's %s (%s)", source, name, short(problem))
    return calendar


def _where(text: str, error: Exception, refused: str) -> str:
    """icalendar's reason, with the number of the line it refused when found."""
    reason = short(error)
    if refused:
        found = _line_of(text, refused)
        if found:
            return f"{found}: {reason}"
    quoted = re.search(r"'([^']{3,})'", str(error))
    needle = quoted[1] if quoted else ""
    if not needle:
        key = re.search(r"Invalid iCalendar \w+: (\S+)", str(error))
        needle = key[1] if key else ""
    if needle:
        for number, line in enumerate(text.splitlines(), 1):
            if needle in line:
                return f"line {number} ({clean_text(line, 80)!r}): {reason}"
    return reason


def _line_of(text: str, content_line: str) -> str:
    """Where *content_line* (unfolded) starts in *text*: itself, or its first folded part."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        folded = index + 1 < len(lines) and lines[index + 1][:1] in (" ", "\t")
        if line == content_line or (line and folded and content_line.startswith(line)):
            return f"line {index + 1} ({clean_text(content_line, 80)!r})"
    return ""


def short(error: Exception | str) -> str:
    """The first line of an error's text, cleaned and at most 160 characters."""
    text = str(error)
    if not text and isinstance(error, Exception):
        text = type(error).__name__
    return clean_text(text.splitlines()[0] if text else "", 160)
