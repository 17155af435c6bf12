"""`traysupport rotation check FILE`: validate a rotation file and show its next weeks.

Exit 0 when the file is valid (and who is primary, secondary, shadow and out of hours
when is printed, local time); 2 when it is not (every problem printed, one a line).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from traysupport.core.model import Shift
from traysupport.core.rotation_plan import all_shifts
from traysupport.sources.base import SourceError
from traysupport.sources.rotation_file import read_file
from traysupport.sources.rotation_format import RotationFileError, parse_rotation

EXIT_VALID = 0
EXIT_INVALID = 2
MAX_WEEKS = 100
"""core.rotation expands at most about two years at once."""


def run(
    path: Path,
    weeks: int,
    out: Callable[[str], None],
    tz: tzinfo | None,
    now: datetime | None = None,
) -> int:
    """Check the file at *path*; print its next *weeks* weeks in *tz* (None: the file's zone)."""
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
    zone = tz or file.tz
    start = (now or datetime.now(UTC)).astimezone(UTC)
    end = start + timedelta(weeks=weeks)
    shifts = all_shifts(file.plans, file.people, start, end)
    out(f"{path}: valid. {len(file.people)} member(s), {len(file.plans)} rotation(s).")
    out(f"The next {weeks} week(s), times in {zone}:")
    if not shifts:
        out("  nobody is on duty in this window (does `start` lie in the future?)")
    for shift in shifts:
        out("  " + shift_line(shift, zone))
    return EXIT_VALID


def shift_line(shift: Shift, tz: tzinfo) -> str:
    """One shift: local start and end, role, person, rotation, out-of-hours mark."""
    a, b = shift.start.astimezone(tz), shift.end.astimezone(tz)
    role = "out-of-hours " + shift.role if shift.out_of_hours else str(shift.role)
    who = shift.person.name + (f" <{shift.person.email}>" if shift.person.email else "")
    return f"{a:%a %Y-%m-%d %H:%M} - {b:%a %Y-%m-%d %H:%M}  {role:<22} {who}  ({shift.rotation})"
