"""Tray icons: every state renders, states and variants differ, the badge shows."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from traysupport.ui import icons
from traysupport.ui.presenter import TrayState

SIZES = (16, 22, 32, 64)
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "icons"


def pixels(state: TrayState, size: int, badge: int = 0, dark: bool = False) -> QImage:
    """What the tray gets from the icon at *size* px."""
    icon = icons.tray_icon(state, badge, dark_panel=dark)
    return icon.pixmap(QSize(size, size)).toImage()


def opaque_pixels(image: QImage) -> int:
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 0
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(TrayState))
def test_every_state_renders_at_every_tray_size(
    qapp: QApplication, state: TrayState, size: int
) -> None:
    image = pixels(state, size)
    assert image.size() == QSize(size, size)
    # Drawn, but not a filled square: the glyph covers part of the icon.
    assert 0.1 * size * size < opaque_pixels(image) < 0.8 * size * size


@pytest.mark.parametrize("size", SIZES)
def test_every_state_looks_different(qapp: QApplication, size: int) -> None:
    for dark in (False, True):
        drawn = {state: pixels(state, size, dark=dark) for state in TrayState}
        for a, b in combinations(TrayState, 2):
            assert drawn[a] != drawn[b], f"{a} and {b} look the same at {size} px"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(TrayState))
def test_light_and_dark_variants_differ(qapp: QApplication, state: TrayState, size: int) -> None:
    assert pixels(state, size, dark=False) != pixels(state, size, dark=True)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", [TrayState.OFF_DUTY, TrayState.ON_DUTY_QUIET])
def test_a_badge_changes_the_pixels(qapp: QApplication, state: TrayState, size: int) -> None:
    assert pixels(state, size) != pixels(state, size, badge=3)


@pytest.mark.parametrize("size", SIZES)
def test_the_count_is_drawn_at_every_size(qapp: QApplication, size: int) -> None:
    counts = {n: pixels(TrayState.ON_DUTY_ATTENTION, size, badge=n) for n in (1, 2, 7, 10)}
    for a, b in combinations(counts, 2):
        assert counts[a] != counts[b], f"{a} and {b} look the same at {size} px"


def test_counts_above_nine_share_an_icon(qapp: QApplication) -> None:
    assert icons.tray_icon(TrayState.SLA_WARNING, 12) is icons.tray_icon(TrayState.SLA_WARNING, 40)
    attention = TrayState.ON_DUTY_ATTENTION
    assert pixels(attention, 22, 10) == pixels(attention, 22, 99)


def test_an_icon_holds_a_pixmap_for_each_platform_size(qapp: QApplication) -> None:
    sizes = icons.tray_icon(TrayState.ON_DUTY_QUIET).availableSizes()
    assert {QSize(s, s) for s in icons.SIZES} == set(sizes)


def test_mask_icons_are_marked_as_masks(qapp: QApplication) -> None:
    assert icons.tray_icon(TrayState.OFF_DUTY, mask=True).isMask()
    assert not icons.tray_icon(TrayState.OFF_DUTY).isMask()
    assert icons.use_mask(TrayState.ON_DUTY_QUIET, "darwin")
    assert not icons.use_mask(TrayState.SLA_BREACHED, "darwin")  # a breach keeps its red
    assert not icons.use_mask(TrayState.ON_DUTY_QUIET, "linux")


@pytest.mark.parametrize("palette", [icons.LIGHT_PANEL, icons.DARK_PANEL, icons.MONO])
@pytest.mark.parametrize("badge", [0, 5, 10])
def test_every_svg_is_valid(qapp: QApplication, palette: icons.Palette, badge: int) -> None:
    for state in TrayState:
        for small in (False, True):
            svg = icons.icon_svg(state, palette, badge, small=small)
            assert QSvgRenderer(QByteArray(svg.encode())).isValid(), (state, badge, small)


def test_gnome_panels_are_dark_whatever_the_theme(qapp: QApplication) -> None:
    assert icons.panel_is_dark("ubuntu:GNOME")
    assert icons.panel_is_dark("GNOME")


def test_the_app_icon_renders(qapp: QApplication) -> None:
    image = icons.app_icon().pixmap(QSize(48, 48)).toImage()
    assert opaque_pixels(image) > 0.8 * 48 * 48


def test_the_exported_svgs_in_resources_match_the_code() -> None:
    """resources/icons is what packaging installs; regenerate it with icons.export_svgs."""
    expected = icons.exported_svgs()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in RESOURCES.glob("*.svg")}
    assert set(on_disk) == set(expected)
    for name, svg in expected.items():
        assert on_disk[name] == svg + "\n", f"{name} is out of date"


def test_export_writes_every_file(tmp_path: Path) -> None:
    written = icons.export_svgs(tmp_path / "icons")
    assert sorted(p.name for p in written) == sorted(icons.exported_svgs())
    assert all(p.read_text(encoding="utf-8").startswith("<svg") for p in written)


@pytest.mark.parametrize(
    ("desktop", "gnome"),
    [("GNOME", True), ("ubuntu:GNOME", True), ("Unity", True), ("KDE", False), ("", False)],
)
def test_gnome_is_recognised_in_xdg_current_desktop(desktop: str, gnome: bool) -> None:
    assert icons.is_gnome(desktop) is gnome


# -- a source down -------------------------------------------------------------------------


def marked(state: TrayState, size: int, badge: int = 0, dark: bool = False) -> QImage:
    icon = icons.tray_icon(state, badge, dark_panel=dark, warning=True)
    return icon.pixmap(QSize(size, size)).toImage()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", sorted(set(TrayState) - {TrayState.STALE}))
def test_a_source_down_shows_over_every_state(
    qapp: QApplication, state: TrayState, size: int
) -> None:
    for dark in (False, True):
        assert marked(state, size, dark=dark) != pixels(state, size, dark=dark), (state, dark)
    assert marked(state, size) != marked(state, size, dark=True)
    image = marked(state, size)
    assert 0.1 * size * size < opaque_pixels(image) < 0.8 * size * size


def test_stale_already_says_a_source_is_down(qapp: QApplication) -> None:
    assert marked(TrayState.STALE, 22, badge=3) == pixels(TrayState.STALE, 22)


@pytest.mark.parametrize("palette", [icons.LIGHT_PANEL, icons.DARK_PANEL, icons.MONO])
def test_marked_svgs_are_valid_in_every_variant(qapp: QApplication, palette: icons.Palette) -> None:
    for state in TrayState:
        for badge in (0, 10):
            svg = icons.icon_svg(state, palette, badge, warning=True)
            assert QSvgRenderer(QByteArray(svg.encode())).isValid(), (state, badge)
            if state is not TrayState.STALE:
                assert svg != icons.icon_svg(state, palette, badge)


def test_the_marked_icons_are_exported_for_every_state_and_variant() -> None:
    names = set(icons.exported_svgs())
    for state in TrayState:
        for variant in ("light", "dark", "mask"):
            assert f"traysupport-{state.value}-source-down-{variant}.svg" in names
