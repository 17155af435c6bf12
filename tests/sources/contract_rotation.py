"""The rotation half of the provider contract (see tests/sources/contract.py).

For every fault case `fetch_people()` and `fetch_shifts(since, until)` give the same
`SourceError` type as a read of tickets, naming the source, with a fix, never the token,
within a bound (hangs and drips are cases); when they succeed (hostile text, a
same-origin redirect) every name and rotation name is clean, every shift's times are
ones the maths can hold, and each bad item is skipped while the sound ones all come
back. The sound server's people and shifts come back exactly once, across pages. Only
rotation methods are called: a rotation-only provider has no tickets and no writes.
"""

from __future__ import annotations

from collections import Counter
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
    RotationHarness,
    ShiftKey,
    assert_clean_texts,
    assert_told_well,
    person_texts,
    within,
)
from traysupport.core.model import EARLIEST, LATEST, Person, Shift
from traysupport.sources.base import RotationSource


def assert_clean_people(people: list[Person]) -> None:
    """Every string a person shows is encodable, without control or direction characters."""
    for person in people:
        assert_clean_texts(person_texts(person))


def assert_sound_shifts(shifts: list[Shift]) -> None:
    """Clean text, and times the rotation maths can hold: aware, in range, start < end."""
    for shift in shifts:
        assert_clean_texts([*person_texts(shift.person), shift.rotation])
        assert shift.start.utcoffset() is not None and shift.end.utcoffset() is not None
        assert EARLIEST <= shift.start < shift.end <= LATEST, shift


def keys(shifts: list[Shift]) -> list[ShiftKey]:
    """Each shift as (person id, start, end)."""
    return [ShiftKey(shift.person.id, shift.start, shift.end) for shift in shifts]


class RotationContract(ContractBase):
    """Subclass as ``Test<Provider>Contract`` with `harness.rotation` set; pytest runs all."""

    @property
    def rotation(self) -> RotationHarness:
        """The harness's rotation side (a rotation contract without one is a test mistake)."""
        part = self.harness.rotation
        assert part is not None, (
            "RotationContract needs ProviderHarness(rotation=RotationHarness(...))"
        )
        return part

    @pytest.fixture
    def rotation_source(self, server: ContractServer) -> Iterator[RotationSource]:
        """The provider built against *server* with `CONTRACT_LIMITS`, as a rotation."""
        made = self.build(server)
        try:
            assert isinstance(made, RotationSource), f"{made!r} is not a RotationSource"
            yield made
        finally:
            made.close()

    def test_a_people_read_gives_the_documented_outcome(
        self, server: ContractServer, rotation_source: RotationSource, case: FaultCase
    ) -> None:
        self.switch(server, self.rotation.people_endpoints, case.fault)
        outcome = within(BOUND_SECONDS, rotation_source.fetch_people)
        if case.read_error is None:
            assert isinstance(outcome, list), outcome
            assert_clean_people(outcome)
            # A bad person is skipped, never the answer: the sound ones are all there.
            assert self.rotation.person_ids <= {person.id for person in outcome}
        else:
            assert_told_well(outcome, case.read_error, self.source_name)

    def test_a_shifts_read_gives_the_documented_outcome(
        self, server: ContractServer, rotation_source: RotationSource, case: FaultCase
    ) -> None:
        rotation = self.rotation
        since, until = rotation.window(server)
        rotation_source.fetch_people()  # as the service does first, so names can resolve
        self.switch(server, rotation.shift_endpoints, case.fault)
        outcome = within(BOUND_SECONDS, lambda: rotation_source.fetch_shifts(since, until))
        if case.read_error is None:
            assert isinstance(outcome, list), outcome
            assert_sound_shifts(outcome)
            # An impossible date or a missing field skips that shift, never the answer.
            assert rotation.shifts(server) <= set(keys(outcome))
        else:
            assert_told_well(outcome, case.read_error, self.source_name)

    def test_hostile_people_and_shifts_together_come_out_clean(
        self, server: ContractServer, rotation_source: RotationSource
    ) -> None:
        rotation = self.rotation
        since, until = rotation.window(server)
        self.switch(server, rotation.people_endpoints + rotation.shift_endpoints, Fault.hostile())
        people = rotation_source.fetch_people()
        shifts = rotation_source.fetch_shifts(since, until)  # names resolved from hostile people
        assert_clean_people(people)
        assert_sound_shifts(shifts)
        assert rotation.person_ids <= {person.id for person in people}
        assert rotation.shifts(server) <= set(keys(shifts))

    def test_every_person_and_shift_comes_back_once_across_pages(self) -> None:
        rotation = self.rotation
        paged = self.harness.start(CONTRACT_TOKEN, 1)  # one item a page where the API pages
        try:
            provider = self.harness.build(
                self.source_name, paged.url, CONTRACT_TOKEN, CONTRACT_LIMITS
            )
            try:
                assert isinstance(provider, RotationSource)
                since, until = rotation.window(paged)
                people = provider.fetch_people()
                shifts = provider.fetch_shifts(since, until)
            finally:
                provider.close()
            expected = rotation.shifts(paged)
            hits = {endpoint: paged.hits(endpoint) for endpoint in rotation.paged_endpoints}
        finally:
            paged.stop()
        assert sorted(person.id for person in people) == sorted(rotation.person_ids)
        assert Counter(keys(shifts)) == Counter(expected), "a shift was lost or repeated"
        assert_sound_shifts(shifts)
        for endpoint, count in hits.items():
            assert count > 1, f"the server never paged {endpoint}"
