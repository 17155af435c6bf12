"""The pieces laid over the tray icon's headset, as SVG text: palettes, badge, warning mark.

No Qt here: `icons` puts the pieces together, cuts the gaps and renders them. Each piece
is an `Emblem`, an unclosed SVG element (so the caller can paint it in a colour, or in
black as a hole in a mask) with the marks drawn on it.

- The **badge** counts tickets needing the user, top right in a blue disc ("9+" beyond
  nine), its digits drawn as paths so no font is needed; below `icons.SMALL` pixels, or
  without a count, it is a plain dot.
- The **source warning mark** is a small amber triangle with "!" at the top left, on the
  icon while any source is down, whatever state the icon shows. It is smaller than the SLA
  warning emblem and sits in the other corner, so the two never read as one.
"""

from __future__ import annotations

from dataclasses import dataclass

GRID = 22
BADGE_MAX = 9
"""Counts above this are drawn as "9+"."""


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one variant."""

    glyph: str
    green: str = "#2ec27e"
    blue: str = "#3584e4"
    amber: str = "#f6a40f"
    red: str = "#e01b24"
    on_colour: str = "#ffffff"
    """Marks drawn on a coloured emblem ("!", digits, pause bars)."""
    on_amber: str = "#241f1c"


LIGHT_PANEL = Palette(glyph="#232629")
DARK_PANEL = Palette(glyph="#f2f2f2")
MONO = Palette(
    glyph="#000000",
    green="#000000",
    blue="#000000",
    amber="#000000",
    red="#000000",
    on_colour="#000000",
    on_amber="#000000",
)
"""The macOS template variant: black only; marks on emblems are cut out instead."""


@dataclass(frozen=True, slots=True)
class Emblem:
    """A piece over the headset: a shape (unpainted, unclosed element), its fill, its mark."""

    shape: str
    fill: str
    mark: str
    """Elements drawn on the shape, with ``{c}`` for their colour."""
    mark_colour: str
    outline: float = 0.0
    """Width of a stroke in the fill colour, which rounds a polygon's corners."""


def num(value: float) -> str:
    """*value* as SVG writes it: no trailing zeros."""
    return f"{value:g}"


# -- the badge, in grid units --------------------------------------------------------------

_BADGE_CENTRE = (17.0, 5.0)
_BADGE_R = 5
_DOT_R = 3.5
"""Radius of the badge drawn without digits: at small sizes, and for attention without a count."""

# Digits on a 4 x 6 box, stroked; designed to stay apart at 16 px.
_DIGITS = {
    "0": "M2 0 C0.3 0 0 1.6 0 3 C0 4.4 0.3 6 2 6 C3.7 6 4 4.4 4 3 C4 1.6 3.7 0 2 0 Z",
    "1": "M0.6 1.4 L2.4 0 V6",
    "2": "M0.2 1.3 C0.6 0.4 1.2 0 2 0 C3.2 0 4 0.7 4 1.8 C4 3.3 2.4 4.2 0 6 H4",
    "3": "M0.3 0 H3.7 L1.7 2.5 C3.3 2.4 4 3.3 4 4.2 C4 5.3 3.1 6 2 6 C1.2 6 0.5 5.7 0 5.1",
    "4": "M2.9 6 V0 L0 4.2 H4",
    "5": "M3.7 0 H0.6 L0.3 2.9 C0.8 2.6 1.4 2.4 2 2.4 C3.2 2.4 4 3.2 4 4.2 "
    "C4 5.3 3.1 6 2 6 C1.2 6 0.5 5.7 0 5.1",
    "6": "M3.4 0.1 C1.3 0.6 0 2.3 0 4 C0 5.2 0.9 6 2 6 C3.1 6 4 5.2 4 4.1 "
    "C4 3 3.1 2.3 2 2.3 C1.1 2.3 0.4 2.8 0.1 3.4",
    "7": "M0 0 H4 L1.4 6",
    "8": "M2 2.7 C1 2.7 0.3 2.1 0.3 1.35 C0.3 0.6 1 0 2 0 C3 0 3.7 0.6 3.7 1.35 "
    "C3.7 2.1 3 2.7 2 2.7 C0.9 2.7 0 3.4 0 4.35 C0 5.3 0.9 6 2 6 "
    "C3.1 6 4 5.3 4 4.35 C4 3.4 3.1 2.7 2 2.7 Z",
    "9": "M0.6 5.9 C2.7 5.4 4 3.7 4 2 C4 0.8 3.1 0 2 0 C0.9 0 0 0.8 0 1.9 "
    "C0 3 0.9 3.7 2 3.7 C2.9 3.7 3.6 3.2 3.9 2.6",
    "+": "M0.3 3 H3.7 M2 1.3 V4.7",
}
_DIGIT_W, _DIGIT_H, _DIGIT_GAP = 4.0, 6.0, 1.0


def _badge_text(count: int) -> str:
    return str(count) if count <= BADGE_MAX else f"{BADGE_MAX}+"


def _badge_shape(count: int) -> str:
    """The badge's outline: a disc, or for two characters a pill from the right edge."""
    cx, cy, r = *_BADGE_CENTRE, _BADGE_R
    if len(_badge_text(count)) == 1:
        return f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{r}"'
    return f'<rect x="{GRID - 12}" y="{num(cy - r)}" width="12" height="{2 * r}" rx="{r}"'


def _digits(text: str, colour: str) -> str:
    """*text* (digits and "+") as stroked paths centred on the badge."""
    width = len(text) * _DIGIT_W + (len(text) - 1) * _DIGIT_GAP
    cx, cy = _BADGE_CENTRE
    if len(text) > 1:
        cx = GRID - 6.0
    x0, y0 = cx - width / 2, cy - _DIGIT_H / 2
    paths = []
    for i, char in enumerate(text):
        dx = x0 + i * (_DIGIT_W + _DIGIT_GAP)
        paths.append(
            f'<path transform="translate({num(dx)} {num(y0)})" d="{_DIGITS[char]}" fill="none"'
            f' stroke="{colour}" stroke-width="1.4" stroke-linecap="round"'
            ' stroke-linejoin="round"/>'
        )
    return "".join(paths)


def badge_emblem(count: int, p: Palette, small: bool) -> Emblem:
    """The badge for *count*; a dot when *small* or without a count."""
    if small or count <= 0:
        cx, cy = _BADGE_CENTRE
        return Emblem(f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{_DOT_R}"', p.blue, "", "")
    return Emblem(_badge_shape(count), p.blue, _digits(_badge_text(count), "{c}"), p.on_colour)


# -- the source warning mark ---------------------------------------------------------------

_WARNING_SHAPE = '<path d="M4.5 1.2 L8.6 8.6 H0.4 Z"'
"""A triangle in the top-left corner, clear of the ear cup below and the badge to the right."""
_WARNING_BANG = (
    '<path d="M4.5 3.9 V5.9" stroke="{c}" stroke-width="1.4" stroke-linecap="round"/>'
    '<circle cx="4.5" cy="7.5" r="0.75" fill="{c}"/>'
)


def warning_mark(p: Palette) -> Emblem:
    """The mark saying a source is down: a small amber triangle with "!"."""
    return Emblem(_WARNING_SHAPE, p.amber, _WARNING_BANG, p.on_amber, outline=1.0)
