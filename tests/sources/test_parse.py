"""The defensive JSON readers: examples, and properties over arbitrary JSON-like input."""

from __future__ import annotations

import contextlib
import json
import logging
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traysupport.core.model import EARLIEST, LATEST, Role
from traysupport.sources.base import BadDataError
from traysupport.sources.parse import (
    JsonObject,
    as_list,
    clean_text,
    format_utc,
    keep_valid,
    parse_time,
    web_url,
)
from traysupport.sources.server_messages import server_message

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=15,
)
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
AWARE = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=OFFSETS
)


# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T09:00:00Z", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026-12-01T10:00:00+01:00", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026-12-01T09:00:00.250-00:30", datetime(2026, 12, 1, 9, 30, 0, 250000, tzinfo=UTC)),
    ],
)
def test_parse_time_gives_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_time(text, "src", "x.at")
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-12-01T09:00:00", "x.at is a time without an offset"),
        ("2026-12-01", "without an offset"),
        ("yesterday", "x.at is not an ISO 8601 time"),
        (1764579600, "x.at is not a time"),
        (None, "x.at is not a time"),
        ("0001-01-01T00:00:00Z", "x.at is out of range"),
        ("0001-01-01T00:00:00+05:00", "x.at is out of range"),  # no UTC datetime at all
        ("1899-12-31T23:59:59.999999Z", "x.at is out of range"),
        ("1900-01-01T00:30:00+01:00", "x.at is out of range"),
        ("2026-12-01T09:00:00Z" + " " * 100, "too long"),
    ],
)
def test_parse_time_refuses(value: object, words: str) -> None:
    with pytest.raises(BadDataError, match=words) as caught:
        parse_time(value, "src", "x.at")
    assert caught.value.source == "src"


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:00:00-05:00",  # valid ISO 8601, but no UTC datetime exists
        "9999-12-31T00:00:00+14:00",
        "3000-01-01T00:00:00.000001Z",
        "4321-06-01T12:00:00+02:00",
    ],
)
def test_far_future_times_mean_never_and_are_clamped(text: str) -> None:
    # Servers write "never" as 9999-12-31; the SLA maths would overflow near it.
    parsed = parse_time(text, "src", "x.at")
    assert parsed == LATEST
    assert parsed.tzinfo is UTC


def test_the_range_bounds_are_times() -> None:
    assert parse_time("1900-01-01T00:00:00Z", "s", "p") == EARLIEST
    assert parse_time("3000-01-01T00:00:00Z", "s", "p") == LATEST
    assert parse_time("3000-01-01T01:00:00+01:00", "s", "p") == LATEST


def test_errors_never_quote_the_value() -> None:
    with pytest.raises(BadDataError) as caught:
        parse_time("secret-ticket-body", "src", "t.at")
    assert "secret-ticket-body" not in str(caught.value)


@settings(max_examples=300)
@given(st.datetimes(timezones=OFFSETS))
def test_any_time_is_in_range_or_bad_data(instant: datetime) -> None:
    try:
        parsed = parse_time(instant.isoformat(), "s", "p")
    except BadDataError as error:
        assert error.problem == "p is out of range"
        return
    assert EARLIEST <= parsed <= LATEST
    assert parsed.tzinfo is UTC


@given(AWARE)
def test_times_round_trip_through_format_utc(instant: datetime) -> None:
    text = format_utc(instant)
    assert text.endswith("Z")
    parsed = parse_time(text, "s", "p")
    assert parsed == instant
    assert parsed.tzinfo is UTC


@given(AWARE)
def test_times_round_trip_with_their_own_offset(instant: datetime) -> None:
    assert parse_time(instant.isoformat(), "s", "p") == instant


def test_format_utc_refuses_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_utc(datetime(2026, 1, 1))


