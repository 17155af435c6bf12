"""The tray icon carries one mark at a time, and a count on it is legible at tray sizes.

Measured on the rendered pixels, as a panel shows them: the digit's height in pixels,
its contrast with the badge, and where coloured pixels fall.
"""

from __future__ import annotations

import colorsys
from itertools import product

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from traysupport.ui import icons
from traysupport.ui.presenter import TrayState

TRAY_SIZES = (16, 22, 24, 32)
MIN_DIGIT_PX = {16: 6, 22: 8, 24: 8, 32: 11}
"""The count's digit must be at least this tall: about 6 px at 22 px was unreadable."""


def drawn(state: TrayState, size: int, badge: int = 0, warning: bool = False) -> QImage:
    icon = icons.tray_icon(state, badge, warning=warning)
    return icon.pixmap(QSize(size, size)).toImage()


def luminance(colour: QColor) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.red())
        + 0.7152 * channel(colour.green())
        + 0.0722 * channel(colour.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def badge_pixels(image: QImage) -> list[tuple[int, int, QColor]]:
    blue = QColor(icons.LIGHT_PANEL.blue)
    return [
        (x, y, image.pixelColor(x, y))
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() == 255 and image.pixelColor(x, y) == blue
    ]


def digit_rows(image: QImage) -> set[int]:
    """Rows holding the digit's ink: light pixels inside the blue badge's box."""
    blue = badge_pixels(image)
    assert blue, "no badge drawn"
    xs, ys = [x for x, _, _ in blue], [y for _, y, _ in blue]
    rows = set()
    for y in range(min(ys), max(ys) + 1):
        for x in range(min(xs), max(xs) + 1):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() == 255 and luminance(pixel) > 0.5:
                rows.add(y)
    return rows


@pytest.mark.parametrize("size", TRAY_SIZES)
@pytest.mark.parametrize("count", [1, 4, 7, 8, 12])
def test_the_count_is_tall_enough_to_read(qapp: QApplication, size: int, count: int) -> None:
    image = drawn(TrayState.ON_DUTY_ATTENTION, size, count)
    rows = digit_rows(image)
    height = max(rows) - min(rows) + 1
    assert height >= MIN_DIGIT_PX[size], f"{count} is {height} px tall at {size} px"


@pytest.mark.parametrize("size", TRAY_SIZES)
def test_the_count_stands_out_from_its_badge(qapp: QApplication, size: int) -> None:
    image = drawn(TrayState.ON_DUTY_ATTENTION, size, 3)
    fill = QColor(icons.LIGHT_PANEL.blue)
    ink = max((c for _, _, c in _inside_badge(image)), key=luminance)
    assert contrast(ink, fill) >= 4.5, (ink.name(), fill.name())


def _inside_badge(image: QImage) -> list[tuple[int, int, QColor]]:
    blue = badge_pixels(image)
    xs, ys = [x for x, _, _ in blue], [y for _, y, _ in blue]
    return [
        (x, y, image.pixelColor(x, y))
        for y in range(min(ys), max(ys) + 1)
        for x in range(min(xs), max(xs) + 1)
    ]


@pytest.mark.parametrize("size", TRAY_SIZES)
def test_counts_look_different_at_every_tray_size(qapp: QApplication, size: int) -> None:
    images = [drawn(TrayState.ON_DUTY_ATTENTION, size, n) for n in range(1, 11)]
    for i, a in enumerate(images):
        for b in images[i + 1 :]:
            assert a != b


def hue_family(colour: QColor) -> str | None:
    """ "red", "amber", "green" or "blue" for a saturated opaque pixel, else None."""
    if colour.alpha() < 200:
        return None
    h, _, s = colorsys.rgb_to_hls(colour.redF(), colour.greenF(), colour.blueF())
    if s < 0.5 or max(colour.red(), colour.green(), colour.blue()) < 90:
        return None
    degrees = h * 360
    if degrees < 20 or degrees > 340:
        return "red"
    if degrees < 60:
        return "amber"
    if 90 < degrees < 170:
        return "green"
    if 190 < degrees < 250:
        return "blue"
    return None


@pytest.mark.parametrize("size", TRAY_SIZES)
def test_one_mark_at_a_time_in_the_bottom_right(qapp: QApplication, size: int) -> None:
    """Whatever holds at once (an SLA state, a count, a source down), one mark is drawn."""
    for state, badge, warning in product(TrayState, (0, 3, 12), (False, True)):
        image = drawn(state, size, badge, warning)
        families: dict[str, int] = {}
        for y in range(size):
            for x in range(size):
                family = hue_family(image.pixelColor(x, y))
                if family is None:
                    continue
                families[family] = families.get(family, 0) + 1
                where = (state, badge, warning, x, y)
                assert x >= size * 0.25 and y >= size * 0.3, f"a mark outside its corner: {where}"
        marks = [f for f, n in families.items() if n > 2]
        assert len(marks) <= 1, (state, badge, warning, families)


def test_the_mark_follows_a_clear_priority(qapp: QApplication) -> None:
    """Breach > SLA warning > source down > paused > count > on duty."""
    size = 22

    def mark(state: TrayState, badge: int = 0, warning: bool = False) -> set[str]:
        image = drawn(state, size, badge, warning)
        found = (hue_family(image.pixelColor(x, y)) for y in range(size) for x in range(size))
        return {f for f in found if f is not None}

    assert mark(TrayState.SLA_BREACHED, 5, warning=True) == {"red"}
    assert mark(TrayState.SLA_WARNING, 5, warning=True) == {"amber"}
    assert mark(TrayState.ON_DUTY_ATTENTION, 5) == {"blue"}
    assert mark(TrayState.ON_DUTY_QUIET) == {"green"}
    # A source down: the clock (in the glyph's colour) replaces the count.
    assert mark(TrayState.STALE, 5, warning=True) == set()
    assert drawn(TrayState.STALE, size, 5, True) == drawn(TrayState.STALE, size, 0, True)
    # Paused keeps its bars whatever the count: the count is in the tooltip.
    assert mark(TrayState.PAUSED, 5) == set()


@pytest.mark.parametrize("size", TRAY_SIZES)
def test_a_source_down_still_changes_an_sla_icon(qapp: QApplication, size: int) -> None:
    """Under an SLA mark, a source down fades the headset instead of adding a second mark."""
    for state in (TrayState.SLA_BREACHED, TrayState.SLA_WARNING):
        assert drawn(state, size, 2, warning=True) != drawn(state, size, 2)
