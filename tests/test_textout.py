"""Server text printed to a terminal shows its control characters instead of obeying them."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from traysupport.textout import json_text, visible

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
HOSTILE = "K-1\x1b]0;pwned\x07 \x1b[2J tx\u202eexe.txt \x9b31m \ud800 end"


def safe(char: str) -> bool:
    """What a terminal may be given: no controls but the line break, no bidi, no surrogate."""
    if char == "\n":
        return True
    return unicodedata.category(char) not in ("Cc", "Cs", "Zl", "Zp") and char not in BIDI


def test_escape_sequences_bidi_and_surrogates_are_shown_not_obeyed() -> None:
    shown = visible(HOSTILE)

    assert shown == ("K-1\\x1b]0;pwned\\x07 \\x1b[2J tx\\u202eexe.txt \\x9b31m \\ud800 end")
    shown.encode("utf-8")  # a lone surrogate would make print() raise


def test_line_breaks_and_ordinary_text_are_left_alone() -> None:
    text = "Queue: 2 open\n  P1  SUP-1  Checkout returns 500 — Zoë, 東京"

    assert visible(text) == text


@given(st.text())
def test_nothing_a_terminal_obeys_survives(text: str) -> None:
    shown = visible(text)

    assert all(safe(c) for c in shown), repr(shown)


@given(st.recursive(st.text() | st.integers() | st.none(), st.lists))
def test_json_stays_exact_and_holds_no_raw_controls(value: object) -> None:
    text = json_text({"value": value})

    assert json.loads(text) == {"value": value}
    assert all(safe(c) for c in text), repr(text)


def test_log_lines_show_escapes_instead_of_obeying_them() -> None:
    import logging

    from traysupport.logsetup import VisibleFormatter

    record = logging.LogRecord("t", logging.WARNING, "f", 1, "skipped %s", (HOSTILE,), None)

    line = VisibleFormatter("%(message)s").format(record)

    assert line == "skipped " + visible(HOSTILE)
    assert all(safe(c) for c in line)