@settings(max_examples=300)
@given(JSON)
def test_parse_time_raises_only_bad_data(value: object) -> None:
    try:
        parsed = parse_time(value, "s", "p")
    except BadDataError:
        return
    assert parsed.tzinfo is UTC


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_parse_time_on_any_text_raises_only_bad_data(text: str) -> None:
    with contextlib.suppress(BadDataError):
        parse_time(text, "s", "p")


# --- objects --------------------------------------------------------------------------------


def test_object_fields_and_paths() -> None:
    item = JsonObject.of(
        {"id": "7", "name": " Ada\n", "on": True, "role": "shadow", "sub": {"at": None}},
        "src",
        "people[2]",
    )
    assert item.require_str("id") == "7"
    assert item.require_text("name") == "Ada"
    assert item.optional_str("missing", "dflt") == "dflt"
    assert item.optional_bool("on") is True
    assert item.optional_bool("missing", True) is True
    assert item.optional_choice("role", Role, Role.PRIMARY) is Role.SHADOW
    assert item.optional_choice("missing", Role, Role.PRIMARY) is Role.PRIMARY
    sub = item.optional_object("sub")
    assert sub is not None
    assert sub.optional_time("at") is None
    assert item.optional_object("missing") is None
    with pytest.raises(BadDataError, match=r"^src: people\[2\]\.sub\.at is missing"):
        sub.require_time("at")
    with pytest.raises(BadDataError, match=r"people\[2\]\.id is not true or false"):
        item.optional_bool("id")
    with pytest.raises(BadDataError, match=r"people\[2\]\.name is not one of 'primary'"):
        item.optional_choice("name", Role, Role.PRIMARY)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"id": 5}, "id is not a string"),
        ({"id": "  "}, "id is empty"),
        ({"id": "x" * 300}, "id is longer than 256 characters"),
        ({}, "id is missing"),
        ({"id": None}, "id is missing"),
    ],
)
def test_require_str_refuses(data: dict[str, object], words: str) -> None:
    with pytest.raises(BadDataError, match=words):
        JsonObject.of(data, "s", "").require_str("id")


HOSTILE_IDS = [
    "s\ud800x",  # a lone surrogate: no file, database or terminal can encode it
    "\udfff",
    "\x1b]0;pwned\x07",  # sets the terminal's title
    "\x1b[2J",  # clears the screen
    "SUP-1\u202e",  # a bidi override
    "a\u2066b",  # a bidi isolate
    "a\u200fb",  # a bidi mark
    "a\x00b",
    "a\nb",
    "a\x7fb",  # DEL
    "a\x85b",  # C1 (NEL)
    "a\x9bb",  # C1 CSI: an escape sequence on its own in some terminals
]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_ids_with_controls_are_not_ids(value: str) -> None:
    # Ids are kept verbatim (they go back into URLs), so one that is not clean is refused.
    item = JsonObject.of({"id": value, "assignee_id": value}, "s", "tickets[3]")
    for read in (lambda: item.require_str("id"), lambda: item.optional_str("assignee_id")):
        with pytest.raises(BadDataError) as refused:
            read()
        assert "contains control or bidi characters" in refused.value.problem
        assert refused.value.problem.startswith("tickets[3].")
        assert value not in str(refused.value)


@pytest.mark.parametrize(
    "value", ["SUP-142", "a b", "Ünïcödé ✓", "fire \U0001f525", "no\u00a0break", "日本語"]
)
def test_printable_ids_are_kept_verbatim(value: str) -> None:
    assert JsonObject.of({"id": value}, "s", "").require_str("id") == value


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or unicodedata.bidirectional(char) in (
        "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "LRM", "RLM", "ALM"
    )  # fmt: skip


ANY_TEXT = st.text(
    st.characters() | st.characters(categories=["Cs"]) | st.sampled_from("\x1b\x07\x9b\u202e")
)


@settings(max_examples=300)
@given(ANY_TEXT)
def test_a_kept_id_is_verbatim_clean_and_encodable(text: str) -> None:
    try:
        kept = JsonObject.of({"id": text}, "s", "").require_str("id")
    except BadDataError:
        assert not text.strip() or any(_unsafe(c) for c in text)
        return
    assert kept == text
    assert not any(_unsafe(c) for c in kept)
    kept.encode("utf-8")


