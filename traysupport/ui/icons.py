"""The tray icon of every `TrayState`, drawn from SVG made here, with the badge count.

The SVG is built in code rather than read from files: the badge digits are part of it,
the light and dark variants differ only in colours, and nothing has to be found on disk
at run time, so a PyInstaller bundle needs no data files for the icons (only the
``PySide6.QtSvg`` module, which its import pulls in). ``resources/icons/`` holds the same
SVGs exported by `export_svgs` for packaging; a test keeps the two in step.

Design, on a 22-unit grid (the most common tray size draws it pixel for pixel): a headset
for "support", solid while on duty and drawn in outline, faded, while off duty or while
a source is down (the data may be old). Over it goes **one mark at a time**, in the
bottom-right corner (`icon_parts.MarkBox`), cut out of the headset so it reads at 16 px.
The first that holds wins:

1. SLA breached: a red disc with "!";
2. SLA warning: an amber triangle with "!";
3. a source is down (``STALE``, or the *warning* flag): a clock;
4. paused: two bars;
5. tickets need the user: the **count** in a blue disc ("9+" beyond nine), legible at
   every tray size (8 px tall digits at 22 px, 6 px at 16 px); a blue dot without one;
6. on duty: a green dot.

The tooltip and the menu say everything the one mark leaves out (how many tickets
while the SLA marks show, which source is down). Under an SLA mark a source being down
still shows, as the faded headset. Shapes differ as well as colours, for colour blind
users and for the monochrome mask icons of macOS.

Which variant: `panel_is_dark` decides whether the panel behind the icon is dark (then
the glyph is light). Qt cannot see the panel, only the palette, so GNOME, whose top bar
is dark whatever the theme, is special-cased; elsewhere the colour scheme or the
palette's window colour decides.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from traysupport.ui.icon_parts import (
    BADGE_MAX,
    BOX,
    DARK_PANEL,
    DOT_SCALE,
    GRID,
    LIGHT_PANEL,
    MONO,
    SMALL_BOX,
    Emblem,
    MarkBox,
    Palette,
    bang,
    count_mark,
    num,
    triangle,
)
from traysupport.ui.presenter import TrayState

__all__ = [
    "BADGE_MAX",
    "DARK_PANEL",
    "GRID",
    "LIGHT_PANEL",
    "MONO",
    "SIZES",
    "SMALL",
    "Palette",
    "app_icon",
    "app_svg",
    "export_svgs",
    "exported_svgs",
    "icon_svg",
    "is_gnome",
    "panel_is_dark",
    "render",
    "tray_icon",
    "use_mask",
]

SIZES = (16, 20, 22, 24, 32, 40, 44, 48, 64, 96, 128)
"""Pixel sizes put into each QIcon: the tray sizes of every platform at 1x and 2x."""

# -- the pieces, in grid units -------------------------------------------------------------

_BAND = "M4 13.5 V11 A7 7 0 0 1 18 11 V13.5"
_CUPS = ((2, 11.5), (15, 11.5))
"""Top-left corners of the 5 x 7 ear cups."""
_MIC = "M4.5 18.5 Q5 20.5 8 20.5 H10"
_GAP = 1.5
"""Width of the transparent ring cut around the mark."""
SMALL = 20
"""Below this many pixels the mark grows (`icon_parts.SMALL_BOX`) to keep its count legible."""


def _headset(p: Palette, solid: bool) -> str:
    """The headset: filled cups when *solid*, outlined ones otherwise."""
    if solid:
        cups = "".join(
            f'<rect x="{num(x)}" y="{num(y)}" width="5" height="7" rx="1.6" fill="{p.glyph}"/>'
            for x, y in _CUPS
        )
    else:
        cups = "".join(
            f'<rect x="{num(x + 0.75)}" y="{num(y + 0.75)}" width="3.5" height="5.5" rx="1"'
            f' fill="none" stroke="{p.glyph}" stroke-width="1.5"/>'
            for x, y in _CUPS
        )
    stroke = f'fill="none" stroke="{p.glyph}" stroke-linecap="round"'
    return (
        f'<path d="{_BAND}" {stroke} stroke-width="2"/>'
        f'<path d="{_MIC}" {stroke} stroke-width="1.5"/>{cups}'
    )


def _mark(state: TrayState, p: Palette, badge: int, box: MarkBox, warning: bool) -> Emblem | None:
    """The one mark of the icon: the first of the module docstring's list that holds."""
    if state is TrayState.SLA_BREACHED:
        return Emblem(box.disc(), p.red, bang(box, -0.55, 0.12, 0.52), p.on_colour)
    if state is TrayState.SLA_WARNING:
        return Emblem(triangle(box), p.amber, bang(box, -0.2, 0.3, 0.62), p.on_amber, outline=1.5)
    if state is TrayState.STALE or warning:
        hands = (
            f'<path d="M{num(box.cx)} {num(round(box.cy - box.r * 0.55, 3))} V{num(box.cy)}'
            f' H{num(round(box.cx + box.r * 0.45, 3))}" fill="none" stroke="{{c}}"'
            f' stroke-width="{num(box.stroke)}" stroke-linecap="round" stroke-linejoin="round"/>'
        )
        return Emblem(box.disc(), p.glyph, hands, _contrast(p))
    if state is TrayState.PAUSED:
        w, h, gap = box.r * 0.27, box.r * 0.85, box.r * 0.2
        bars = "".join(
            f'<rect x="{num(round(x, 3))}" y="{num(round(box.cy - h / 2, 3))}"'
            f' width="{num(round(w, 3))}" height="{num(round(h, 3))}" fill="{{c}}"/>'
            for x in (box.cx - gap - w, box.cx + gap)
        )
        return Emblem(box.disc(), p.glyph, bars, _contrast(p))
    if badge > 0 or state is TrayState.ON_DUTY_ATTENTION:
        return count_mark(badge, p, box)
    if state is TrayState.ON_DUTY_QUIET:
        return Emblem(box.disc(DOT_SCALE), p.green, "", "")
    return None


