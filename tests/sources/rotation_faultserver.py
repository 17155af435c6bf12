"""A misbehaving rotation-file server, for the provider contract (tests/sources/contract.py).

Like tests/sources/ics_faultserver.py with a TOML body. One endpoint, ``feed``, at
``/private/<token>/feed`` (a private link: the token is in the URL path, so the URL itself
must never show in a message). It answers a rotation file whose turns run around `now`
(with an ETag, and 304 when it is sent back), or misbehaves as the
`Fault` set on it says, with every mode of tests/faultmodes.py in rotation-file terms.
Serving, stopping and the fault dispatch are tests/sources/vendor_faultserver.py's; this
holds only the file's shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.sources.vendor_faultserver import HOSTILE_NAME, FeedFaultServer, FeedHandler

PEOPLE = (("Ada Lo", "ada@example.com"), ("Bob Ng", "bob@example.com"))


def feed_shifts(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(id, start, end): the file's daily turns (00:00 UTC) from three days before *now*."""
    first = datetime.combine(now.date() - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    return [
        (PEOPLE[n % 2][1], first + timedelta(days=n), first + timedelta(days=n + 1))
        for n in range(14)
    ]


def feed(now: datetime, *, hostile: bool = False) -> bytes:
    """The rotation file (docs/examples/rotation.toml's format) whose turns are `feed_shifts`.

    *hostile* puts control and direction characters in a name and the rotation's name; a
    rotation file is validated whole, so hostile *items* (a broken date) are not served:
    the file would be refused, rightly (see test_rotation_file_contract.py).
    """
    first = now.date() - timedelta(days=3)
    name = "Core\u202e\x07" if hostile else "Core"
    lines = [
        "version = 1",
        f"name = {_toml(name)}",
        'timezone = "UTC"',
        'turn = "daily"',
        'handoff_time = "00:00"',
        f"start = {first.isoformat()}",
    ]
    for n, (person, email) in enumerate(PEOPLE):
        shown = HOSTILE_NAME if hostile and n == 1 else person
        lines += ["", "[[member]]", f"name = {_toml(shown)}", f"email = {_toml(email)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _toml(text: str) -> str:
    """*text* as a TOML basic string (controls escaped as \\uXXXX)."""
    out = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text)
    return f'"{out}"'


class _Handler(FeedHandler):
    CONTENT_TYPE = "application/toml"
    WRONG_SHAPE = b'[tool.poetry]\nname = "x"\n'  # TOML, but not a rotation file
    HUGE_CHUNK = b"# " + b"x" * (64 * 1024 - 3) + b"\n"

    def _feed(self, hostile: bool) -> bytes:
        return feed(self.owner.now, hostile=hostile)


class RotationFaultServer(FeedFaultServer):
    """The feed on 127.0.0.1, an ephemeral port; ``set("feed", fault)`` switches it."""

    HANDLER = _Handler
    NAME = "rotation"