def test_top_level_shapes() -> None:
    with pytest.raises(BadDataError, match="the answer is not an object"):
        JsonObject.of([], "s", "")
    with pytest.raises(BadDataError, match="the answer is not a list"):
        as_list({}, "s", "")
    with pytest.raises(BadDataError, match=r"^s: page\.items is not a list"):
        JsonObject.of({"items": "x"}, "s", "page").require_list("items")


def _every_accessor(item: JsonObject, key: str) -> None:
    for read in (
        lambda: item.require_str(key),
        lambda: item.optional_str(key),
        lambda: item.require_text(key),
        lambda: item.optional_text(key),
        lambda: item.require_time(key),
        lambda: item.optional_time(key),
        lambda: item.optional_bool(key),
        lambda: item.optional_choice(key, Role, Role.PRIMARY),
        lambda: item.optional_object(key),
        lambda: item.require_list(key),
    ):
        try:
            read()
        except BadDataError as error:
            assert error.source == "s"


@settings(max_examples=300)
@given(JSON, st.sampled_from(["id", "at", "", "x"]))
def test_readers_raise_only_bad_data(value: object, key: str) -> None:
    try:
        item = JsonObject.of(value, "s", "p")
    except BadDataError:
        return
    _every_accessor(item, key)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["id", "at"]), JSON | st.just("2026-01-01T00:00Z")))
def test_readers_raise_only_bad_data_on_likely_keys(value: dict[str, object]) -> None:
    item = JsonObject.of(value, "s", "p")
    _every_accessor(item, "id")
    _every_accessor(item, "at")


# --- text and URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("\x1b]0;pwned\x07SUP-1", "]0;pwnedSUP-1"),
        ("SUP\x1b[2J-1", "SUP[2J-1"),
        ("SUP-1\u202eexe.txt", "SUP-1exe.txt"),
        ("a\x9b2Jb", "a2Jb"),
    ],
)
def test_clean_text_disarms_escape_sequences(text: str, cleaned: str) -> None:
    # What is left of a sequence is harmless text: without ESC/CSI no terminal acts on it.
    assert clean_text(text, 100) == cleaned


def test_clean_text_keeps_markup_and_drops_controls() -> None:
    assert clean_text("<b>bold</b> &amp;", 100) == "<b>bold</b> &amp;"
    assert clean_text("a\tb\r\nc\x00d\x1b[0m\u202eé", 100) == "a b  cd[0mé"
    assert clean_text("\ud800lone surrogate", 100) == "lone surrogate"
    assert clean_text("abcdef", 4) == "abc…"


@given(ANY_TEXT, st.integers(min_value=1, max_value=50))
def test_clean_text_is_one_bounded_line(text: str, max_chars: int) -> None:
    cleaned = clean_text(text, max_chars)
    assert len(cleaned) <= max_chars
    assert not any(_unsafe(c) for c in cleaned)
    cleaned.encode("utf-8")


@given(st.text())
def test_web_url_is_web_or_empty(text: str) -> None:
    kept = web_url(text)
    assert kept == "" or kept.lower().startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("https://x.example/t/1", "https://x.example/t/1"),
        ("javascript:alert(1)", ""),
        ("http://", ""),
        ("http://[::1", ""),
        ("https://x.example/\nSet-Cookie", ""),
        ("https://x.example/\u202etxt.exe", ""),
        ("https://x.example/\ud800", ""),
        ("https://x.example/\x85t", ""),
        ("https://x.exa\u2066mple/", ""),
        ("", ""),
    ],
)
def test_web_url_examples(text: str, kept: str) -> None:
    assert web_url(text) == kept


# --- keeping the good items ----------------------------------------------------------------


