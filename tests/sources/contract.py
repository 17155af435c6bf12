"""The provider contract: what every provider's tests hold it to, whatever its API or role.

A provider's test module fills in a `ProviderHarness` (how to start a misbehaving server
for it and build the provider against that server's URL and a token) with a part per
role it serves: a `QueueHarness` (which endpoints its ticket reads and writes use, a
ticket to write to...) and/or a `RotationHarness` (which endpoints `fetch_people` and
`fetch_shifts` use, the people and shifts the sound server has). Then it subclasses the
contract of each role, named ``Test...``:

    class TestTeamApiContract(QueueContract, RotationContract):
        harness = ProviderHarness(start=..., build=..., queue=QueueHarness(...),
                                  rotation=RotationHarness(...))

    class TestIcsContract(RotationContract):      # a rotation-only provider
        harness = ProviderHarness(start=..., build=..., rotation=RotationHarness(...))

`QueueContract` (tests/sources/contract_queue.py) checks reads of tickets, writes,
idempotency, hangs and paging; `RotationContract` (tests/sources/contract_rotation.py)
checks reads of people and shifts: for every case of tests/faultcases.py the documented
`SourceError` type (the same mapping as a read of tickets) naming the source, with a
fix, never the token; hostile text clean; a bad item skipped, never the whole answer;
hangs bounded; every person and shift of the sound server back once, across pages. A
rotation-only provider is never asked for tickets or writes. Limits are tight
(`CONTRACT_LIMITS`), so the whole contract runs in seconds per provider.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, NamedTuple, Protocol

import pytest

from tests.faultcases import FAULT_CASES, FaultCase
from tests.faultserver import Fault, Write
from traysupport.core.model import Person
from traysupport.sources.base import SourceError
from traysupport.sources.http import HttpLimits

CONTRACT_TOKEN = "contract-token-Zq4v-never-shown"
"""The token each contract server wants; no error or message may contain it."""
CONTRACT_LIMITS = HttpLimits(
    connect_timeout=1.0,
    read_timeout=1.0,
    max_answer_seconds=1.5,
    max_call_seconds=2.0,
    max_retries=1,
    backoff_base=0.02,
    backoff_max=0.05,
    max_response_bytes=1024 * 1024,
)
"""Tight enough that a hang or a drip ends in 2 s, so every case stays quick; loose enough
for a sound answer on a loaded machine."""
BOUND_SECONDS = 8.0
"""A call that has not ended by then is a hang the provider failed to bound (limits: 2 s)."""
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Direction controls: they reorder what a user reads, so no shown text may carry one."""


class ContractServer(Protocol):
    """What the contract needs of a provider's misbehaving server (as tests.faultserver)."""

    @property
    def url(self) -> str:
        """The base URL a provider is built against."""
        ...

    @property
    def writes(self) -> list[Write]:
        """Every write the server received, with its Idempotency-Key."""
        ...

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer *endpoint* with *fault* from now on."""
        ...

    def clear(self) -> None:
        """Every endpoint back to its sound answer."""
        ...

    def hits(self, endpoint: str) -> int:
        """How many requests *endpoint* had."""
        ...

    def stop(self) -> None:
        """Stop serving; every handler thread joined."""
        ...


class ContractProvider(Protocol):
    """A provider the contract can build and close; each role's contract checks the rest."""

    def close(self) -> None:
        """Close its connections."""
        ...


class ShiftKey(NamedTuple):
    """What identifies a shift across providers: who, from when, until when (UTC)."""

    person_id: str
    start: datetime
    end: datetime


def around_now(_server: ContractServer) -> tuple[datetime, datetime]:
    """A day behind to a week ahead of now: where a sound server's shifts are."""
    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(days=7)


@dataclass(frozen=True, slots=True)
class QueueHarness:
    """The queue side of a provider, for `QueueContract`."""

    read_endpoints: tuple[str, ...]
    """The server endpoints `fetch_tickets` uses; a fault case switches them all."""
    write_endpoints: tuple[str, ...]
    """The server endpoints `acknowledge` and `hand_over` use."""
    ticket_id: str
    """An open ticket on the server that the contract writes to."""
    ticket_ids: frozenset[str]
    """Every open ticket id the sound server has, so paging can be checked."""
    me: Person
    """Who writes (`by`)."""
    recipient: Person
    """Who a ticket is handed over to."""
    state: Callable[[ContractServer, str], object]
    """The server's state of a ticket, to see that a repeated write changed nothing."""
    keyed: bool = True
    """Whether the API takes our idempotency key (the team API does). A tool that takes
    none (RT, Zendesk, PagerDuty...) makes a repeat harmless by reading the ticket first
    (already mine, already assigned to the recipient: nothing to send), and the contract
    checks the server's state only."""