def _contrast(p: Palette) -> str:
    """The colour of a mark on a glyph-coloured emblem: the other variant's glyph."""
    return DARK_PANEL.glyph if p.glyph == LIGHT_PANEL.glyph else LIGHT_PANEL.glyph


FADED = frozenset({TrayState.OFF_DUTY, TrayState.STALE})
"""States whose headset is drawn in outline and faded: nothing is asked of the user now."""
FADED_OPACITY = 0.6


def _paint(shape: str, fill: str, outline: float = 0.0, extra: str = "") -> str:
    """Close the unpainted element *shape* with a fill (and a rounding stroke)."""
    stroke = f' stroke="{fill}" stroke-width="{num(outline)}" stroke-linejoin="round"'
    return f'{shape} fill="{fill}"{stroke if outline else ""}{extra}/>'


def _mask(mask_id: str, holes: list[str]) -> str:
    """A mask keeping everything but *holes* (elements drawn in black)."""
    return (
        f'<mask id="{mask_id}" maskUnits="userSpaceOnUse" x="0" y="0"'
        f' width="{GRID}" height="{GRID}"><rect width="{GRID}" height="{GRID}" fill="#fff"/>'
        + "".join(holes)
        + "</mask>"
    )


def _overlay(emblem: Emblem, mask_id: str, mono: bool) -> tuple[str, str]:
    """(the defs it needs, its elements) of an emblem with its mark.

    In colour the mark is drawn on the shape; a mask icon has one colour only, so there
    the mark is cut out of the shape instead.
    """
    shape = _paint(emblem.shape, emblem.fill, emblem.outline)
    if not mono:
        return "", shape + emblem.mark.format(c=emblem.mark_colour)
    if not emblem.mark:
        return "", shape
    cut = _paint(emblem.shape, emblem.fill, emblem.outline, f' mask="url(#{mask_id})"')
    return _mask(mask_id, [emblem.mark.format(c="#000")]), cut


def icon_svg(
    state: TrayState,
    palette: Palette,
    badge: int = 0,
    small: bool = False,
    warning: bool = False,
) -> str:
    """The SVG of *state*'s icon in *palette*, with its one mark (see the module docstring).

    *badge* counts the tickets needing the user; *small* draws the mark bigger, for sizes
    below `SMALL` pixels; *warning* says a source is down.
    """
    mono = palette is MONO
    mark = _mark(state, palette, badge, SMALL_BOX if small else BOX, warning)
    defs, top = [], ""
    faded = state in FADED or warning
    glyph_attrs = f' opacity="{FADED_OPACITY}"' if faded else ""
    if mark is not None:
        # The gap around the mark is cut out of the headset so the two never merge.
        defs.append(_mask("cut", [_paint(mark.shape, "#000", 2 * _GAP + mark.outline)]))
        glyph_attrs += ' mask="url(#cut)"'
        needed, top = _overlay(mark, "mark", mono)
        defs.append(needed)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}"'
        f' width="{GRID}" height="{GRID}"><defs>{"".join(defs)}</defs>'
        f"<g{glyph_attrs}>{_headset(palette, solid=not faded)}</g>{top}</svg>"
    )


