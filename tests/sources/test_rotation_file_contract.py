"""The rotation-file provider held to the rotation contract over HTTP, every fault case.

The harness (tests/sources/contract_feed.py) runs tests/sources/rotation_faultserver.py
(a private file URL whose path holds the token, switchable into each fault of
tests/faultcases.py) and builds the source through `rotation_file.SPEC`, as the app does.
Not narrowed: every case runs. One difference from an API is by design and is in the
server, not here: a rotation file is validated whole, so the hostile file carries hostile
*text* (cleaned) but no broken items (which would make the file invalid, rightly, rather
than be skipped).
"""

from __future__ import annotations

from tests.sources.contract_feed import feed_harness
from tests.sources.contract_rotation import RotationContract
from tests.sources.rotation_faultserver import PEOPLE, RotationFaultServer, feed_shifts
from traysupport.sources import rotation_file


class TestRotationFileContract(RotationContract):
    """Every fault case against a rotation file served over HTTP."""

    harness = feed_harness(
        RotationFaultServer,
        rotation_file.SPEC,
        lambda url: rotation_file.RotationFileSettings(path=url),
        PEOPLE,
        feed_shifts,
    )
