"""Fetching (worker threads): one role of one source at a time, never raising.

`Fetcher.fetch` is what a poll job runs; `Fetcher.fetch_all` asks every source at once
for `poll_once`, each on a thread of its own, and waits at most a budget for them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from traysupport.core.model import Person, SourceStatus, Ticket
from traysupport.service.model import SHIFT_WINDOW_AHEAD, SHIFT_WINDOW_BEHIND, Clock
from traysupport.service.parts import Outcome, Part, part_key, roles_of
from traysupport.sources.base import SourceError, UnavailableError
from traysupport.sources.provider import ROTATION, BuiltSource

log = logging.getLogger(__name__)

PartId = tuple[str, str]
"""(source name, role)."""


class Fetcher:
    """Fetches the parts of the configured sources; *wants_me(source)* says whether to
    ask that source who the token belongs to (no `me` for it, and none found yet)."""

    def __init__(
        self, sources: Sequence[BuiltSource], clock: Clock, wants_me: Callable[[str], bool]
    ) -> None:
        self._sources = {s.name: s for s in sources}
        self._clock = clock
        self._wants_me = wants_me

    def set_sources(self, sources: Sequence[BuiltSource]) -> None:
        """Fetch from *sources* from now on (the settings changed)."""
        self._sources = {s.name: s for s in sources}

    def fetch(self, source: str, role: str) -> Outcome:
        """Network I/O for one part; never raises (a provider bug becomes a SourceError)."""
        return self.fetch_from(self._sources[source], role)

    def fetch_from(self, built: BuiltSource, role: str) -> Outcome:
        """`fetch` from this very source (a poll job holds on to the one it started with)."""
        source = built.name
        try:
            if role == ROTATION:
                return self._rotation(built)
            return self._queue(built)
        except SourceError as error:
            return error
        except Exception as error:  # a provider bug must not kill the poll loop
            log.exception("%s: unexpected error while polling", part_key(source, role))
            return SourceError(source, f"unexpected error ({type(error).__name__})")

    def _rotation(self, built: BuiltSource) -> Part:
        rotation = built.rotation
        if rotation is None:
            raise SourceError(built.name, "it cannot serve a rotation", _NOT_A_ROLE)
        now = self._clock()
        people = tuple(rotation.fetch_people())
        shifts = rotation.fetch_shifts(now - SHIFT_WINDOW_BEHIND, now + SHIFT_WINDOW_AHEAD)
        me = self._ask_me(built)
        ok = SourceStatus(built.name, ok=True, last_ok_at=now)
        return Part(built.name, ROTATION, ok, people=people, shifts=tuple(shifts), me=me)

    def _queue(self, built: BuiltSource) -> Part:
        queue = built.queue
        if queue is None:
            raise SourceError(built.name, "it cannot serve a queue", _NOT_A_ROLE)
        now = self._clock()
        people: tuple[Person, ...] = ()
        fetch_people = getattr(built.source, "fetch_people", None)
        if ROTATION not in built.roles and callable(fetch_people):
            # A queue-only source that lists its people (the team API): its assignees
            # then carry names and emails, so they match the rotation's people, and a
            # hand over names the recipient with this tool's id.
            people = tuple(fetch_people())
        tickets = tuple(_owned(t, built.name) for t in queue.fetch_tickets())
        ok = SourceStatus(built.name, ok=True, last_ok_at=now)
        return Part(built.name, "queue", ok, people=people, tickets=tickets)

    def _ask_me(self, built: BuiltSource) -> Person | None:
        """Ask the source who the token belongs to, until it has said."""
        fetch_me = built.fetch_me
        if fetch_me is None or not self._wants_me(built.name):
            return None
        try:
            return fetch_me()
        except SourceError as error:
            log.warning("%s: could not ask who I am: %s", built.name, error)
            return None

    def fetch_all(self, budget: float | None) -> dict[PartId, Outcome]:
        """Fetch every part, one thread per source; wait at most *budget* seconds for all.

        A part that has not answered in time gets an UnavailableError; its fetch is
        abandoned on a daemon thread, which the HTTP client's own deadline ends.
        """
        outcomes: dict[PartId, Outcome] = {}
        finished = threading.Semaphore(0)

        def fetch(built: BuiltSource) -> None:
            # Rotation first, so a source serving both has its people when it reads its
            # tickets' assignees; one source's hang costs one wait.
            for role in roles_of(built):
                outcomes[(built.name, role)] = self.fetch(built.name, role)
                finished.release()

        wanted = [(s.name, role) for s in self._sources.values() for role in roles_of(s)]
        for built in self._sources.values():
            name = f"fetch-{built.name}"
            threading.Thread(target=fetch, args=[built], name=name, daemon=True).start()
        deadline = None if budget is None else time.monotonic() + budget
        for _ in wanted:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not finished.acquire(timeout=wait):
                break
        # A copy, in part order: a late thread may still add to `outcomes`.
        return {
            part: outcomes.get(part) or UnavailableError(part[0], _no_answer(budget))
            for part in wanted
        }


_NOT_A_ROLE = "Check the source's `roles` in the settings: its provider does not serve that."


def _no_answer(budget: float | None) -> str:
    return f"no answer within {budget or 0.0:g} s"


def _owned(ticket: Ticket, source: str) -> Ticket:
    """*ticket* named after the source it came from: its identity is (source, id)."""
    return ticket if ticket.source == source else replace(ticket, source=source)
