"""Start at login for the tray: the names it uses, from `traysupport.autostart`.

The backends moved below the ui layer (they import no Qt, and the settings window and
the app's start use them too); this module keeps the tray's imports working.
"""

from __future__ import annotations

from traysupport.autostart import Autostart, AutostartError, autostart_for

__all__ = ["Autostart", "AutostartError", "autostart_for"]
