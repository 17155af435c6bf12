"""One poll cycle without network, for growing queues: parse, merge, evaluate, order.

Run: .venv/bin/python benchmarks/engine.py [--sizes 100,1000,10000,100000] [--repeat 5]

Prints milliseconds per cycle (best and median of the repeats) for each queue size and
the growth exponent between sizes (1.0 is linear; n log n reads slightly above 1).
The cycle is what the service does on each queue poll: parse the team API's JSON
tickets, build the merged Snapshot, evaluate the alert rules against the previous
snapshot, compute the next wake-up instant and order the queue by SLA urgency.
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
from traysupport.core.model import Person, Shift, Snapshot, SourceStatus
from traysupport.core.sla import urgency_order
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


def cycle(body: str, previous: Snapshot | None, settings: alerts.AlertSettings) -> Snapshot:
    """Parse, merge, evaluate, order: what one queue poll costs without the network."""
    people = {p.id: p for p in TEAM}
    payload = json.loads(body)
    tickets = tuple(
        parse_ticket(item, "bench", f"tickets[{i}]", people)
        for i, item in enumerate(payload["tickets"])
    )
    current = Snapshot(
        taken_at=NOW,
        people=TEAM,
        shifts=shifts(),
        tickets=tickets,
        sources=(SourceStatus("bench", ok=True, last_ok_at=NOW),),
    )
    fired = alerts.evaluate(previous, current, NOW, ME, settings, ())
    alerts.next_instant(current, NOW, ME, settings)
    urgency_order(current.tickets, settings.sla, NOW)
    assert fired, "the benchmark's queue should raise alerts"
    return current


def measure(count: int, repeat: int) -> list[float]:
    """Milliseconds per cycle, *repeat* times, for a queue of *count* tickets."""
    body = raw_tickets(count)
    settings = alerts.AlertSettings()
    previous = cycle(body, None, settings)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        cycle(body, previous, settings)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    """Print a table of cycle times and growth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'tickets':>8}  {'best ms':>9}  {'median ms':>9}  {'µs/ticket':>9}  growth")
    last: tuple[int, float] | None = None
    for count in sizes:
        timings = measure(count, args.repeat if count < 100_000 else max(1, args.repeat // 2))
        best, median = min(timings), statistics.median(timings)
        growth = (
            "" if last is None else f"n^{math.log(best / last[1]) / math.log(count / last[0]):.2f}"
        )
        print(f"{count:>8}  {best:>9.1f}  {median:>9.1f}  {best * 1000 / count:>9.1f}  {growth}")
        last = (count, best)


if __name__ == "__main__":
    main()
