#!/usr/bin/env python3
"""Write resources/sounds/alert.wav, the sound a P1 alert plays: our own, made here.

A two-note chime (A5 then E6, a fifth up), each note a sine with its octave mixed in
softly, a 5 ms attack and an exponential decay, so it is noticeable without being a
siren. 22.05 kHz, mono, 16-bit PCM: about 20 KB. The output is the same bytes on every
run (no randomness, no timestamps), and a test checks the committed file against it.

    python scripts/make_alert_sound.py [OUTPUT]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22050
NOTES = ((880.0, 0.0, 0.30), (1318.5, 0.16, 0.30))
"""(frequency in Hz, start in s, length in s) of each note."""
LENGTH = 0.46
"""Seconds of sound, the tail of the last note included."""
VOLUME = 0.45
"""Peak level, as a fraction of full scale (the desktop's volume does the rest)."""
ATTACK = 0.005
DECAY = 9.0
"""How fast a note fades (per second, exponential)."""
OUTPUT = Path(__file__).resolve().parents[1] / "resources" / "sounds" / "alert.wav"


def samples() -> list[float]:
    """The chime, as samples from -1 to 1."""
    out = [0.0] * int(LENGTH * RATE)
    for frequency, start, length in NOTES:
        first = int(start * RATE)
        for n in range(min(int(length * RATE), len(out) - first)):
            t = n / RATE
            envelope = min(1.0, t / ATTACK) * math.exp(-DECAY * t)
            tone = math.sin(2 * math.pi * frequency * t)
            tone += 0.3 * math.sin(4 * math.pi * frequency * t)
            out[first + n] += envelope * tone / 1.3
    peak = max(abs(s) for s in out)
    return [VOLUME * s / peak for s in out]


def wav_frames() -> bytes:
    """The samples as 16-bit little-endian PCM."""
    return b"".join(struct.pack("<h", round(s * 32767)) for s in samples())


def write(path: Path) -> None:
    """Write the WAV file to *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(wav_frames())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    write(target)
    print(f"wrote {target} ({target.stat().st_size} bytes)")
