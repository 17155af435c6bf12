"""`codec.dumps` encodes a long list a slice at a time, into the very text one call makes."""

from __future__ import annotations

import json

from traysupport import codec


def test_a_long_list_is_encoded_into_the_same_text_as_one_call_makes() -> None:
    tickets = [{"id": str(n), "title": f"Ticket {n} \u00e9\u2028", "n": n} for n in range(1001)]
    for count in (0, 1, codec.DUMPS_SLICE, codec.DUMPS_SLICE + 1, 1001):
        data = {"v": 1, "tickets": tickets[:count], "people": [], "note": "x"}
        whole = json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
        assert codec.dumps(data) == whole
        assert codec.loads(codec.dumps(data)) == data
