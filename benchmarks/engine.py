"""One poll cycle without network, for growing queues: parse, merge, evaluate.

Run: .venv/bin/python benchmarks/engine.py [--sizes 100,1000,10000,100000] [--repeat 5]

Prints, for each queue size, the first cycle (every ticket new: every alert text made)
and the steady state (best and median of the repeats, alerts already fired, as on every
poll after the first), and the steady state's growth exponent between sizes (1.0 is
linear; n log n reads slightly above 1).
The cycle is what the service does on each queue poll: parse the team API's JSON
tickets (reusing unchanged ones, as the client does), build the merged Snapshot, and
evaluate the alert rules with the next wake-up instant. The last column is apart from
the cycle: ordering the queue by SLA urgency, which the window and `status` do.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from traysupport.core import alerts
from traysupport.core.model import Person, Shift, Snapshot, SourceStatus, Ticket
from traysupport.core.sla import urgency_order
from traysupport.sources.parse import ItemCache
from traysupport.sources.teamapi import parse_ticket

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM = tuple(Person(f"p{i}", f"Person {i}", f"p{i}@example.com") for i in range(6))
ME = TEAM[0]


def raw_tickets(count: int, seed: int = 1) -> str:
    """The JSON body of a /tickets page with *count* tickets in the documented shape."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    for n in range(count):
        created = NOW - timedelta(minutes=rng.randrange(0, 3000))
        item: dict[str, Any] = {
            "id": str(n),
            "key": f"SUP-{n}",
            "title": f"Ticket {n}: <b>checkout</b> fails for customer {rng.randrange(10**6)}",
            "priority": rng.choice(["P1", "P2", "P3", "P3", "P4"]),
            "status": rng.choice(["new", "new", "acknowledged", "in_progress"]),
            "created_at": created.isoformat(),
            "url": f"https://support.example.com/t/{n}",
            "assignee_id": rng.choice([None, *[p.id for p in TEAM]]),
        }
        if rng.random() < 0.3:
            item["sla"] = {"due_at": (created + timedelta(hours=2)).isoformat(), "kind": "response"}
        items.append(item)
    return json.dumps({"tickets": items, "next": None})


def shifts() -> tuple[Shift, ...]:
    """A week of daily primary shifts around NOW, me on duty now."""
    start = NOW.replace(hour=0) - timedelta(days=3)
    return tuple(
        Shift(
            TEAM[(day + 3) % len(TEAM)],
            start + timedelta(days=day),
            start + timedelta(days=day + 1),
        )
        for day in range(7)
    )


def cycle(
    body: str,
    previous: Snapshot | None,
    settings: alerts.AlertSettings,
    fired: set[str],
    parsed: ItemCache[Ticket],
) -> Snapshot:
    """Parse, merge, evaluate, order: what one queue poll costs without the network.

    *fired* is the set of alert keys fired so far; new ones are added, as the service
    does, so a repeated cycle measures the steady state (everything seen before).
    *parsed* is the team API client's cache of the last answer's tickets, as in
    `TeamApiSource.fetch_tickets`: unchanged tickets are reused, not parsed again.
    """
    people = {p.id: p for p in TEAM}
    payload = json.loads(body)
    parsed.start(people)
    parse = parsed.parser(lambda item, path: parse_ticket(item, "bench", path, people))
    tickets = tuple(parse(item, f"tickets[{i}]") for i, item in enumerate(payload["tickets"]))
    parsed.finish()
    current = Snapshot(
        taken_at=NOW,
        people=TEAM,
        shifts=shifts(),
        tickets=tickets,
        sources=(SourceStatus("bench", ok=True, last_ok_at=NOW),),
    )
    # As the service does: the alerts due now and the next wake-up, in one pass.
    decided = alerts.plan(previous, current, NOW, ME, settings, fired)
    fired.update(a.key for a in decided.alerts)
    return current


def order_ms(snapshot: Snapshot, settings: alerts.AlertSettings, repeat: int) -> float:
    """Best milliseconds to order *snapshot*'s queue by SLA urgency."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        urgency_order(snapshot.tickets, settings.sla, NOW)
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def measure(count: int, repeat: int) -> tuple[list[float], float]:
    """Milliseconds per cycle for *count* tickets (the first, then *repeat* more), and the
    best time to order that queue."""
    body = raw_tickets(count)
    settings = alerts.AlertSettings()
    fired: set[str] = set()
    parsed = ItemCache[Ticket]()
    first_started = time.perf_counter()
    previous = cycle(body, None, settings, fired, parsed)
    first = (time.perf_counter() - first_started) * 1000
    assert fired, "the benchmark's queue should raise alerts"
    timings = [first]
    for _ in range(repeat):
        started = time.perf_counter()
        cycle(body, previous, settings, fired, parsed)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, order_ms(previous, settings, repeat)


def main() -> None:
    """Print a table of cycle times and growth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"{'tickets':>8}  {'first ms':>9}  {'best ms':>9}  {'median ms':>9}"
        f"  {'µs/ticket':>9}  {'growth':>6}  {'order ms':>8}"
    )
    last: tuple[int, float] | None = None
    for count in sizes:
        (first, *steady), order = measure(
            count, args.repeat if count < 100_000 else max(1, args.repeat // 2)
        )
        best, median = min(steady), statistics.median(steady)
        growth = (
            "-" if last is None else f"n^{math.log(best / last[1]) / math.log(count / last[0]):.2f}"
        )
        print(
            f"{count:>8}  {first:>9.1f}  {best:>9.1f}  {median:>9.1f}"
            f"  {best * 1000 / count:>9.1f}  {growth:>6}  {order:>8.1f}"
        )
        last = (count, best)


if __name__ == "__main__":
    main()
