"""What keeps Python's own pauses off the tray app's GUI thread while the engine works.

The service runs on its home thread (`traysupport.home`), but all threads share the
interpreter, and two of its mechanisms stop the GUI thread anyway:

- **The GIL.** A thread that wants it waits until the holder is asked to let go, every
  `sys.getswitchinterval()` (5 ms by default) — and with a fetch and an evaluation
  running, the GUI thread may lose that race more than once; a paint of the queue
  window calls into Python for every cell, and waits each time. `tune()` makes it
  0.2 ms (with the window open at 10,000 tickets, 1 ms still left 20-45 ms stalls).
  (A single C call is not interrupted: `codec.dumps` encodes long lists in slices.)
- **The cyclic garbage collector**, which stops every thread while it walks a
  generation. A full collection walks every container object: with 10,000 tickets
  about 100,000 of them, 50-80 ms, and what each poll keeps (a state, the window's rows)
  is enough to start one on nearly every poll. The app's data is acyclic (frozen
  dataclasses and tuples), freed by reference counting as soon as it is dropped; the
  collector is only needed for cycles, which are young. So `settle()` — after start-up,
  and after each new state, on the home thread — collects the young generations (a few
  ms) and freezes what survived (`gc.freeze`): a full collection then walks only what
  is younger than the last state. Frozen objects are still freed by reference counting;
  only a cycle that was already frozen when it became garbage waits, for `sweep()`,
  which unfreezes and collects everything, at a moment when no window is shown.

`restore()` undoes it all (tests run the app many times in one process).
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time

log = logging.getLogger(__name__)

SWITCH_INTERVAL = 0.0002
"""Seconds a thread may keep the GIL while another waits for it."""
SWEEP_SECONDS = 3600.0
"""How often frozen garbage cycles are looked for (when nothing is shown)."""

_lock = threading.Lock()
_saved_interval: float | None = None


def tune() -> None:
    """Shorten the GIL's switch interval and freeze what exists now (after start-up)."""
    global _saved_interval  # noqa: PLW0603  # one interpreter, one setting to restore
    with _lock:
        if _saved_interval is None:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
    gc.collect()
    gc.freeze()


def settle() -> None:
    """Collect young cycles, then freeze the survivors (any thread; a few ms)."""
    gc.collect(1)
    gc.freeze()


def sweep() -> float:
    """Collect everything, frozen or not, then freeze again; returns the seconds it took
    (every thread stands still meanwhile: call it when nothing is shown)."""
    started = time.perf_counter()
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    took = time.perf_counter() - started
    log.debug("swept %d garbage objects in %.0f ms", found, took * 1000)
    return took


def restore() -> None:
    """The interpreter's defaults again: nothing frozen, the old switch interval."""
    global _saved_interval  # noqa: PLW0603
    with _lock:
        if _saved_interval is not None:
            sys.setswitchinterval(_saved_interval)
            _saved_interval = None
    gc.unfreeze()
