"""The queue half of the provider contract (see tests/sources/contract.py).

For every fault case a read of tickets and a write give the documented `SourceError`
type (or succeed, clean and with every sound ticket); a repeated write with the same
idempotency key changes nothing more on the server, also after a lost answer; a hung
server is given up on within a bound; paging returns every ticket once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faultcases import FaultCase
from tests.faultserver import Fault
from tests.sources.contract import (
    BOUND_SECONDS,
    CONTRACT_LIMITS,
    CONTRACT_TOKEN,
    ContractBase,
    ContractServer,
    QueueHarness,
    assert_clean_texts,
    assert_told_well,
    person_texts,
    within,
)
from traysupport.core.model import Ticket
from traysupport.sources.base import QueueSource, UnavailableError


def assert_clean(tickets: list[Ticket]) -> None:
    """Every string a ticket shows is encodable, without control or direction characters."""
    for ticket in tickets:
        texts = [ticket.id, ticket.key, ticket.title, ticket.url, ticket.source]
        assert_clean_texts(texts + person_texts(ticket.assignee))


class QueueContract(ContractBase):
    """Subclass as ``Test<Provider>Contract`` with `harness.queue` set; pytest runs every check."""

    @property
    def queue(self) -> QueueHarness:
        """The harness's queue side (a queue contract without one is a mistake in the test)."""
        part = self.harness.queue
        assert part is not None, "QueueContract needs ProviderHarness(queue=QueueHarness(...))"
        return part

    @pytest.fixture
    def provider(self, server: ContractServer) -> Iterator[QueueSource]:
        """The provider built against *server* with `CONTRACT_LIMITS`, as a queue."""
        made = self.build(server)
        try:
            assert isinstance(made, QueueSource), f"{made!r} is not a QueueSource"
            yield made
        finally:
            made.close()

    def test_a_ticket_read_gives_the_documented_outcome(
        self, server: ContractServer, provider: QueueSource, case: FaultCase
    ) -> None:
        self.switch(server, self.queue.read_endpoints, case.fault)
        outcome = within(BOUND_SECONDS, provider.fetch_tickets)
        if case.read_error is None:
            assert isinstance(outcome, list), outcome
            assert_clean(outcome)
            # A bad ticket is skipped, never the answer: the sound ones are all there.
            assert self.queue.ticket_ids <= {ticket.id for ticket in outcome}
        else:
            assert_told_well(outcome, case.read_error, self.source_name)

    def test_a_write_gives_the_documented_outcome(
        self, server: ContractServer, provider: QueueSource, case: FaultCase
    ) -> None:
        self.switch(server, self.queue.write_endpoints, case.fault)
        ticket, me = self.queue.ticket_id, self.queue.me
        outcome = within(BOUND_SECONDS, lambda: provider.acknowledge(ticket, me, "k1"))
        if case.write_error is None:
            assert outcome is None, outcome
        else:
            assert_told_well(outcome, case.write_error, self.source_name)

    def test_a_repeated_write_with_the_same_key_is_a_no_op(
        self, server: ContractServer, provider: QueueSource
    ) -> None:
        queue = self.queue
        ticket, me, to = queue.ticket_id, queue.me, queue.recipient
        provider.acknowledge(ticket, me, "ack-1")
        acknowledged = queue.state(server, ticket)
        provider.acknowledge(ticket, me, "ack-1")
        assert queue.state(server, ticket) == acknowledged
        provider.hand_over(ticket, to, "over to you", me, "hand-1")
        handed = queue.state(server, ticket)
        assert handed != acknowledged, "the hand-over changed nothing on the server"
        provider.hand_over(ticket, to, "over to you", me, "hand-1")
        assert queue.state(server, ticket) == handed
        if queue.keyed:
            keys = [write.idempotency_key for write in server.writes]
            assert keys == ["ack-1", "ack-1", "hand-1", "hand-1"]

    def test_a_write_retried_after_a_lost_answer_is_applied_once(
        self, server: ContractServer, provider: QueueSource
    ) -> None:
        queue = self.queue
        ticket, me, to = queue.ticket_id, queue.me, queue.recipient
        for endpoint in queue.write_endpoints:
            server.set(endpoint, Fault.reset(), times=1)
        first = within(BOUND_SECONDS, lambda: provider.hand_over(ticket, to, "n", me, "h-1"))
        assert first is None or isinstance(first, UnavailableError), first
        provider.hand_over(ticket, to, "n", me, "h-1")
        once = queue.state(server, ticket)
        provider.hand_over(ticket, to, "n", me, "h-1")
        assert queue.state(server, ticket) == once
        if queue.keyed:
            assert {write.idempotency_key for write in server.writes} == {"h-1"}

    @pytest.mark.parametrize("side", ["read", "write"])
    def test_a_hung_queue_server_is_given_up_on_within_a_bound(
        self, server: ContractServer, provider: QueueSource, side: str
    ) -> None:
        queue = self.queue
        if side == "read":
            self.switch(server, queue.read_endpoints, Fault.hang())
            outcome = within(BOUND_SECONDS, provider.fetch_tickets)
        else:
            self.switch(server, queue.write_endpoints, Fault.hang())
            outcome = within(
                BOUND_SECONDS, lambda: provider.acknowledge(queue.ticket_id, queue.me, "k")
            )
        assert_told_well(outcome, UnavailableError, self.source_name)

    def test_paging_returns_every_ticket_once(self) -> None:
        queue = self.queue
        paged = self.harness.start(CONTRACT_TOKEN, 1)  # one ticket a page: every page is followed
        try:
            provider = self.harness.build(
                self.source_name, paged.url, CONTRACT_TOKEN, CONTRACT_LIMITS
            )
            try:
                assert isinstance(provider, QueueSource)
                ids = [ticket.id for ticket in provider.fetch_tickets()]
            finally:
                provider.close()
            pages = sum(paged.hits(endpoint) for endpoint in queue.read_endpoints)
        finally:
            paged.stop()
        assert sorted(ids) == sorted(queue.ticket_ids)
        assert pages >= len(queue.ticket_ids), "the server never paged"
