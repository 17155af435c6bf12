"""The alert sound: the shipped WAV is the script's output, small, and found at run time;
which alerts sound under the ``alerts.sound`` choices."""

from __future__ import annotations

import importlib.util
import sys
import wave
from pathlib import Path

import pytest

from traysupport import sounds
from traysupport.core.model import Alert, AlertKind, Urgency

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "resources" / "sounds" / "alert.wav"


def load_script() -> object:
    spec = importlib.util.spec_from_file_location(
        "make_alert_sound", ROOT / "scripts" / "make_alert_sound.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_sound_is_what_the_script_makes(tmp_path: Path) -> None:
    script = load_script()
    script.write(tmp_path / "alert.wav")  # type: ignore[attr-defined]
    assert (tmp_path / "alert.wav").read_bytes() == SHIPPED.read_bytes()


def test_the_sound_is_a_short_small_pcm_wav() -> None:
    assert SHIPPED.stat().st_size < 100_000
    with wave.open(str(SHIPPED), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        assert 0.2 < wav.getnframes() / wav.getframerate() < 1.0
        frames = wav.readframes(wav.getnframes())
    peak = max(
        abs(int.from_bytes(frames[i : i + 2], "little", signed=True))
        for i in range(0, len(frames), 2)
    )
    assert 0.3 * 32767 < peak < 0.6 * 32767  # audible, never clipping


def test_the_sound_is_found_in_the_source_tree_and_in_a_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sounds.alert_sound() == SHIPPED
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert sounds.alert_sound() is None  # a bundle built without it: no file, no crash
    (tmp_path / "resources" / "sounds").mkdir(parents=True)
    (tmp_path / "resources" / "sounds" / "alert.wav").write_bytes(SHIPPED.read_bytes())
    assert sounds.alert_sound() == tmp_path / "resources" / "sounds" / "alert.wav"


def alert(kind: AlertKind, urgency: Urgency = Urgency.NORMAL) -> Alert:
    return Alert(f"{kind.value}|x", kind, "t", "b", urgency)


def test_by_default_only_critical_alerts_sound() -> None:
    assert sounds.sounds(alert(AlertKind.NEW_TICKET, Urgency.CRITICAL), sounds.DEFAULT_SOUNDS)
    assert sounds.sounds(alert(AlertKind.SLA_BREACHED, Urgency.CRITICAL), sounds.DEFAULT_SOUNDS)
    assert not sounds.sounds(alert(AlertKind.NEW_TICKET), sounds.DEFAULT_SOUNDS)
    assert not sounds.sounds(alert(AlertKind.DUTY_SOON), sounds.DEFAULT_SOUNDS)


def test_kinds_can_be_chosen_and_silence_too() -> None:
    chosen = {"duty_soon", "new_ticket"}
    assert sounds.sounds(alert(AlertKind.DUTY_SOON), chosen)
    assert sounds.sounds(alert(AlertKind.NEW_TICKET), chosen)
    assert not sounds.sounds(alert(AlertKind.SLA_BREACHED, Urgency.CRITICAL), chosen)
    assert not sounds.sounds(alert(AlertKind.NEW_TICKET, Urgency.CRITICAL), ())
    assert set(sounds.SOUND_CHOICES) == {"critical"} | {k.value for k in AlertKind}
