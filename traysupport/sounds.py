"""Which alerts play a sound, and the sound file the app ships.

The ``alerts.sound`` setting lists what sounds: ``"critical"`` (every alert shown as
critical: a P1 ticket's alerts and any breached SLA) and/or alert kinds
(``"new_ticket"``, ``"duty_soon"``, ...). The default is ``["critical"]``: a P1 is
audible, the rest is silent. The sound itself is played by the desktop's notification
server (the ``sound-file`` hint), which honours its own do-not-disturb; see
`traysupport.ui.notify_dbus`.

The file is ``resources/sounds/alert.wav`` (made by ``scripts/make_alert_sound.py``):
in the bundle under its data folder, in a source checkout beside the package.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from traysupport.core.model import Alert, AlertKind, Urgency

CRITICAL = "critical"
"""The choice that stands for every alert shown as critical."""
SOUND_CHOICES: tuple[str, ...] = (CRITICAL, *(kind.value for kind in AlertKind))
"""What ``alerts.sound`` may list."""
DEFAULT_SOUNDS: frozenset[str] = frozenset({CRITICAL})
ALERT_SOUND = Path("sounds") / "alert.wav"
"""The sound's path inside the resources folder."""


def sounds(alert: Alert, chosen: Iterable[str]) -> bool:
    """True when *alert* plays a sound under the choices *chosen*."""
    wanted = set(chosen)
    return alert.kind.value in wanted or (CRITICAL in wanted and alert.urgency is Urgency.CRITICAL)


def resources_dir() -> Path:
    """The app's resources folder: in a PyInstaller bundle, or in the source tree."""
    bundled = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundled:
        return Path(bundled) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def alert_sound() -> Path | None:
    """The alert sound's file, or None when this install has none (a wheel without it)."""
    path = resources_dir() / ALERT_SOUND
    return path if path.is_file() else None
