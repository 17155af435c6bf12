"""`traysupport rotation check FILE`: validate a rotation file and show its next weeks.

Exit 0 when the file is valid (and who is primary, secondary, shadow and out of hours
when is printed in the user's zone: ``ui.timezone``, else this computer's, as `shifts`
and `status` show times); 2 when it is not (every problem printed, one a line).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from traysupport.config import ConfigError, load_config
from traysupport.config_schema import system_zone
from traysupport.core.model import Shift
from traysupport.core.rotation_plan import all_shifts
from traysupport.core.timefmt import format_clock, format_utc_offset, local
from traysupport.sources.base import SourceError
from traysupport.sources.rotation_file import read_file
from traysupport.sources.rotation_format import RotationFileError, parse_rotation

EXIT_VALID = 0
EXIT_INVALID = 2
MAX_WEEKS = 100
"""core.rotation expands at most about two years at once."""
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Fixed English names, as `core.timefmt` writes them (strftime's follow the locale)."""

Out = Callable[[str], None]


def run(
    path: Path,
    weeks: int,
    out: Out,
    config_path: Path | None = None,
    now: datetime | None = None,
) -> int:
    """Check the file at *path*; print its next *weeks* weeks in the zone of the settings
    in *config_path* (None: the user's file)."""
    if not 1 <= weeks <= MAX_WEEKS:
        out(f"--weeks {weeks} is out of range; give 1..{MAX_WEEKS}.")
        return EXIT_INVALID
    try:
        text = read_file(str(path), path.expanduser())
        file = parse_rotation(text, str(path))
    except SourceError as error:
        out(f"{error.problem}. {error.hint}")
        return EXIT_INVALID
    except RotationFileError as error:
        for line in error.problems:
            out(line)
        out(f"{path}: {len(error.problems)} problem(s); the file is not valid.")
        return EXIT_INVALID
    zone, why = shown_zone(config_path, out)
    start = (now or datetime.now(UTC)).astimezone(UTC)
    end = start + timedelta(weeks=weeks)
    shifts = all_shifts(file.plans, file.people, start, end)
    out(f"{path}: valid. {len(file.people)} member(s), {len(file.plans)} rotation(s).")
    out(f"The next {weeks} week(s), times in {zone_label(zone, start)} ({why}):")
    if getattr(zone, "key", None) != getattr(file.tz, "key", file.tz):
        out(f"  (the file hands off at wall-clock time in {file.tz})")
    if not shifts:
        out("  nobody is on duty in this window (does `start` lie in the future?)")
    for shift in shifts:
        out("  " + shift_line(shift, zone))
    return EXIT_VALID


def shown_zone(config_path: Path | None, out: Out) -> tuple[tzinfo, str]:
    """The zone to show times in, and why: ``ui.timezone`` when set, else this computer's.

    Settings that cannot be read are said in one line, not an end: the rotation file is
    what is being checked.
    """
    try:
        chosen = load_config(config_path).ui.timezone
    except ConfigError:
        out("Your settings could not be read (`traysupport doctor` says why).")
        chosen = None
    if chosen is not None:
        return chosen, "your ui.timezone"
    return system_zone(), "this computer's zone"


def zone_label(tz: tzinfo, at: datetime) -> str:
    """ "Europe/Berlin, UTC+01:00", or the offset alone for a zone without a name."""
    offset = format_utc_offset(at, tz)
    name = getattr(tz, "key", None)
    return f"{name}, {offset}" if name else offset


def shift_line(shift: Shift, tz: tzinfo) -> str:
    """One shift: local start and end, role, person, rotation, out-of-hours mark."""
    role = "out-of-hours " + shift.role if shift.out_of_hours else str(shift.role)
    who = shift.person.name + (f" <{shift.person.email}>" if shift.person.email else "")
    return (
        f"{_when(shift.start, tz)} - {_when(shift.end, tz)}  {role:<22} {who}  ({shift.rotation})"
    )


def _when(instant: datetime, tz: tzinfo) -> str:
    """ "Mon 2026-01-12 09:00" in *tz*."""
    day = local(instant, tz).date()
    return f"{_DAYS[day.weekday()]} {day.isoformat()} {format_clock(instant, tz)}"
