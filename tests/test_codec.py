"""JSON encoding of snapshots and actions: exact round trips, and clear errors for garbage."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traysupport import codec
from traysupport.codec import CodecError
from traysupport.core.model import (
    ActionKind,
    Person,
    Priority,
    Role,
    Shift,
    Sla,
    SlaKind,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)

# Any offset, odd ones too (seconds, microseconds): the model keeps UTC either way.
offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
).map(timezone)
# A day inside the model's range (1900..3000 UTC) whatever the offset.
instants = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=offsets | st.just(UTC)
)
texts = st.text(max_size=20)
people = st.builds(Person, id=texts, name=texts, email=texts)


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    start = draw(instants)
    length = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=30)))
    return Shift(
        person=draw(people),
        start=start,
        end=start + length,
        role=draw(st.sampled_from(Role)),
        rotation=draw(texts),
        out_of_hours=draw(st.booleans()),
    )


slas = st.builds(
    Sla,
    due_at=st.none() | instants,
    kind=st.sampled_from(SlaKind),
    paused=st.booleans(),
    exempt=st.booleans(),
)
tickets = st.builds(
    Ticket,
    id=texts,
    key=texts,
    title=st.text(),
    priority=st.sampled_from(Priority),
    status=st.sampled_from(TicketStatus),
    created_at=instants,
    source=texts,
    url=texts,
    assignee=st.none() | people,
    sla=st.none() | slas,
    acknowledged_at=st.none() | instants,
    assigned_by=st.none() | people,
)
statuses = st.builds(
    SourceStatus,
    name=texts,
    ok=st.booleans(),
    last_ok_at=st.none() | instants,
    error=texts,
    failures=st.integers(min_value=0, max_value=10**6),
)
snapshots = st.builds(
    Snapshot,
    taken_at=instants,
    people=st.lists(people, max_size=3).map(tuple),
    shifts=st.lists(shifts(), max_size=3).map(tuple),
    tickets=st.lists(tickets, max_size=4).map(tuple),
    sources=st.lists(statuses, max_size=2).map(tuple),
)


@st.composite
def actions(draw: st.DrawFn) -> UserAction:
    kind = draw(st.sampled_from(ActionKind))
    return UserAction(
        id=draw(texts),
        kind=kind,
        source=draw(texts),
        ticket_id=draw(texts),
        by=draw(texts),
        created_at=draw(instants),
        to=draw(texts.filter(bool) if kind is ActionKind.HAND_OVER else texts),
        note=draw(st.text()),
        until=draw(instants if kind is ActionKind.SNOOZE else st.none() | instants),
    )


NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def sample_snapshot() -> Snapshot:
    ana = Person("ana", "Ana", "ana@example.com")
    return Snapshot(
        taken_at=NOW,
        people=(ana,),
        shifts=(Shift(ana, NOW, NOW + timedelta(hours=8), rotation="l1"),),
        tickets=(
            Ticket(
                id="42",
                key="SUP-42",
                title="VPN down",
                priority=Priority.P1,
                status=TicketStatus.NEW,
                created_at=NOW,
                source="queue",
                assignee=ana,
                sla=Sla(NOW + timedelta(hours=1)),
            ),
        ),
        sources=(SourceStatus("queue", ok=True, last_ok_at=NOW),),
    )


# --- round trips ----------------------------------------------------------------------


@given(snapshots)
def test_a_snapshot_survives_encoding_exactly(snapshot: Snapshot) -> None:
    encoded = codec.encode_snapshot(snapshot)
    assert codec.decode_snapshot(encoded) == snapshot
    assert codec.decode_snapshot(codec.loads(codec.dumps(encoded))) == snapshot


@given(actions())
def test_an_action_survives_encoding_exactly(action: UserAction) -> None:
    text = codec.dumps(codec.encode_action(action))
    assert text.isascii()  # any storage or terminal takes it
    assert codec.decode_action(codec.loads(text)) == action


def test_the_format_is_versioned_and_readable() -> None:
    encoded = codec.encode_snapshot(sample_snapshot())
    assert (encoded["v"], encoded["type"]) == (1, "snapshot")
    assert encoded["tickets"][0] == {
        "id": "42",
        "key": "SUP-42",
        "title": "VPN down",
        "priority": "P1",
        "status": "new",
        "created_at": "2024-05-06T09:00:00+00:00",
        "source": "queue",
        "url": "",
        "assignee": {"id": "ana", "name": "Ana", "email": "ana@example.com"},
        "sla": {
            "due_at": "2024-05-06T10:00:00+00:00",
            "kind": "response",
            "paused": False,
            "exempt": False,
        },
        "acknowledged_at": None,
        "assigned_by": None,
    }
    json.dumps(encoded, allow_nan=False)  # plain JSON-able values only


def test_an_sla_saved_before_exemptions_decodes_as_not_exempt() -> None:
    encoded = codec.encode_snapshot(sample_snapshot())
    del encoded["tickets"][0]["sla"]["exempt"]
    assert codec.decode_snapshot(encoded) == sample_snapshot()


def test_a_ticket_saved_before_assigned_by_decodes_without_it() -> None:
    encoded = codec.encode_snapshot(sample_snapshot())
    del encoded["tickets"][0]["assigned_by"]
    assert codec.decode_snapshot(encoded) == sample_snapshot()


# --- garbage --------------------------------------------------------------------------


def _broken(change: Any) -> dict[str, Any]:
    encoded = copy.deepcopy(codec.encode_snapshot(sample_snapshot()))
    change(encoded)
    return encoded


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([1, 2], "snapshot: expected an object, got a list"),
        ({}, "snapshot.v: missing"),
        (_broken(lambda e: e.update(v=2)), "format v2 was written by a newer traysupport"),
        (_broken(lambda e: e.update(type="action")), "snapshot: not a v1 snapshot object"),
        (_broken(lambda e: e.pop("people")), "snapshot.people: missing"),
        (
            _broken(lambda e: e["tickets"][0].update(priority="P9")),
            "snapshot.tickets[0].priority: expected one of P1, P2, P3, P4",
        ),
        (
            _broken(lambda e: e["tickets"][0].update(status="closed")),
            "snapshot.tickets[0].status: expected one of new, acknowledged",
        ),
        (
            _broken(lambda e: e["tickets"][0]["sla"].update(due_at="2024-05-06T10:00:00")),
            "snapshot.tickets[0].sla.due_at: expected an ISO 8601 time with a UTC offset",
        ),
        (
            _broken(lambda e: e.update(taken_at="yesterday")),
            "snapshot.taken_at: expected an ISO 8601 time with a UTC offset",
        ),
        (
            _broken(lambda e: e["sources"][0].update(failures=True)),
            "snapshot.sources[0].failures: expected a whole number, got a boolean",
        ),
        (
            _broken(lambda e: e["sources"][0].update(failures=-1)),
            "snapshot.sources[0].failures: expected a number >= 0",
        ),
        (
            _broken(lambda e: e["shifts"][0].update(end=e["shifts"][0]["start"])),
            "snapshot.shifts[0]: shift must end after it starts",
        ),
        (
            _broken(lambda e: e["shifts"][0].update(person=None)),
            "snapshot.shifts[0].person: expected an object, got null",
        ),
        (
            _broken(lambda e: e["people"][0].update(nickname="A")),
            "snapshot.people[0]: unknown field(s) nickname",
        ),
    ],
)
def test_garbage_is_a_codec_error_naming_the_field(raw: object, message: str) -> None:
    with pytest.raises(CodecError) as caught:
        codec.decode_snapshot(raw)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T00:00:00+00:00",
        "9999-12-31T23:00:00-05:00",  # no UTC datetime: OverflowError in the model
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+05:00",
        "1899-12-31T23:59:59+00:00",
    ],
)
@pytest.mark.parametrize(
    "poison",
    [
        lambda e, when: e.update(taken_at=when),
        lambda e, when: e["tickets"][0].update(created_at=when),
        lambda e, when: e["tickets"][0].update(acknowledged_at=when),
        lambda e, when: e["tickets"][0]["sla"].update(due_at=when),
        lambda e, when: e["shifts"][0].update(end=when),
        lambda e, when: e["sources"][0].update(last_ok_at=when),
    ],
)
def test_times_outside_the_model_range_are_a_codec_error(
    when: str, poison: Callable[[dict[str, Any], str], None]
) -> None:
    # An older version saved such times; the SLA maths overflow on them.
    with pytest.raises(CodecError, match="outside the supported range"):
        codec.decode_snapshot(_broken(lambda e: poison(e, when)))


@pytest.mark.parametrize("field", ["created_at", "until"])
def test_an_action_with_a_time_outside_the_range_is_a_codec_error(field: str) -> None:
    encoded = codec.encode_action(
        UserAction("a1", ActionKind.SNOOZE, "queue", "42", "ana", NOW, until=NOW)
    )
    encoded[field] = "9999-12-31T23:00:00-05:00"
    with pytest.raises(CodecError, match=f"action: UserAction.{field} is outside"):
        codec.decode_action(encoded)


@pytest.mark.parametrize(
    "poison",
    [
        lambda e: e["tickets"][0].update(id="s\ud800x"),
        lambda e: e["tickets"][0].update(title="\udfff"),
        lambda e: e["people"][0].update(id="\udbff"),
        lambda e: e["sources"][0].update(name="q\ud800"),
    ],
)
def test_lone_surrogates_are_a_codec_error(poison: Callable[[dict[str, Any]], None]) -> None:
    # JSON can carry them ("\ud800"), an older version saved them, and no file, database
    # or terminal can encode them.
    text = codec.dumps(_broken(poison))
    with pytest.raises(CodecError, match="unpaired surrogate"):
        codec.decode_snapshot(codec.loads(text))


def test_paired_surrogates_in_json_text_are_one_character() -> None:
    encoded = _broken(lambda e: e["tickets"][0].update(title="fire \U0001f525"))
    assert codec.decode_snapshot(codec.loads(codec.dumps(encoded))).tickets[0].title.endswith("🔥")


def test_an_action_breaking_the_model_rules_is_a_codec_error() -> None:
    encoded = codec.encode_action(
        UserAction("a1", ActionKind.HAND_OVER, "queue", "42", "ana", NOW, to="ben")
    )
    encoded["to"] = ""
    with pytest.raises(CodecError, match="action: a hand over needs a recipient"):
        codec.decode_action(encoded)
    with pytest.raises(CodecError, match="action: not a v1 action object"):
        codec.decode_action(codec.encode_snapshot(sample_snapshot()))


def test_bad_json_text_is_a_codec_error() -> None:
    with pytest.raises(CodecError, match="not valid JSON"):
        codec.loads('{"v": 1,')
    with pytest.raises(CodecError, match="not valid JSON"):
        codec.loads(b"\xff\xfe garbage")


def test_errors_never_echo_what_a_field_held() -> None:
    secret = "password hunter2 for the CEO"
    encoded = _broken(lambda e: e["tickets"][0].update(title=secret, status=secret))
    encoded["tickets"][0]["key"] = [secret]
    with pytest.raises(CodecError) as caught:
        codec.decode_snapshot(encoded)
    assert secret not in str(caught.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


@given(json_values)
def test_any_other_json_value_is_a_codec_error(raw: object) -> None:
    for decode in (codec.decode_snapshot, codec.decode_action):
        with pytest.raises(CodecError):
            decode(raw)


@given(snapshots, st.data())
def test_a_damaged_field_decodes_or_is_a_codec_error(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    encoded = codec.encode_snapshot(snapshot)
    objects = [encoded] + [
        item for name in ("people", "tickets", "sources") for item in encoded[name]
    ]
    target = data.draw(st.sampled_from(objects))
    target[data.draw(st.sampled_from(sorted(target)))] = data.draw(json_values)
    with contextlib.suppress(CodecError):  # anything else (KeyError, TypeError) fails
        codec.decode_snapshot(encoded)
