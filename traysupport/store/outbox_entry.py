"""An outbox entry and its timing: where an action stands on its way to the source,
what was recorded about its sends, how long to wait after a failed one (`backoff`) and
how long a claim lasts (`LEASE`).

Values only: reading and writing the table is `outbox.Outbox`'s job.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from traysupport.core.model import UserAction

log = logging.getLogger("traysupport.store.outbox")
"""The outbox's logger: a damaged steps column is reported as the outbox's."""

RETRY_BASE = timedelta(seconds=30)
"""Wait after the first failed send; doubled after each further failure."""
RETRY_CAP = timedelta(minutes=15)
"""Longest wait between two sends of the same action."""
# The longest one send can take with the HTTP client's defaults (sources.http.HttpLimits):
# (max_retries + 1) attempts x (connect_timeout + max_answer_seconds, the total deadline
# of one answer) + max_retries waits of at most max_retry_after between them:
# 4 x (5 + 60) + 3 x 120 = 620 s. The lease is about twice that, for a send that queues
# behind other jobs on the scheduler and the hand-back to the home thread. A lease that
# ran out under a live sender would let a second process send the same action; a long
# one only delays recovery from a holder that cannot be checked (a dead holder on this
# machine is recovered at once, whatever its lease). tests/test_store.py checks the sum.
LEASE = timedelta(minutes=20)
"""How long a claimed action stays with the process that claimed it."""


class OutboxState(StrEnum):
    """Where an action stands on its way to the source."""

    PENDING = "pending"
    SENDING = "sending"
    FAILED = "failed"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A recorded action and how sending it has gone so far."""

    action: UserAction
    state: OutboxState
    attempts: int
    """Failed sends so far."""
    next_attempt_at: datetime
    last_error: str = ""
    owner: str = ""
    """The `Holder` (text form) that claimed it last; empty if none has."""
    lease_until: datetime | None = None
    """When that claim runs out, while the action is being sent."""
    steps: frozenset[str] = frozenset()
    """The calls of a several-call write that reached the tool already (`mark_step`)."""
    resumed: bool = False
    """Claimed from a sender that stopped or ran out of lease: it may have got through."""

    @property
    def id(self) -> str:
        """The action id, which is also the idempotency key sent to the source."""
        return self.action.id


def read_steps(action_id: str, body: str) -> frozenset[str]:
    """The steps column: a JSON list of names; a damaged one reads as none done."""
    try:
        steps = json.loads(body)
    except ValueError:
        steps = None
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        log.error("outbox: the steps of %s cannot be read; sending all of it", action_id)
        return frozenset()
    return frozenset(steps)


def backoff(attempts: int) -> timedelta:
    """The wait before the next send after *attempts* failures: doubling, capped."""
    return min(RETRY_CAP, RETRY_BASE * (1 << min(max(attempts - 1, 0), 20)))
