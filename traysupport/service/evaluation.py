"""Alert evaluation: fire what is due, remember what fired, wake up for the next instant.

Only the process that owns the home's notifications (`traysupport.ownership`) fires
and records alerts; another one shows the state but never marks an alert fired that it
did not show. Everything here runs on the home thread, but the wake-up job, which only
queues an evaluation there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from traysupport.core import alerts as alert_rules
from traysupport.core.model import ActionKind, Person, Snapshot
from traysupport.core.sla import SlaState, sla_state
from traysupport.service.model import FIRED_KEYS_KEPT, ServiceListener, Wiring

TIMER_JOB = "alert-timer"
"""The one-shot scheduler job that wakes the evaluation when an alert can fall due."""


class Evaluator:
    """Decides which alerts fire, records them, and keeps the wake-up timer set."""

    def __init__(
        self,
        *,
        wiring: Wiring,
        listener: ServiceListener,
        snapshot: Callable[[], Snapshot],
        me: Callable[[], Person | None],
        settings: Callable[[], alert_rules.AlertSettings],
        publish: Callable[[], None],
        owns_alerts: Callable[[], bool],
    ) -> None:
        """*snapshot*, *me* and *settings* give what is known now; *publish* tells the UI."""
        self._store, self._scheduler = wiring.store, wiring.scheduler
        self._call_soon, self._clock = wiring.call_soon, wiring.clock
        self._listener = listener
        self._snapshot = snapshot
        self._me = me
        self._settings = settings
        self._publish = publish
        self._owns_alerts = owns_alerts
        self._was_owner = False
        self._previous: Snapshot | None = None
        self._trusted: Snapshot | None = None
        """The last evaluated snapshot whose rotation sources were all ok (shift changes)."""
        self._fired: set[str] = set()
        self._breach_noted: set[str] = set()

    def prune(self, now: datetime) -> None:
        """Forget fired keys too old to matter."""
        self._store.prune_fired(now - FIRED_KEYS_KEPT)

    def load_fired(self) -> None:
        """Learn from the store which alerts were already shown (by any process)."""
        self._fired = set(self._store.fired_keys())

    def evaluate(self) -> None:
        """Home thread: fire what is due, record it, and wake up for the next instant."""
        now = self._clock()
        current = self._snapshot()
        if not self._take_alerts():
            self._previous = current
            self._record_breaches(current, now)
            self._publish()
            return
        settings, me = self._settings(), self._me()
        taken = self._taken_by_me(me, current, self._trusted or self._previous)
        settings = replace(settings, taken_by_me=taken)
        decided = alert_rules.plan(
            self._previous, current, now, me, settings, self._fired, self._trusted
        )
        fired = decided.alerts
        for alert in fired:
            self._store.mark_fired(alert.key, now)
            self._fired.add(alert.key)
        self._previous = current
        # Each rotation source's shifts are trusted as of its last good read, so one that
        # is down holds back only its own changes. A change held by quiet hours or a pause
        # is compared again, and told, once the hold ends.
        if not alert_rules.holding(settings, now):
            self._trusted = alert_rules.advance_trusted(self._trusted, current)
        self._record_breaches(current, now)
        self._schedule_wakeup(decided.wake_at)
        if fired:
            self._listener.alerts_fired(fired)
        self._publish()

    def _take_alerts(self) -> bool:
        """Whether this process shows alerts now; on taking over, learn what was shown."""
        owner = self._owns_alerts()
        if owner and not self._was_owner:
            # Another process may have shown alerts while this one could not.
            self.load_fired()
        self._was_owner = owner
        return owner

    def _taken_by_me(
        self, me: Person | None, current: Snapshot, baseline: Snapshot | None
    ) -> frozenset[str]:
        """Refs of tickets newly mine since *baseline* because I acknowledged them (the
        tool makes the one who acknowledges the assignee): no "assigned to you" for those."""
        if me is None or baseline is None:
            return frozenset()

        def mine(snapshot: Snapshot) -> set[str]:
            tickets = snapshot.tickets
            return {t.ref for t in tickets if t.assignee is not None and t.assignee.id == me.id}

        newly = mine(current) - mine(baseline)
        if not newly:
            return frozenset()  # most evaluations: no store reads
        # Still in the outbox (the answer may have been lost), or confirmed since then.
        sent = {
            f"{e.action.source}:{e.action.ticket_id}"
            for e in self._store.open_entries()
            if e.action.kind is ActionKind.ACKNOWLEDGE and e.action.by == me.id
        }
        taken = set()
        for ref in newly:
            record = self._store.history(ref)
            confirmed = (
                record is not None
                and record.acknowledged_by == me.id
                and record.acknowledged_at is not None
                and record.acknowledged_at >= baseline.taken_at
            )
            if ref in sent or confirmed:
                taken.add(ref)
        return frozenset(taken)

    def _record_breaches(self, current: Snapshot, now: datetime) -> None:
        """History: the first time each ticket is seen breached, whoever is alerted."""
        policy = self._settings().sla
        for ticket in current.tickets:
            if ticket.ref in self._breach_noted:
                continue
            if sla_state(ticket, policy, now) is SlaState.BREACHED:
                self._store.note_breached(ticket.ref, now)
                self._breach_noted.add(ticket.ref)

    def _schedule_wakeup(self, instant: datetime | None) -> None:
        """One one-shot job at the next instant an alert can fall due."""
        if instant is None:
            if self._scheduler.get_job(TIMER_JOB) is not None:
                self._scheduler.remove_job(TIMER_JOB)
            return
        self._scheduler.add_job(
            lambda: self._call_soon(self.evaluate),
            "date",
            run_date=instant,
            id=TIMER_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )
