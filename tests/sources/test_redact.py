"""Registered secrets are masked in every form a server may echo them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from traysupport.sources.base import SourceError
from traysupport.sources.redact import redact, register_authorization, register_secret
from traysupport.sources.waits import until_text

TOKEN = "tok/en+with=odd&chars\u00e9-31415926"


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    register_authorization(f"Bearer {TOKEN}")


@pytest.mark.parametrize(
    "echoed",
    [
        TOKEN,
        f"Bearer {TOKEN}",
        quote(TOKEN, safe=""),
        json.dumps(TOKEN)[1:-1],
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"Bearer {TOKEN}".encode()).decode(),
    ],
    ids=["bare", "header", "percent", "json", "base64", "base64-header"],
)
def test_every_echoed_form_is_masked(echoed: str) -> None:
    masked = redact(f"the server said: <{echoed}>")
    assert masked == "the server said: <***>"


def test_basic_credentials_are_masked_whole_and_as_the_password() -> None:
    encoded = base64.b64encode(b"sam@example.com:app-password-271828").decode()
    register_authorization(f"Basic {encoded}")
    assert redact(f"got {encoded}") == "got ***"
    assert redact("got app-password-271828") == "got ***"
    assert redact("got sam@example.com:app-password-271828") == "got ***"


def test_token_scheme_values_are_masked() -> None:
    register_authorization('Token token="zd-0123456789abcdef", user="sam"')
    assert redact("echo zd-0123456789abcdef") == "echo ***"
    assert redact("user sam") == "user sam", "short values are not credentials"


def test_short_values_are_not_treated_as_secrets() -> None:
    register_secret("abc")
    assert redact("abc abcabc") == "abc abcabc"


def test_a_source_error_masks_its_problem_and_hint() -> None:
    error = SourceError("src", f"the server said {TOKEN}", f"hint {TOKEN}")
    assert TOKEN not in str(error)
    assert TOKEN not in error.problem + error.hint
    assert str(error) == "src: the server said ***. hint ***"


def test_rate_limit_instants_are_shown_in_utc_rounded_up_to_the_minute() -> None:
    now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert until_text(datetime(2027, 1, 15, 9, 0, tzinfo=UTC), now) == "09:00 UTC"
    assert until_text(datetime(2027, 1, 15, 9, 0, 30, tzinfo=UTC), now) == "09:01 UTC"
    assert until_text(datetime(2027, 1, 16, 7, 0, tzinfo=UTC), now) == "2027-01-16 07:00 UTC"
