"""URLs as the HTTP client shows and caches them: no credentials, no secret query values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ParamValue = str | int | float | Sequence[str | int | float]
Params = Mapping[str, ParamValue]

_SECRET_PARAM_WORDS = ("token", "key", "secret", "pass", "auth", "sig", "session", "cred")


def shown_url(url: str, *, url_is_secret: bool, with_query: bool = True) -> str:
    """*url* as logged and shown: no user info, secret-looking query values masked.

    With *url_is_secret* (a private feed whose path is the credential), only the host.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if url_is_secret:
        return f"{parts.scheme}://{host}/…"
    query = ""
    if with_query and parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = urlencode([(k, "***" if _looks_secret(k) else v) for k, v in pairs])
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def host_of(url: str) -> str:
    """The host (and port) of *url*, without user info."""
    return urlsplit(url).netloc.rpartition("@")[2]


def cache_key(url: str, params: Params | None) -> str:
    """URL plus sorted parameters: the identity of a GET answer for its ETag."""
    if not params:
        return url
    pairs = sorted((k, str(v)) for k, v in params.items())
    return f"{url}?{urlencode(pairs)}"


def with_query(url: str, params: Params | None) -> str:
    """*url* with *params* added to its query, as requests sends them (lists repeated)."""
    if not params:
        return url
    query = urlencode(list(params.items()), doseq=True)
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def _looks_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_PARAM_WORDS)
