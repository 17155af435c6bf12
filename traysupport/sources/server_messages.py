"""What a server says when it refuses: its own words from a JSON error body, whatever
the vendor's error shape, cleaned and bounded for a message the user reads.

`answers.py` puts these words into the errors the HTTP client raises; `parse.clean_text` does the
cleaning, as for every other server string.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from traysupport.sources.parse import clean_text


def server_message(data: object, max_chars: int = 200) -> str:
    """The server's own words from a parsed JSON error body, cleaned; "" when it has none.

    Knows the common shapes: ``{"error": {"message", "errors": […]}}`` (team API,
    PagerDuty), ``{"error": "…"}``, ``{"message"}`` (GitHub), ``{"detail"}``/``{"title"}``
    (RFC 9457), ``{"errorMessages": […], "errors": {field: …}}`` (Jira), ``{"errors": […]}``
    Zendesk's ``{"error", "description", "details"}`` and Django REST framework's (Sentry)
    ``{field: ["message"]}``. A headline comes with its
    details, "Invalid Input Provided: Assignee cannot be empty.", the same for each.
    """
    if not isinstance(data, dict):
        return ""
    error = data.get("error")
    candidates: list[str] = []
    if isinstance(error, dict):  # team API, PagerDuty
        candidates.append(_with_details(error.get("message"), error.get("errors")))
    elif isinstance(error, str) and isinstance(data.get("description"), str):  # Zendesk
        details = data.get("details")
        said = _zendesk_details(details) if isinstance(details, dict) else ()
        candidates.append(_with_details(data.get("description"), said))
    else:
        candidates.append(_with_details(error, ()))
    candidates += [_with_details(data.get(key), ()) for key in ("message", "detail", "title")]
    listed, errors = data.get("errorMessages"), data.get("errors")
    headline = listed[0] if isinstance(listed, list) and listed else None
    if isinstance(errors, dict):  # Jira's ErrorCollection: {"errors": {field: message}}
        candidates.append(_with_details(headline, list(errors.values())))
    elif isinstance(errors, list):
        candidates.append(_with_details(headline, ()) or _with_details(None, errors))
    else:
        candidates.append(_with_details(headline, ()))
    if not any(candidates):  # Django REST framework (Sentry): {field: ["message", ...]}
        candidates.append(_with_details(None, _field_lists(data)))
    return clean_text(next((c for c in candidates if c), ""), max_chars)


_MAX_DETAILS = 3
"""Details named in a server message; a server may list thousands, the user reads a few."""


def _with_details(headline: object, details: object) -> str:
    """*headline* (when a string), then its first distinct string *details* (when a list
    or an iterator of them); "" for none.

    Text is stripped here and cleaned and bounded by the caller, on the whole message.
    """
    head = headline.strip() if isinstance(headline, str) else ""
    said: list[str] = []
    more = 0
    listed = details if isinstance(details, list | tuple | Iterator) else ()
    for detail in listed:
        text = detail.strip() if isinstance(detail, str) else ""
        if not text or text == head or text in said:
            continue
        if len(said) < _MAX_DETAILS:
            said.append(text)
        else:
            more += 1
    joined = "; ".join(said) + (f" (and {more} more)" if more else "")
    return f"{head}: {joined}" if head and joined else head or joined


def _field_lists(data: Mapping[object, object]) -> Iterator[str]:
    """A validation answer of field → list of messages, as "field: first message"."""
    for field, problems in data.items():
        first = problems[0] if isinstance(problems, list) and problems else None
        if isinstance(field, str) and isinstance(first, str):
            yield f"{field}: {first}"


def _zendesk_details(details: Mapping[object, object]) -> Iterable[object]:
    """Zendesk's ``details``: ``{field: [{"description"}]}`` (provider-apis.md §4), the
    first description of each field."""
    for problems in details.values():
        first = problems[0] if isinstance(problems, list) and problems else None
        if isinstance(first, dict):
            yield first.get("description")
