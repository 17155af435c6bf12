"""The ics provider held to the rotation contract, every fault case, over HTTP.

The harness (tests/sources/contract_feed.py) runs tests/sources/ics_faultserver.py (a
private PagerDuty-shaped feed whose URL path holds the token, switchable into each fault
of tests/faultcases.py) and builds the source through `ics.SPEC`, as the app does. A feed
does not page, so the paging check only sees every person and shift once. The token is
in the URL, not a header: the contract's "never the token" checks hold `url_is_secret`
to account.
"""

from __future__ import annotations

from tests.sources.contract_feed import feed_harness
from tests.sources.contract_rotation import RotationContract
from tests.sources.ics_faultserver import PEOPLE, IcsFaultServer, feed_shifts
from traysupport.sources import ics


class TestIcsContract(RotationContract):
    """Every fault case against a feed served over HTTP."""

    harness = feed_harness(
        IcsFaultServer, ics.SPEC, lambda url: ics.IcsSettings(url=url), PEOPLE, feed_shifts
    )
