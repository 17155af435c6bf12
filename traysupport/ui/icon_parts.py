"""The one mark laid over the tray icon's headset, as SVG text: palettes, box, count.

No Qt here: `icons` chooses the mark, cuts its gap out of the headset and renders it.
Each mark is an `Emblem`, an unclosed SVG element (so the caller can paint it in a
colour, or in black as a hole in a mask) with what is drawn on it.

Every mark sits in one place, the bottom-right `MarkBox`, big enough for a count to be
read at tray sizes: at 22 px its digit is 8 px tall (it was 6 px in a corner badge,
beside two other marks). Below `icons.SMALL` pixels the box grows (`SMALL_BOX`) so the
digit keeps 6 px at 16 px. The **count** is drawn in a blue disc ("9+" beyond nine, in
a pill), its digits as stroked paths so no font is needed.
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
    blue: str = "#1c71d8"
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


# -- where a mark goes, in grid units ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarkBox:
    """The bottom-right place of the one mark: its centre, radius and digit size."""

    cx: float
    cy: float
    r: float
    digit_h: float
    """Height of a digit of the count; its width is two thirds of it."""
    stroke: float
    """Stroke width of the digits and of the "!"."""

    @property
    def digit_w(self) -> float:
        return self.digit_h * 2 / 3

    def disc(self, scale: float = 1.0) -> str:
        """A disc on the box's centre, *scale* times its radius (unclosed)."""
        return f'<circle cx="{num(self.cx)}" cy="{num(self.cy)}" r="{num(self.r * scale)}"'


BOX = MarkBox(cx=15.5, cy=15.5, r=6.5, digit_h=7.8, stroke=1.7)
SMALL_BOX = MarkBox(cx=14.8, cy=14.8, r=7.2, digit_h=8.8, stroke=2.1)
"""The box below `icons.SMALL` pixels: bigger, so the count stays 6 px tall at 16 px."""
DOT_SCALE = 0.7
"""A mark without anything drawn on it (on duty, attention without a count) is smaller."""

# -- the count ------------------------------------------------------------------------------

# Digits on a 4 x 6 box, stroked; scaled to the mark box's digit size.
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
_DIGIT_GAP = 0.22
_PILL_PAD = 0.9
"""Between the text of two characters and the ends of its pill."""
"""Between two characters, as a share of the digit height."""


def _badge_text(count: int) -> str:
    return str(count) if count <= BADGE_MAX else f"{BADGE_MAX}+"


def _text_width(text: str, box: MarkBox) -> float:
    return len(text) * box.digit_w + (len(text) - 1) * _DIGIT_GAP * box.digit_h


def _pill_width(text: str, box: MarkBox) -> float:
    return _text_width(text, box) + 2 * _PILL_PAD


def _badge_shape(text: str, box: MarkBox) -> str:
    """The count's outline: a disc, or for two characters a pill ending at the right edge."""
    if len(text) == 1:
        return box.disc()
    height = 2 * box.r
    width = _pill_width(text, box)
    top = box.cy - box.r
    return (
        f'<rect x="{num(GRID - width)}" y="{num(top)}" width="{num(width)}"'
        f' height="{num(height)}" rx="{num(box.r)}"'
    )


def _digits(text: str, box: MarkBox) -> str:
    """*text* (digits and "+") as stroked paths centred in the badge."""
    width = _text_width(text, box)
    cx = box.cx if len(text) == 1 else GRID - _pill_width(text, box) / 2
    x0, y0 = cx - width / 2, box.cy - box.digit_h / 2
    scale = box.digit_h / 6
    step = box.digit_w + _DIGIT_GAP * box.digit_h
    paths = []
    for i, char in enumerate(text):
        dx = x0 + i * step
        paths.append(
            f'<path transform="translate({num(round(dx, 3))} {num(round(y0, 3))})'
            f' scale({num(round(scale, 4))})" d="{_DIGITS[char]}" fill="none"'
            f' stroke="{{c}}" stroke-width="{num(round(box.stroke / scale, 3))}"'
            ' stroke-linecap="round" stroke-linejoin="round"/>'
        )
    return "".join(paths)


def count_mark(count: int, p: Palette, box: MarkBox) -> Emblem:
    """The count of tickets needing the user; a plain dot without a count."""
    if count <= 0:
        return Emblem(box.disc(DOT_SCALE), p.blue, "", "")
    text = _badge_text(count)
    return Emblem(_badge_shape(text, box), p.blue, _digits(text, box), p.on_colour)


# -- the other marks ------------------------------------------------------------------------


def bang(box: MarkBox, top: float, bottom: float, dot: float) -> str:
    """A "!" on the box's centre line; *top*, *bottom*, *dot* in radii from the centre."""
    x, y, r = num(box.cx), box.cy, box.r
    return (
        f'<path d="M{x} {num(round(y + top * r, 3))} V{num(round(y + bottom * r, 3))}"'
        f' stroke="{{c}}" stroke-width="{num(box.stroke)}" stroke-linecap="round"/>'
        f'<circle cx="{x}" cy="{num(round(y + dot * r, 3))}" r="{num(box.stroke * 0.62)}"'
        ' fill="{c}"/>'
    )


def triangle(box: MarkBox) -> str:
    """A triangle filling the box, its point up (unclosed)."""
    cx, cy, r = box.cx, box.cy, box.r
    return (
        f'<path d="M{num(cx)} {num(round(cy - r + 0.6, 3))} L{num(round(cx + r, 3))}'
        f' {num(round(cy + r - 0.9, 3))} H{num(round(cx - r, 3))} Z"'
    )