# -- Qt ------------------------------------------------------------------------------------


def render(svg: str, size: int) -> QImage:
    """*svg* drawn into a transparent *size* x *size* image."""
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def _icon(svg_at: Callable[[int], str]) -> QIcon:
    """An icon holding a pixmap of `svg_at(size)` for each of `SIZES`."""
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(QPixmap.fromImage(render(svg_at(size), size)))
    return icon


def tray_icon(
    state: TrayState,
    badge: int = 0,
    dark_panel: bool = False,
    mask: bool = False,
    warning: bool = False,
) -> QIcon:
    """*state*'s icon with *badge*, for a dark or light panel, or as a macOS mask icon.

    *warning* adds the mark saying a source is down. Cached: a state change re-renders
    only what has not been drawn before. Counts above nine share one icon ("9+"), so the
    cache stays small.
    """
    return _tray_icon(state, max(0, min(badge, BADGE_MAX + 1)), dark_panel, mask, warning)


@lru_cache(maxsize=128)
def _tray_icon(state: TrayState, badge: int, dark_panel: bool, mask: bool, warning: bool) -> QIcon:
    palette = MONO if mask else (DARK_PANEL if dark_panel else LIGHT_PANEL)
    icon = _icon(lambda size: icon_svg(state, palette, badge, size < SMALL, warning))
    icon.setIsMask(mask)
    return icon


def app_svg() -> str:
    """The application's own icon (windows, the About box, the .desktop entry)."""
    glyph = _headset(DARK_PANEL, solid=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}"'
        f' width="{GRID * 8}" height="{GRID * 8}">'
        f'<rect width="{GRID}" height="{GRID}" rx="5" fill="{LIGHT_PANEL.blue}"/>'
        f'<g transform="translate(2.2 2.2) scale(0.8)">{glyph}</g></svg>'
    )


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The application's icon at every size."""
    svg = app_svg()
    return _icon(lambda _size: svg)


MASK_STATES = frozenset(
    {
        TrayState.OFF_DUTY,
        TrayState.ON_DUTY_QUIET,
        TrayState.ON_DUTY_ATTENTION,
        TrayState.PAUSED,
        TrayState.STALE,
    }
)
"""States drawn as a mask icon on macOS, tinted by the menu bar; SLA states keep colour."""


def use_mask(state: TrayState, platform: str = sys.platform) -> bool:
    """True when *state*'s icon should be a mask icon on *platform* (macOS, calm states)."""
    return platform == "darwin" and state in MASK_STATES


def is_gnome(desktop: str) -> bool:
    """True when ``XDG_CURRENT_DESKTOP`` (*desktop*) names GNOME or a desktop built on it."""
    return any(part.strip().upper() in ("GNOME", "UNITY") for part in desktop.split(":"))


def panel_is_dark(desktop: str | None = None) -> bool:
    """Whether the panel holding the tray is dark (so the glyph should be light).

    *desktop* is ``XDG_CURRENT_DESKTOP`` (read from the environment when None).
    """
    desktop = os.environ.get("XDG_CURRENT_DESKTOP", "") if desktop is None else desktop
    if is_gnome(desktop):
        return True  # GNOME's and Ubuntu's top bar is dark in light themes too
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme is not Qt.ColorScheme.Unknown:
        return scheme is Qt.ColorScheme.Dark
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


# -- export for packaging ------------------------------------------------------------------


def exported_svgs() -> dict[str, str]:
    """File name -> SVG of every icon kept in ``resources/icons/``.

    Each state in each variant, and again with the mark saying a source is down
    (``traysupport-<state>-source-down-<variant>.svg``); badge counts are not exported.
    """
    files = {"traysupport.svg": app_svg()}
    for state in TrayState:
        for name, palette in (("light", LIGHT_PANEL), ("dark", DARK_PANEL), ("mask", MONO)):
            files[f"traysupport-{state.value}-{name}.svg"] = icon_svg(state, palette)
            files[f"traysupport-{state.value}-source-down-{name}.svg"] = icon_svg(
                state, palette, warning=True
            )
    return files


def export_svgs(folder: Path) -> list[Path]:
    """Write `exported_svgs` into *folder* (run after changing the design; a test checks)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, svg in exported_svgs().items():
        path = folder / name
        path.write_text(svg + "\n", encoding="utf-8")
        written.append(path)
    return written