@dataclass(frozen=True, slots=True)
class RotationHarness:
    """The rotation side of a provider, for `RotationContract`."""

    people_endpoints: tuple[str, ...]
    """The server endpoints `fetch_people` uses; a fault case switches them all."""
    shift_endpoints: tuple[str, ...]
    """The server endpoints `fetch_shifts` uses."""
    person_ids: frozenset[str]
    """Every person id the sound server has."""
    shifts: Callable[[ContractServer], frozenset[ShiftKey]]
    """Every shift the sound server has in `window`."""
    paged_endpoints: tuple[str, ...] = ()
    """Endpoints that page (at the contract's page size 1, more than one request each)."""
    window: Callable[[ContractServer], tuple[datetime, datetime]] = around_now
    """(since, until) to ask `fetch_shifts` for."""


@dataclass(frozen=True, slots=True)
class ProviderHarness:
    """How the contract drives one provider; a provider's test module fills one in."""

    start: Callable[[str, int], ContractServer]
    """(token, page size) -> a started server wanting that token."""
    build: Callable[[str, str, str, HttpLimits], ContractProvider]
    """(source name, base URL, token, limits) -> the provider."""
    queue: QueueHarness | None = None
    """Its queue side; None for a rotation-only provider."""
    rotation: RotationHarness | None = None
    """Its rotation side; None for a queue-only provider."""


def within(seconds: float, call: Callable[[], object]) -> BaseException | object:
    """Run *call* on a thread; its result or exception, failing if it is still running."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # handed to the test to judge
            outcome.append(error)

    worker = threading.Thread(target=run, name="bounded-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"the call was still running after {seconds} s")
    return outcome[0]


def assert_told_well(outcome: object, expected: type[SourceError], source: str) -> None:
    """*outcome* is exactly *expected*, names *source*, gives a fix and hides the token."""
    assert type(outcome) is expected, outcome
    assert isinstance(outcome, SourceError)
    assert outcome.source == source
    assert str(outcome).startswith(f"{source}: "), str(outcome)
    assert outcome.problem.strip(), "the message says nothing about what went wrong"
    assert outcome.hint.strip(), "the message gives no fix"
    for text in (str(outcome), repr(outcome.args), outcome.problem, outcome.hint):
        assert CONTRACT_TOKEN not in text


def assert_clean_texts(texts: Iterable[str]) -> None:
    """Every string is encodable, without control or direction characters."""
    for text in texts:
        text.encode("utf-8")  # no lone surrogates
        assert not any(unicodedata.category(c) == "Cc" or c in BIDI for c in text), text


def person_texts(person: Person | None) -> list[str]:
    """What a person shows: id, name, email."""
    return [] if person is None else [person.id, person.name, person.email]


class ContractBase:
    """What both role contracts share: the server fixture, switching, the fault cases."""

    harness: ClassVar[ProviderHarness]
    source_name: ClassVar[str] = "contract"
    page_size: ClassVar[int] = 50
    """Large enough that the fault cases meet one page; the paging checks use 1."""
    fault_cases: ClassVar[tuple[FaultCase, ...]] = FAULT_CASES
    """The cases every ``case`` check runs: all of them for a provider (only the contract's
    own tests narrow them)."""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run every check taking ``case`` once per fault case of this contract."""
        if "case" in metafunc.fixturenames:
            cases = self.fault_cases
            metafunc.parametrize("case", cases, ids=[case.id for case in cases])

    @pytest.fixture
    def server(self) -> Iterator[ContractServer]:
        """The provider's server wanting `CONTRACT_TOKEN`, stopped after the test."""
        started = self.harness.start(CONTRACT_TOKEN, self.page_size)
        try:
            yield started
        finally:
            started.stop()

    def build(self, server: ContractServer) -> ContractProvider:
        """The provider built against *server* with `CONTRACT_LIMITS`."""
        return self.harness.build(self.source_name, server.url, CONTRACT_TOKEN, CONTRACT_LIMITS)

    def switch(self, server: ContractServer, endpoints: tuple[str, ...], fault: Fault) -> None:
        """Answer every one of *endpoints* with *fault*."""
        for endpoint in endpoints:
            server.set(endpoint, fault)