def test_keep_valid_skips_bad_items_and_logs_their_index(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def parse_id(value: object, path: str) -> str:
        return JsonObject.of(value, "src", path).require_str("id")

    def refuse_in_model(value: object, path: str) -> str:
        raise ValueError("Shift(secret content)")

    log = logging.getLogger("test.keep_valid")
    items: list[object] = [{"id": "a"}, {"id": 3}, "secret content", {"id": "b"}]
    assert keep_valid(items, parse_id, "src", "tickets", log) == ["a", "b"]
    assert keep_valid([{}], refuse_in_model, "src", "shifts", log) == []
    assert [r.getMessage() for r in caplog.records] == [
        "src: skipped tickets[1]: tickets[1].id is not a string",
        "src: skipped tickets[2]: tickets[2] is not an object",
        "src: skipped shifts[0]: its values were rejected",
    ]
    assert "secret content" not in caplog.text


# --- server error messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"error": {"code": "conflict", "message": "ticket closed"}}', "ticket closed"),
        (b'{"error": "plain string"}', "plain string"),
        (b'{"message": "top message"}', "top message"),
        (b'{"errorMessages": ["jira says"], "errors": {}}', "jira says"),
        (b'{"detail": "problem+json detail"}', "problem+json detail"),
        (b'{"assignedTo": ["Unknown actor"]}', "assignedTo: Unknown actor"),  # Sentry (DRF)
        (b"<html>nope</html>", ""),
        (b'{"error": {"message": 42}}', ""),
        (b"[1, 2]", ""),
    ],
)
def test_server_message_shapes(body: bytes, expected: str) -> None:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    assert server_message(data) == expected


def test_server_message_gives_pagerdutys_error_details() -> None:
    # provider-apis.md §1 "Errors and rate limits": the message alone says too little.
    refused = {
        "error": {
            "message": "Invalid Input Provided",
            "code": 2001,
            "errors": ["Assignee cannot be empty.", "Assignee cannot be empty.", 7],
        }
    }
    assert server_message(refused) == "Invalid Input Provided: Assignee cannot be empty."
    two = {"error": {"message": "Invalid Input Provided", "errors": ["A is bad.", "B\x1b too."]}}
    assert server_message(two) == "Invalid Input Provided: A is bad.; B too."
    assert server_message({"error": {"message": "Not Found", "errors": []}}) == "Not Found"
    assert server_message({"error": {"errors": ["Only the detail."]}}) == "Only the detail."


def test_server_message_details_are_bounded() -> None:
    flood = {"error": {"message": "Invalid Input Provided", "errors": ["x" * 300] * 10_000}}
    said = server_message(flood, 120)
    assert said.startswith("Invalid Input Provided: xxx")
    assert len(said) == 120
    many = {"error": {"message": "Bad", "errors": [f"e{i}" for i in range(50)]}}
    assert server_message(many) == "Bad: e0; e1; e2 (and 47 more)"


def test_server_message_gives_every_field_error_the_same_way() -> None:
    # Jira's ErrorCollection and Zendesk's details, joined as PagerDuty's are.
    jira = {"errorMessages": [], "errors": {"assignee": "Cannot assign.", "summary": "Too long."}}
    assert server_message(jira) == "Cannot assign.; Too long."
    jira_both = {"errorMessages": ["Refused"], "errors": {"assignee": "Cannot assign."}}
    assert server_message(jira_both) == "Refused: Cannot assign."
    zendesk = {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {
            "assignee": [{"description": "Assignee is not a member of the group"}],
            "status": [{"description": "Status: closed prevents ticket update"}],
        },
    }
    assert server_message(zendesk) == (
        "Record validation errors: Assignee is not a member of the group;"
        " Status: closed prevents ticket update"
    )


def test_server_message_is_cleaned_and_bounded() -> None:
    said = server_message({"error": {"message": "a\x1b\nb" + "c" * 500}}, 50)
    assert said.startswith("a b")
    assert len(said) == 50
