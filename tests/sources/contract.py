"""The provider contract: what every queue provider's tests hold it to, whatever its API.

A provider's test module plugs in with a small `ProviderHarness` (how to start a
misbehaving server for it, build the provider against that server's URL and a token,
which endpoints its reads and writes use, a ticket to write to, a recipient) and a
subclass of `ProviderContract` named ``Test...``:

    class TestTeamApiContract(ProviderContract):
        harness = ProviderHarness(...)

Then for every case of tests/faultcases.py the contract checks that a read and a write
raise the documented `SourceError` type (or succeed), with a message that names the
source, gives a fix and never shows the token; that hostile text reaches the app only as
clean strings; that a repeated write with the same idempotency key changes nothing more
on the server; that a hung server is given up on within a bound; and that paging
returns every ticket once. Limits are tight (`CONTRACT_LIMITS`), so the whole contract
runs in seconds per provider.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar, Protocol

import pytest

from tests.faultcases import FAULT_CASES, FaultCase
from tests.faultserver import Fault, Write
from traysupport.core.model import Person, Ticket
from traysupport.sources.base import QueueSource, SourceError, UnavailableError
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


class ContractProvider(QueueSource, Protocol):
    """A queue provider the contract can build and close."""

    def close(self) -> None:
        """Close its connections."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderHarness:
    """How the contract drives one provider; a provider's test module fills one in."""

    start: Callable[[str, int], ContractServer]
    """(token, page size) -> a started server wanting that token."""
    build: Callable[[str, str, str, HttpLimits], ContractProvider]
    """(source name, base URL, token, limits) -> the provider."""
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


def assert_clean(tickets: list[Ticket]) -> None:
    """Every string a ticket shows is encodable, without control or direction characters."""
    for ticket in tickets:
        texts = [ticket.id, ticket.key, ticket.title, ticket.url, ticket.source]
        if ticket.assignee is not None:
            texts += [ticket.assignee.id, ticket.assignee.name, ticket.assignee.email]
        for text in texts:
            text.encode("utf-8")  # no lone surrogates
            assert not any(unicodedata.category(c) == "Cc" or c in BIDI for c in text), text


def _ids(cases: tuple[FaultCase, ...]) -> list[str]:
    return [case.id for case in cases]


class ProviderContract:
    """Subclass as ``Test<Provider>Contract`` with `harness` set; pytest runs every check."""

    harness: ClassVar[ProviderHarness]
    source_name: ClassVar[str] = "contract"
    page_size: ClassVar[int] = 50
    """Large enough that the fault cases meet one page; the paging check uses its own."""

    @pytest.fixture
    def server(self) -> Iterator[ContractServer]:
        """The provider's server wanting `CONTRACT_TOKEN`, stopped after the test."""
        started = self.harness.start(CONTRACT_TOKEN, self.page_size)
        try:
            yield started
        finally:
            started.stop()

    @pytest.fixture
    def provider(self, server: ContractServer) -> Iterator[ContractProvider]:
        """The provider built against *server* with `CONTRACT_LIMITS`."""
        made = self.harness.build(self.source_name, server.url, CONTRACT_TOKEN, CONTRACT_LIMITS)
        try:
            yield made
        finally:
            made.close()

    def _switch(self, server: ContractServer, endpoints: tuple[str, ...], fault: Fault) -> None:
        for endpoint in endpoints:
            server.set(endpoint, fault)

    @pytest.mark.parametrize("case", FAULT_CASES, ids=_ids(FAULT_CASES))
    def test_a_read_gives_the_documented_outcome(
        self, server: ContractServer, provider: ContractProvider, case: FaultCase
    ) -> None:
        self._switch(server, self.harness.read_endpoints, case.fault)
        outcome = within(BOUND_SECONDS, provider.fetch_tickets)
        if case.read_error is None:
            assert isinstance(outcome, list), outcome
            assert_clean(outcome)
        else:
            assert_told_well(outcome, case.read_error, self.source_name)

    @pytest.mark.parametrize("case", FAULT_CASES, ids=_ids(FAULT_CASES))
    def test_a_write_gives_the_documented_outcome(
        self, server: ContractServer, provider: ContractProvider, case: FaultCase
    ) -> None:
        self._switch(server, self.harness.write_endpoints, case.fault)
        ticket = self.harness.ticket_id
        outcome = within(BOUND_SECONDS, lambda: provider.acknowledge(ticket, self.harness.me, "k1"))
        if case.write_error is None:
            assert outcome is None, outcome
        else:
            assert_told_well(outcome, case.write_error, self.source_name)

    def test_a_repeated_write_with_the_same_key_is_a_no_op(
        self, server: ContractServer, provider: ContractProvider
    ) -> None:
        ticket, me, to = self.harness.ticket_id, self.harness.me, self.harness.recipient
        provider.acknowledge(ticket, me, "ack-1")
        acknowledged = self.harness.state(server, ticket)
        provider.acknowledge(ticket, me, "ack-1")
        assert self.harness.state(server, ticket) == acknowledged
        provider.hand_over(ticket, to, "over to you", me, "hand-1")
        handed = self.harness.state(server, ticket)
        assert handed != acknowledged, "the hand-over changed nothing on the server"
        provider.hand_over(ticket, to, "over to you", me, "hand-1")
        assert self.harness.state(server, ticket) == handed
        keys = [write.idempotency_key for write in server.writes]
        assert keys == ["ack-1", "ack-1", "hand-1", "hand-1"]

    def test_a_write_retried_after_a_lost_answer_is_applied_once(
        self, server: ContractServer, provider: ContractProvider
    ) -> None:
        ticket, me, to = self.harness.ticket_id, self.harness.me, self.harness.recipient
        for endpoint in self.harness.write_endpoints:
            server.set(endpoint, Fault.reset(), times=1)
        first = within(BOUND_SECONDS, lambda: provider.hand_over(ticket, to, "n", me, "h-1"))
        assert first is None or isinstance(first, UnavailableError), first
        provider.hand_over(ticket, to, "n", me, "h-1")
        once = self.harness.state(server, ticket)
        provider.hand_over(ticket, to, "n", me, "h-1")
        assert self.harness.state(server, ticket) == once
        assert {write.idempotency_key for write in server.writes} == {"h-1"}

    @pytest.mark.parametrize("side", ["read", "write"])
    def test_a_hung_server_is_given_up_on_within_a_bound(
        self, server: ContractServer, provider: ContractProvider, side: str
    ) -> None:
        harness = self.harness
        if side == "read":
            self._switch(server, harness.read_endpoints, Fault.hang())
            outcome = within(BOUND_SECONDS, provider.fetch_tickets)
        else:
            self._switch(server, harness.write_endpoints, Fault.hang())
            outcome = within(
                BOUND_SECONDS, lambda: provider.acknowledge(harness.ticket_id, harness.me, "k")
            )
        assert_told_well(outcome, UnavailableError, self.source_name)

    def test_paging_returns_every_ticket_once(self) -> None:
        harness = self.harness
        paged = harness.start(CONTRACT_TOKEN, 1)  # one ticket a page: every page is followed
        try:
            provider = harness.build(self.source_name, paged.url, CONTRACT_TOKEN, CONTRACT_LIMITS)
            try:
                ids = [ticket.id for ticket in provider.fetch_tickets()]
            finally:
                provider.close()
            pages = sum(paged.hits(endpoint) for endpoint in harness.read_endpoints)
        finally:
            paged.stop()
        assert sorted(ids) == sorted(harness.ticket_ids)
        assert pages >= len(harness.ticket_ids), "the server never paged"
