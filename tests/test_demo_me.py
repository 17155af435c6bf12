"""The demo's "me" is a plain name: the UI says "you" itself, so "(you)" is never doubled.

The demo served "Sam Rivera (you)", so `doctor` printed "Sam Rivera (you) (you)" (name,
then the id "you"), `status` "You (Sam Rivera (you))", and a hand over wrote
"Handed over by Sam Rivera (you)" into the ticket tool.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from traysupport import doctor
from traysupport.core.handover import handover_note
from traysupport.demo.script import ME, TEAM


def test_doctor_names_the_demo_user_once(tmp_path: Path) -> None:
    lines: list[str] = []
    doctor.run(tmp_path / "none.toml", demo=True, out=lines.append)
    [me] = [line for line in lines if line.startswith("✓ me:")]
    assert me == "✓ me: Sam Rivera (you), as demo says"


def test_the_handover_note_has_no_you_in_it() -> None:
    other = next(p for p in TEAM if p.id != ME.id)
    now = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
    text = handover_note(ME, other, "", now, UTC)
    assert text.startswith(f"Handed over by Sam Rivera to {other.name} at ")
    assert "(you)" not in text
