"""GET answers kept for their validators (ETag, Last-Modified), replayed on 304 Not Modified."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from requests.structures import CaseInsensitiveDict

MAX_ENTRIES = 64
_BODY_HEADERS = frozenset(
    {"content-type", "content-length", "content-encoding", "transfer-encoding"}
)
"""Headers that describe a 304's empty body, not the kept one."""


@dataclass(frozen=True, slots=True)
class Validated:
    """A GET answer kept for its validators (either may be "")."""

    etag: str
    body: bytes
    content_type: str
    last_modified: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    """The 200's headers: a 304 need not repeat them (a Link header for the next page)."""

    def conditions(self) -> dict[str, str]:
        """The headers that ask the server to answer 304 if this answer is still current."""
        sent = {"If-None-Match": self.etag} if self.etag else {}
        if self.last_modified:
            sent["If-Modified-Since"] = self.last_modified
        return sent

    def headers_after(self, not_modified: Mapping[str, str]) -> Mapping[str, str]:
        """The kept headers updated by a 304's (RFC 9111 §4.3.4), its body's own kept."""
        merged = CaseInsensitiveDict(self.headers)
        for name, value in not_modified.items():
            if name.lower() not in _BODY_HEADERS:
                merged[name] = value
        return merged


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

    def remember(
        self,
        key: str,
        etag: str,
        body: bytes,
        content_type: str,
        *,
        last_modified: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Keep the answer for a conditional GET (or forget *key* when it has no validator)."""
        etag, last_modified = _usable(etag), _http_date(_usable(last_modified))
        with self._lock:
            self._kept.pop(key, None)
            if not (etag or last_modified):
                return
            kept = Validated(etag, body, content_type, last_modified, headers or {})
            self._kept[key] = kept
            while len(self._kept) > 1 and (
                len(self._kept) > MAX_ENTRIES
                or sum(len(v.body) for v in self._kept.values()) > self._max_bytes
            ):
                self._kept.popitem(last=False)


def _http_date(last_modified: str) -> str:
    """*last_modified* when it is an HTTP-date, else "": only such a one may be sent back.

    RT 5 writes W3CDTF there (``2026-12-06T02:11:46Z``) and answers an If-Modified-Since
    holding it with 500 (rt_observed.md), so a date of another form is not replayed.
    """
    try:
        return last_modified if last_modified and parsedate_to_datetime(last_modified) else ""
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""


def _usable(validator: str) -> str:
    """*validator* when it can be sent back as it came, else ""."""
    return validator if len(validator) <= 512 and validator.isprintable() else ""
