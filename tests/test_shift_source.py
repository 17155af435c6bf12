"""A shift says which configured source it came from, saved and merged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from traysupport import codec
from traysupport.core.model import Person, Shift, Snapshot

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SAM = Person("sam", "Sam Rivera", "sam@example.com")


def test_a_shifts_source_survives_encoding() -> None:
    shift = Shift(SAM, NOW, NOW + timedelta(hours=8), rotation="night", source="pd-eu")
    snapshot = Snapshot(NOW, shifts=(shift,))

    decoded = codec.decode_snapshot(codec.loads(codec.dumps(codec.encode_snapshot(snapshot))))

    assert decoded.shifts[0].source == "pd-eu"
    assert decoded == snapshot


def test_a_shift_saved_before_sources_were_named_decodes_with_none() -> None:
    shift = Shift(SAM, NOW, NOW + timedelta(hours=8), rotation="night", source="pd")
    raw = json.loads(codec.dumps(codec.encode_snapshot(Snapshot(NOW, shifts=(shift,)))))
    del raw["shifts"][0]["source"]

    decoded = codec.decode_snapshot(raw)

    assert decoded.shifts[0].source == ""
    assert decoded.shifts[0].rotation == "night"
