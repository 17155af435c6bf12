"""Alert rules: (previous snapshot, current snapshot, now, me, settings) -> alerts to show.

Every alert carries a dedupe key that is a pure function of the condition that raised it
(never a counter, never ``now`` except the P1 repeat index), so the store can remember
what fired across calls and restarts. ``evaluate`` never returns a key in
``already_fired`` and never the same key twice.

"My duty span" is a continuous stretch of my shifts (any role): back-to-back or
overlapping shifts merge into one span, so a shift that merely continues the current span
is not a new start. "On duty" means some shift of mine covers ``now``.

Rules:

- **duty_soon** (normal): for each span of mine starting after ``now``, reminders at
  ``start - lead`` for each lead in ``duty_soon_leads`` (default 1 day and 15 min) and,
  for a morning span (local start before 12:00), at ``evening_before`` on the local day
  before (unless a lead reminder falls from 12:00 to that instant on that day, which
  already is an evening reminder, and only for the first span of mine after that evening
  instant: one evening reminder, not one per shift of a busy morning). A reminder 12 h
  or more ahead is titled by the day ("Tomorrow 09:00: you are primary on support"),
  a nearer one counts down ("In 15 min: ..."); out-of-hours shifts are marked. The
  reminders of one span form windows: each is due from its instant until the next one's
  instant (the last until the start), so an app opened late shows the nearest reminder,
  not a pile of stale ones. Key: span start + which reminder.
- **duty_started** (normal): ``span start <= now < span end``, once per span (keyed by
  its start) - also when the app starts mid-shift. Shadows "ride along".
- **duty_ending** (normal): ``span end - duty_ending_lead <= now < span end``; lists my
  open tickets (count and up to 5 keys, most urgent first) and offers HAND_OVER when I
  hold any. A zero lead disables it. Key: span end, so an extended shift warns again.
- **shift_changed** (normal): compares my shifts in the previous and current snapshot,
  both seen from ``current.taken_at`` (not ``now``, so a timer evaluation between polls
  never re-reports a shrinking change set). Skipped unless every rotation source (one
  whose ``roles`` include "rotation", or name none) in both snapshots is ok and both
  list the same rotation sources: a failing or newly configured rotation source must not
  look like removed or added shifts. Queue-only sources do not count. Only shifts
  starting before both snapshots' horizon (the latest shift end each knows of) are compared, because
  providers fetch a moving window and its far edge brings new shifts every day. A shift
  is identified by ``Shift.key`` plus its end, so a lengthened shift counts as moved.
  Removed and added shifts of the same role pair up as "moved". One alert per change
  set, keyed by a digest of the sorted changed shifts.
- **new_ticket** (P1 critical, else normal; ACKNOWLEDGE, SNOOZE, OPEN): an unacknowledged
  ticket while I am on duty, or a P1 while off duty when ``new_ticket_off_duty_p1``.
  Keyed by ticket ref only, so it fires once per ticket; a ticket already acknowledged
  when first seen never raises it.
- **sla_warning** (P1 critical, else normal): ``sla_state`` is WARNING, for tickets
  assigned to me, or any ticket while I am on duty, or a P1 while off duty when
  ``new_ticket_off_duty_p1``. Key: ref + SLA kind + deadline, so a moved deadline or the
  switch from response to resolution clock warns again.
- **sla_breached** (critical): ``sla_state`` is BREACHED, same audience and key. An
  unacknowledged P1 repeats every ``breach_repeat_p1``: the key gains the index
  ``floor((now - breach_at) / repeat)``; only the current index is returned, never a
  backlog. Everything else (and an acknowledged P1) uses index 0, i.e. fires once.
- **assigned_to_me** (P1 critical, else normal): a ticket the baseline had (see below)
  assigned to someone else or nobody is now mine, and not by my own doing: the tool's
  ``assigned_by`` is not me and my acknowledge did not take it (``taken_by_me``, which
  the service fills from the outbox and the ticket history). Says by whom when the tool
  tells. Off with ``assigned_to_me``.
- **priority_raised** (P1 critical, else normal): a ticket the baseline had is now of a
  higher priority, and I hold it, or it is unassigned and concerns me as an SLA does
  (on duty, or a P1 off duty when ``new_ticket_off_duty_p1``). Its SLA clock is the new
  priority's (the policy applies per snapshot). Off with ``priority_raised``.
  Both compare with *trusted* (else *previous*), which holds still through a pause or
  quiet hours; a ticket new to the queue, a first evaluation and a source shown from
  saved data or down in the baseline or in *previous* raise neither. Keys: ref + new
  assignee or priority + the baseline instant, so a state reached again later is news
  again.
- **source_down** (normal): a source with ``failures >= source_down_after``; keyed by
  name + ``last_ok_at``, so once per outage.
- **source_recovered** (low): the previous snapshot had that source down and the
  current one has it ok; keyed by the outage it ends.

Suppression (a suppressed alert is simply not returned, so it can still fire later if
its condition holds): ``paused_until > now`` suppresses everything; a snoozed ticket
(until > now) raises nothing; during quiet hours (local time in ``tz``) only P1 ticket
alerts get through, and only when ``quiet_allow_p1``. ``holding`` says when that is, so the
service keeps comparing shift changes against the snapshot from before the hold.

Without ``me`` (the user is not known yet) nobody is on duty: no duty alerts, and ticket
alerts only for off-duty P1s.

The result is ordered critical, normal, low, then by the instant each condition began.
``next_instant`` gives the earliest instant after ``now`` at which the passage of time
alone can make ``evaluate`` return something new.
"""

from traysupport.core.alerts.context import TITLE_LIMIT
from traysupport.core.alerts.plan import Plan, evaluate, holding, next_instant, plan
from traysupport.core.alerts.settings import AlertSettings, QuietHours
from traysupport.core.alerts.shifts import advance_trusted
from traysupport.core.alerts.tickets import concerns_me

__all__ = [
    "TITLE_LIMIT",
    "AlertSettings",
    "Plan",
    "QuietHours",
    "advance_trusted",
    "concerns_me",
    "evaluate",
    "holding",
    "next_instant",
    "plan",
]
