"""Text for a terminal: server strings printed so that they cannot drive the terminal.

The parser already drops control characters from the text it keeps, but output is the
last line of defence: an id kept verbatim, a saved snapshot from an older version, an
error message or a log line may still carry them. A terminal obeys escape sequences
(``ESC]0;…BEL`` sets its title, ``ESC[2J`` clears it) and bidi overrides make text read
differently from what it is, so every human-readable line the CLI prints goes through
`visible`, which shows such characters as escapes (``\\x1b``, ``\\u202e``) instead.
`--json` stays exact: `json_text` escapes the same characters as JSON ``\\uXXXX``.
"""

from __future__ import annotations

import json
import re

# C0 controls but the line break, DEL and C1 controls, bidi marks, embeddings, overrides
# and isolates, the Unicode line and paragraph separators, and lone surrogates (which
# no terminal encoding can even write).
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible(text: str) -> str:
    """*text* with every control, bidi and surrogate character shown as an escape."""
    return _UNSAFE.sub(_shown, text)


def json_text(value: object) -> str:
    """*value* as indented JSON whose strings hold no raw control or bidi characters."""
    # json.dumps escapes C0 controls itself; DEL, C1, bidi and surrogates it leaves raw.
    return _UNSAFE.sub(_json_escape, json.dumps(value, indent=2, ensure_ascii=False))
