"""A clock the test moves by hand: time in tests is passed in, never slept for."""

from __future__ import annotations

from datetime import datetime


class FakeClock:
    """Callable like `service.utc_now`; set or move `now`. Safe to read from any thread."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
