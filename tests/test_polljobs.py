"""How long a failing source waits before its next poll (service/polljobs.py): pure tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from traysupport.service.polljobs import MAX_BACKOFF, retry_delay
from traysupport.sources.base import RateLimitedError, UnavailableError

NOW = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)
DOWN = UnavailableError("ops", "connection refused")


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (5, 600), (40, 600)],
)
def test_the_wait_doubles_per_failure_up_to_ten_minutes(failures: int, seconds: int) -> None:
    assert retry_delay(60.0, failures, DOWN, NOW) == timedelta(seconds=seconds)


def test_the_wait_is_never_shorter_than_the_interval() -> None:
    assert retry_delay(3600.0, 5, DOWN, NOW) == timedelta(hours=1)
    assert timedelta(hours=1) > MAX_BACKOFF, "the case proves nothing"


def test_a_rate_limit_waits_until_its_end() -> None:
    limited = RateLimitedError("ops", "429", until=NOW + timedelta(minutes=45))
    assert retry_delay(60.0, 1, limited, NOW) == timedelta(minutes=45)
    soon = RateLimitedError("ops", "429", until=NOW + timedelta(seconds=5))
    assert retry_delay(60.0, 3, soon, NOW) == timedelta(seconds=240)
