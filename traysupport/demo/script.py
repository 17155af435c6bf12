"""The demo team's cast and script: who is on the team, and what happens when.

Timeline (scenario seconds from ``start``):

- before 0: a teammate is primary (an hour-long shift); two old tickets are open, a P3
  that a teammate is working on and an unassigned P4.
- +20: "you" are primary for 60 scenario minutes, with a teammate shadowing you; then
  the next teammates follow, one scenario hour each, rotating through all five forever.
- +30: an unassigned P2 arrives.
- +45: a P1 arrives (its title carries HTML) with a tool deadline set so that the app's
  SLA warning falls due at +90.
- from +120: a new ticket every 4-10 scenario minutes (mostly P3), and every 1-3 minutes
  a teammate moves a ticket that is not yours one step on: acknowledges it (taking it if
  unassigned), starts work on it, or closes it. Unassigned tickets are left to whoever is
  on duty for their first 30 scenario minutes.

Offsets are scenario seconds; `traysupport.demo.scenario` plays them at
``start + offset / speed`` in real time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from traysupport.core.model import Person, Priority
from traysupport.core.sla import SlaPolicy

ME: Final = Person("you", "Sam Rivera", "sam.rivera@example.com")
"""The demo user: the person GET /me returns."""

TEAMMATES: Final = (
    Person("priya", "Priya Natarajan", "priya.natarajan@example.com"),
    Person("jonas", "Jonas Becker", "jonas.becker@example.com"),
    Person("mei", "Mei Tanaka", "mei.tanaka@example.com"),
    Person("alex", "Alex Martin", "alex.martin@example.com"),
)
TEAM: Final = (ME, *TEAMMATES)
"""Everyone, in rotation order from the user's first shift on."""

ROTATION: Final = "support"
SHIFT_SECONDS: Final = 3600.0
YOUR_SHIFT_AT: Final = 20.0
P2_AT: Final = 30.0
P1_AT: Final = 45.0
P1_WARNING_AT: Final = 90.0
LIFE_STARTS_AT: Final = 120.0

P1_TARGET: Final = timedelta(hours=1)
# The app warns this long (real time) before a P1's deadline; ask the policy rather than
# repeat its numbers, so the scripted warning keeps landing at +90 if they change.
P1_WARNING_LEAD: Final = SlaPolicy().warning_lead(P1_TARGET)

ARRIVAL_GAP: Final = (240, 600)
TEAMMATE_GAP: Final = (60, 180)
# Teammates leave a fresh unassigned ticket to whoever is on duty; only one left lying
# this long (scenario seconds) gets picked up, so the scripted P1/P2 stay the user's.
UNATTENDED_AFTER: Final = 1800.0
PRIORITIES: Final = (Priority.P1, Priority.P2, Priority.P3, Priority.P4)
PRIORITY_WEIGHTS: Final = (4, 16, 55, 25)

TITLES: Final = (
    "Password reset emails arrive hours late",
    "Dashboard shows yesterday's totals after midnight UTC",
    "SSO login loops back to the sign-in page",
    "Invoice PDF renders without currency symbols",
    "Webhook deliveries retry forever after a 410",
    "Mobile app crashes on launch after update 4.2",
    "Search ignores accents & umlauts",
    "CSV import rejects files that start with a BOM",
    "Customer charged twice for one order",
    "API answers 429 for a customer well under quota",
    "Two-factor codes rejected for users in UTC+13",
    "Excel export truncates long descriptions",
    "Shared links expire a day early",
    "Notification emails sent in the wrong language",
    "Report scheduler skipped the Monday run",
    "Map tiles fail to load behind a corporate proxy",
    "Refund stuck in 'pending' for a week",
    "Profile photos upload sideways from iPhones",
    "Audit log misses entries for bulk deletes",
    'Orders list takes 30 s to load for "large" accounts',
)
"""What the live queue's tickets are about."""

OLD_P3_TITLE: Final = "Invoice emails show the wrong VAT number"
OLD_P4_TITLE: Final = "Typo in the German password-reset email"
P2_TITLE: Final = "CSV export times out for accounts with 10k+ invoices"
P1_TITLE: Final = "<b>Checkout</b> returns 500 for EU cards"
"""Markup on purpose: the app must show it as text."""
