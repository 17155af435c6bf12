"""Secrets this process holds, and their removal from any text before it is shown or logged.

A server may echo anything back — the ``Authorization`` header in an error body, a
token in a redirect URL — so redaction cannot depend on what a message is about: every
`SourceError` passes its text through `redact`, and the log filter in
`traysupport.logsetup` does the same to every record. `HttpClient` registers its
token here when it is made; so may anything else that holds a credential.

Each secret is registered with the forms a server is likely to echo: the bare value,
the whole header value, percent-encoded and JSON-escaped forms, and base64 (the
``Basic`` scheme, and a token someone base64-encoded on the way).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from urllib.parse import quote, quote_plus, unquote, urlsplit

MASK = "***"
MIN_SECRET_CHARS = 4
"""Shorter values are not credentials; masking them would garble ordinary text."""

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(secret: str) -> None:
    """Mask *secret* (and the encoded forms a server may echo) from now on."""
    forms = {form for form in _forms(secret.strip()) if len(form) >= MIN_SECRET_CHARS}
    if not forms or forms <= _secrets:
        return
    global _pattern  # noqa: PLW0603 - one registry per process is the point
    with _lock:
        _secrets.update(forms)
        # Longest first, so a header value is masked whole rather than around its token.
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(form) for form in ordered))


def register_authorization(header_value: str) -> None:
    """Register an ``Authorization`` header value: whole, its credentials, their parts.

    ``Bearer t`` registers ``t``; ``Basic b64`` also the decoded ``user:password`` and
    the password; ``Token token=t, user=u`` each value of eight or more characters.
    """
    value = header_value.strip()
    register_secret(value)
    scheme, _, credentials = value.partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return
    register_secret(credentials)
    if scheme.lower() == "basic":
        decoded = _b64decode(credentials)
        if decoded is not None:
            register_secret(decoded)
            register_secret(decoded.partition(":")[2])
        return
    for part in re.split(r"[\s,;=\"']+", credentials):
        if len(part) >= 8:
            register_secret(part)


def register_credentials(auth: str | None, url: str, *, url_is_secret: bool = False) -> None:
    """Register a source's credentials: its Authorization value and its URL's password.

    With *url_is_secret* (a private feed whose URL is the credential), its path and query.
    """
    if auth:
        register_authorization(auth)
    parts = urlsplit(url.strip())
    if parts.password:
        register_secret(unquote(parts.password))
    if url_is_secret:
        for part in (parts.path, parts.query, unquote(parts.path), unquote(parts.query)):
            if len(part.strip("/")) >= 8:
                register_secret(part)


def redact(text: str) -> str:
    """*text* with every registered secret replaced by ``***``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def _forms(secret: str) -> set[str]:
    """The secret as a server may echo it back."""
    if not secret:
        return set()
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms |= {text, text.rstrip("=")}
    return forms


def _b64decode(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
