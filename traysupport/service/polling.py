"""Polling: each role of each source fetched on a worker thread, its last good data kept.

The fetches run as scheduler jobs (`polljobs`: one per source and role, each with its
own interval and backoff) or, for `poll_once`, on threads of their own with a budget
(`fetching`); each outcome goes back to the home thread through `call_soon`, where
`Poller.apply` keeps the new data, or keeps the old and counts the failure. What the
user sees is the merge of every part's last good data (`merge`), kept until a part
changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from traysupport.core import alerts as alert_rules
from traysupport.core.model import Person, Snapshot, SourceStatus, Ticket
from traysupport.core.timefmt import format_clock, format_instant, local
from traysupport.service.fetching import Fetcher
from traysupport.service.merge import PartId, View, merge_view
from traysupport.service.model import PollSettings, Wiring
from traysupport.service.parts import Outcome, Part, oldest_ok, roles_of
from traysupport.service.polljobs import PollJobs
from traysupport.sources.base import QueueSource, RateLimitedError, SourceError
from traysupport.sources.provider import QUEUE, ROTATION, BuiltSource

log = logging.getLogger(__name__)


class Poller:
    """Polls every part of every source and keeps the last good data of each."""

    def __init__(
        self,
        *,
        sources: Sequence[BuiltSource],
        wiring: Wiring,
        on_fetched: Callable[[str, str, Outcome], None],
        settings: Callable[[], alert_rules.AlertSettings],
        poll: PollSettings,
        me_hint: str,
    ) -> None:
        """*on_fetched(source, role, outcome)* is called on the home thread after each
        scheduled poll."""
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"two sources have the same name: {names}")
        self._sources = tuple(sources)
        self._by_name = {s.name: s for s in sources}
        self._store, self._call_soon, self._clock = wiring.store, wiring.call_soon, wiring.clock
        self._on_fetched = on_fetched
        self._settings = settings
        self._me_hint = me_hint
        self._parts: dict[PartId, Part] = {
            (s.name, role): Part(s.name, role, SourceStatus(s.name, ok=False))
            for s in sources
            for role in roles_of(s)
        }
        self._outages: dict[str, datetime | None] = {}
        """For each source that is down: the oldest of its parts' last good fetches when
        the outage began (its status shows that, and health alerts' keys carry it)."""
        self._view: View | None = None
        self._fetcher = Fetcher(sources, wiring.clock, self._wants_me)
        self._jobs = PollJobs(wiring.scheduler, sources, poll, self._poll_job)

    def replace_sources(
        self, sources: Sequence[BuiltSource], poll: PollSettings, me_hint: str
    ) -> tuple[BuiltSource, ...]:
        """Home thread: poll *sources* from now on; returns the sources let go of.

        A source passed again as the very same object is kept as it is: its data, its
        status and its jobs (moved only when its interval changed). Any other is new,
        or rebuilt from changed settings: its parts start from the saved data, as at
        start, and are polled now. The sources let go of (removed, or replaced by a
        rebuilt one) have their jobs removed here; the caller closes them.
        """
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"two sources have the same name: {names}")
        kept = {s.name for s in sources if self._by_name.get(s.name) is s}
        dropped = tuple(s for s in self._sources if s.name not in kept)
        added = tuple(s for s in sources if s.name not in kept)
        for built in dropped:
            self._jobs.remove(built)
            self._outages.pop(built.name, None)
            for role in roles_of(built):
                self._parts.pop((built.name, role), None)
        self._sources = tuple(sources)
        self._by_name = {s.name: s for s in sources}
        self._me_hint = me_hint
        for built in added:
            for role in roles_of(built):
                self._parts[(built.name, role)] = Part(
                    built.name, role, SourceStatus(built.name, ok=False)
                )
        self._fetcher.set_sources(sources)
        self._jobs.replace(sources, poll, kept)
        self._view = None
        self.load_saved()
        return dropped

    # -- what is known -----------------------------------------------------------------

    def _merged(self) -> View:
        if self._view is None:
            # Built once per change: the UI asks for the state far more often.
            self._view = merge_view(self._sources, self._parts, self._outages, self._me_hint)
        return self._view

    def snapshot(self) -> Snapshot:
        """The merged view of the last good data of every source."""
        view = self._merged()
        return Snapshot(
            taken_at=self._clock(),
            people=view.roster.people,
            shifts=view.shifts,
            tickets=view.tickets,
            sources=view.sources,
        )

    @property
    def me_hint(self) -> str:
        """Who the user is wherever a source names nobody."""
        return self._me_hint

    @property
    def me(self) -> Person | None:
        """Who the user is, as a merged person, once a source says."""
        return self._merged().me

    def own_person(self, source: str, person_id: str) -> Person:
        """The merged person *person_id* as *source* knows them (for what is sent to it);
        the merged person where it does not, a bare one where nobody does."""
        roster = self._merged().roster
        return (
            roster.own(source, person_id)
            or roster.person(person_id)
            or Person(person_id, person_id)
        )

    def source(self, name: str) -> BuiltSource | None:
        """The configured source of this name."""
        return self._by_name.get(name)

    def queue(self, name: str) -> QueueSource | None:
        """The queue of the source of this name, if it is configured to serve one."""
        built = self._by_name.get(name)
        return None if built is None else built.queue

    # -- scheduling --------------------------------------------------------------------

    def schedule(self) -> None:
        """Poll every part now, then on its interval."""
        self._jobs.schedule()

    def refresh_now(self) -> None:
        """Poll every part at once."""
        for source, role in self._parts:
            self.poll_soon(source, role)

    def poll_soon(self, source: str, role: str) -> None:
        """Poll one part once, now, on a worker thread."""
        if (source, role) in self._parts:
            self._jobs.poll_soon(source, role)

    def _poll_job(self, source: str, role: str) -> None:
        """Worker thread: fetch, then hand the outcome to the home thread."""
        built = self._by_name.get(source)
        if built is None:
            return  # a one-off poll asked for just before the source was removed
        outcome = self._fetcher.fetch_from(built, role)

        def deliver() -> None:
            # The settings may have changed meanwhile: what a removed or rebuilt source
            # fetched (or failed to, as it was closed) is no news of the current one.
            if self._by_name.get(source) is built and (source, role) in self._parts:
                self._on_fetched(source, role, outcome)

        self._call_soon(deliver)

    def fetch_all(self, budget: float | None) -> dict[PartId, Outcome]:
        """Fetch every part now (see `Fetcher.fetch_all`)."""
        return self._fetcher.fetch_all(budget)

    def _wants_me(self, source: str) -> bool:
        """Worker thread: whether to ask *source* who the token belongs to."""
        built = self._by_name[source]
        part = self._parts.get((source, ROTATION))
        return not (built.me or self._me_hint) and part is not None and part.me is None

    # -- applying (home thread) --------------------------------------------------------

    def apply(self, source: str, role: str, outcome: Outcome) -> bool:
        """Home thread: keep the new data, or keep the old data and count the failure.

        Returns whether what the source shows changed (a failure always does).
        """
        part = self._parts[(source, role)]
        self._view = None
        now = self._clock()
        if isinstance(outcome, SourceError):
            log.warning("%s: %s", part.key, outcome)
            part.status = replace(
                part.status,
                ok=False,
                error=self._problem(outcome),
                failures=part.status.failures + 1,
            )
            self._note_outage(source)
            self._jobs.after_fetch(source, role, part.status.failures, outcome, now)
            return True
        if outcome.me is None:
            outcome.me = part.me  # asked once: a later fetch does not ask again
        changed = not part.status.ok or outcome.data() != part.data()
        if not part.status.ok:
            # Once per recovery, not per poll: the log shows when data started flowing.
            log.info(
                "%s: fetched (%d people, %d shifts, %d tickets)",
                part.key,
                len(outcome.people),
                len(outcome.shifts),
                len(outcome.tickets),
            )
        if role == QUEUE:
            self._observe_changes(part.tickets, outcome.tickets)
        self._parts[(source, role)] = outcome
        if changed:
            # An unchanged poll (most of them) costs no write: the saved copy then
            # carries the time the data last changed, not when it was last confirmed.
            self._save_part(outcome)
        self._note_outage(source)
        self._jobs.after_fetch(source, role, part.status.failures, None, now)
        return changed

    def _note_outage(self, source: str) -> None:
        """Remember when a source's outage began; forget it once every part is back."""
        parts = [self._parts[(source, role)] for role in roles_of(self._by_name[source])]
        if all(p.status.ok for p in parts):
            self._outages.pop(source, None)
        elif source not in self._outages:
            self._outages[source] = oldest_ok(parts)

    def _problem(self, error: SourceError) -> str:
        """What a part's status says of a failure: when a rate limit ends, in local time."""
        if isinstance(error, RateLimitedError) and error.until is not None:
            tz, now = self._settings().tz, self._clock()
            same_day = local(error.until, tz).date() == local(now, tz).date()
            until = format_clock(error.until, tz) if same_day else format_instant(error.until, tz)
            return f"{error.source}: rate limited until {until}; {error.hint}"
        return str(error)

    def _observe_changes(self, before: tuple[Ticket, ...], after: tuple[Ticket, ...]) -> None:
        """History: record new and changed tickets (a poll mostly repeats the last one)."""
        known = {t.ref: t for t in before}
        changed = [t for t in after if (old := known.get(t.ref)) is not t and old != t]
        if changed:
            self._store.observe(changed, self._clock())

    def _save_part(self, part: Part) -> None:
        self._store.save_snapshot(
            part.key,
            Snapshot(
                taken_at=part.status.last_ok_at or self._clock(),
                people=part.people,
                shifts=part.shifts,
                tickets=part.tickets,
                sources=(part.status,),
            ),
        )

    def load_saved(self) -> None:
        """Start from the last good data, shown as stale until a fetch succeeds.

        Data saved under the keys of one rotation and one queue ("rotation", "queue")
        is not read: the next poll brings it again.
        """
        for part in self._parts.values():
            saved = self._store.load_snapshot(part.key)
            if saved is None or part.status.ok:
                continue
            part.people, part.shifts, part.tickets = saved.people, saved.shifts, saved.tickets
            part.status = replace(
                part.status, last_ok_at=saved.taken_at, error="showing saved data"
            )
        for built in self._sources:
            self._note_outage(built.name)
        self._view = None
