"""Each Jira Service Management request's SLA, asked for again only when the request changed.

provider-apis.md §3 "SLA": ``GET /rest/servicedeskapi/request/{issueIdOrKey}/sla``
[SPEC], paged like every servicedeskapi list (``start``/``limit``/``isLastPage``), gives
the request's SLA metrics by ``name``. Of the configured one (default "Time to first
response"):

- its ``ongoingCycle`` is the running clock: ``breachTime`` (a DateDTO: ``epochMillis``,
  else ``iso8601``/``jira``) is the deadline, already counted in the SLA's calendar, so
  it stays right outside working hours; ``breached`` needs nothing (a deadline in the
  past is breached);
- ``paused: true`` is a paused SLA: shown as such, never counted down;
- ``withinCalendarHours: false`` is *not* taken as paused: the breach instant Jira gives
  already skips the hours outside the calendar (documented in docs/providers.md);
- no ongoing cycle (only ``completedCycles``: the goal was met, or missed and stopped)
  is no clock at all: None, and the team's policy decides.

One request per issue per poll would be a queue's worth of requests each minute, against
Atlassian's burst limits (§3 "Rate limits"); so the answer is kept per issue with the
issue's change stamp, and asked again only when the stamp moved (`SlaReader`). A stamp
that is not the issue's ``updated`` time (the queue does not show that column) can miss
a change, so such an answer is also asked again after `INEXACT_FOR`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from traysupport.core.model import EARLIEST, LATEST, Sla, SlaKind
from traysupport.sources.base import BadDataError, NotFoundError
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import OffsetLimit, pages
from traysupport.sources.parse import JsonObject, keep_valid, parse_time

log = logging.getLogger(__name__)

DEFAULT_SLA = "Time to first response"
SLA_PAGE = 50  # §3: the default limit; a request has a handful of SLAs
SLA_PAGES = 4
MAX_ENTRIES = 5000
"""The most issues whose SLA is kept; a queue is read at most 100 pages of 50."""
INEXACT_FOR = timedelta(minutes=10)
"""How long an SLA kept under a stamp that is not ``updated`` is trusted."""


@dataclass(frozen=True, slots=True)
class _Metric:
    name: str
    sla: Sla | None


@dataclass(frozen=True, slots=True)
class _Kept:
    stamp: str
    sla: Sla | None
    until: datetime | None
    """When the kept answer must be asked again; None: only when the stamp moves."""


def parse_metric(value: object, source: str, path: str) -> _Metric:
    """One SLA metric of the request: its name and its running clock (see the module)."""
    item = JsonObject.of(value, source, path)
    name = item.require_text("name", max_chars=200)
    ongoing = item.optional_object("ongoingCycle")
    if ongoing is None:
        return _Metric(name, None)  # only completed cycles: met or stopped, no clock
    kind = SlaKind.RESOLUTION if "resolution" in name.casefold() else SlaKind.RESPONSE
    if ongoing.optional_bool("paused"):
        return _Metric(name, Sla(due_at=None, kind=kind, paused=True))
    breach = date_of(ongoing, "breachTime")
    return _Metric(name, None if breach is None else Sla(due_at=breach, kind=kind))


def date_of(item: JsonObject, key: str) -> datetime | None:
    """A DateDTO (§3: ``{iso8601, jira, friendly, epochMillis}``) as UTC; None when absent."""
    date = item.optional_object(key)
    if date is None:
        return None
    millis = date.raw("epochMillis")
    if isinstance(millis, int) and not isinstance(millis, bool):
        try:
            instant = datetime.fromtimestamp(millis / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise date.error("epochMillis", "is out of range") from None
        if not EARLIEST <= instant <= LATEST:
            raise date.error("epochMillis", "is out of range")
        return instant
    for text_key in ("iso8601", "jira"):  # "2026-05-05T18:01:00+0200": parse_time reads it
        if date.has(text_key):
            return parse_time(date.raw(text_key), date.source, date.field_path(text_key))
    raise date.error("epochMillis", "is missing (and so are iso8601 and jira)")


def choose(metrics: Iterable[_Metric], wanted: str) -> _Metric | None:
    """The metric named *wanted* (case aside), if the request has it."""
    folded = wanted.strip().casefold()
    return next((m for m in metrics if m.name.casefold() == folded), None)


class SlaReader:
    """Reads each request's SLA through *http*, keeping answers per issue (see the module).

    Thread-safe: one lock around the kept answers; the requests are made outside it.
    """

    def __init__(
        self,
        source: str,
        http: HttpClient,
        sla_name: str = DEFAULT_SLA,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._source = source
        self._http = http
        self._name = sla_name.strip() or DEFAULT_SLA
        self._clock = clock
        self._max = max_entries
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()

    def sla(self, issue_id: str, stamp: str, *, exact: bool) -> Sla | None:
        """The issue's SLA: the kept one while *stamp* is the same, else asked for."""
        now = self._clock()
        with self._lock:
            kept = self._kept.get(issue_id)
        if kept is not None and kept.stamp == stamp and (kept.until is None or now < kept.until):
            return kept.sla
        try:
            found = self._ask(issue_id)
        except NotFoundError:
            # Not a request (an issue moved into the queue's project from elsewhere), or
            # deleted meanwhile: no SLA, and none until it changes.
            log.info("%s: issue %s has no request SLAs (404)", self._source, issue_id)
            found = None
        except BadDataError as error:
            log.warning("%s: SLA of issue %s unreadable: %s", self._source, issue_id, error.problem)
            return None  # not kept: asked again at the next poll
        until = None if exact else now + INEXACT_FOR
        with self._lock:
            self._kept.pop(issue_id, None)  # re-inserted last: the newest are kept longest
            self._kept[issue_id] = _Kept(stamp, found, until)
            while len(self._kept) > self._max:
                del self._kept[next(iter(self._kept))]
        return found

    def keep_only(self, issue_ids: Iterable[str]) -> None:
        """Forget the issues no longer in the queue (after a complete read of it)."""
        wanted = set(issue_ids)
        with self._lock:
            self._kept = {key: kept for key, kept in self._kept.items() if key in wanted}

    def _ask(self, issue_id: str) -> Sla | None:
        metrics: list[_Metric] = []
        for page in pages(
            self._http,
            f"rest/servicedeskapi/request/{quote(issue_id, safe='')}/sla",
            None,
            OffsetLimit(limit=SLA_PAGE, offset_param="start", more="", last="isLastPage"),
            items_of=lambda body: JsonObject.of(body, self._source, "").require_list("values"),
            max_pages=SLA_PAGES,
            what="SLAs",
        ):
            metrics += keep_valid(page.items, self._metric, self._source, "sla.values", log)
            found = choose(metrics, self._name)
            if found is not None:
                return found.sla
        return None  # the request has no SLA of that name: the team's policy decides

    def _metric(self, value: object, path: str) -> _Metric:
        return parse_metric(value, self._source, path)
