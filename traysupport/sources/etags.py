"""GET answers kept for their ETag, replayed when the server answers 304 Not Modified."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

MAX_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class Validated:
    """A GET answer kept for its ETag."""

    etag: str
    body: bytes
    content_type: str


class EtagCache:
    """Answers by request identity; bounded in count and bytes, so cursors cannot grow it.

    Shared by the threads of one client, under a lock.
    """

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, Validated] = OrderedDict()

    def get(self, key: str) -> Validated | None:
        """The answer kept for *key*, if any."""
        with self._lock:
            return self._kept.get(key)

    def remember(self, key: str, etag: str, body: bytes, content_type: str) -> None:
        """Keep the answer for If-None-Match (or forget *key* when *etag* is unusable)."""
        usable = etag and len(etag) <= 512 and etag.isprintable()
        with self._lock:
            self._kept.pop(key, None)
            if not usable:
                return
            self._kept[key] = Validated(etag, body, content_type)
            while len(self._kept) > 1 and (
                len(self._kept) > MAX_ENTRIES
                or sum(len(v.body) for v in self._kept.values()) > self._max_bytes
            ):
                self._kept.popitem(last=False)
